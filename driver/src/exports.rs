//! Every symbol the driver exports, and nothing else (the "export manifest").
//!
//! Each export is one line into `api`: the guarded, pointer-checking shim around a
//! safe core. String functions come in complete A and W sets over one generic body
//! (`Narrow` / `Wide`): iODBC calls only W functions once `SQLConnectW` exists, and
//! unixODBC never falls back to A after a W connect (notes §0.2). Parameters are raw
//! integers, never Rust enums, because driver managers pass values no enum lists.
//!
//! Nothing inside the driver calls these symbols: under a driver manager they could
//! resolve to the manager's own exports (notes §0.7).

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use std::ffi::c_void;

use crate::api::catalog::Arg;
use crate::api::{attrs, catalog, connect, desc, diag, exec, fetch, handle, info, results};
use crate::sys::*;

#[no_mangle]
pub unsafe extern "C" fn SQLAllocHandle(
    handle_type: i16,
    input: Handle,
    output: *mut Handle,
) -> SqlReturn {
    unsafe { handle::alloc_handle(handle_type, input, output) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLAllocEnv(output: *mut Handle) -> SqlReturn {
    unsafe { handle::alloc_handle(SQL_HANDLE_ENV, std::ptr::null_mut(), output) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLAllocConnect(env: Handle, output: *mut Handle) -> SqlReturn {
    unsafe { handle::alloc_handle(SQL_HANDLE_DBC, env, output) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLAllocStmt(dbc: Handle, output: *mut Handle) -> SqlReturn {
    unsafe { handle::alloc_handle(SQL_HANDLE_STMT, dbc, output) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLFreeHandle(handle_type: i16, handle: Handle) -> SqlReturn {
    handle::free_handle(handle_type, handle)
}

#[no_mangle]
pub unsafe extern "C" fn SQLFreeEnv(env: Handle) -> SqlReturn {
    handle::free_handle(SQL_HANDLE_ENV, env)
}

#[no_mangle]
pub unsafe extern "C" fn SQLFreeConnect(dbc: Handle) -> SqlReturn {
    handle::free_handle(SQL_HANDLE_DBC, dbc)
}

#[no_mangle]
pub unsafe extern "C" fn SQLFreeStmt(stmt: Handle, option: u16) -> SqlReturn {
    handle::free_stmt(stmt, option)
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetEnvAttr(
    env: Handle,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    attrs::set_env_attr(env, attr, value)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetEnvAttr(
    env: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe { attrs::get_env_attr(env, attr, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLConnect(
    dbc: Handle,
    dsn: *const c_void,
    dsn_len: i16,
    uid: *const c_void,
    uid_len: i16,
    pwd: *const c_void,
    pwd_len: i16,
) -> SqlReturn {
    unsafe {
        connect::connect::<crate::encoding::Narrow>(dbc, dsn, dsn_len, uid, uid_len, pwd, pwd_len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLConnectW(
    dbc: Handle,
    dsn: *const c_void,
    dsn_len: i16,
    uid: *const c_void,
    uid_len: i16,
    pwd: *const c_void,
    pwd_len: i16,
) -> SqlReturn {
    unsafe {
        connect::connect::<crate::encoding::Wide>(dbc, dsn, dsn_len, uid, uid_len, pwd, pwd_len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLDriverConnect(
    dbc: Handle,
    hwnd: *mut c_void,
    in_str: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
    completion: u16,
) -> SqlReturn {
    unsafe {
        connect::driver_connect::<crate::encoding::Narrow>(
            dbc, hwnd, in_str, in_len, out, out_max, out_len, completion,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLDriverConnectW(
    dbc: Handle,
    hwnd: *mut c_void,
    in_str: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
    completion: u16,
) -> SqlReturn {
    unsafe {
        connect::driver_connect::<crate::encoding::Wide>(
            dbc, hwnd, in_str, in_len, out, out_max, out_len, completion,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLBrowseConnect(
    dbc: Handle,
    in_str: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
) -> SqlReturn {
    unsafe {
        connect::browse_connect::<crate::encoding::Narrow>(
            dbc, in_str, in_len, out, out_max, out_len,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLBrowseConnectW(
    dbc: Handle,
    in_str: *const c_void,
    in_len: i16,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
) -> SqlReturn {
    unsafe {
        connect::browse_connect::<crate::encoding::Wide>(dbc, in_str, in_len, out, out_max, out_len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLDisconnect(dbc: Handle) -> SqlReturn {
    connect::disconnect(dbc)
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetConnectAttr(
    dbc: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    unsafe { attrs::set_connect_attr::<crate::encoding::Narrow>(dbc, attr, value, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetConnectAttrW(
    dbc: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    unsafe { attrs::set_connect_attr::<crate::encoding::Wide>(dbc, attr, value, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetConnectAttr(
    dbc: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe { attrs::get_connect_attr::<crate::encoding::Narrow>(dbc, attr, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetConnectAttrW(
    dbc: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe { attrs::get_connect_attr::<crate::encoding::Wide>(dbc, attr, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetConnectOption(dbc: Handle, option: u16, value: usize) -> SqlReturn {
    unsafe { attrs::set_connect_option::<crate::encoding::Narrow>(dbc, option, value) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetConnectOptionW(dbc: Handle, option: u16, value: usize) -> SqlReturn {
    unsafe { attrs::set_connect_option::<crate::encoding::Wide>(dbc, option, value) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetConnectOption(
    dbc: Handle,
    option: u16,
    value: *mut c_void,
) -> SqlReturn {
    unsafe { attrs::get_connect_option::<crate::encoding::Narrow>(dbc, option, value) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetConnectOptionW(
    dbc: Handle,
    option: u16,
    value: *mut c_void,
) -> SqlReturn {
    unsafe { attrs::get_connect_option::<crate::encoding::Wide>(dbc, option, value) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetStmtAttr(
    stmt: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    unsafe { attrs::set_stmt_attr::<crate::encoding::Narrow>(stmt, attr, value, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetStmtAttrW(
    stmt: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    unsafe { attrs::set_stmt_attr::<crate::encoding::Wide>(stmt, attr, value, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetStmtAttr(
    stmt: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe { attrs::get_stmt_attr::<crate::encoding::Narrow>(stmt, attr, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetStmtAttrW(
    stmt: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe { attrs::get_stmt_attr::<crate::encoding::Wide>(stmt, attr, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetStmtOption(stmt: Handle, option: u16, value: usize) -> SqlReturn {
    attrs::set_stmt_option(stmt, option, value)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetStmtOption(
    stmt: Handle,
    option: u16,
    value: *mut c_void,
) -> SqlReturn {
    unsafe { attrs::get_stmt_option(stmt, option, value) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetInfo(
    dbc: Handle,
    info_type: u16,
    value: *mut c_void,
    len: i16,
    out_len: *mut i16,
) -> SqlReturn {
    unsafe { info::get_info::<crate::encoding::Narrow>(dbc, info_type, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetInfoW(
    dbc: Handle,
    info_type: u16,
    value: *mut c_void,
    len: i16,
    out_len: *mut i16,
) -> SqlReturn {
    unsafe { info::get_info::<crate::encoding::Wide>(dbc, info_type, value, len, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetFunctions(
    dbc: Handle,
    function: u16,
    supported: *mut u16,
) -> SqlReturn {
    unsafe { info::get_functions(dbc, function, supported) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetTypeInfo(stmt: Handle, data_type: i16) -> SqlReturn {
    info::get_type_info(stmt, data_type)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetTypeInfoW(stmt: Handle, data_type: i16) -> SqlReturn {
    info::get_type_info(stmt, data_type)
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrepare(stmt: Handle, text: *const c_void, len: i32) -> SqlReturn {
    unsafe { exec::prepare::<crate::encoding::Narrow>(stmt, text, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrepareW(stmt: Handle, text: *const c_void, len: i32) -> SqlReturn {
    unsafe { exec::prepare::<crate::encoding::Wide>(stmt, text, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLExecute(stmt: Handle) -> SqlReturn {
    exec::execute(stmt)
}

#[no_mangle]
pub unsafe extern "C" fn SQLExecDirect(stmt: Handle, text: *const c_void, len: i32) -> SqlReturn {
    unsafe { exec::exec_direct::<crate::encoding::Narrow>(stmt, text, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLExecDirectW(stmt: Handle, text: *const c_void, len: i32) -> SqlReturn {
    unsafe { exec::exec_direct::<crate::encoding::Wide>(stmt, text, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLNumParams(stmt: Handle, count: *mut i16) -> SqlReturn {
    unsafe { exec::num_params(stmt, count) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLDescribeParam(
    stmt: Handle,
    param: u16,
    sql_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    unsafe { exec::describe_param(stmt, param, sql_type, size, digits, nullable) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLBindParameter(
    stmt: Handle,
    param: u16,
    io_type: i16,
    c_type: i16,
    sql_type: i16,
    size: usize,
    digits: i16,
    value: *mut c_void,
    len: isize,
    ind: *mut isize,
) -> SqlReturn {
    exec::bind_parameter(
        stmt, param, io_type, c_type, sql_type, size, digits, value, len, ind,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLParamData(stmt: Handle, value: *mut *mut c_void) -> SqlReturn {
    exec::param_data(stmt, value)
}

#[no_mangle]
pub unsafe extern "C" fn SQLPutData(stmt: Handle, data: *mut c_void, len: isize) -> SqlReturn {
    exec::put_data(stmt, data, len)
}

#[no_mangle]
pub unsafe extern "C" fn SQLNativeSql(
    dbc: Handle,
    input: *const c_void,
    in_len: i32,
    out: *mut c_void,
    out_max: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe {
        exec::native_sql::<crate::encoding::Narrow>(dbc, input, in_len, out, out_max, out_len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLNativeSqlW(
    dbc: Handle,
    input: *const c_void,
    in_len: i32,
    out: *mut c_void,
    out_max: i32,
    out_len: *mut i32,
) -> SqlReturn {
    unsafe { exec::native_sql::<crate::encoding::Wide>(dbc, input, in_len, out, out_max, out_len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLCancel(stmt: Handle) -> SqlReturn {
    exec::cancel(stmt)
}

#[no_mangle]
pub unsafe extern "C" fn SQLEndTran(
    handle_type: i16,
    handle: Handle,
    completion: i16,
) -> SqlReturn {
    exec::end_tran(handle_type, handle, completion)
}

#[no_mangle]
pub unsafe extern "C" fn SQLTransact(env: Handle, dbc: Handle, completion: u16) -> SqlReturn {
    exec::transact(env, dbc, completion)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetCursorName(
    stmt: Handle,
    name: *mut c_void,
    max: i16,
    len: *mut i16,
) -> SqlReturn {
    unsafe { exec::get_cursor_name::<crate::encoding::Narrow>(stmt, name, max, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetCursorNameW(
    stmt: Handle,
    name: *mut c_void,
    max: i16,
    len: *mut i16,
) -> SqlReturn {
    unsafe { exec::get_cursor_name::<crate::encoding::Wide>(stmt, name, max, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetCursorName(
    stmt: Handle,
    name: *const c_void,
    len: i16,
) -> SqlReturn {
    unsafe { exec::set_cursor_name::<crate::encoding::Narrow>(stmt, name, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetCursorNameW(
    stmt: Handle,
    name: *const c_void,
    len: i16,
) -> SqlReturn {
    unsafe { exec::set_cursor_name::<crate::encoding::Wide>(stmt, name, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLNumResultCols(stmt: Handle, count: *mut i16) -> SqlReturn {
    unsafe { results::num_result_cols(stmt, count) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLDescribeCol(
    stmt: Handle,
    col: u16,
    name: *mut c_void,
    max: i16,
    name_len: *mut i16,
    sql_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    unsafe {
        results::describe_col::<crate::encoding::Narrow>(
            stmt, col, name, max, name_len, sql_type, size, digits, nullable,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLDescribeColW(
    stmt: Handle,
    col: u16,
    name: *mut c_void,
    max: i16,
    name_len: *mut i16,
    sql_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    unsafe {
        results::describe_col::<crate::encoding::Wide>(
            stmt, col, name, max, name_len, sql_type, size, digits, nullable,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLColAttribute(
    stmt: Handle,
    col: u16,
    field: u16,
    text: *mut c_void,
    max: i16,
    text_len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    unsafe {
        results::col_attribute::<crate::encoding::Narrow>(
            stmt, col, field, text, max, text_len, num,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLColAttributeW(
    stmt: Handle,
    col: u16,
    field: u16,
    text: *mut c_void,
    max: i16,
    text_len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    unsafe {
        results::col_attribute::<crate::encoding::Wide>(stmt, col, field, text, max, text_len, num)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLColAttributes(
    stmt: Handle,
    col: u16,
    field: u16,
    text: *mut c_void,
    max: i16,
    text_len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    unsafe {
        results::col_attribute::<crate::encoding::Narrow>(
            stmt, col, field, text, max, text_len, num,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLColAttributesW(
    stmt: Handle,
    col: u16,
    field: u16,
    text: *mut c_void,
    max: i16,
    text_len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    unsafe {
        results::col_attribute::<crate::encoding::Wide>(stmt, col, field, text, max, text_len, num)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLRowCount(stmt: Handle, count: *mut isize) -> SqlReturn {
    unsafe { results::row_count(stmt, count) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLMoreResults(stmt: Handle) -> SqlReturn {
    results::more_results(stmt)
}

#[no_mangle]
pub unsafe extern "C" fn SQLCloseCursor(stmt: Handle) -> SqlReturn {
    results::close_cursor(stmt)
}

#[no_mangle]
pub unsafe extern "C" fn SQLBindCol(
    stmt: Handle,
    col: u16,
    c_type: i16,
    value: *mut c_void,
    len: isize,
    ind: *mut isize,
) -> SqlReturn {
    fetch::bind_col(stmt, col, c_type, value, len, ind)
}

#[no_mangle]
pub unsafe extern "C" fn SQLFetch(stmt: Handle) -> SqlReturn {
    fetch::fetch(stmt)
}

#[no_mangle]
pub unsafe extern "C" fn SQLFetchScroll(
    stmt: Handle,
    orientation: i16,
    offset: isize,
) -> SqlReturn {
    fetch::fetch_scroll(stmt, orientation, offset)
}

#[no_mangle]
pub unsafe extern "C" fn SQLExtendedFetch(
    stmt: Handle,
    orientation: u16,
    offset: isize,
    fetched: *mut usize,
    status: *mut u16,
) -> SqlReturn {
    unsafe { fetch::extended_fetch(stmt, orientation, offset, fetched, status) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetData(
    stmt: Handle,
    col: u16,
    c_type: i16,
    value: *mut c_void,
    len: isize,
    ind: *mut isize,
) -> SqlReturn {
    unsafe { fetch::get_data(stmt, col, c_type, value, len, ind) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetPos(stmt: Handle, row: usize, op: u16, lock: u16) -> SqlReturn {
    crate::api::positioned::set_pos(stmt, row, op, lock)
}

#[no_mangle]
pub unsafe extern "C" fn SQLBulkOperations(stmt: Handle, op: i16) -> SqlReturn {
    crate::api::positioned::bulk_operations(stmt, op)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagRec(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    max: i16,
    msg_len: *mut i16,
) -> SqlReturn {
    unsafe {
        diag::get_diag_rec::<crate::encoding::Narrow>(
            handle_type,
            handle,
            rec,
            state,
            native,
            msg,
            max,
            msg_len,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagRecW(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    max: i16,
    msg_len: *mut i16,
) -> SqlReturn {
    unsafe {
        diag::get_diag_rec::<crate::encoding::Wide>(
            handle_type,
            handle,
            rec,
            state,
            native,
            msg,
            max,
            msg_len,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagField(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    max: i16,
    len: *mut i16,
) -> SqlReturn {
    unsafe {
        diag::get_diag_field::<crate::encoding::Narrow>(
            handle_type,
            handle,
            rec,
            field,
            value,
            max,
            len,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDiagFieldW(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    max: i16,
    len: *mut i16,
) -> SqlReturn {
    unsafe {
        diag::get_diag_field::<crate::encoding::Wide>(
            handle_type,
            handle,
            rec,
            field,
            value,
            max,
            len,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLError(
    env: Handle,
    dbc: Handle,
    stmt: Handle,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    max: i16,
    msg_len: *mut i16,
) -> SqlReturn {
    unsafe {
        diag::error::<crate::encoding::Narrow>(env, dbc, stmt, state, native, msg, max, msg_len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLErrorW(
    env: Handle,
    dbc: Handle,
    stmt: Handle,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    max: i16,
    msg_len: *mut i16,
) -> SqlReturn {
    unsafe {
        diag::error::<crate::encoding::Wide>(env, dbc, stmt, state, native, msg, max, msg_len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDescField(
    desc: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    max: i32,
    len: *mut i32,
) -> SqlReturn {
    unsafe { desc::get_desc_field::<crate::encoding::Narrow>(desc, rec, field, value, max, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDescFieldW(
    desc: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    max: i32,
    len: *mut i32,
) -> SqlReturn {
    unsafe { desc::get_desc_field::<crate::encoding::Wide>(desc, rec, field, value, max, len) }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetDescField(
    desc: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    desc::set_desc_field::<crate::encoding::Narrow>(desc, rec, field, value, len)
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetDescFieldW(
    desc: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    desc::set_desc_field::<crate::encoding::Wide>(desc, rec, field, value, len)
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDescRec(
    desc: Handle,
    rec: i16,
    name: *mut c_void,
    max: i16,
    name_len: *mut i16,
    ty: *mut i16,
    sub: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    unsafe {
        desc::get_desc_rec::<crate::encoding::Narrow>(
            desc, rec, name, max, name_len, ty, sub, length, precision, scale, nullable,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDescRecW(
    desc: Handle,
    rec: i16,
    name: *mut c_void,
    max: i16,
    name_len: *mut i16,
    ty: *mut i16,
    sub: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    unsafe {
        desc::get_desc_rec::<crate::encoding::Wide>(
            desc, rec, name, max, name_len, ty, sub, length, precision, scale, nullable,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetDescRec(
    desc: Handle,
    rec: i16,
    ty: i16,
    sub: i16,
    length: isize,
    precision: i16,
    scale: i16,
    data: *mut c_void,
    octet_len: *mut isize,
    ind: *mut isize,
) -> SqlReturn {
    desc::set_desc_rec(
        desc, rec, ty, sub, length, precision, scale, data, octet_len, ind,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLCopyDesc(source: Handle, target: Handle) -> SqlReturn {
    desc::copy_desc(source, target)
}

#[no_mangle]
pub unsafe extern "C" fn SQLTables(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    types: *const c_void,
    types_len: i16,
) -> SqlReturn {
    catalog::tables::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        Arg {
            ptr: types,
            len: types_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLTablesW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    types: *const c_void,
    types_len: i16,
) -> SqlReturn {
    catalog::tables::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        Arg {
            ptr: types,
            len: types_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLColumns(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    column: *const c_void,
    column_len: i16,
) -> SqlReturn {
    catalog::columns::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        Arg {
            ptr: column,
            len: column_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLColumnsW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    column: *const c_void,
    column_len: i16,
) -> SqlReturn {
    catalog::columns::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        Arg {
            ptr: column,
            len: column_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrimaryKeys(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
) -> SqlReturn {
    catalog::primary_keys::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrimaryKeysW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
) -> SqlReturn {
    catalog::primary_keys::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLForeignKeys(
    stmt: Handle,
    pk_cat: *const c_void,
    pk_cat_len: i16,
    pk_schema: *const c_void,
    pk_schema_len: i16,
    pk_table: *const c_void,
    pk_table_len: i16,
    fk_cat: *const c_void,
    fk_cat_len: i16,
    fk_schema: *const c_void,
    fk_schema_len: i16,
    fk_table: *const c_void,
    fk_table_len: i16,
) -> SqlReturn {
    catalog::foreign_keys::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: pk_cat,
            len: pk_cat_len,
        },
        Arg {
            ptr: pk_schema,
            len: pk_schema_len,
        },
        Arg {
            ptr: pk_table,
            len: pk_table_len,
        },
        Arg {
            ptr: fk_cat,
            len: fk_cat_len,
        },
        Arg {
            ptr: fk_schema,
            len: fk_schema_len,
        },
        Arg {
            ptr: fk_table,
            len: fk_table_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLForeignKeysW(
    stmt: Handle,
    pk_cat: *const c_void,
    pk_cat_len: i16,
    pk_schema: *const c_void,
    pk_schema_len: i16,
    pk_table: *const c_void,
    pk_table_len: i16,
    fk_cat: *const c_void,
    fk_cat_len: i16,
    fk_schema: *const c_void,
    fk_schema_len: i16,
    fk_table: *const c_void,
    fk_table_len: i16,
) -> SqlReturn {
    catalog::foreign_keys::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: pk_cat,
            len: pk_cat_len,
        },
        Arg {
            ptr: pk_schema,
            len: pk_schema_len,
        },
        Arg {
            ptr: pk_table,
            len: pk_table_len,
        },
        Arg {
            ptr: fk_cat,
            len: fk_cat_len,
        },
        Arg {
            ptr: fk_schema,
            len: fk_schema_len,
        },
        Arg {
            ptr: fk_table,
            len: fk_table_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLStatistics(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    unique: u16,
    reserved: u16,
) -> SqlReturn {
    catalog::statistics::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        unique,
        reserved,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLStatisticsW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    unique: u16,
    reserved: u16,
) -> SqlReturn {
    catalog::statistics::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        unique,
        reserved,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLSpecialColumns(
    stmt: Handle,
    id_type: u16,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    scope: u16,
    nullable: u16,
) -> SqlReturn {
    catalog::special_columns::<crate::encoding::Narrow>(
        stmt,
        id_type,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        scope,
        nullable,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLSpecialColumnsW(
    stmt: Handle,
    id_type: u16,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    scope: u16,
    nullable: u16,
) -> SqlReturn {
    catalog::special_columns::<crate::encoding::Wide>(
        stmt,
        id_type,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        scope,
        nullable,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLProcedures(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    proc: *const c_void,
    proc_len: i16,
) -> SqlReturn {
    catalog::procedures::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: proc,
            len: proc_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLProceduresW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    proc: *const c_void,
    proc_len: i16,
) -> SqlReturn {
    catalog::procedures::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: proc,
            len: proc_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLProcedureColumns(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    proc: *const c_void,
    proc_len: i16,
    column: *const c_void,
    column_len: i16,
) -> SqlReturn {
    catalog::procedure_columns::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: proc,
            len: proc_len,
        },
        Arg {
            ptr: column,
            len: column_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLProcedureColumnsW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    proc: *const c_void,
    proc_len: i16,
    column: *const c_void,
    column_len: i16,
) -> SqlReturn {
    catalog::procedure_columns::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: proc,
            len: proc_len,
        },
        Arg {
            ptr: column,
            len: column_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLTablePrivileges(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
) -> SqlReturn {
    catalog::table_privileges::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLTablePrivilegesW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
) -> SqlReturn {
    catalog::table_privileges::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLColumnPrivileges(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    column: *const c_void,
    column_len: i16,
) -> SqlReturn {
    catalog::column_privileges::<crate::encoding::Narrow>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        Arg {
            ptr: column,
            len: column_len,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLColumnPrivilegesW(
    stmt: Handle,
    cat: *const c_void,
    cat_len: i16,
    schema: *const c_void,
    schema_len: i16,
    table: *const c_void,
    table_len: i16,
    column: *const c_void,
    column_len: i16,
) -> SqlReturn {
    catalog::column_privileges::<crate::encoding::Wide>(
        stmt,
        Arg {
            ptr: cat,
            len: cat_len,
        },
        Arg {
            ptr: schema,
            len: schema_len,
        },
        Arg {
            ptr: table,
            len: table_len,
        },
        Arg {
            ptr: column,
            len: column_len,
        },
    )
}
