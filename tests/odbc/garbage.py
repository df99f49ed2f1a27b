#!/usr/bin/env python3
"""Sends garbage to the driver's exports with no driver manager in between.

Loads the driver library itself with ctypes and calls its SQL* exports with null
handles, handles of the wrong type, freed handles, null buffers, negative lengths and
unknown attributes, option and info values. Every case must return SQL_INVALID_HANDLE,
or SQL_ERROR with at least one diagnostic record on the handle it names (read back with
SQLGetDiagRec), and the process must survive to print the last line. The parent compares
the printed lines with garbage.out and checks the exit status.

Usage: garbage.py LIBRARY   (KODBC_URL: the sandbox, for the cases that need a statement)
"""

import ctypes
import os
import sys

H = ctypes.c_void_p
S = ctypes.c_short
US = ctypes.c_ushort
I = ctypes.c_int
LEN = ctypes.c_ssize_t
P = ctypes.c_void_p

ENV, DBC, STMT, DESC = 1, 2, 3, 4
NAMES = {0: "SQL_SUCCESS", 1: "SQL_SUCCESS_WITH_INFO", -1: "SQL_ERROR", -2: "SQL_INVALID_HANDLE",
         100: "SQL_NO_DATA", 99: "SQL_NEED_DATA"}

violations = 0


MISSING = "MISSING"


def proto(lib, name, argtypes):
    """The export with its prototype; a missing export answers MISSING to every call."""
    try:
        f = getattr(lib, name)
    except AttributeError:
        return lambda *args: MISSING
    f.argtypes = argtypes
    f.restype = S
    return f


def diag(lib, htype, handle):
    """First diagnostic record of a handle, as 'SQLSTATE message'."""
    f = proto(lib, "SQLGetDiagRec", [S, H, S, P, ctypes.POINTER(I), P, S, ctypes.POINTER(S)])
    state = ctypes.create_string_buffer(8)
    native = I(0)
    msg = ctypes.create_string_buffer(1024)
    tl = S(0)
    r = f(htype, handle, 1, state, ctypes.byref(native), msg, 1024, ctypes.byref(tl))
    if r is MISSING or r not in (0, 1):
        return None
    return "%s %s" % (state.value.decode("ascii", "replace"),
                      msg.value.decode("utf-8", "replace"))


def case(lib, label, ret, diag_on=None, allow=("SQL_ERROR", "SQL_INVALID_HANDLE")):
    """Prints one case; diag_on = (handle type, handle) that must carry the diagnostic."""
    global violations
    if ret is MISSING:
        print("%-58s export missing  VIOLATION" % label, flush=True)
        violations += 1
        return
    name = NAMES.get(ret, str(ret))
    line = "%-58s %s" % (label, name)
    if name == "SQL_ERROR" and diag_on is not None:
        d = diag(lib, *diag_on)
        if d is None:
            line += "  (no diagnostic!)"
            violations += 1
        else:
            line += "  " + d
    if name not in allow:
        line += "  VIOLATION"
        violations += 1
    print(line, flush=True)


def main():
    lib = ctypes.CDLL(os.path.abspath(sys.argv[1]))
    url = os.environ.get("KODBC_URL", "http://127.0.0.1:9")

    alloc = proto(lib, "SQLAllocHandle", [S, H, ctypes.POINTER(H)])
    free = proto(lib, "SQLFreeHandle", [S, H])
    out = H()

    # Handles that do not exist.
    case(lib, "SQLAllocHandle(ENV, NULL, NULL out)", alloc(ENV, None, None))
    case(lib, "SQLAllocHandle(DBC, NULL parent)", alloc(DBC, None, ctypes.byref(out)))
    case(lib, "SQLAllocHandle(STMT, NULL parent)", alloc(STMT, None, ctypes.byref(out)))
    case(lib, "SQLAllocHandle(type 77, NULL parent)", alloc(77, None, ctypes.byref(out)))
    case(lib, "SQLFreeHandle(ENV, NULL)", free(ENV, None))
    case(lib, "SQLFreeHandle(STMT, NULL)", free(STMT, None))
    case(lib, "SQLFreeHandle(type 77, NULL)", free(77, None))
    bogus = ctypes.create_string_buffer(256)  # memory that is no handle of ours
    bogus_h = ctypes.cast(bogus, P)
    case(lib, "SQLFreeHandle(DBC, pointer to zeroed memory)", free(DBC, bogus_h))
    f = proto(lib, "SQLExecDirect", [H, P, I])
    case(lib, "SQLExecDirect(NULL stmt)", f(None, b"SELECT 1", -3))
    case(lib, "SQLExecDirect(pointer to zeroed memory)", f(bogus_h, b"SELECT 1", -3))
    case(lib, "SQLFetch(NULL)", proto(lib, "SQLFetch", [H])(None))
    case(lib, "SQLDisconnect(NULL)", proto(lib, "SQLDisconnect", [H])(None))
    gdr = proto(lib, "SQLGetDiagRec", [S, H, S, P, ctypes.POINTER(I), P, S, ctypes.POINTER(S)])
    case(lib, "SQLGetDiagRec(ENV, NULL)", gdr(ENV, None, 1, None, None, None, 0, None))

    # A real environment and connection.
    env = H()
    r = alloc(ENV, None, ctypes.byref(env))
    print("%-58s %s" % ("SQLAllocHandle(ENV) [setup]", NAMES.get(r, r)))
    sea = proto(lib, "SQLSetEnvAttr", [H, I, P, I])
    case(lib, "SQLSetEnvAttr(env, ODBC_VERSION, 12345)", sea(env, 200, P(12345), 0), (ENV, env))
    r = sea(env, 200, P(3), 0)
    print("%-58s %s" % ("SQLSetEnvAttr(env, ODBC_VERSION, 3) [setup]", NAMES.get(r, r)))
    case(lib, "SQLSetEnvAttr(env, unknown 98765)", sea(env, 98765, P(1), 0), (ENV, env))
    gea = proto(lib, "SQLGetEnvAttr", [H, I, P, I, ctypes.POINTER(I)])
    val = ctypes.c_size_t(0)
    case(lib, "SQLGetEnvAttr(env, unknown 98765)", gea(env, 98765, ctypes.byref(val), 8, None),
         (ENV, env))
    case(lib, "SQLAllocHandle(STMT, env as parent)", alloc(STMT, env, ctypes.byref(out)), (ENV, env))
    case(lib, "SQLExecDirect(env handle as stmt)", f(env, b"SELECT 1", -3), (ENV, env))
    et = proto(lib, "SQLEndTran", [S, H, S])
    case(lib, "SQLEndTran(ENV, env, completion 7)", et(ENV, env, 7), (ENV, env))
    case(lib, "SQLEndTran(type 77, env)", et(77, env, 0))
    case(lib, "SQLGetDiagRec(ENV, env, record 0)", gdr(ENV, env, 0, None, None, None, 0, None))
    st = ctypes.create_string_buffer(8)
    case(lib, "SQLGetDiagRec(ENV, env, 1, buffer length -1)",
         gdr(ENV, env, 1, st, None, ctypes.create_string_buffer(8), -1, None),
         allow=("SQL_ERROR", "SQL_NO_DATA"))

    dbc = H()
    r = alloc(DBC, env, ctypes.byref(dbc))
    print("%-58s %s" % ("SQLAllocHandle(DBC) [setup]", NAMES.get(r, r)))
    case(lib, "SQLAllocHandle(STMT, unconnected dbc)", alloc(STMT, dbc, ctypes.byref(out)), (DBC, dbc))
    gi = proto(lib, "SQLGetInfo", [H, US, P, S, ctypes.POINTER(S)])
    buf = ctypes.create_string_buffer(512)
    case(lib, "SQLGetInfo(dbc, unknown 65000)", gi(dbc, 65000, buf, 512, None), (DBC, dbc))
    case(lib, "SQLGetInfo(dbc, DBMS_NAME, buffer length -5)", gi(dbc, 17, buf, -5, None), (DBC, dbc))
    sca = proto(lib, "SQLSetConnectAttr", [H, I, P, I])
    case(lib, "SQLSetConnectAttr(dbc, unknown 98765)", sca(dbc, 98765, P(1), 0), (DBC, dbc))
    case(lib, "SQLSetConnectAttr(dbc, CURRENT_CATALOG, 'x', -100)", sca(dbc, 109, b"x", -100), (DBC, dbc))
    gca = proto(lib, "SQLGetConnectAttr", [H, I, P, I, ctypes.POINTER(I)])
    case(lib, "SQLGetConnectAttr(dbc, unknown 98765)", gca(dbc, 98765, ctypes.byref(val), 8, None),
         (DBC, dbc))
    dc = proto(lib, "SQLDriverConnect", [H, P, P, S, P, S, ctypes.POINTER(S), US])
    case(lib, "SQLDriverConnect(dbc, NULL string)", dc(dbc, None, None, -3, None, 0, None, 0), (DBC, dbc))
    case(lib, "SQLDriverConnect(dbc, length -7)", dc(dbc, None, b"Url=x", -7, None, 0, None, 0), (DBC, dbc))
    case(lib, "SQLDriverConnect(dbc, completion 42)",
         dc(dbc, None, b"Url=x", -3, None, 0, None, 42), (DBC, dbc))
    case(lib, "SQLDriverConnect(dbc, 'garbage without equals')",
         dc(dbc, None, b"garbage without equals", -3, None, 0, None, 0), (DBC, dbc))
    cn = proto(lib, "SQLConnect", [H, P, S, P, S, P, S])
    case(lib, "SQLConnect(dbc, NULL DSN)", cn(dbc, None, 0, None, 0, None, 0), (DBC, dbc))
    case(lib, "SQLConnect(dbc, DSN length -9)", cn(dbc, b"X", -9, None, 0, None, 0), (DBC, dbc))
    case(lib, "SQLConnect(env handle as dbc)", cn(env, b"X", -3, None, 0, None, 0), (ENV, env))
    case(lib, "SQLDisconnect(unconnected dbc)", proto(lib, "SQLDisconnect", [H])(dbc), (DBC, dbc))

    # A connected statement for the statement-level cases.
    conn = ("Driver=x;Url=%s;User=demo;Password=demo" % url).encode()
    r = dc(dbc, None, conn, -3, None, 0, None, 0)
    print("%-58s %s" % ("SQLDriverConnect(sandbox) [setup]", NAMES.get(r, r)))
    stmt = H()
    r = alloc(STMT, dbc, ctypes.byref(stmt))
    print("%-58s %s" % ("SQLAllocHandle(STMT) [setup]", NAMES.get(r, r)))
    if r == 0:
        sd = (STMT, stmt)
        case(lib, "SQLExecDirect(stmt, NULL text)", f(stmt, None, -3), sd)
        case(lib, "SQLExecDirect(stmt, length -7)", f(stmt, b"SELECT 1", -7), sd)
        case(lib, "SQLExecDirect(stmt, syntax error)", f(stmt, b"SELEKT nothing", -3), sd)
        pr = proto(lib, "SQLPrepare", [H, P, I])
        case(lib, "SQLPrepare(stmt, NULL text)", pr(stmt, None, -3), sd)
        case(lib, "SQLPrepare(stmt, length -100)", pr(stmt, b"SELECT 1", -100), sd)
        case(lib, "SQLExecute(stmt, nothing prepared)", proto(lib, "SQLExecute", [H])(stmt), sd)
        ssa = proto(lib, "SQLSetStmtAttr", [H, I, P, I])
        case(lib, "SQLSetStmtAttr(stmt, unknown 98765)", ssa(stmt, 98765, P(1), 0), sd)
        case(lib, "SQLSetStmtAttr(stmt, ROW_ARRAY_SIZE, 0)", ssa(stmt, 27, P(0), 0), sd)
        gsa = proto(lib, "SQLGetStmtAttr", [H, I, P, I, ctypes.POINTER(I)])
        case(lib, "SQLGetStmtAttr(stmt, unknown 98765)", gsa(stmt, 98765, ctypes.byref(val), 8, None), sd)
        fs = proto(lib, "SQLFreeStmt", [H, US])
        case(lib, "SQLFreeStmt(stmt, option 99)", fs(stmt, 99), sd)
        bc = proto(lib, "SQLBindCol", [H, US, S, P, LEN, P])
        case(lib, "SQLBindCol(stmt, 1, C type 4242)", bc(stmt, 1, 4242, buf, 512, None), sd)
        case(lib, "SQLBindCol(stmt, 1, CHAR, buffer length -1)", bc(stmt, 1, 1, buf, -1, None), sd)
        bp = proto(lib, "SQLBindParameter", [H, US, S, S, S, ctypes.c_size_t, S, P, LEN, P])
        case(lib, "SQLBindParameter(stmt, 0, ...)", bp(stmt, 0, 1, 1, 12, 10, 0, buf, 10, None), sd)
        case(lib, "SQLBindParameter(stmt, 1, C type 4242)", bp(stmt, 1, 1, 4242, 12, 10, 0, buf, 10, None), sd)
        case(lib, "SQLBindParameter(stmt, 1, direction 9)", bp(stmt, 1, 9, 1, 12, 10, 0, buf, 10, None), sd)
        gti = proto(lib, "SQLGetTypeInfo", [H, S])
        case(lib, "SQLGetTypeInfo(stmt, type 4242)", gti(stmt, 4242), sd)
        case(lib, "SQLFetch(stmt, no result set)", proto(lib, "SQLFetch", [H])(stmt), sd)
        gd = proto(lib, "SQLGetData", [H, US, S, P, LEN, P])
        case(lib, "SQLGetData(stmt, no result set)", gd(stmt, 1, 1, buf, 512, None), sd)
        nrc = proto(lib, "SQLNumResultCols", [H, P])
        case(lib, "SQLNumResultCols(stmt, NULL out)", nrc(stmt, None), sd,
             allow=("SQL_ERROR", "SQL_INVALID_HANDLE", "SQL_SUCCESS"))
        r = f(stmt, b"SELECT 1 AS one", -3)
        print("%-58s %s" % ("SQLExecDirect(SELECT 1) [setup]", NAMES.get(r, r)))
        dcol = proto(lib, "SQLDescribeCol", [H, US, P, S, P, P, P, P, P])
        case(lib, "SQLDescribeCol(stmt, column 0)", dcol(stmt, 0, buf, 512, None, None, None, None, None), sd)
        case(lib, "SQLDescribeCol(stmt, column 999)", dcol(stmt, 999, buf, 512, None, None, None, None, None), sd)
        case(lib, "SQLDescribeCol(stmt, 1, buffer length -3)", dcol(stmt, 1, buf, -3, None, None, None, None, None), sd)
        ca = proto(lib, "SQLColAttribute", [H, US, US, P, S, P, P])
        case(lib, "SQLColAttribute(stmt, 1, field 4242)", ca(stmt, 1, 4242, buf, 512, None, None), sd)
        case(lib, "SQLColAttribute(stmt, 999, DESC_NAME)", ca(stmt, 999, 1011, buf, 512, None, None), sd)
        fsc = proto(lib, "SQLFetchScroll", [H, S, LEN])
        case(lib, "SQLFetchScroll(stmt, orientation 42)", fsc(stmt, 42, 0), sd)
        r = proto(lib, "SQLFetch", [H])(stmt)
        print("%-58s %s" % ("SQLFetch [setup]", NAMES.get(r, r)))
        case(lib, "SQLGetData(stmt, column 0 without bookmarks)", gd(stmt, 0, 1, buf, 512, None), sd)
        case(lib, "SQLGetData(stmt, column 999)", gd(stmt, 999, 1, buf, 512, None), sd)
        case(lib, "SQLGetData(stmt, C type 4242)", gd(stmt, 1, 4242, buf, 512, None), sd)
        case(lib, "SQLGetData(stmt, CHAR, buffer length -2)", gd(stmt, 1, 1, buf, -2, None), sd)
        case(lib, "SQLGetData(stmt, CHAR, NULL buffer, length 10)", gd(stmt, 1, 1, None, 10, None), sd,
             allow=("SQL_ERROR", "SQL_SUCCESS_WITH_INFO", "SQL_SUCCESS"))
        gdf = proto(lib, "SQLGetDiagField", [S, H, S, S, P, S, ctypes.POINTER(S)])
        # a record to read: the unknown orientation again
        fsc(stmt, 42, 0)
        case(lib, "SQLGetDiagField(stmt, 1, field 4242)", gdf(STMT, stmt, 1, 4242, buf, 512, None))
        case(lib, "SQLGetDiagField(stmt, 1, MESSAGE_TEXT, length -1)",
             gdf(STMT, stmt, 1, 6, buf, -1, None))
        case(lib, "SQLGetDiagField(type 77, stmt)", gdf(77, stmt, 1, 4, buf, 512, None))
        case(lib, "SQLTables(dbc handle as stmt)",
             proto(lib, "SQLTables", [H, P, S, P, S, P, S, P, S])(dbc, None, 0, None, 0, None, 0, None, 0),
             (DBC, dbc))
        case(lib, "SQLColumns(stmt, table length -9)",
             proto(lib, "SQLColumns", [H, P, S, P, S, P, S, P, S])(stmt, None, 0, None, 0, b"x", -9, None, 0),
             sd)
        r = free(STMT, stmt)
        print("%-58s %s" % ("SQLFreeHandle(STMT) [setup]", NAMES.get(r, r)))
        case(lib, "SQLFreeHandle(STMT, already freed)", free(STMT, stmt))
        case(lib, "SQLExecDirect(freed stmt)", f(stmt, b"SELECT 1", -3))
    r = proto(lib, "SQLDisconnect", [H])(dbc)
    print("%-58s %s" % ("SQLDisconnect [setup]", NAMES.get(r, r)))
    case(lib, "SQLFreeHandle(DBC, env handle)", free(DBC, env), (ENV, env))
    case(lib, "SQLFreeHandle(ENV, dbc still allocated)", free(ENV, env), (ENV, env))
    r = free(DBC, dbc)
    print("%-58s %s" % ("SQLFreeHandle(DBC) [setup]", NAMES.get(r, r)))
    r = free(ENV, env)
    print("%-58s %s" % ("SQLFreeHandle(ENV) [setup]", NAMES.get(r, r)))
    case(lib, "SQLFreeHandle(ENV, already freed)", free(ENV, env))
    print("survived; %d violation(s)" % violations)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
