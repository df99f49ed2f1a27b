//! The ODBC constants the driver uses, as plain integers.
//!
//! Why not odbc-sys: its function block carries `#[link(name = "odbc")]` (a driver
//! must never link the driver manager, notes §2.5) and many of its parameters are Rust
//! enums, which are undefined behaviour when a driver manager passes a value the enum
//! does not list (1061, 1065, `SQL_ARD_TYPE` ...; notes §0.8). At the boundary every
//! value stays a raw integer and is compared against these constants.

#![allow(dead_code)]

use std::ffi::c_void;

pub type SqlReturn = i16;
pub type Handle = *mut c_void;
pub type Len = isize;
pub type ULen = usize;

// Return codes.
pub const SQL_SUCCESS: SqlReturn = 0;
pub const SQL_SUCCESS_WITH_INFO: SqlReturn = 1;
pub const SQL_STILL_EXECUTING: SqlReturn = 2;
pub const SQL_NEED_DATA: SqlReturn = 99;
pub const SQL_NO_DATA: SqlReturn = 100;
pub const SQL_ERROR: SqlReturn = -1;
pub const SQL_INVALID_HANDLE: SqlReturn = -2;

// Handle types.
pub const SQL_HANDLE_ENV: i16 = 1;
pub const SQL_HANDLE_DBC: i16 = 2;
pub const SQL_HANDLE_STMT: i16 = 3;
pub const SQL_HANDLE_DESC: i16 = 4;

// Lengths and indicators.
pub const SQL_NTS: i32 = -3;
pub const SQL_NTSL: isize = -3;
pub const SQL_NULL_DATA: isize = -1;
pub const SQL_DATA_AT_EXEC: isize = -2;
pub const SQL_NO_TOTAL: isize = -4;
pub const SQL_DEFAULT_PARAM: isize = -5;
pub const SQL_IGNORE: isize = -6;
pub const SQL_LEN_DATA_AT_EXEC_OFFSET: isize = -100;
pub const SQL_IS_POINTER: i32 = -4;
pub const SQL_IS_UINTEGER: i32 = -5;
pub const SQL_IS_INTEGER: i32 = -6;
pub const SQL_IS_USMALLINT: i32 = -7;
pub const SQL_IS_SMALLINT: i32 = -8;

// SQL data types (concise).
pub const SQL_UNKNOWN_TYPE: i16 = 0;
pub const SQL_CHAR: i16 = 1;
pub const SQL_NUMERIC: i16 = 2;
pub const SQL_DECIMAL: i16 = 3;
pub const SQL_INTEGER: i16 = 4;
pub const SQL_SMALLINT: i16 = 5;
pub const SQL_FLOAT: i16 = 6;
pub const SQL_REAL: i16 = 7;
pub const SQL_DOUBLE: i16 = 8;
pub const SQL_DATETIME: i16 = 9;
pub const SQL_VARCHAR: i16 = 12;
pub const SQL_TYPE_DATE: i16 = 91;
pub const SQL_TYPE_TIME: i16 = 92;
pub const SQL_TYPE_TIMESTAMP: i16 = 93;
pub const SQL_DATE: i16 = 9; // ODBC 2 codes
pub const SQL_TIME: i16 = 10;
pub const SQL_TIMESTAMP: i16 = 11;
pub const SQL_LONGVARCHAR: i16 = -1;
pub const SQL_BINARY: i16 = -2;
pub const SQL_VARBINARY: i16 = -3;
pub const SQL_LONGVARBINARY: i16 = -4;
pub const SQL_BIGINT: i16 = -5;
pub const SQL_TINYINT: i16 = -6;
pub const SQL_BIT: i16 = -7;
pub const SQL_WCHAR: i16 = -8;
pub const SQL_WVARCHAR: i16 = -9;
pub const SQL_WLONGVARCHAR: i16 = -10;
pub const SQL_GUID: i16 = -11;
pub const SQL_ALL_TYPES: i16 = 0;
pub const SQL_CODE_DATE: i16 = 1;
pub const SQL_CODE_TIME: i16 = 2;
pub const SQL_CODE_TIMESTAMP: i16 = 3;

// C data types.
pub const SQL_C_CHAR: i16 = 1;
pub const SQL_C_LONG: i16 = 4;
pub const SQL_C_SHORT: i16 = 5;
pub const SQL_C_FLOAT: i16 = 7;
pub const SQL_C_DOUBLE: i16 = 8;
pub const SQL_C_NUMERIC: i16 = 2;
pub const SQL_C_DEFAULT: i16 = 99;
pub const SQL_C_DATE: i16 = 9;
pub const SQL_C_TIME: i16 = 10;
pub const SQL_C_TIMESTAMP: i16 = 11;
pub const SQL_C_TYPE_DATE: i16 = 91;
pub const SQL_C_TYPE_TIME: i16 = 92;
pub const SQL_C_TYPE_TIMESTAMP: i16 = 93;
pub const SQL_C_BINARY: i16 = -2;
pub const SQL_C_BIT: i16 = -7;
pub const SQL_C_WCHAR: i16 = -8;
pub const SQL_C_TINYINT: i16 = -6;
pub const SQL_C_SBIGINT: i16 = -25;
pub const SQL_C_UBIGINT: i16 = -27;
pub const SQL_C_SLONG: i16 = -16;
pub const SQL_C_SSHORT: i16 = -15;
pub const SQL_C_STINYINT: i16 = -26;
pub const SQL_C_ULONG: i16 = -18;
pub const SQL_C_BOOKMARK: i16 = SQL_C_ULONG;
pub const SQL_C_VARBOOKMARK: i16 = SQL_C_BINARY;
pub const SQL_C_USHORT: i16 = -17;
pub const SQL_C_UTINYINT: i16 = -28;
pub const SQL_C_GUID: i16 = -11;
/// Column or parameter: "use the type bound in the ARD/APD" (SQLGetData).
pub const SQL_ARD_TYPE: i16 = -99;
pub const SQL_APD_TYPE: i16 = -100;

// Nullability.
pub const SQL_NO_NULLS: i16 = 0;
pub const SQL_NULLABLE: i16 = 1;
pub const SQL_NULLABLE_UNKNOWN: i16 = 2;

// Environment attributes.
pub const SQL_ATTR_ODBC_VERSION: i32 = 200;
pub const SQL_ATTR_CONNECTION_POOLING: i32 = 201;
pub const SQL_ATTR_CP_MATCH: i32 = 202;
pub const SQL_ATTR_OUTPUT_NTS: i32 = 10001;
/// iODBC ≥ 3.52.14: the driver's declared wide encoding (notes §0.3).
pub const SQL_ATTR_DRIVER_UNICODE_TYPE: i32 = 1065;
pub const SQL_OV_ODBC2: usize = 2;
pub const SQL_OV_ODBC3: usize = 3;
pub const SQL_OV_ODBC3_80: usize = 380;
/// iODBC's code page numbers (iodbcext.h).
pub const SQL_DM_CP_UTF16: usize = 1;
pub const SQL_DM_CP_UTF8: usize = 2;
pub const SQL_DM_CP_UCS4: usize = 3;

// Connection attributes.
pub const SQL_ATTR_ACCESS_MODE: i32 = 101;
pub const SQL_ATTR_AUTOCOMMIT: i32 = 102;
pub const SQL_ATTR_LOGIN_TIMEOUT: i32 = 103;
pub const SQL_ATTR_TRACE: i32 = 104;
pub const SQL_ATTR_TRACEFILE: i32 = 105;
pub const SQL_ATTR_TRANSLATE_LIB: i32 = 106;
pub const SQL_ATTR_TRANSLATE_OPTION: i32 = 107;
pub const SQL_ATTR_TXN_ISOLATION: i32 = 108;
pub const SQL_ATTR_CURRENT_CATALOG: i32 = 109;
pub const SQL_ATTR_ODBC_CURSORS: i32 = 110;
pub const SQL_ATTR_QUIET_MODE: i32 = 111;
pub const SQL_ATTR_PACKET_SIZE: i32 = 112;
pub const SQL_ATTR_CONNECTION_TIMEOUT: i32 = 113;
pub const SQL_ATTR_DISCONNECT_BEHAVIOR: i32 = 114;
/// unixODBC tells a W-only path that the application is ANSI.
pub const SQL_ATTR_ANSI_APP: i32 = 115;
pub const SQL_ATTR_RESET_CONNECTION: i32 = 116;
pub const SQL_ATTR_ASYNC_DBC_FUNCTIONS_ENABLE: i32 = 117;
pub const SQL_ATTR_ASYNC_ENABLE: i32 = 4;
pub const SQL_ATTR_AUTO_IPD: i32 = 10001;
pub const SQL_ATTR_METADATA_ID: i32 = 10014;
pub const SQL_ATTR_CONNECTION_DEAD: i32 = 1209;
/// iODBC ≥ 3.52.14: the wide encoding the application (DM) speaks (notes §0.3).
pub const SQL_ATTR_APP_WCHAR_TYPE: i32 = 1061;
pub const SQL_MODE_READ_WRITE: usize = 0;
pub const SQL_MODE_READ_ONLY: usize = 1;
pub const SQL_AUTOCOMMIT_OFF: usize = 0;
pub const SQL_AUTOCOMMIT_ON: usize = 1;
pub const SQL_CD_TRUE: usize = 1;
pub const SQL_CD_FALSE: usize = 0;
pub const SQL_TXN_READ_UNCOMMITTED: usize = 1;
pub const SQL_TXN_READ_COMMITTED: usize = 2;
pub const SQL_TXN_REPEATABLE_READ: usize = 4;
pub const SQL_TXN_SERIALIZABLE: usize = 8;

// Statement attributes.
pub const SQL_ATTR_CURSOR_SCROLLABLE: i32 = -1;
pub const SQL_ATTR_CURSOR_SENSITIVITY: i32 = -2;
pub const SQL_ATTR_QUERY_TIMEOUT: i32 = 0;
pub const SQL_ATTR_MAX_ROWS: i32 = 1;
pub const SQL_ATTR_NOSCAN: i32 = 2;
pub const SQL_ATTR_MAX_LENGTH: i32 = 3;
pub const SQL_ATTR_ROW_BIND_TYPE: i32 = 5;
pub const SQL_ATTR_CURSOR_TYPE: i32 = 6;
pub const SQL_ATTR_CONCURRENCY: i32 = 7;
pub const SQL_ATTR_KEYSET_SIZE: i32 = 8;
pub const SQL_ROWSET_SIZE: i32 = 9;
pub const SQL_ATTR_SIMULATE_CURSOR: i32 = 10;
pub const SQL_ATTR_RETRIEVE_DATA: i32 = 11;
pub const SQL_ATTR_USE_BOOKMARKS: i32 = 12;
pub const SQL_GET_BOOKMARK: i32 = 13;
pub const SQL_ATTR_ROW_NUMBER: i32 = 14;
pub const SQL_ATTR_ENABLE_AUTO_IPD: i32 = 15;
pub const SQL_ATTR_FETCH_BOOKMARK_PTR: i32 = 16;
pub const SQL_ATTR_PARAM_BIND_OFFSET_PTR: i32 = 17;
pub const SQL_ATTR_PARAM_BIND_TYPE: i32 = 18;
pub const SQL_ATTR_PARAM_OPERATION_PTR: i32 = 19;
pub const SQL_ATTR_PARAM_STATUS_PTR: i32 = 20;
pub const SQL_ATTR_PARAMS_PROCESSED_PTR: i32 = 21;
pub const SQL_ATTR_PARAMSET_SIZE: i32 = 22;
pub const SQL_ATTR_ROW_BIND_OFFSET_PTR: i32 = 23;
pub const SQL_ATTR_ROW_OPERATION_PTR: i32 = 24;
pub const SQL_ATTR_ROW_STATUS_PTR: i32 = 25;
pub const SQL_ATTR_ROWS_FETCHED_PTR: i32 = 26;
pub const SQL_ATTR_ROW_ARRAY_SIZE: i32 = 27;
pub const SQL_ATTR_APP_ROW_DESC: i32 = 10010;
pub const SQL_ATTR_APP_PARAM_DESC: i32 = 10011;
pub const SQL_ATTR_IMP_ROW_DESC: i32 = 10012;
pub const SQL_ATTR_IMP_PARAM_DESC: i32 = 10013;
pub const SQL_BIND_BY_COLUMN: usize = 0;
pub const SQL_CURSOR_FORWARD_ONLY: usize = 0;
pub const SQL_CURSOR_KEYSET_DRIVEN: usize = 1;
pub const SQL_CURSOR_DYNAMIC: usize = 2;
pub const SQL_CURSOR_STATIC: usize = 3;
pub const SQL_CONCUR_READ_ONLY: usize = 1;
pub const SQL_CONCUR_LOCK: usize = 2;
pub const SQL_CONCUR_ROWVER: usize = 3;
pub const SQL_CONCUR_VALUES: usize = 4;
pub const SQL_NONSCROLLABLE: usize = 0;
pub const SQL_SCROLLABLE: usize = 1;
pub const SQL_UNSPECIFIED: usize = 0;
pub const SQL_INSENSITIVE: usize = 1;
pub const SQL_RD_ON: usize = 1;
pub const SQL_UB_OFF: usize = 0;
/// Also ODBC 2's SQL_UB_FIXED: 32-bit bookmarks.
pub const SQL_UB_ON: usize = 1;
pub const SQL_UB_VARIABLE: usize = 2;
pub const SQL_SC_NON_UNIQUE: usize = 0;

// Row and parameter status values.
pub const SQL_ROW_SUCCESS: u16 = 0;
pub const SQL_ROW_DELETED: u16 = 1;
pub const SQL_ROW_UPDATED: u16 = 2;
pub const SQL_ROW_ADDED: u16 = 4;
/// SQL_ATTR_ROW_OPERATION_PTR: leave this row out of a bulk operation.
pub const SQL_ROW_IGNORE: u16 = 1;
/// A bound column's indicator: leave it out of SQLSetPos / SQLBulkOperations.
pub const SQL_COLUMN_IGNORE: isize = -6;
// SQLSetPos operations.
pub const SQL_POSITION: u16 = 0;
pub const SQL_REFRESH: u16 = 1;
pub const SQL_UPDATE: u16 = 2;
pub const SQL_DELETE: u16 = 3;
// SQLBulkOperations operations.
pub const SQL_ADD: i16 = 4;
pub const SQL_UPDATE_BY_BOOKMARK: i16 = 5;
pub const SQL_DELETE_BY_BOOKMARK: i16 = 6;
pub const SQL_FETCH_BY_BOOKMARK: i16 = 7;
pub const SQL_ROW_NOROW: u16 = 3;
pub const SQL_ROW_ERROR: u16 = 5;
pub const SQL_ROW_SUCCESS_WITH_INFO: u16 = 6;
pub const SQL_PARAM_SUCCESS: u16 = 0;
pub const SQL_PARAM_ERROR: u16 = 5;
pub const SQL_PARAM_UNUSED: u16 = 7;

// SQLFreeStmt options.
pub const SQL_CLOSE: u16 = 0;
pub const SQL_DROP: u16 = 1;
pub const SQL_UNBIND: u16 = 2;
pub const SQL_RESET_PARAMS: u16 = 3;

// Fetch orientations.
pub const SQL_FETCH_NEXT: i16 = 1;
pub const SQL_FETCH_FIRST: i16 = 2;
pub const SQL_FETCH_LAST: i16 = 3;
pub const SQL_FETCH_PRIOR: i16 = 4;
pub const SQL_FETCH_ABSOLUTE: i16 = 5;
pub const SQL_FETCH_RELATIVE: i16 = 6;
pub const SQL_FETCH_BOOKMARK: i16 = 8;

// SQLEndTran.
pub const SQL_COMMIT: i16 = 0;
pub const SQL_ROLLBACK: i16 = 1;

// SQLDriverConnect completion.
pub const SQL_DRIVER_NOPROMPT: u16 = 0;
pub const SQL_DRIVER_COMPLETE: u16 = 1;
pub const SQL_DRIVER_PROMPT: u16 = 2;
pub const SQL_DRIVER_COMPLETE_REQUIRED: u16 = 3;

// Parameter direction.
pub const SQL_PARAM_INPUT: i16 = 1;
pub const SQL_PARAM_INPUT_OUTPUT: i16 = 2;
pub const SQL_PARAM_OUTPUT: i16 = 4;

// Descriptor and column-attribute fields (SQLColAttribute, SQLGet/SetDescField).
pub const SQL_DESC_COUNT: i16 = 1001;
pub const SQL_DESC_TYPE: i16 = 1002;
pub const SQL_DESC_LENGTH: i16 = 1003;
pub const SQL_DESC_OCTET_LENGTH_PTR: i16 = 1004;
pub const SQL_DESC_PRECISION: i16 = 1005;
pub const SQL_DESC_SCALE: i16 = 1006;
pub const SQL_DESC_DATETIME_INTERVAL_CODE: i16 = 1007;
pub const SQL_DESC_NULLABLE: i16 = 1008;
pub const SQL_DESC_INDICATOR_PTR: i16 = 1009;
pub const SQL_DESC_DATA_PTR: i16 = 1010;
pub const SQL_DESC_NAME: i16 = 1011;
pub const SQL_DESC_UNNAMED: i16 = 1012;
pub const SQL_DESC_OCTET_LENGTH: i16 = 1013;
pub const SQL_DESC_ALLOC_TYPE: i16 = 1099;
pub const SQL_DESC_ARRAY_SIZE: i16 = 20;
pub const SQL_DESC_ARRAY_STATUS_PTR: i16 = 21;
pub const SQL_DESC_AUTO_UNIQUE_VALUE: i16 = 11;
pub const SQL_DESC_BASE_COLUMN_NAME: i16 = 22;
pub const SQL_DESC_BASE_TABLE_NAME: i16 = 23;
pub const SQL_DESC_BIND_OFFSET_PTR: i16 = 24;
pub const SQL_DESC_BIND_TYPE: i16 = 25;
pub const SQL_DESC_CASE_SENSITIVE: i16 = 12;
pub const SQL_DESC_CATALOG_NAME: i16 = 17;
pub const SQL_DESC_CONCISE_TYPE: i16 = 2;
pub const SQL_DESC_DATETIME_INTERVAL_PRECISION: i16 = 26;
pub const SQL_DESC_DISPLAY_SIZE: i16 = 6;
pub const SQL_DESC_FIXED_PREC_SCALE: i16 = 9;
pub const SQL_DESC_LABEL: i16 = 18;
pub const SQL_DESC_LITERAL_PREFIX: i16 = 27;
pub const SQL_DESC_LITERAL_SUFFIX: i16 = 28;
pub const SQL_DESC_LOCAL_TYPE_NAME: i16 = 29;
pub const SQL_DESC_MAXIMUM_SCALE: i16 = 30;
pub const SQL_DESC_MINIMUM_SCALE: i16 = 31;
pub const SQL_DESC_NUM_PREC_RADIX: i16 = 32;
pub const SQL_DESC_PARAMETER_TYPE: i16 = 33;
pub const SQL_DESC_ROWS_PROCESSED_PTR: i16 = 34;
pub const SQL_DESC_ROWVER: i16 = 35;
pub const SQL_DESC_SCHEMA_NAME: i16 = 16;
pub const SQL_DESC_SEARCHABLE: i16 = 13;
pub const SQL_DESC_TYPE_NAME: i16 = 14;
pub const SQL_DESC_TABLE_NAME: i16 = 15;
pub const SQL_DESC_UNSIGNED: i16 = 8;
pub const SQL_DESC_UPDATABLE: i16 = 10;
/// ODBC 2 SQLColAttributes identifiers that Power BI still sends (notes §4).
pub const SQL_COLUMN_COUNT: i16 = 0;
pub const SQL_COLUMN_NAME: i16 = 1;
pub const SQL_COLUMN_LENGTH: i16 = 3;
pub const SQL_COLUMN_PRECISION: i16 = 4;
pub const SQL_COLUMN_SCALE: i16 = 5;
pub const SQL_COLUMN_NULLABLE: i16 = 7;
pub const SQL_NAMED: i16 = 0;
pub const SQL_UNNAMED: i16 = 1;
pub const SQL_PRED_NONE: i16 = 0;
pub const SQL_PRED_CHAR: i16 = 1;
pub const SQL_PRED_BASIC: i16 = 2;
pub const SQL_PRED_SEARCHABLE: i16 = 3;
pub const SQL_ATTR_READONLY: i16 = 0;
pub const SQL_TRUE: i16 = 1;
pub const SQL_FALSE: i16 = 0;

// Diagnostic fields.
pub const SQL_DIAG_RETURNCODE: i16 = 1;
pub const SQL_DIAG_NUMBER: i16 = 2;
pub const SQL_DIAG_ROW_COUNT: i16 = 3;
pub const SQL_DIAG_SQLSTATE: i16 = 4;
pub const SQL_DIAG_NATIVE: i16 = 5;
pub const SQL_DIAG_MESSAGE_TEXT: i16 = 6;
pub const SQL_DIAG_DYNAMIC_FUNCTION: i16 = 7;
pub const SQL_DIAG_CLASS_ORIGIN: i16 = 8;
pub const SQL_DIAG_SUBCLASS_ORIGIN: i16 = 9;
pub const SQL_DIAG_CONNECTION_NAME: i16 = 10;
pub const SQL_DIAG_SERVER_NAME: i16 = 11;
pub const SQL_DIAG_DYNAMIC_FUNCTION_CODE: i16 = 12;
pub const SQL_DIAG_CURSOR_ROW_COUNT: i16 = -1249;
pub const SQL_DIAG_ROW_NUMBER: i16 = -1248;
pub const SQL_DIAG_COLUMN_NUMBER: i16 = -1247;
pub const SQL_NO_ROW_NUMBER: isize = -1;
pub const SQL_NO_COLUMN_NUMBER: i32 = -1;
pub const SQL_ROW_NUMBER_UNKNOWN: isize = -2;
pub const SQL_COLUMN_NUMBER_UNKNOWN: i32 = -2;
pub const SQL_DIAG_SELECT_CURSOR: i32 = 85;
pub const SQL_DIAG_UNKNOWN_STATEMENT: i32 = 0;

/// `SQLGetFunctions` special ids.
pub const SQL_API_ALL_FUNCTIONS: u16 = 0;
pub const SQL_API_ODBC3_ALL_FUNCTIONS: u16 = 999;
pub const SQL_API_ODBC3_ALL_FUNCTIONS_SIZE: usize = 250;
