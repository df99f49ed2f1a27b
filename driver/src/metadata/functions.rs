//! `SQLGetFunctions`: which ODBC functions the driver exports.
//!
//! unixODBC trusts this answer: after connecting it asks for
//! `SQL_API_ODBC3_ALL_FUNCTIONS` and masks out every function reported missing (notes
//! §0.5), so the list must be exactly the set of exported entry points (each in its A
//! and W form where the function takes strings).

use crate::sys::SQL_API_ODBC3_ALL_FUNCTIONS_SIZE;

pub const SQL_API_SQLALLOCCONNECT: u16 = 1;
pub const SQL_API_SQLALLOCENV: u16 = 2;
pub const SQL_API_SQLALLOCSTMT: u16 = 3;
pub const SQL_API_SQLBINDCOL: u16 = 4;
pub const SQL_API_SQLCANCEL: u16 = 5;
/// `SQLColAttribute` (ODBC 3) and `SQLColAttributes` (ODBC 2) share this id.
pub const SQL_API_SQLCOLATTRIBUTE: u16 = 6;
pub const SQL_API_SQLCONNECT: u16 = 7;
pub const SQL_API_SQLDESCRIBECOL: u16 = 8;
pub const SQL_API_SQLDISCONNECT: u16 = 9;
pub const SQL_API_SQLERROR: u16 = 10;
pub const SQL_API_SQLEXECDIRECT: u16 = 11;
pub const SQL_API_SQLEXECUTE: u16 = 12;
pub const SQL_API_SQLFETCH: u16 = 13;
pub const SQL_API_SQLFREECONNECT: u16 = 14;
pub const SQL_API_SQLFREEENV: u16 = 15;
pub const SQL_API_SQLFREESTMT: u16 = 16;
pub const SQL_API_SQLGETCURSORNAME: u16 = 17;
pub const SQL_API_SQLNUMRESULTCOLS: u16 = 18;
pub const SQL_API_SQLPREPARE: u16 = 19;
pub const SQL_API_SQLROWCOUNT: u16 = 20;
pub const SQL_API_SQLSETCURSORNAME: u16 = 21;
pub const SQL_API_SQLSETPARAM: u16 = 22;
pub const SQL_API_SQLTRANSACT: u16 = 23;
pub const SQL_API_SQLBULKOPERATIONS: u16 = 24;
pub const SQL_API_SQLCOLUMNS: u16 = 40;
pub const SQL_API_SQLDRIVERCONNECT: u16 = 41;
pub const SQL_API_SQLGETCONNECTOPTION: u16 = 42;
pub const SQL_API_SQLGETDATA: u16 = 43;
pub const SQL_API_SQLGETFUNCTIONS: u16 = 44;
pub const SQL_API_SQLGETINFO: u16 = 45;
pub const SQL_API_SQLGETSTMTOPTION: u16 = 46;
pub const SQL_API_SQLGETTYPEINFO: u16 = 47;
pub const SQL_API_SQLPARAMDATA: u16 = 48;
pub const SQL_API_SQLPUTDATA: u16 = 49;
pub const SQL_API_SQLSETCONNECTOPTION: u16 = 50;
pub const SQL_API_SQLSETSTMTOPTION: u16 = 51;
pub const SQL_API_SQLSPECIALCOLUMNS: u16 = 52;
pub const SQL_API_SQLSTATISTICS: u16 = 53;
pub const SQL_API_SQLTABLES: u16 = 54;
pub const SQL_API_SQLBROWSECONNECT: u16 = 55;
pub const SQL_API_SQLCOLUMNPRIVILEGES: u16 = 56;
pub const SQL_API_SQLDATASOURCES: u16 = 57;
pub const SQL_API_SQLDESCRIBEPARAM: u16 = 58;
pub const SQL_API_SQLEXTENDEDFETCH: u16 = 59;
pub const SQL_API_SQLFOREIGNKEYS: u16 = 60;
pub const SQL_API_SQLMORERESULTS: u16 = 61;
pub const SQL_API_SQLNATIVESQL: u16 = 62;
pub const SQL_API_SQLNUMPARAMS: u16 = 63;
pub const SQL_API_SQLPARAMOPTIONS: u16 = 64;
pub const SQL_API_SQLPRIMARYKEYS: u16 = 65;
pub const SQL_API_SQLPROCEDURECOLUMNS: u16 = 66;
pub const SQL_API_SQLPROCEDURES: u16 = 67;
pub const SQL_API_SQLSETPOS: u16 = 68;
pub const SQL_API_SQLSETSCROLLOPTIONS: u16 = 69;
pub const SQL_API_SQLTABLEPRIVILEGES: u16 = 70;
pub const SQL_API_SQLDRIVERS: u16 = 71;
pub const SQL_API_SQLBINDPARAMETER: u16 = 72;
pub const SQL_API_SQLALLOCHANDLE: u16 = 1001;
pub const SQL_API_SQLBINDPARAM: u16 = 1002;
pub const SQL_API_SQLCLOSECURSOR: u16 = 1003;
pub const SQL_API_SQLCOPYDESC: u16 = 1004;
pub const SQL_API_SQLENDTRAN: u16 = 1005;
pub const SQL_API_SQLFREEHANDLE: u16 = 1006;
pub const SQL_API_SQLGETCONNECTATTR: u16 = 1007;
pub const SQL_API_SQLGETDESCFIELD: u16 = 1008;
pub const SQL_API_SQLGETDESCREC: u16 = 1009;
pub const SQL_API_SQLGETDIAGFIELD: u16 = 1010;
pub const SQL_API_SQLGETDIAGREC: u16 = 1011;
pub const SQL_API_SQLGETENVATTR: u16 = 1012;
pub const SQL_API_SQLGETSTMTATTR: u16 = 1014;
pub const SQL_API_SQLSETCONNECTATTR: u16 = 1016;
pub const SQL_API_SQLSETDESCFIELD: u16 = 1017;
pub const SQL_API_SQLSETDESCREC: u16 = 1018;
pub const SQL_API_SQLSETENVATTR: u16 = 1019;
pub const SQL_API_SQLSETSTMTATTR: u16 = 1020;
pub const SQL_API_SQLFETCHSCROLL: u16 = 1021;

/// Every function the driver exports, once per id (sorted).
pub const EXPORTED: &[u16] = &[
    SQL_API_SQLALLOCCONNECT,
    SQL_API_SQLALLOCENV,
    SQL_API_SQLALLOCSTMT,
    SQL_API_SQLBINDCOL,
    SQL_API_SQLCANCEL,
    SQL_API_SQLCOLATTRIBUTE,
    SQL_API_SQLCONNECT,
    SQL_API_SQLDESCRIBECOL,
    SQL_API_SQLDISCONNECT,
    SQL_API_SQLERROR,
    SQL_API_SQLEXECDIRECT,
    SQL_API_SQLEXECUTE,
    SQL_API_SQLFETCH,
    SQL_API_SQLFREECONNECT,
    SQL_API_SQLFREEENV,
    SQL_API_SQLFREESTMT,
    SQL_API_SQLGETCURSORNAME,
    SQL_API_SQLNUMRESULTCOLS,
    SQL_API_SQLPREPARE,
    SQL_API_SQLROWCOUNT,
    SQL_API_SQLSETCURSORNAME,
    SQL_API_SQLTRANSACT,
    SQL_API_SQLBULKOPERATIONS,
    SQL_API_SQLCOLUMNS,
    SQL_API_SQLDRIVERCONNECT,
    SQL_API_SQLGETCONNECTOPTION,
    SQL_API_SQLGETDATA,
    SQL_API_SQLGETFUNCTIONS,
    SQL_API_SQLGETINFO,
    SQL_API_SQLGETSTMTOPTION,
    SQL_API_SQLGETTYPEINFO,
    SQL_API_SQLPARAMDATA,
    SQL_API_SQLPUTDATA,
    SQL_API_SQLSETCONNECTOPTION,
    SQL_API_SQLSETSTMTOPTION,
    SQL_API_SQLSPECIALCOLUMNS,
    SQL_API_SQLSTATISTICS,
    SQL_API_SQLTABLES,
    SQL_API_SQLBROWSECONNECT,
    SQL_API_SQLCOLUMNPRIVILEGES,
    SQL_API_SQLDESCRIBEPARAM,
    SQL_API_SQLEXTENDEDFETCH,
    SQL_API_SQLFOREIGNKEYS,
    SQL_API_SQLMORERESULTS,
    SQL_API_SQLNATIVESQL,
    SQL_API_SQLNUMPARAMS,
    SQL_API_SQLPRIMARYKEYS,
    SQL_API_SQLPROCEDURECOLUMNS,
    SQL_API_SQLPROCEDURES,
    SQL_API_SQLSETPOS,
    SQL_API_SQLTABLEPRIVILEGES,
    SQL_API_SQLBINDPARAMETER,
    SQL_API_SQLALLOCHANDLE,
    SQL_API_SQLCLOSECURSOR,
    SQL_API_SQLCOPYDESC,
    SQL_API_SQLENDTRAN,
    SQL_API_SQLFREEHANDLE,
    SQL_API_SQLGETCONNECTATTR,
    SQL_API_SQLGETDESCFIELD,
    SQL_API_SQLGETDESCREC,
    SQL_API_SQLGETDIAGFIELD,
    SQL_API_SQLGETDIAGREC,
    SQL_API_SQLGETENVATTR,
    SQL_API_SQLGETSTMTATTR,
    SQL_API_SQLSETCONNECTATTR,
    SQL_API_SQLSETDESCFIELD,
    SQL_API_SQLSETDESCREC,
    SQL_API_SQLSETENVATTR,
    SQL_API_SQLSETSTMTATTR,
    SQL_API_SQLFETCHSCROLL,
];

/// Exported (a driver manager resolves every symbol it knows) but with nothing to do
/// yet: each call would answer HYC00, so SQLGetFunctions says they are not there.
const ANSWERS_ONLY_HYC00: &[u16] = &[];

/// `SQLGetFunctions(id)` for a single function.
pub fn supported(function_id: u16) -> bool {
    EXPORTED.contains(&function_id) && !ANSWERS_ONLY_HYC00.contains(&function_id)
}

fn supported_ids() -> impl Iterator<Item = u16> {
    EXPORTED.iter().copied().filter(|id| supported(*id))
}

/// `SQLGetFunctions(SQL_API_ODBC3_ALL_FUNCTIONS)`: bit `id % 16` of word `id / 16`
/// (the `SQL_FUNC_EXISTS` layout).
pub fn odbc3_bitmap() -> [u16; 250] {
    let mut words = [0u16; SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
    for id in supported_ids() {
        if let Some(w) = words.get_mut(usize::from(id >> 4)) {
            *w |= 1 << (id & 0xF);
        }
    }
    words
}

/// `SQLGetFunctions(SQL_API_ALL_FUNCTIONS)` (ODBC 2): one `SQL_TRUE`/`SQL_FALSE` per id
/// below 100; the ODBC 3 ids (1001 ...) do not fit and are not listed.
pub fn odbc2_array() -> [u16; 100] {
    let mut out = [0u16; 100];
    for id in supported_ids() {
        if let Some(slot) = out.get_mut(usize::from(id)) {
            *slot = 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ODBC spec's macro, as an application evaluates our bitmap.
    fn func_exists(bitmap: &[u16; 250], id: u16) -> bool {
        bitmap[usize::from(id >> 4)] & (1 << (id & 0xF)) != 0
    }

    /// The brief's list of exported functions, by name (A/W pairs share one id).
    const NAMES: &[(&str, u16)] = &[
        ("SQLAllocHandle", 1001),
        ("SQLAllocEnv", 2),
        ("SQLAllocConnect", 1),
        ("SQLAllocStmt", 3),
        ("SQLBindCol", 4),
        ("SQLBindParameter", 72),
        ("SQLBrowseConnect", 55),
        ("SQLBulkOperations", 24),
        ("SQLCancel", 5),
        ("SQLCloseCursor", 1003),
        ("SQLColAttribute", 6),
        ("SQLColAttributes", 6),
        ("SQLColumnPrivileges", 56),
        ("SQLColumns", 40),
        ("SQLConnect", 7),
        ("SQLCopyDesc", 1004),
        ("SQLDescribeCol", 8),
        ("SQLDescribeParam", 58),
        ("SQLDisconnect", 9),
        ("SQLDriverConnect", 41),
        ("SQLEndTran", 1005),
        ("SQLError", 10),
        ("SQLExecDirect", 11),
        ("SQLExecute", 12),
        ("SQLExtendedFetch", 59),
        ("SQLFetch", 13),
        ("SQLFetchScroll", 1021),
        ("SQLForeignKeys", 60),
        ("SQLFreeConnect", 14),
        ("SQLFreeEnv", 15),
        ("SQLFreeHandle", 1006),
        ("SQLFreeStmt", 16),
        ("SQLGetConnectAttr", 1007),
        ("SQLGetConnectOption", 42),
        ("SQLGetCursorName", 17),
        ("SQLGetData", 43),
        ("SQLGetDescField", 1008),
        ("SQLGetDescRec", 1009),
        ("SQLGetDiagField", 1010),
        ("SQLGetDiagRec", 1011),
        ("SQLGetEnvAttr", 1012),
        ("SQLGetFunctions", 44),
        ("SQLGetInfo", 45),
        ("SQLGetStmtAttr", 1014),
        ("SQLGetStmtOption", 46),
        ("SQLGetTypeInfo", 47),
        ("SQLMoreResults", 61),
        ("SQLNativeSql", 62),
        ("SQLNumParams", 63),
        ("SQLNumResultCols", 18),
        ("SQLParamData", 48),
        ("SQLPrepare", 19),
        ("SQLPrimaryKeys", 65),
        ("SQLProcedureColumns", 66),
        ("SQLProcedures", 67),
        ("SQLPutData", 49),
        ("SQLRowCount", 20),
        ("SQLSetConnectAttr", 1016),
        ("SQLSetConnectOption", 50),
        ("SQLSetCursorName", 21),
        ("SQLSetDescField", 1017),
        ("SQLSetDescRec", 1018),
        ("SQLSetEnvAttr", 1019),
        ("SQLSetPos", 68),
        ("SQLSetStmtAttr", 1020),
        ("SQLSetStmtOption", 51),
        ("SQLSpecialColumns", 52),
        ("SQLStatistics", 53),
        ("SQLTablePrivileges", 70),
        ("SQLTables", 54),
        ("SQLTransact", 23),
    ];

    #[test]
    fn exported_is_exactly_the_brief_list() {
        let mut want: Vec<u16> = NAMES.iter().map(|(_, id)| *id).collect();
        want.sort_unstable();
        want.dedup();
        let mut got = EXPORTED.to_vec();
        got.sort_unstable();
        assert_eq!(got.len(), EXPORTED.len(), "duplicates in EXPORTED");
        got.dedup();
        assert_eq!(got, want);
        assert_eq!(EXPORTED.len(), 70);
    }

    #[test]
    fn bitmap_marks_exactly_exported() {
        let bm = odbc3_bitmap();
        for id in 0..4000u16 {
            assert_eq!(func_exists(&bm, id), supported(id), "function {id}");
        }
        let marked: u32 = bm.iter().map(|w| w.count_ones()).sum();
        assert_eq!(marked as usize, EXPORTED.len() - ANSWERS_ONLY_HYC00.len());
        // Functions the driver manager implements, and deprecated ones not exported.
        for id in [
            SQL_API_SQLDRIVERS,
            SQL_API_SQLDATASOURCES,
            SQL_API_SQLSETPARAM,
            SQL_API_SQLPARAMOPTIONS,
            SQL_API_SQLSETSCROLLOPTIONS,
            SQL_API_SQLBINDPARAM,
            1022, // SQLCancelHandle
        ] {
            assert!(!func_exists(&bm, id) && !supported(id), "function {id}");
        }
        assert!(func_exists(&bm, SQL_API_SQLFETCHSCROLL));
        assert!(func_exists(&bm, SQL_API_SQLBULKOPERATIONS));
        assert!(func_exists(&bm, SQL_API_SQLGETDIAGFIELD));
    }

    #[test]
    fn odbc2_array_marks_the_odbc2_ids() {
        let arr = odbc2_array();
        for id in 0..100u16 {
            assert_eq!(arr[usize::from(id)] == 1, supported(id), "function {id}");
            assert!(arr[usize::from(id)] <= 1);
        }
        assert_eq!(arr[usize::from(SQL_API_SQLEXTENDEDFETCH)], 1);
        assert_eq!(arr[usize::from(SQL_API_SQLDRIVERS)], 0);
        assert_eq!(arr.iter().filter(|v| **v == 1).count(), 52);
    }
}
