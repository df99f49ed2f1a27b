//! `SQLGetInfo`: what the driver and the engine behind it can do.
//!
//! Every answer describes what the SQL layer (DataFusion, with the ODBC escapes rewritten
//! by `kintone_sql::sqltext`) really accepts: BI tools generate SQL from these values
//! (peers-and-bi-tools.md §3.1), so a claim the engine cannot keep becomes a failed
//! query in Power BI or Tableau, and a capability left unclaimed only costs folding.
//! An info type we do not know is `None` (the caller posts HY096), never a made-up value.
//! The handle info types (`SQL_DRIVER_HDBC` ...) and `SQL_DM_VER` belong to the driver
//! manager, which answers them itself.

use super::info_ids::*;

/// One `SQLGetInfo` answer, typed as the spec types it (string, SQLUSMALLINT,
/// SQLUINTEGER bitmask or value, SQLULEN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfoValue {
    Str(String),
    U16(u16),
    U32(u32),
    ULen(u64),
}

/// The connection facts some answers depend on.
#[derive(Clone, Debug, Default)]
pub struct InfoContext {
    pub dsn: String,
    pub user: String,
    /// The Kintone host (`example.cybozu.com`).
    pub server: String,
    /// The connection's `ReadOnly` property: every write is refused.
    pub read_only: bool,
    /// The application's `SQL_ATTR_ODBC_VERSION`: 2, 3 or 380.
    pub odbc_version: u32,
}

/// Longest table, column or identifier name we report (characters). Kintone app names
/// are at most 64 characters and labels 128, so a child table `<app>_<subtable>` fits,
/// and catalog result columns are sized from this value.
pub const MAX_NAME_LEN: u16 = 256;

/// The ODBC `{fn}` scalar functions, by group: exactly the ones the SQL layer
/// translates (`kintone_sql::escapes`), so SQLGetInfo never claims a function that
/// fails.
pub use kintone_sql::escapes::{
    NUMERIC_FUNCTIONS, STRING_FUNCTIONS, SYSTEM_FUNCTIONS, TIMEDATE_FUNCTIONS,
};
pub const CONVERT_FUNCTIONS: &[&str] = &["CONVERT", "CAST"];
/// `SQL_TSI_*` intervals TIMESTAMPADD and TIMESTAMPDIFF accept.
pub const TIMESTAMP_INTERVALS: &[&str] = &[
    "SQL_TSI_SECOND",
    "SQL_TSI_MINUTE",
    "SQL_TSI_HOUR",
    "SQL_TSI_DAY",
    "SQL_TSI_WEEK",
    "SQL_TSI_MONTH",
    "SQL_TSI_QUARTER",
    "SQL_TSI_YEAR",
];

const STRING_BITS: &[(&str, u32)] = &[
    ("CONCAT", SQL_FN_STR_CONCAT),
    ("INSERT", SQL_FN_STR_INSERT),
    ("LEFT", SQL_FN_STR_LEFT),
    ("LTRIM", SQL_FN_STR_LTRIM),
    ("LENGTH", SQL_FN_STR_LENGTH),
    // LOCATE(s, t [, start]): both the two- and the three-argument form.
    ("LOCATE", SQL_FN_STR_LOCATE | SQL_FN_STR_LOCATE_2),
    ("LCASE", SQL_FN_STR_LCASE),
    ("REPEAT", SQL_FN_STR_REPEAT),
    ("REPLACE", SQL_FN_STR_REPLACE),
    ("RIGHT", SQL_FN_STR_RIGHT),
    ("RTRIM", SQL_FN_STR_RTRIM),
    ("SUBSTRING", SQL_FN_STR_SUBSTRING),
    ("UCASE", SQL_FN_STR_UCASE),
    ("ASCII", SQL_FN_STR_ASCII),
    ("CHAR", SQL_FN_STR_CHAR),
    ("DIFFERENCE", SQL_FN_STR_DIFFERENCE),
    ("SOUNDEX", SQL_FN_STR_SOUNDEX),
    ("SPACE", SQL_FN_STR_SPACE),
    ("BIT_LENGTH", SQL_FN_STR_BIT_LENGTH),
    ("CHAR_LENGTH", SQL_FN_STR_CHAR_LENGTH),
    ("CHARACTER_LENGTH", SQL_FN_STR_CHARACTER_LENGTH),
    ("OCTET_LENGTH", SQL_FN_STR_OCTET_LENGTH),
    ("POSITION", SQL_FN_STR_POSITION),
];

const NUMERIC_BITS: &[(&str, u32)] = &[
    ("ABS", SQL_FN_NUM_ABS),
    ("ACOS", SQL_FN_NUM_ACOS),
    ("ASIN", SQL_FN_NUM_ASIN),
    ("ATAN", SQL_FN_NUM_ATAN),
    ("ATAN2", SQL_FN_NUM_ATAN2),
    ("CEILING", SQL_FN_NUM_CEILING),
    ("COS", SQL_FN_NUM_COS),
    ("COT", SQL_FN_NUM_COT),
    ("EXP", SQL_FN_NUM_EXP),
    ("FLOOR", SQL_FN_NUM_FLOOR),
    ("LOG", SQL_FN_NUM_LOG),
    ("MOD", SQL_FN_NUM_MOD),
    ("SIGN", SQL_FN_NUM_SIGN),
    ("SIN", SQL_FN_NUM_SIN),
    ("SQRT", SQL_FN_NUM_SQRT),
    ("TAN", SQL_FN_NUM_TAN),
    ("PI", SQL_FN_NUM_PI),
    ("RAND", SQL_FN_NUM_RAND),
    ("DEGREES", SQL_FN_NUM_DEGREES),
    ("LOG10", SQL_FN_NUM_LOG10),
    ("POWER", SQL_FN_NUM_POWER),
    ("RADIANS", SQL_FN_NUM_RADIANS),
    ("ROUND", SQL_FN_NUM_ROUND),
    ("TRUNCATE", SQL_FN_NUM_TRUNCATE),
];

const TIMEDATE_BITS: &[(&str, u32)] = &[
    ("NOW", SQL_FN_TD_NOW),
    ("CURDATE", SQL_FN_TD_CURDATE),
    ("DAYOFMONTH", SQL_FN_TD_DAYOFMONTH),
    ("DAYOFWEEK", SQL_FN_TD_DAYOFWEEK),
    ("DAYOFYEAR", SQL_FN_TD_DAYOFYEAR),
    ("MONTH", SQL_FN_TD_MONTH),
    ("QUARTER", SQL_FN_TD_QUARTER),
    ("WEEK", SQL_FN_TD_WEEK),
    ("YEAR", SQL_FN_TD_YEAR),
    ("CURTIME", SQL_FN_TD_CURTIME),
    ("HOUR", SQL_FN_TD_HOUR),
    ("MINUTE", SQL_FN_TD_MINUTE),
    ("SECOND", SQL_FN_TD_SECOND),
    ("TIMESTAMPADD", SQL_FN_TD_TIMESTAMPADD),
    ("TIMESTAMPDIFF", SQL_FN_TD_TIMESTAMPDIFF),
    ("DAYNAME", SQL_FN_TD_DAYNAME),
    ("MONTHNAME", SQL_FN_TD_MONTHNAME),
    ("CURRENT_DATE", SQL_FN_TD_CURRENT_DATE),
    ("CURRENT_TIME", SQL_FN_TD_CURRENT_TIME),
    ("CURRENT_TIMESTAMP", SQL_FN_TD_CURRENT_TIMESTAMP),
    ("EXTRACT", SQL_FN_TD_EXTRACT),
];

const SYSTEM_BITS: &[(&str, u32)] = &[
    ("USER", SQL_FN_SYS_USERNAME),
    ("DATABASE", SQL_FN_SYS_DBNAME),
    ("IFNULL", SQL_FN_SYS_IFNULL),
];

const CONVERT_BITS: &[(&str, u32)] = &[("CONVERT", SQL_FN_CVT_CONVERT), ("CAST", SQL_FN_CVT_CAST)];

const INTERVAL_BITS: &[(&str, u32)] = &[
    ("SQL_TSI_FRAC_SECOND", SQL_FN_TSI_FRAC_SECOND),
    ("SQL_TSI_SECOND", SQL_FN_TSI_SECOND),
    ("SQL_TSI_MINUTE", SQL_FN_TSI_MINUTE),
    ("SQL_TSI_HOUR", SQL_FN_TSI_HOUR),
    ("SQL_TSI_DAY", SQL_FN_TSI_DAY),
    ("SQL_TSI_WEEK", SQL_FN_TSI_WEEK),
    ("SQL_TSI_MONTH", SQL_FN_TSI_MONTH),
    ("SQL_TSI_QUARTER", SQL_FN_TSI_QUARTER),
    ("SQL_TSI_YEAR", SQL_FN_TSI_YEAR),
];

/// The bitmask of the named functions; a name the table does not know adds nothing
/// (so a list shared with the SQL layer can grow without lying here).
pub fn function_mask(names: &[&str], bits: &[(&str, u32)]) -> u32 {
    names
        .iter()
        .filter_map(|n| {
            bits.iter()
                .find(|(b, _)| b.eq_ignore_ascii_case(n))
                .map(|(_, v)| *v)
        })
        .fold(0, |acc, v| acc | v)
}

// CAST targets (SQL_CONVERT_*). Arrow's cast kernels convert between every numeric
// and character type and between the date/time types; binary, GUID and interval types
// are not reported by the driver, so nothing converts to or from them.
const CVT_CHARS: u32 = SQL_CVT_CHAR
    | SQL_CVT_VARCHAR
    | SQL_CVT_LONGVARCHAR
    | SQL_CVT_WCHAR
    | SQL_CVT_WVARCHAR
    | SQL_CVT_WLONGVARCHAR;
const CVT_NUMBERS: u32 = SQL_CVT_NUMERIC
    | SQL_CVT_DECIMAL
    | SQL_CVT_INTEGER
    | SQL_CVT_SMALLINT
    | SQL_CVT_TINYINT
    | SQL_CVT_BIGINT
    | SQL_CVT_FLOAT
    | SQL_CVT_REAL
    | SQL_CVT_DOUBLE
    | SQL_CVT_BIT;
const CVT_FROM_CHAR: u32 =
    CVT_CHARS | CVT_NUMBERS | SQL_CVT_DATE | SQL_CVT_TIME | SQL_CVT_TIMESTAMP;
const CVT_FROM_NUMBER: u32 = CVT_CHARS | CVT_NUMBERS;
// Arrow has no cast between decimals and booleans.
const CVT_FROM_DECIMAL: u32 = CVT_FROM_NUMBER & !SQL_CVT_BIT;
const CVT_FROM_BIT: u32 = CVT_FROM_NUMBER & !(SQL_CVT_DECIMAL | SQL_CVT_NUMERIC);
const CVT_FROM_DATE: u32 = CVT_CHARS | SQL_CVT_DATE | SQL_CVT_TIMESTAMP;
const CVT_FROM_TIME: u32 = CVT_CHARS | SQL_CVT_TIME;
const CVT_FROM_TIMESTAMP: u32 = CVT_CHARS | SQL_CVT_DATE | SQL_CVT_TIME | SQL_CVT_TIMESTAMP;

/// Words DataFusion's parser treats as keywords beyond the ODBC reserved list, so
/// tools quote them when they are column names.
const KEYWORDS: &str = "ARRAY,EXPLAIN,FILTER,ILIKE,LIMIT,NULLS,OFFSET,OVER,PARTITION,QUALIFY,\
RANGE,ROWS,SIMILAR,STRUCT,UNNEST,WINDOW";

/// `SQL_DRIVER_VER`: the crate version as `##.##.####`.
pub fn driver_version() -> String {
    let part = |s: &str| s.parse::<u32>().unwrap_or(0);
    format!(
        "{:02}.{:02}.{:04}",
        part(env!("CARGO_PKG_VERSION_MAJOR")),
        part(env!("CARGO_PKG_VERSION_MINOR")),
        part(env!("CARGO_PKG_VERSION_PATCH"))
    )
}

/// The file name of the library, as `SQL_DRIVER_NAME` reports it.
pub fn driver_file_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "libkintoneodbc.dylib"
    } else {
        "libkintoneodbc.so"
    }
}

fn s(v: &str) -> Option<InfoValue> {
    Some(InfoValue::Str(v.to_string()))
}

fn yn(b: bool) -> Option<InfoValue> {
    s(if b { "Y" } else { "N" })
}

fn u16v(v: u16) -> Option<InfoValue> {
    Some(InfoValue::U16(v))
}

fn u32v(v: u32) -> Option<InfoValue> {
    Some(InfoValue::U32(v))
}

/// The `SQLGetInfo` answer for `info_type`, or `None` for an info type the driver
/// does not answer (HY096).
pub fn get_info(info_type: u16, ctx: &InfoContext) -> Option<InfoValue> {
    match info_type {
        // Driver and data source.
        SQL_DRIVER_NAME => s(driver_file_name()),
        SQL_DRIVER_VER => s(&driver_version()),
        SQL_DRIVER_ODBC_VER => s("03.80"),
        SQL_ODBC_VER => s("03.80"),
        SQL_DBMS_NAME => s("Kintone"),
        // Kintone exposes no server version; its REST API is v1.
        SQL_DBMS_VER => s("01.00.0000"),
        SQL_DATA_SOURCE_NAME => s(&ctx.dsn),
        SQL_SERVER_NAME => s(&ctx.server),
        SQL_USER_NAME => s(&ctx.user),
        SQL_DATABASE_NAME => s(""),
        SQL_DATA_SOURCE_READ_ONLY => yn(ctx.read_only),
        SQL_ACCESSIBLE_TABLES => yn(true),
        // Every procedure SQLProcedures lists can be executed by any connection.
        SQL_ACCESSIBLE_PROCEDURES => yn(true),
        SQL_XOPEN_CLI_YEAR => s("1995"),

        // Conformance.
        SQL_ODBC_INTERFACE_CONFORMANCE => u32v(SQL_OIC_LEVEL1),
        SQL_ODBC_API_CONFORMANCE => u16v(SQL_OAC_LEVEL1),
        SQL_ODBC_SAG_CLI_CONFORMANCE => u16v(SQL_OSCC_COMPLIANT),
        SQL_ODBC_SQL_CONFORMANCE => u16v(SQL_OSC_CORE),
        SQL_SQL_CONFORMANCE => u32v(SQL_SC_SQL92_ENTRY),
        SQL_STANDARD_CLI_CONFORMANCE => u32v(SQL_SCC_XOPEN_CLI_VERSION1),

        // Catalogs and schemas: there are none (TABLE_CAT and TABLE_SCHEM are NULL).
        SQL_CATALOG_NAME => yn(false),
        SQL_CATALOG_NAME_SEPARATOR => s(""),
        SQL_CATALOG_TERM => s(""),
        SQL_CATALOG_LOCATION => u16v(0),
        SQL_CATALOG_USAGE => u32v(0),
        SQL_SCHEMA_TERM => s(""),
        SQL_SCHEMA_USAGE => u32v(0),
        SQL_MAX_CATALOG_NAME_LEN => u16v(0),
        SQL_MAX_SCHEMA_NAME_LEN => u16v(0),
        SQL_TABLE_TERM => s("table"),
        SQL_PROCEDURE_TERM => s("procedure"),
        // EXEC, CALL and {call}: the SQL layer's registry (kintone_sql::procedures).
        SQL_PROCEDURES => yn(true),
        SQL_MAX_PROCEDURE_NAME_LEN => u16v(0),

        // Identifiers keep their case (labels are mixed-case, often Japanese) and
        // resolve exactly first, else case-insensitively when one table or column
        // matches (quoted or not): "case-insensitive, stored in mixed case".
        SQL_IDENTIFIER_QUOTE_CHAR => s("\""),
        SQL_IDENTIFIER_CASE => u16v(SQL_IC_MIXED),
        SQL_QUOTED_IDENTIFIER_CASE => u16v(SQL_IC_MIXED),
        // Besides letters, digits and `_`, an unquoted name may contain these
        // (sqlparser's generic dialect); anything else needs quotes.
        SQL_SPECIAL_CHARACTERS => s("#@$"),
        SQL_SEARCH_PATTERN_ESCAPE => s("\\"),
        SQL_LIKE_ESCAPE_CLAUSE => yn(true),
        SQL_KEYWORDS => s(KEYWORDS),
        SQL_COLLATION_SEQ => s(""),
        SQL_MAX_IDENTIFIER_LEN => u16v(MAX_NAME_LEN),
        SQL_MAX_TABLE_NAME_LEN => u16v(MAX_NAME_LEN),
        SQL_MAX_COLUMN_NAME_LEN => u16v(MAX_NAME_LEN),
        SQL_MAX_CURSOR_NAME_LEN => u16v(128),
        SQL_MAX_USER_NAME_LEN => u16v(0),

        // Limits: none beyond memory.
        SQL_MAX_DRIVER_CONNECTIONS => u16v(0),
        SQL_MAX_CONCURRENT_ACTIVITIES => u16v(0),
        SQL_ACTIVE_ENVIRONMENTS => u16v(0),
        SQL_MAX_COLUMNS_IN_GROUP_BY => u16v(0),
        SQL_MAX_COLUMNS_IN_INDEX => u16v(0),
        SQL_MAX_COLUMNS_IN_ORDER_BY => u16v(0),
        SQL_MAX_COLUMNS_IN_SELECT => u16v(0),
        SQL_MAX_COLUMNS_IN_TABLE => u16v(0),
        SQL_MAX_TABLES_IN_SELECT => u16v(0),
        SQL_MAX_INDEX_SIZE => u32v(0),
        SQL_MAX_ROW_SIZE => u32v(0),
        SQL_MAX_ROW_SIZE_INCLUDES_LONG => yn(true),
        SQL_MAX_STATEMENT_LEN => u32v(0),
        SQL_MAX_CHAR_LITERAL_LEN => u32v(0),
        SQL_MAX_BINARY_LITERAL_LEN => u32v(0),
        SQL_MAX_ASYNC_CONCURRENT_STATEMENTS => u32v(0),

        // Transactions: Kintone has none; commit and rollback leave cursors alone.
        SQL_TXN_CAPABLE => u16v(SQL_TC_NONE),
        SQL_TXN_ISOLATION_OPTION => u32v(0),
        SQL_DEFAULT_TXN_ISOLATION => u32v(0),
        SQL_MULTIPLE_ACTIVE_TXN => yn(false),
        SQL_CURSOR_COMMIT_BEHAVIOR => u16v(SQL_CB_PRESERVE),
        SQL_CURSOR_ROLLBACK_BEHAVIOR => u16v(SQL_CB_PRESERVE),

        // Cursors: forward-only (streamed), or static (rows kept in memory as they are
        // read, up to ScrollCacheMB). Bookmarks are row numbers. Concurrency is
        // read-only or optimistic: positioned changes write by "$id", checking the
        // revision under ROWVER.
        SQL_SCROLL_OPTIONS => u32v(SQL_SO_FORWARD_ONLY | SQL_SO_STATIC),
        SQL_FETCH_DIRECTION => u32v(
            SQL_FD_FETCH_NEXT
                | SQL_FD_FETCH_FIRST
                | SQL_FD_FETCH_LAST
                | SQL_FD_FETCH_PRIOR
                | SQL_FD_FETCH_ABSOLUTE
                | SQL_FD_FETCH_RELATIVE
                | SQL_FD_FETCH_BOOKMARK,
        ),
        SQL_SCROLL_CONCURRENCY => {
            u32v(SQL_SCCO_READ_ONLY | SQL_SCCO_OPT_ROWVER | SQL_SCCO_OPT_VALUES)
        }
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1 => u32v(
            SQL_CA1_NEXT
                | SQL_CA1_POS_POSITION
                | SQL_CA1_POS_REFRESH
                | SQL_CA1_POS_UPDATE
                | SQL_CA1_POS_DELETE,
        ),
        // A keyset-driven or dynamic cursor asked for is the static one (01S02), so
        // their attributes are its own: what the application gets. No sensitivity
        // bits are claimed. (LibreOffice picks bookmarks by the dynamic cursor's
        // attributes, then falls back to the cursor it is given.)
        SQL_STATIC_CURSOR_ATTRIBUTES1
        | SQL_KEYSET_CURSOR_ATTRIBUTES1
        | SQL_DYNAMIC_CURSOR_ATTRIBUTES1 => u32v(
            SQL_CA1_NEXT
                | SQL_CA1_ABSOLUTE
                | SQL_CA1_RELATIVE
                | SQL_CA1_BOOKMARK
                | SQL_CA1_POS_POSITION
                | SQL_CA1_POS_REFRESH
                | SQL_CA1_POS_UPDATE
                | SQL_CA1_POS_DELETE
                | SQL_CA1_BULK_ADD
                | SQL_CA1_BULK_UPDATE_BY_BOOKMARK
                | SQL_CA1_BULK_DELETE_BY_BOOKMARK,
        ),
        SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2
        | SQL_STATIC_CURSOR_ATTRIBUTES2
        | SQL_KEYSET_CURSOR_ATTRIBUTES2
        | SQL_DYNAMIC_CURSOR_ATTRIBUTES2 => u32v(
            SQL_CA2_READ_ONLY_CONCURRENCY
                | SQL_CA2_OPT_ROWVER_CONCURRENCY
                | SQL_CA2_OPT_VALUES_CONCURRENCY
                | SQL_CA2_MAX_ROWS_SELECT,
        ),
        // Pages are read while the application fetches, so a change made meanwhile
        // may or may not be seen (a static cursor keeps what it read).
        SQL_CURSOR_SENSITIVITY => u32v(0),
        // A static cursor shows its own positioned changes: rows it added (at the
        // end), rows it deleted (status SQL_ROW_DELETED) and rows it updated.
        SQL_STATIC_SENSITIVITY => u32v(SQL_SS_ADDITIONS | SQL_SS_DELETIONS | SQL_SS_UPDATES),
        SQL_LOCK_TYPES => u32v(0),
        SQL_POS_OPERATIONS => {
            u32v(SQL_POS_POSITION | SQL_POS_REFRESH | SQL_POS_UPDATE | SQL_POS_DELETE)
        }
        SQL_POSITIONED_STATEMENTS => u32v(0),
        // A bookmark stays valid until the cursor closes, whatever the scrolling.
        SQL_BOOKMARK_PERSISTENCE => u32v(SQL_BP_SCROLL),
        SQL_ROW_UPDATES => yn(false),
        SQL_GETDATA_EXTENSIONS => u32v(SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BOUND),
        SQL_MULT_RESULT_SETS => yn(false),
        SQL_ASYNC_MODE => u32v(SQL_AM_NONE),
        SQL_ASYNC_DBC_FUNCTIONS => u32v(0),
        SQL_ASYNC_NOTIFICATION => u32v(0),
        SQL_DRIVER_AWARE_POOLING_SUPPORTED => u32v(0),
        SQL_BATCH_SUPPORT => u32v(0),
        SQL_BATCH_ROW_COUNT => u32v(0),
        SQL_PARAM_ARRAY_ROW_COUNTS => u32v(SQL_PARC_NO_BATCH),
        SQL_PARAM_ARRAY_SELECTS => u32v(SQL_PAS_NO_SELECT),
        SQL_DESCRIBE_PARAMETER => yn(true),
        SQL_NEED_LONG_DATA_LEN => yn(false),
        SQL_FILE_USAGE => u16v(SQL_FILE_NOT_SUPPORTED),

        // SQL dialect (DataFusion).
        SQL_NULL_COLLATION => u16v(SQL_NC_HIGH),
        SQL_CONCAT_NULL_BEHAVIOR => u16v(SQL_CB_NULL),
        SQL_COLUMN_ALIAS => yn(true),
        SQL_CORRELATION_NAME => u16v(SQL_CN_ANY),
        SQL_EXPRESSIONS_IN_ORDERBY => yn(true),
        SQL_ORDER_BY_COLUMNS_IN_SELECT => yn(false),
        SQL_GROUP_BY => u16v(SQL_GB_GROUP_BY_CONTAINS_SELECT),
        SQL_OUTER_JOINS => yn(true),
        SQL_OJ_CAPABILITIES => u32v(
            SQL_OJ_LEFT
                | SQL_OJ_RIGHT
                | SQL_OJ_FULL
                | SQL_OJ_NESTED
                | SQL_OJ_NOT_ORDERED
                | SQL_OJ_INNER
                | SQL_OJ_ALL_COMPARISON_OPS,
        ),
        SQL_SQL92_RELATIONAL_JOIN_OPERATORS => u32v(
            SQL_SRJO_CROSS_JOIN
                | SQL_SRJO_EXCEPT_JOIN
                | SQL_SRJO_FULL_OUTER_JOIN
                | SQL_SRJO_INNER_JOIN
                | SQL_SRJO_INTERSECT_JOIN
                | SQL_SRJO_LEFT_OUTER_JOIN
                | SQL_SRJO_NATURAL_JOIN
                | SQL_SRJO_RIGHT_OUTER_JOIN,
        ),
        SQL_SUBQUERIES => {
            u32v(SQL_SQ_COMPARISON | SQL_SQ_EXISTS | SQL_SQ_IN | SQL_SQ_CORRELATED_SUBQUERIES)
        }
        SQL_UNION => u32v(SQL_U_UNION | SQL_U_UNION_ALL),
        SQL_AGGREGATE_FUNCTIONS => {
            u32v(SQL_AF_AVG | SQL_AF_COUNT | SQL_AF_MAX | SQL_AF_MIN | SQL_AF_SUM | SQL_AF_DISTINCT)
        }
        SQL_SQL92_PREDICATES => u32v(
            SQL_SP_EXISTS
                | SQL_SP_ISNOTNULL
                | SQL_SP_ISNULL
                | SQL_SP_LIKE
                | SQL_SP_IN
                | SQL_SP_BETWEEN
                | SQL_SP_COMPARISON,
        ),
        SQL_SQL92_VALUE_EXPRESSIONS => {
            u32v(SQL_SVE_CASE | SQL_SVE_CAST | SQL_SVE_COALESCE | SQL_SVE_NULLIF)
        }
        SQL_SQL92_STRING_FUNCTIONS => u32v(
            SQL_SSF_LOWER
                | SQL_SSF_UPPER
                | SQL_SSF_SUBSTRING
                | SQL_SSF_TRIM_BOTH
                | SQL_SSF_TRIM_LEADING
                | SQL_SSF_TRIM_TRAILING,
        ),
        SQL_SQL92_NUMERIC_VALUE_FUNCTIONS => u32v(
            SQL_SNVF_BIT_LENGTH
                | SQL_SNVF_CHAR_LENGTH
                | SQL_SNVF_CHARACTER_LENGTH
                | SQL_SNVF_EXTRACT
                | SQL_SNVF_OCTET_LENGTH
                | SQL_SNVF_POSITION,
        ),
        SQL_SQL92_DATETIME_FUNCTIONS => {
            u32v(SQL_SDF_CURRENT_DATE | SQL_SDF_CURRENT_TIME | SQL_SDF_CURRENT_TIMESTAMP)
        }
        SQL_SQL92_ROW_VALUE_CONSTRUCTOR => u32v(0),
        SQL_DATETIME_LITERALS => {
            u32v(SQL_DL_SQL92_DATE | SQL_DL_SQL92_TIME | SQL_DL_SQL92_TIMESTAMP)
        }
        SQL_INTEGRITY => yn(false),
        SQL_NON_NULLABLE_COLUMNS => u16v(SQL_NNC_NON_NULL),

        // ODBC scalar functions ({fn ...}).
        SQL_STRING_FUNCTIONS => u32v(function_mask(STRING_FUNCTIONS, STRING_BITS)),
        SQL_NUMERIC_FUNCTIONS => u32v(function_mask(NUMERIC_FUNCTIONS, NUMERIC_BITS)),
        SQL_TIMEDATE_FUNCTIONS => u32v(function_mask(TIMEDATE_FUNCTIONS, TIMEDATE_BITS)),
        SQL_SYSTEM_FUNCTIONS => u32v(function_mask(SYSTEM_FUNCTIONS, SYSTEM_BITS)),
        SQL_CONVERT_FUNCTIONS => u32v(function_mask(CONVERT_FUNCTIONS, CONVERT_BITS)),
        SQL_TIMEDATE_ADD_INTERVALS | SQL_TIMEDATE_DIFF_INTERVALS => {
            u32v(function_mask(TIMESTAMP_INTERVALS, INTERVAL_BITS))
        }

        // CAST/CONVERT from each source type.
        SQL_CONVERT_CHAR
        | SQL_CONVERT_VARCHAR
        | SQL_CONVERT_LONGVARCHAR
        | SQL_CONVERT_WCHAR
        | SQL_CONVERT_WVARCHAR
        | SQL_CONVERT_WLONGVARCHAR => u32v(CVT_FROM_CHAR),
        SQL_CONVERT_BIGINT | SQL_CONVERT_DOUBLE | SQL_CONVERT_FLOAT | SQL_CONVERT_INTEGER
        | SQL_CONVERT_REAL | SQL_CONVERT_SMALLINT | SQL_CONVERT_TINYINT => u32v(CVT_FROM_NUMBER),
        SQL_CONVERT_DECIMAL | SQL_CONVERT_NUMERIC => u32v(CVT_FROM_DECIMAL),
        SQL_CONVERT_BIT => u32v(CVT_FROM_BIT),
        SQL_CONVERT_DATE => u32v(CVT_FROM_DATE),
        SQL_CONVERT_TIME => u32v(CVT_FROM_TIME),
        SQL_CONVERT_TIMESTAMP => u32v(CVT_FROM_TIMESTAMP),
        SQL_CONVERT_BINARY
        | SQL_CONVERT_VARBINARY
        | SQL_CONVERT_LONGVARBINARY
        | SQL_CONVERT_GUID
        | SQL_CONVERT_INTERVAL_DAY_TIME
        | SQL_CONVERT_INTERVAL_YEAR_MONTH => u32v(0),

        // DDL, DML and privileges: none through SQL.
        SQL_ALTER_TABLE
        | SQL_ALTER_DOMAIN
        | SQL_CREATE_ASSERTION
        | SQL_CREATE_CHARACTER_SET
        | SQL_CREATE_COLLATION
        | SQL_CREATE_DOMAIN
        | SQL_CREATE_SCHEMA
        | SQL_CREATE_TABLE
        | SQL_CREATE_TRANSLATION
        | SQL_CREATE_VIEW
        | SQL_DROP_ASSERTION
        | SQL_DROP_CHARACTER_SET
        | SQL_DROP_COLLATION
        | SQL_DROP_DOMAIN
        | SQL_DROP_SCHEMA
        | SQL_DROP_TABLE
        | SQL_DROP_TRANSLATION
        | SQL_DROP_VIEW
        | SQL_DDL_INDEX
        | SQL_SQL92_GRANT
        | SQL_SQL92_REVOKE
        | SQL_SQL92_FOREIGN_KEY_DELETE_RULE
        | SQL_SQL92_FOREIGN_KEY_UPDATE_RULE => u32v(0),
        // INSERT ... VALUES and INSERT ... SELECT (no SELECT ... INTO).
        SQL_INSERT_STATEMENT => u32v(SQL_IS_INSERT_LITERALS | SQL_IS_INSERT_SEARCHED),
        SQL_INDEX_KEYWORDS => u32v(SQL_IK_NONE),
        // DataFusion's information_schema does not follow the SQL-92 layouts.
        SQL_INFO_SCHEMA_VIEWS => u32v(0),

        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> InfoContext {
        InfoContext {
            dsn: "KintoneDemo".into(),
            user: "demo".into(),
            server: "example.cybozu.com".into(),
            read_only: false,
            odbc_version: 3,
        }
    }

    fn get(id: u16) -> InfoValue {
        match get_info(id, &ctx()) {
            Some(v) => v,
            None => panic!("info type {id} unanswered"),
        }
    }

    fn st(v: &str) -> InfoValue {
        InfoValue::Str(v.into())
    }

    #[test]
    fn driver_and_data_source() {
        let so = if cfg!(target_os = "macos") {
            "libkintoneodbc.dylib"
        } else {
            "libkintoneodbc.so"
        };
        assert_eq!(get(SQL_DRIVER_NAME), st(so));
        assert_eq!(get(SQL_DRIVER_VER), st("00.01.0000"));
        assert_eq!(get(SQL_DRIVER_ODBC_VER), st("03.80"));
        assert_eq!(get(SQL_ODBC_VER), st("03.80"));
        assert_eq!(get(SQL_DBMS_NAME), st("Kintone"));
        assert_eq!(get(SQL_DBMS_VER), st("01.00.0000"));
        assert_eq!(get(SQL_DATA_SOURCE_NAME), st("KintoneDemo"));
        assert_eq!(get(SQL_SERVER_NAME), st("example.cybozu.com"));
        assert_eq!(get(SQL_USER_NAME), st("demo"));
        assert_eq!(get(SQL_DATA_SOURCE_READ_ONLY), st("N"));
        let ro = InfoContext {
            read_only: true,
            ..ctx()
        };
        assert_eq!(get_info(SQL_DATA_SOURCE_READ_ONLY, &ro), Some(st("Y")));
        assert_eq!(get(SQL_ACCESSIBLE_TABLES), st("Y"));
        assert_eq!(get(SQL_ACCESSIBLE_PROCEDURES), st("Y"));
        assert_eq!(get(SQL_ODBC_INTERFACE_CONFORMANCE), InfoValue::U32(2));
        assert_eq!(get(SQL_SQL_CONFORMANCE), InfoValue::U32(1));
        assert_eq!(get(SQL_ODBC_API_CONFORMANCE), InfoValue::U16(1));
    }

    #[test]
    fn driver_version_has_the_odbc_format() {
        let v = driver_version();
        let parts: Vec<&str> = v.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [2, 2, 4]);
        assert!(v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    }

    #[test]
    fn no_catalogs_no_schemas() {
        assert_eq!(get(SQL_CATALOG_NAME), st("N"));
        assert_eq!(get(SQL_CATALOG_NAME_SEPARATOR), st(""));
        assert_eq!(get(SQL_CATALOG_TERM), st(""));
        assert_eq!(get(SQL_SCHEMA_TERM), st(""));
        assert_eq!(get(SQL_TABLE_TERM), st("table"));
        assert_eq!(get(SQL_CATALOG_USAGE), InfoValue::U32(0));
        assert_eq!(get(SQL_SCHEMA_USAGE), InfoValue::U32(0));
        assert_eq!(get(SQL_CATALOG_LOCATION), InfoValue::U16(0));
        assert_eq!(get(SQL_MAX_CATALOG_NAME_LEN), InfoValue::U16(0));
        assert_eq!(get(SQL_MAX_SCHEMA_NAME_LEN), InfoValue::U16(0));
        assert_eq!(get(SQL_PROCEDURES), st("Y"));
        assert_eq!(get(SQL_PROCEDURE_TERM), st("procedure"));
    }

    #[test]
    fn identifiers_and_patterns() {
        assert_eq!(get(SQL_IDENTIFIER_QUOTE_CHAR), st("\""));
        assert_eq!(get(SQL_IDENTIFIER_CASE), InfoValue::U16(4));
        assert_eq!(get(SQL_QUOTED_IDENTIFIER_CASE), InfoValue::U16(4));
        assert_eq!(get(SQL_SEARCH_PATTERN_ESCAPE), st("\\"));
        assert_eq!(get(SQL_LIKE_ESCAPE_CLAUSE), st("Y"));
        assert_eq!(get(SQL_SPECIAL_CHARACTERS), st("#@$"));
        assert_eq!(get(SQL_MAX_IDENTIFIER_LEN), InfoValue::U16(256));
        assert_eq!(get(SQL_MAX_TABLE_NAME_LEN), InfoValue::U16(256));
        assert_eq!(get(SQL_MAX_COLUMN_NAME_LEN), InfoValue::U16(256));
        assert_eq!(get(SQL_MAX_CURSOR_NAME_LEN), InfoValue::U16(128));
        match get(SQL_KEYWORDS) {
            InfoValue::Str(k) => {
                let words: Vec<&str> = k.split(',').collect();
                assert!(words.contains(&"LIMIT") && words.contains(&"OFFSET"));
                assert!(words.iter().all(
                    |w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                ));
            }
            other => panic!("keywords: {other:?}"),
        }
    }

    #[test]
    fn no_transactions() {
        assert_eq!(get(SQL_TXN_CAPABLE), InfoValue::U16(0));
        assert_eq!(get(SQL_TXN_ISOLATION_OPTION), InfoValue::U32(0));
        assert_eq!(get(SQL_DEFAULT_TXN_ISOLATION), InfoValue::U32(0));
        assert_eq!(get(SQL_MULTIPLE_ACTIVE_TXN), st("N"));
        assert_eq!(get(SQL_CURSOR_COMMIT_BEHAVIOR), InfoValue::U16(2));
        assert_eq!(get(SQL_CURSOR_ROLLBACK_BEHAVIOR), InfoValue::U16(2));
    }

    #[test]
    fn forward_only_and_static_cursors() {
        // FORWARD_ONLY | STATIC.
        assert_eq!(get(SQL_SCROLL_OPTIONS), InfoValue::U32(0x11));
        // NEXT FIRST LAST PRIOR ABSOLUTE RELATIVE BOOKMARK.
        assert_eq!(get(SQL_FETCH_DIRECTION), InfoValue::U32(0xBF));
        // READ_ONLY | OPT_ROWVER | OPT_VALUES.
        assert_eq!(get(SQL_SCROLL_CONCURRENCY), InfoValue::U32(0xD));
        // NEXT ABSOLUTE RELATIVE BOOKMARK, POS_ POSITION UPDATE DELETE REFRESH, BULK_ ADD
        // UPDATE_BY_BOOKMARK DELETE_BY_BOOKMARK.
        assert_eq!(get(SQL_STATIC_CURSOR_ATTRIBUTES1), InfoValue::U32(0x71E0F));
        assert_eq!(get(SQL_STATIC_CURSOR_ATTRIBUTES2), InfoValue::U32(0x8D));
        assert_eq!(get(SQL_BOOKMARK_PERSISTENCE), InfoValue::U32(0x40));
        assert_eq!(get(SQL_STATIC_SENSITIVITY), InfoValue::U32(0x7));
        // NEXT, POS_ POSITION UPDATE DELETE REFRESH.
        assert_eq!(
            get(SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1),
            InfoValue::U32(0x1E01)
        );
        assert_eq!(get(SQL_POS_OPERATIONS), InfoValue::U32(0xF));
        assert_eq!(
            get(SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2),
            InfoValue::U32(0x8D)
        );
        for id in [
            SQL_KEYSET_CURSOR_ATTRIBUTES1,
            SQL_DYNAMIC_CURSOR_ATTRIBUTES1,
        ] {
            assert_eq!(get(id), InfoValue::U32(0x71E0F), "info {id}");
        }
        for id in [
            SQL_KEYSET_CURSOR_ATTRIBUTES2,
            SQL_DYNAMIC_CURSOR_ATTRIBUTES2,
        ] {
            assert_eq!(get(id), InfoValue::U32(0x8D), "info {id}");
        }
        for id in [SQL_LOCK_TYPES, SQL_BATCH_SUPPORT, SQL_ASYNC_MODE] {
            assert_eq!(get(id), InfoValue::U32(0), "info {id}");
        }
        // ANY_COLUMN | ANY_ORDER | BOUND, not BLOCK.
        assert_eq!(get(SQL_GETDATA_EXTENSIONS), InfoValue::U32(0b1011));
        assert_eq!(get(SQL_MAX_CONCURRENT_ACTIVITIES), InfoValue::U16(0));
        assert_eq!(get(SQL_MAX_DRIVER_CONNECTIONS), InfoValue::U16(0));
        assert_eq!(get(SQL_PARAM_ARRAY_ROW_COUNTS), InfoValue::U32(2));
        assert_eq!(get(SQL_PARAM_ARRAY_SELECTS), InfoValue::U32(3));
        assert_eq!(get(SQL_DESCRIBE_PARAMETER), st("Y"));
        assert_eq!(get(SQL_NEED_LONG_DATA_LEN), st("N"));
        assert_eq!(get(SQL_MULT_RESULT_SETS), st("N"));
    }

    #[test]
    fn sql_dialect() {
        assert_eq!(get(SQL_NULL_COLLATION), InfoValue::U16(0));
        assert_eq!(get(SQL_CONCAT_NULL_BEHAVIOR), InfoValue::U16(0));
        assert_eq!(get(SQL_GROUP_BY), InfoValue::U16(2));
        assert_eq!(get(SQL_ORDER_BY_COLUMNS_IN_SELECT), st("N"));
        assert_eq!(get(SQL_EXPRESSIONS_IN_ORDERBY), st("Y"));
        assert_eq!(get(SQL_COLUMN_ALIAS), st("Y"));
        assert_eq!(get(SQL_CORRELATION_NAME), InfoValue::U16(2));
        assert_eq!(get(SQL_OUTER_JOINS), st("Y"));
        assert_eq!(get(SQL_OJ_CAPABILITIES), InfoValue::U32(0x7F));
        assert_eq!(
            get(SQL_SQL92_RELATIONAL_JOIN_OPERATORS),
            InfoValue::U32(0x1FE)
        );
        assert_eq!(get(SQL_SUBQUERIES), InfoValue::U32(0x17));
        assert_eq!(get(SQL_UNION), InfoValue::U32(3));
        assert_eq!(get(SQL_AGGREGATE_FUNCTIONS), InfoValue::U32(0x3F));
        assert_eq!(get(SQL_SQL92_PREDICATES), InfoValue::U32(0x1E07));
        assert_eq!(get(SQL_SQL92_VALUE_EXPRESSIONS), InfoValue::U32(0xF));
        assert_eq!(get(SQL_SQL92_STRING_FUNCTIONS), InfoValue::U32(0xEE));
        assert_eq!(get(SQL_SQL92_NUMERIC_VALUE_FUNCTIONS), InfoValue::U32(0x3F));
        assert_eq!(get(SQL_SQL92_DATETIME_FUNCTIONS), InfoValue::U32(7));
        assert_eq!(get(SQL_DATETIME_LITERALS), InfoValue::U32(7));
        assert_eq!(get(SQL_BATCH_ROW_COUNT), InfoValue::U32(0));
        assert_eq!(get(SQL_CREATE_TABLE), InfoValue::U32(0));
        assert_eq!(get(SQL_INSERT_STATEMENT), InfoValue::U32(3));
    }

    #[test]
    fn scalar_function_masks() {
        // UCASE LCASE LENGTH CHAR_LENGTH LOCATE(+_2) SUBSTRING CONCAT LTRIM RTRIM LEFT RIGHT
        // The masks are exactly the SQL layer's lists; spot-check well-known bits.
        let mask = |id| match get(id) {
            InfoValue::U32(m) => m,
            _ => panic!("not a bitmask"),
        };
        assert_eq!(
            mask(SQL_STRING_FUNCTIONS),
            function_mask(STRING_FUNCTIONS, STRING_BITS)
        );
        assert_eq!(
            mask(SQL_NUMERIC_FUNCTIONS),
            function_mask(NUMERIC_FUNCTIONS, NUMERIC_BITS)
        );
        assert_eq!(
            mask(SQL_TIMEDATE_FUNCTIONS),
            function_mask(TIMEDATE_FUNCTIONS, TIMEDATE_BITS)
        );
        // UCASE, LCASE, CONCAT, LOCATE; ABS, FLOOR, ROUND; YEAR, TIMESTAMPADD.
        for (id, bits) in [
            (SQL_STRING_FUNCTIONS, 0x200 | 0x40 | 0x1 | 0x20),
            (SQL_NUMERIC_FUNCTIONS, 0x1 | 0x200 | 0x400000),
            (SQL_TIMEDATE_FUNCTIONS, 0x100 | 0x1000),
        ] {
            assert_eq!(mask(id) & bits, bits, "info {id}");
        }
        assert_eq!(get(SQL_SYSTEM_FUNCTIONS), InfoValue::U32(7));
        assert_eq!(get(SQL_CONVERT_FUNCTIONS), InfoValue::U32(3));
        assert_eq!(get(SQL_TIMEDATE_ADD_INTERVALS), InfoValue::U32(0x1FE));
        assert_eq!(get(SQL_TIMEDATE_DIFF_INTERVALS), InfoValue::U32(0x1FE));
        assert_eq!(function_mask(&["ucase", "NOPE"], STRING_BITS), 0x1000);
    }

    #[test]
    fn convert_masks() {
        let chars = 0x1 | 0x100 | 0x200 | 0x200000 | 0x800000 | 0x400000;
        let numbers = 0x2 | 0x4 | 0x8 | 0x10 | 0x2000 | 0x4000 | 0x20 | 0x40 | 0x80 | 0x1000;
        let (date, time, ts) = (0x8000, 0x10000, 0x20000);
        assert_eq!(
            get(SQL_CONVERT_WVARCHAR),
            InfoValue::U32(chars | numbers | date | time | ts)
        );
        assert_eq!(
            get(SQL_CONVERT_DECIMAL),
            InfoValue::U32(chars | (numbers & !0x1000))
        );
        assert_eq!(
            get(SQL_CONVERT_NUMERIC),
            InfoValue::U32(chars | (numbers & !0x1000))
        );
        assert_eq!(
            get(SQL_CONVERT_BIT),
            InfoValue::U32(chars | (numbers & !0x6))
        );
        assert_eq!(get(SQL_CONVERT_BIGINT), InfoValue::U32(chars | numbers));
        assert_eq!(get(SQL_CONVERT_DATE), InfoValue::U32(chars | date | ts));
        assert_eq!(get(SQL_CONVERT_TIME), InfoValue::U32(chars | time));
        assert_eq!(
            get(SQL_CONVERT_TIMESTAMP),
            InfoValue::U32(chars | date | time | ts)
        );
        assert_eq!(get(SQL_CONVERT_VARBINARY), InfoValue::U32(0));
        assert_eq!(get(SQL_CONVERT_GUID), InfoValue::U32(0));
    }

    #[test]
    fn unknown_info_types_are_none() {
        for id in [
            SQL_DRIVER_HDBC,
            SQL_DRIVER_HENV,
            SQL_DRIVER_HSTMT,
            SQL_DRIVER_HLIB,
            SQL_DRIVER_HDESC,
            SQL_DM_VER,
            174,
            999,
            1061,
            9999,
            10006,
            u16::MAX,
        ] {
            assert_eq!(get_info(id, &ctx()), None, "info {id}");
        }
    }

    /// Every info type peers-and-bi-tools.md §3 and odbc-driver-notes.md §4 name (what
    /// Power BI, Tableau, pyodbc and node-odbc read) has an answer.
    #[test]
    fn every_info_type_bi_tools_read_is_answered() {
        let wanted = [
            SQL_DBMS_NAME,
            SQL_DBMS_VER,
            SQL_DRIVER_NAME,
            SQL_DRIVER_VER,
            SQL_DRIVER_ODBC_VER,
            SQL_IDENTIFIER_QUOTE_CHAR,
            SQL_IDENTIFIER_CASE,
            SQL_QUOTED_IDENTIFIER_CASE,
            SQL_CATALOG_NAME_SEPARATOR,
            SQL_CATALOG_TERM,
            SQL_SCHEMA_TERM,
            SQL_CATALOG_USAGE,
            SQL_SCHEMA_USAGE,
            SQL_MAX_CATALOG_NAME_LEN,
            SQL_MAX_SCHEMA_NAME_LEN,
            SQL_MAX_TABLE_NAME_LEN,
            SQL_MAX_COLUMN_NAME_LEN,
            SQL_MAX_PROCEDURE_NAME_LEN,
            SQL_MAX_CURSOR_NAME_LEN,
            SQL_MAX_USER_NAME_LEN,
            SQL_MAX_IDENTIFIER_LEN,
            SQL_SQL_CONFORMANCE,
            SQL_SQL92_PREDICATES,
            SQL_SQL92_RELATIONAL_JOIN_OPERATORS,
            SQL_OJ_CAPABILITIES,
            SQL_AGGREGATE_FUNCTIONS,
            SQL_GROUP_BY,
            SQL_ORDER_BY_COLUMNS_IN_SELECT,
            SQL_SUBQUERIES,
            SQL_UNION,
            SQL_STRING_FUNCTIONS,
            SQL_NUMERIC_FUNCTIONS,
            SQL_TIMEDATE_FUNCTIONS,
            SQL_SYSTEM_FUNCTIONS,
            SQL_CONVERT_FUNCTIONS,
            SQL_TIMEDATE_ADD_INTERVALS,
            SQL_TIMEDATE_DIFF_INTERVALS,
            SQL_SQL92_DATETIME_FUNCTIONS,
            SQL_SQL92_NUMERIC_VALUE_FUNCTIONS,
            SQL_SQL92_STRING_FUNCTIONS,
            SQL_SQL92_VALUE_EXPRESSIONS,
            SQL_LIKE_ESCAPE_CLAUSE,
            SQL_SEARCH_PATTERN_ESCAPE,
            SQL_SPECIAL_CHARACTERS,
            SQL_KEYWORDS,
            SQL_NULL_COLLATION,
            SQL_CONCAT_NULL_BEHAVIOR,
            SQL_GETDATA_EXTENSIONS,
            SQL_TXN_CAPABLE,
            SQL_TXN_ISOLATION_OPTION,
            SQL_CURSOR_COMMIT_BEHAVIOR,
            SQL_CURSOR_ROLLBACK_BEHAVIOR,
            SQL_DATA_SOURCE_READ_ONLY,
            SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1,
            SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2,
            SQL_STATIC_CURSOR_ATTRIBUTES1,
            SQL_STATIC_CURSOR_ATTRIBUTES2,
            SQL_KEYSET_CURSOR_ATTRIBUTES1,
            SQL_KEYSET_CURSOR_ATTRIBUTES2,
            SQL_DYNAMIC_CURSOR_ATTRIBUTES1,
            SQL_DYNAMIC_CURSOR_ATTRIBUTES2,
            SQL_MAX_CONCURRENT_ACTIVITIES,
            SQL_ASYNC_MODE,
            SQL_MAX_COLUMNS_IN_ORDER_BY,
            SQL_MAX_COLUMNS_IN_GROUP_BY,
            SQL_MAX_COLUMNS_IN_SELECT,
            SQL_CATALOG_NAME,
            SQL_DESCRIBE_PARAMETER,
            SQL_NEED_LONG_DATA_LEN,
            SQL_SCROLL_OPTIONS,
            SQL_BATCH_SUPPORT,
            SQL_PARAM_ARRAY_ROW_COUNTS,
            SQL_PARAM_ARRAY_SELECTS,
            SQL_MULTIPLE_ACTIVE_TXN,
            SQL_DEFAULT_TXN_ISOLATION,
            SQL_ACCESSIBLE_TABLES,
            SQL_TABLE_TERM,
            SQL_ODBC_INTERFACE_CONFORMANCE,
            SQL_ODBC_VER,
            SQL_DATA_SOURCE_NAME,
            SQL_SERVER_NAME,
            SQL_USER_NAME,
        ];
        let convert = SQL_CONVERT_BIGINT..=SQL_CONVERT_LONGVARBINARY;
        let wide_convert = [
            SQL_CONVERT_WCHAR,
            SQL_CONVERT_WVARCHAR,
            SQL_CONVERT_WLONGVARCHAR,
            SQL_CONVERT_GUID,
            SQL_CONVERT_INTERVAL_DAY_TIME,
            SQL_CONVERT_INTERVAL_YEAR_MONTH,
        ];
        for id in wanted.into_iter().chain(convert).chain(wide_convert) {
            assert!(get_info(id, &ctx()).is_some(), "info type {id} unanswered");
        }
    }

    /// The answer's C type matches the spec's type for the info type: a 16-bit answer
    /// where the application passes a 32-bit buffer (or the reverse) is read wrongly.
    #[test]
    fn answers_have_the_spec_width() {
        let u16_ids = [
            SQL_ACTIVE_ENVIRONMENTS,
            SQL_CATALOG_LOCATION,
            SQL_CONCAT_NULL_BEHAVIOR,
            SQL_CORRELATION_NAME,
            SQL_CURSOR_COMMIT_BEHAVIOR,
            SQL_FILE_USAGE,
            SQL_GROUP_BY,
            SQL_IDENTIFIER_CASE,
            SQL_MAX_COLUMN_NAME_LEN,
            SQL_MAX_CONCURRENT_ACTIVITIES,
            SQL_MAX_IDENTIFIER_LEN,
            SQL_NON_NULLABLE_COLUMNS,
            SQL_NULL_COLLATION,
            SQL_TXN_CAPABLE,
        ];
        for id in u16_ids {
            assert!(matches!(get(id), InfoValue::U16(_)), "info {id}");
        }
        let u32_ids = [
            SQL_MAX_ROW_SIZE,
            SQL_MAX_STATEMENT_LEN,
            SQL_ODBC_INTERFACE_CONFORMANCE,
            SQL_DEFAULT_TXN_ISOLATION,
            SQL_TXN_ISOLATION_OPTION,
            SQL_GETDATA_EXTENSIONS,
            SQL_SCROLL_OPTIONS,
            SQL_CONVERT_VARCHAR,
            SQL_SQL_CONFORMANCE,
            SQL_CURSOR_SENSITIVITY,
            SQL_OJ_CAPABILITIES,
        ];
        for id in u32_ids {
            assert!(matches!(get(id), InfoValue::U32(_)), "info {id}");
        }
    }
}
