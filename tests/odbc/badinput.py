#!/usr/bin/env python3
"""Bad input at the C API, through unixODBC's libodbc and directly against the driver.

Each batch of cases runs in a child process with a time limit, so a crash (the child
dies of a signal) or a hang (it outlives its limit) is counted instead of taking the
suite down. Batches: NULL, stale, freed and wrong-type handles; NULL output pointers;
negative and huge lengths; every attribute with odd values; calls in random orders
(wrong states); double frees; 1 MB statements; invalid UTF-8 and unpaired surrogates
in W functions; hostile connection strings.

Excluded, as the README's limits say: pointers the application hands over that are not
what it claims (a buffer shorter than its stated length, a garbage address set as a
pointer attribute), because no library can tell them from good ones. Through unixODBC,
made-up and freed handles (also as descriptor attribute values) are left out too:
unixODBC itself reads through them before the driver is called.

Usage: badinput.py --driver LIB --url URL [--via direct|unixodbc]... [--seed N]
Prints one line per batch and a summary `cases N calls N crashes N hangs N bad-returns N`;
exits 1 when anything but the counts of cases and calls is non-zero.
"""

import argparse
import ctypes
import json
import os
import random
import subprocess
import sys

H = ctypes.c_void_p
P = ctypes.c_void_p
S = ctypes.c_short
US = ctypes.c_ushort
I = ctypes.c_int
LEN = ctypes.c_ssize_t
ULEN = ctypes.c_size_t

ENV, DBC, STMT, DESC = 1, 2, 3, 4
VALID = {0, 1, -1, -2, 2, 99, 100}
BATCH_TIMEOUT = 180
BATCHES = ("handles", "nulls", "lengths", "attributes", "states", "frees", "big",
           "encoding", "connstrings")
MB = 1 << 20

STMT_ATTRS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 22, 27, 1227, 1228,
              10010, 10011, 10012, 10013, 10014, -1, 999, 20000]
# Attributes whose value is a pointer the driver writes through later, or reads as a
# string: only set with NULL or a real buffer.
STMT_POINTER_ATTRS = [16, 17, 19, 20, 21, 23, 24, 25, 26]
# Tracing (104, 105), translation libraries (106, 107) and the cursor library (110) are
# the driver manager's: setting them odd under unixODBC would test unixODBC.
CONN_ATTRS = [101, 102, 103, 108, 111, 112, 113, 1041, 1051, 1061, 1065, 10001, 10014, 115,
              116, -1, 0, 999, 99999]
CONN_STRING_ATTRS = [109]
ODD_VALUES = [0, 1, 2, 7, -1, -3, 255, 2**31 - 1, 2**31, 2**32 + 5, 2**63 - 1]
C_TYPES = [1, -8, 4, 5, -6, -7, -5, -25, -27, 7, 8, 2, 91, 92, 93, -2, -11, 99, 0, 4242]


class Api:
    """The library's SQL* functions, counting calls and returns outside the valid set."""

    def __init__(self, lib_path, via):
        self.lib = ctypes.CDLL(lib_path)
        self.via = via
        self.calls = 0
        self.cases = 0
        self.bad = []
        self.keep = []  # buffers that must outlive bindings

    def __call__(self, name, argtypes, *args):
        try:
            f = getattr(self.lib, name)
        except AttributeError:
            self.bad.append("%s: not exported" % name)
            return -1
        f.argtypes = argtypes
        f.restype = S
        self.calls += 1
        r = f(*args)
        if r not in VALID:
            self.bad.append("%s -> %s" % (name, r))
        return r

    def wide(self, text):
        """A W string in the width this path uses: UTF-16 under unixODBC, UCS-4 without
        a driver manager (the driver's process default)."""
        if isinstance(text, str):
            units = [ord(c) for c in text]
        else:
            units = list(text)
        if self.via == "unixodbc":
            out = []
            for u in units:
                if u > 0xFFFF and u <= 0x10FFFF:
                    u -= 0x10000
                    out += [0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF)]
                else:
                    out.append(u & 0xFFFF)
            arr = (ctypes.c_uint16 * (len(out) + 1))(*out)
        else:
            arr = (ctypes.c_uint32 * (len(units) + 1))(*[u & 0xFFFFFFFF for u in units])
        self.keep.append(arr)
        return ctypes.cast(arr, P)

    # Setup helpers -----------------------------------------------------------------
    def env(self):
        h = H()
        self("SQLAllocHandle", [S, H, ctypes.POINTER(H)], ENV, None, ctypes.byref(h))
        self("SQLSetEnvAttr", [H, I, P, I], h, 200, P(3), 0)
        return h

    def dbc(self, env):
        h = H()
        self("SQLAllocHandle", [S, H, ctypes.POINTER(H)], DBC, env, ctypes.byref(h))
        return h

    def connect(self, dbc, cs):
        return self("SQLDriverConnect", [H, P, P, S, P, S, ctypes.POINTER(S), US],
                    dbc, None, cs, -3, None, 0, None, 0)

    def stmt(self, dbc):
        h = H()
        r = self("SQLAllocHandle", [S, H, ctypes.POINTER(H)], STMT, dbc, ctypes.byref(h))
        return h if r == 0 else None

    def exec(self, s, sql):
        return self("SQLExecDirect", [H, P, I], s, sql, -3)

    def free(self, kind, h):
        return self("SQLFreeHandle", [S, H], kind, h)


def connected(api, cs):
    env = api.env()
    dbc = api.dbc(env)
    r = api.connect(dbc, cs)
    if r not in (0, 1):
        raise RuntimeError("setup connect failed: %s" % r)
    return env, dbc, api.stmt(dbc)


def buf(api, n=65536):
    b = ctypes.create_string_buffer(n)
    api.keep.append(b)
    return b


# Batches ----------------------------------------------------------------------------

def batch_handles(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    dead_s = api.stmt(dbc)
    api.free(STMT, dead_s)
    env2 = api.env()
    dead_d = api.dbc(env2)
    api.free(DBC, dead_d)
    fakes = [None, env, dbc, s]
    if api.via == "direct":
        # unixODBC reads a magic number through whatever it is handed (Debian builds it
        # with FAST_VALIDATE), so made-up and freed handles only go to the driver itself.
        fakes += [P(1), P(0x10), P(0xDEADBEEF), P(2**40), dead_s, dead_d,
                  ctypes.cast(buf(api, 256), P)]
    b = buf(api)
    n = S(0)
    ln = LEN(0)
    calls = [
        ("SQLFetch", [H], lambda h: (h,)),
        ("SQLExecDirect", [H, P, I], lambda h: (h, b"SELECT 1", -3)),
        ("SQLPrepare", [H, P, I], lambda h: (h, b"SELECT 1", -3)),
        ("SQLExecute", [H], lambda h: (h,)),
        ("SQLNumResultCols", [H, ctypes.POINTER(S)], lambda h: (h, ctypes.byref(n))),
        ("SQLRowCount", [H, ctypes.POINTER(LEN)], lambda h: (h, ctypes.byref(ln))),
        ("SQLMoreResults", [H], lambda h: (h,)),
        ("SQLCloseCursor", [H], lambda h: (h,)),
        ("SQLCancel", [H], lambda h: (h,)),
        ("SQLFreeStmt", [H, US], lambda h: (h, 0)),
        ("SQLGetData", [H, US, S, P, LEN, P], lambda h: (h, 1, 1, b, 65536, None)),
        ("SQLBindCol", [H, US, S, P, LEN, P], lambda h: (h, 1, 1, b, 65536, None)),
        ("SQLDescribeCol", [H, US, P, S, P, P, P, P, P], lambda h: (h, 1, b, 256, None, None, None, None, None)),
        ("SQLGetStmtAttr", [H, I, P, I, P], lambda h: (h, 0, b, 8, None)),
        ("SQLSetStmtAttr", [H, I, P, I], lambda h: (h, 0, P(5), 0)),
        ("SQLGetConnectAttr", [H, I, P, I, P], lambda h: (h, 102, b, 8, None)),
        ("SQLSetConnectAttr", [H, I, P, I], lambda h: (h, 102, P(1), 0)),
        ("SQLGetInfo", [H, US, P, S, P], lambda h: (h, 17, b, 256, None)),
        ("SQLGetFunctions", [H, US, P], lambda h: (h, 999, b)),
        ("SQLTables", [H, P, S, P, S, P, S, P, S], lambda h: (h, None, 0, None, 0, None, 0, None, 0)),
        ("SQLNativeSql", [H, P, I, P, I, P], lambda h: (h, b"SELECT 1", -3, b, 256, None)),
        ("SQLDisconnect", [H], lambda h: (h,) if h not in (dbc,) else (None,)),
        ("SQLEndTran", [S, H, S], lambda h: (DBC, h, 0)),
        ("SQLGetDiagRec", [S, H, S, P, P, P, S, P], lambda h: (STMT, h, 1, b, None, b, 256, None)),
        ("SQLGetDiagField", [S, H, S, S, P, S, P], lambda h: (STMT, h, 0, 2, b, 8, None)),
        ("SQLGetEnvAttr", [H, I, P, I, P], lambda h: (h, 200, b, 8, None)),
    ]
    for name, types, args in calls:
        for h in fakes:
            api.cases += 1
            api(name, types, *args(h))
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_nulls(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    api.exec(s, b'SELECT "$id", "Title" FROM Events ORDER BY "$id" LIMIT 5')
    for col in (0, 1, 2, 3):
        api.cases += 1
        api("SQLDescribeCol", [H, US, P, S, P, P, P, P, P], s, col, None, 0, None, None, None, None, None)
        for field in list(range(0, 40)) + [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1011, 1012, 1013]:
            api("SQLColAttribute", [H, US, US, P, S, P, P], s, col, field, None, 0, None, None)
    api("SQLNumResultCols", [H, P], s, None)
    api("SQLRowCount", [H, P], s, None)
    api("SQLFetch", [H], s)
    for c in C_TYPES:
        api.cases += 1
        api("SQLGetData", [H, US, S, P, LEN, P], s, 2, c, None, 0, None)
    for info in list(range(0, 200)) + list(range(10000, 10025)) + [65000, 171, 1750]:
        api.cases += 1
        api("SQLGetInfo", [H, US, P, S, P], dbc, info, None, 0, None)
    for attr in CONN_ATTRS + CONN_STRING_ATTRS:
        api.cases += 1
        api("SQLGetConnectAttr", [H, I, P, I, P], dbc, attr, None, 0, None)
    for attr in STMT_ATTRS + STMT_POINTER_ATTRS:
        api.cases += 1
        api("SQLGetStmtAttr", [H, I, P, I, P], s, attr, None, 0, None)
    for attr in (200, 201, 202, 10001, 99):
        api("SQLGetEnvAttr", [H, I, P, I, P], env, attr, None, 0, None)
    for rec in (0, 1, 2):
        api("SQLGetDiagRec", [S, H, S, P, P, P, S, P], STMT, s, rec, None, None, None, 0, None)
        for field in (-1, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
            api("SQLGetDiagField", [S, H, S, S, P, S, P], STMT, s, rec, field, None, 0, None)
    api("SQLNativeSql", [H, P, I, P, I, P], dbc, b"SELECT {fn UCASE('a')}", -3, None, 0, None)
    api("SQLGetCursorName", [H, P, S, P], s, None, 0, None)
    api("SQLNumParams", [H, P], s, None)
    api("SQLDescribeParam", [H, US, P, P, P, P], s, 1, None, None, None, None)
    for fid in (0, 4, 12, 999, 1000, 65535):
        api("SQLGetFunctions", [H, US, P], dbc, fid, None)
    api("SQLCloseCursor", [H], s)
    api("SQLParamData", [H, P], s, None)
    api("SQLDriverConnect", [H, P, P, S, P, S, P, US], api.dbc(env), None, cs, -3, None, 0, None, 0)
    api("SQLAllocHandle", [S, H, P], STMT, dbc, None)
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_lengths(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    b = buf(api)
    for ln in (-1, -2, -4, -5, -100, -(2**31), 0):
        api.cases += 1
        api("SQLExecDirect", [H, P, I], s, b"SELECT 1\0", ln)
        api("SQLFreeStmt", [H, US], s, 0)
        api("SQLPrepare", [H, P, I], s, b"SELECT 1\0", ln)
        api("SQLNativeSql", [H, P, I, P, I, P], dbc, b"SELECT 1\0", ln, b, 100, None)
        api("SQLTables", [H, P, S, P, S, P, S, P, S], s, b"x\0", max(ln, -32768), None, 0, b"%\0", max(ln, -32768), None, 0)
        api("SQLFreeStmt", [H, US], s, 0)
        api("SQLSetCursorName", [H, P, S], s, b"c1\0", max(ln, -32768))
        api("SQLSetConnectAttr", [H, I, P, I], dbc, 109, b"cat\0", ln)
    api.exec(s, b'SELECT "$id", "Title" FROM Events ORDER BY "$id" LIMIT 5')
    for bl in (-1, -100, 0, 1, 2, 3, 2**31 - 1, 2**62):
        api.cases += 1
        ind = LEN(0)
        api("SQLDescribeCol", [H, US, P, S, P, P, P, P, P], s, 2, b, max(min(bl, 32767), -32768), None, None, None, None, None)
        api("SQLColAttribute", [H, US, US, P, S, P, P], s, 2, 1011, b, max(min(bl, 32767), -32768), None, None)
        api("SQLGetInfo", [H, US, P, S, P], dbc, 17, b, max(min(bl, 32767), -32768), None)
        api("SQLGetDiagRec", [S, H, S, P, P, P, S, P], DBC, dbc, 1, b, None, b, max(min(bl, 32767), -32768), None)
        if api("SQLFetch", [H], s) in (0, 1):
            for c in (1, -8, -2, 4, 93):
                api("SQLGetData", [H, US, S, P, LEN, P], s, 2, c, b, min(bl, 2**62), ctypes.byref(ind))
    api("SQLFreeStmt", [H, US], s, 0)
    # Parameter lengths and indicators out of their ranges (within the buffer).
    api("SQLPrepare", [H, P, I], s, b'SELECT "$id" FROM Customers WHERE "Company name" = ?', -3)
    for ind_v in (-1, -2, -4, -5, -99, -100, -101, -(2**40)):
        api.cases += 1
        ind = LEN(ind_v)
        api.keep.append(ind)
        api("SQLBindParameter", [H, US, S, S, S, ULEN, S, P, LEN, P], s, 1, 1, 1, 12, 100, 0, b, 65536, ctypes.byref(ind))
        r = api("SQLExecute", [H], s)
        while r == 99:
            tok = P()
            r = api("SQLParamData", [H, ctypes.POINTER(P)], s, ctypes.byref(tok))
            if r == 99:
                api("SQLPutData", [H, P, LEN], s, b, rnd.choice([-3, -1, 0, 5, -100]))
        api("SQLFreeStmt", [H, US], s, 0)
    for bl in (-1, 0, 1, 2**31, 2**62):
        api("SQLBindCol", [H, US, S, P, LEN, P], s, 1, 1, b, bl, None)
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_attributes(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    b = buf(api)
    out = LEN(0)
    for attr in STMT_ATTRS:
        # unixODBC follows a descriptor handle given as an attribute value: only the
        # driver gets made-up ones.
        if api.via == "unixodbc" and 10010 <= attr <= 10013:
            continue
        for v in ODD_VALUES:
            api.cases += 1
            api("SQLSetStmtAttr", [H, I, P, I], s, attr, P(v), rnd.choice([0, -5, -6, 4, 8]))
            api("SQLGetStmtAttr", [H, I, P, I, P], s, attr, b, 64, ctypes.byref(I()))
    for attr in STMT_POINTER_ATTRS:
        api.cases += 1
        api("SQLSetStmtAttr", [H, I, P, I], s, attr, None, 0)
        api("SQLSetStmtAttr", [H, I, P, I], s, attr, ctypes.cast(b, P), 0)
        api("SQLGetStmtAttr", [H, I, P, I, P], s, attr, b, 64, None)
        api("SQLSetStmtAttr", [H, I, P, I], s, attr, None, 0)
    # The statement still runs after all that (with no bound columns, a row array of
    # any size writes nothing).
    api("SQLSetStmtAttr", [H, I, P, I], s, 27, P(1), 0)
    api("SQLSetStmtAttr", [H, I, P, I], s, 22, P(1), 0)
    api("SQLFreeStmt", [H, US], s, 0)
    api.exec(s, b'SELECT "$id" FROM Events LIMIT 3')
    for _ in range(5):
        api("SQLFetch", [H], s)
    api("SQLFreeStmt", [H, US], s, 0)
    for attr in CONN_ATTRS:
        for v in ODD_VALUES:
            api.cases += 1
            api("SQLSetConnectAttr", [H, I, P, I], dbc, attr, P(v), rnd.choice([0, -5, -6, 4]))
            api("SQLGetConnectAttr", [H, I, P, I, P], dbc, attr, b, 64, ctypes.byref(I()))
    for attr in CONN_STRING_ATTRS:
        for text in (b"\0", b"x" * 4000 + b"\0", b"\xff\xfe\0", b"cat\0"):
            api.cases += 1
            api("SQLSetConnectAttr", [H, I, P, I], dbc, attr, text, -3)
            api("SQLGetConnectAttr", [H, I, P, I, P], dbc, attr, b, 10, ctypes.byref(I()))
    for attr in (200, 201, 202, 10001, 0, -1, 99999):
        for v in ODD_VALUES:
            api.cases += 1
            api("SQLSetEnvAttr", [H, I, P, I], env, attr, P(v), 0)
            api("SQLGetEnvAttr", [H, I, P, I, P], env, attr, b, 64, None)
    api("SQLSetEnvAttr", [H, I, P, I], env, 200, P(3), 0)
    del out
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_states(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    b = buf(api)
    pbuf = buf(api, 4096)
    ind = LEN(5)
    api.keep.append(ind)
    sqls = [b'SELECT "$id", "Title" FROM Events ORDER BY "$id" LIMIT 40', b"SELECT 1 AS a, 'x' AS b",
            b'SELECT "$id" FROM Customers WHERE "$id" = ?', b"SELEKT", b"SELECT * FROM NoSuchTable"]
    ops = [
        lambda: api("SQLPrepare", [H, P, I], s, rnd.choice(sqls), -3),
        lambda: api("SQLExecute", [H], s),
        lambda: api("SQLExecDirect", [H, P, I], s, rnd.choice(sqls), -3),
        lambda: api("SQLFetch", [H], s),
        lambda: api("SQLFetchScroll", [H, S, LEN], s, rnd.choice([1, 2, 3, 4, 5, 6, 8, 99]), rnd.randint(-5, 5)),
        lambda: api("SQLGetData", [H, US, S, P, LEN, P], s, rnd.randint(0, 4), rnd.choice(C_TYPES), b, 65536, ctypes.byref(LEN())),
        lambda: api("SQLDescribeCol", [H, US, P, S, P, P, P, P, P], s, rnd.randint(0, 4), b, 256, None, None, None, None, None),
        lambda: api("SQLCloseCursor", [H], s),
        lambda: api("SQLFreeStmt", [H, US], s, rnd.choice([0, 2, 3, 7])),
        lambda: api("SQLMoreResults", [H], s),
        lambda: api("SQLRowCount", [H, P], s, ctypes.byref(LEN())),
        lambda: api("SQLNumResultCols", [H, P], s, ctypes.byref(S())),
        lambda: api("SQLParamData", [H, ctypes.POINTER(P)], s, ctypes.byref(P())),
        lambda: api("SQLPutData", [H, P, LEN], s, pbuf, rnd.choice([-3, -1, 0, 3, 100])),
        lambda: api("SQLCancel", [H], s),
        lambda: api("SQLTables", [H, P, S, P, S, P, S, P, S], s, None, 0, None, 0, b"%", -3, None, 0),
        lambda: api("SQLColumns", [H, P, S, P, S, P, S, P, S], s, None, 0, None, 0, b"Events", -3, b"%", -3),
        lambda: api("SQLGetTypeInfo", [H, S], s, rnd.choice([0, 1, 4, 93, -9, 4242])),
        lambda: api("SQLBindCol", [H, US, S, P, LEN, P], s, rnd.randint(0, 3), rnd.choice([1, 4, -8, -5]), b, 65536, ctypes.byref(ind)),
        lambda: api("SQLBindParameter", [H, US, S, S, S, ULEN, S, P, LEN, P], s, 1, 1, rnd.choice([1, 4, -5]), 4, 10, 0, pbuf, 4096,
                    ctypes.byref(ind)),
        lambda: api("SQLSetStmtAttr", [H, I, P, I], s, 22, P(rnd.choice([1, 2, 3])), 0),
        lambda: api("SQLExtendedFetch", [H, US, LEN, P, P], s, rnd.choice([1, 2, 5]), 0, None, None),
    ]
    for _ in range(600):
        api.cases += 1
        # Indicator values may only say what the buffer holds.
        ind.value = rnd.choice([5, -1, -3, 0])
        rnd.choice(ops)()
    api("SQLFreeStmt", [H, US], s, 0)
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_frees(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    api.cases += 8
    d = P()
    api("SQLGetStmtAttr", [H, I, P, I, P], s, 10010, ctypes.byref(d), 8, None)
    api.free(DESC, d)
    api.free(DBC, dbc)  # still connected: HY010
    api.free(ENV, env)  # still has a connection: HY010
    api.free(STMT, s)
    api.free(STMT, s)
    api("SQLFetch", [H], s)
    api("SQLDisconnect", [H], dbc)
    api("SQLDisconnect", [H], dbc)
    api.free(DBC, dbc)
    api.free(DBC, dbc)
    api("SQLDisconnect", [H], dbc)
    api.free(ENV, env)
    api.free(ENV, env)
    api("SQLSetEnvAttr", [H, I, P, I], env, 200, P(3), 0)
    # Free in the "wrong" order: the connection with its statements still allocated.
    env, dbc, s = connected(api, cs)
    s2 = api.stmt(dbc)
    api.exec(s2, b'SELECT "$id" FROM Events')
    api("SQLFetch", [H], s2)
    api("SQLDisconnect", [H], dbc)
    api("SQLFetch", [H], s2)
    api.free(STMT, s2)
    api.free(DBC, dbc)
    api.free(ENV, env)


def batch_big(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    b = buf(api, 256)
    bigs = [
        b"SELECT '" + b"x" * MB + b"' AS v",
        b"SELECT 1 /*" + b"c" * MB + b"*/",
        b'SELECT "' + b"i" * MB + b'" FROM Events',
        b"SELECT " + b"(" * (MB // 2) + b"1" + b")" * (MB // 2),
        b"SELECT 1" + b" " * MB,
        # Linear but slow to plan (about 0.2 ms a term): 50,000 terms keep the batch short.
        b"SELECT " + b"+".join([b"1"] * 50_000),
        b"SELECT {fn UCASE(" * 1000 + b"'a'" + b")}" * 1000,
        b"SELECT '" + b"?" * MB + b"'",
        b"{" * MB,
    ]
    for sql in bigs:
        api.cases += 1
        api("SQLExecDirect", [H, P, I], s, sql, len(sql))
        api("SQLFetch", [H], s)
        api("SQLFreeStmt", [H, US], s, 0)
        api("SQLPrepare", [H, P, I], s, sql, len(sql))
        api("SQLNativeSql", [H, P, I, P, I, P], dbc, sql, len(sql), b, 256, ctypes.byref(I()))
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_encoding(api, cs, rnd):
    env, dbc, s = connected(api, cs)
    b = buf(api)
    bad_a = [b"SELECT '\xff\xfe'", b"SELECT \xc3", b"\xed\xa0\x80", b"SELECT '\x00hidden'",
             b"SELECT \"\xf0\x9f\"", b"\xc0\xaf"]
    for sql in bad_a:
        api.cases += 1
        api("SQLExecDirect", [H, P, I], s, sql, len(sql))
        api("SQLFreeStmt", [H, US], s, 0)
        api("SQLPrepare", [H, P, I], s, sql, len(sql))
        api("SQLSetCursorName", [H, P, S], s, sql, len(sql))
        api("SQLTables", [H, P, S, P, S, P, S, P, S], s, None, 0, None, 0, sql, len(sql), None, 0)
        api("SQLFreeStmt", [H, US], s, 0)
    lone = [[0xD800], [0xDC00, ord("a")], [ord("S"), 0xDBFF], [0x110000], [0xFFFFFFFF], [0xFFFE]]
    for units in lone:
        if api.via == "unixodbc" and any(u > 0xFFFF for u in units):
            continue  # not expressible in UTF-16
        w = api.wide([ord(c) for c in "SELECT '"] + units + [ord("'")])
        api.cases += 1
        api("SQLExecDirectW", [H, P, I], s, w, -3)
        api("SQLFreeStmt", [H, US], s, 0)
        api("SQLPrepareW", [H, P, I], s, w, -3)
        api("SQLNativeSqlW", [H, P, I, P, I, P], dbc, w, -3, b, 100, None)
        api("SQLSetCursorNameW", [H, P, S], s, w, -3)
        api("SQLTablesW", [H, P, S, P, S, P, S, P, S], s, None, 0, None, 0, w, -3, None, 0)
        api("SQLFreeStmt", [H, US], s, 0)
        d2 = api.dbc(env)
        api("SQLDriverConnectW", [H, P, P, S, P, S, P, US], d2, None, w, -3, None, 0, None, 0)
        api.free(DBC, d2)
    api.free(STMT, s)
    api("SQLDisconnect", [H], dbc)


def batch_connstrings(api, cs, rnd):
    env = api.env()
    base = cs.rstrip(b"\0")
    hostile = [
        b"", b"=", b";;;", b"{", b"}", b"Url={unterminated", b"Url=" + b"a" * MB,
        b"DSN=" + b"x" * 100000, b"Driver={x}}}", b"=value;key=", b";".join([b"Timeout=5"] * 10000),
        base + b";PWD={abc", base + b";Url=http://[::1", base + b";Url=ftp://x", base + b";Timeout=-1",
        base + b";Timeout=99999999999999999999", base + b";GuestSpaceId=0", base + b";MaxRows=-5",
        base + b";Verbosity=999", base + b";Logfile=/nonexistent/dir/x.log", base + b";SSLServerCert=/dev/zero",
        base + b";SSLClientCert=/dev/urandom", base + b";ProxyPort=70000", base + b";Pagesize=0",
        base + b";Url=http://127.0.0.1:1", b"Url=http://user:pass@127.0.0.1:1;UID=a;PWD=b",
        base + b";\xff\xfe=\xff", base + b";APIToken=" + b",".join([b"t"] * 50),
    ]
    for text in hostile:
        api.cases += 1
        dbc = api.dbc(env)
        out = buf(api, 1024)
        ln = S(0)
        r = api("SQLDriverConnect", [H, P, P, S, P, S, ctypes.POINTER(S), US],
                dbc, None, text, len(text) if len(text) < 32768 else -3, out, 1024, ctypes.byref(ln), 0)
        if r in (0, 1):
            api("SQLDisconnect", [H], dbc)
        api.free(DBC, dbc)
        dbc = api.dbc(env)
        w = api.wide(text.decode("utf-8", "replace")[:200000])
        r = api("SQLDriverConnectW", [H, P, P, S, P, S, ctypes.POINTER(S), US], dbc, None, w, -3, None, 0, None, 0)
        if r in (0, 1):
            api("SQLDisconnect", [H], dbc)
        api.free(DBC, dbc)
    api.free(ENV, env)


# Parent and child ----------------------------------------------------------------------

def child(args):
    lib = args.driver if args.via == "direct" else args.dm
    api = Api(lib, args.via)
    if args.via == "direct":
        cs = ("Driver=x;Url=%s;User=demo;Password=demo" % args.url).encode() + b"\0"
    else:
        cs = ("DSN=%s" % args.dsn).encode() + b"\0"
    rnd = random.Random("%s-%s-%s" % (args.seed, args.via, args.batch))
    globals()["batch_" + args.batch](api, cs, rnd)
    print(json.dumps({"cases": api.cases, "calls": api.calls, "bad": api.bad[:20],
                      "bad_count": len(api.bad)}), flush=True)
    # Skip interpreter teardown: the driver's threads may still be ending.
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--dm", default="/usr/lib/x86_64-linux-gnu/libodbc.so.2")
    ap.add_argument("--dsn", default=os.environ.get("KODBC_DSN_ANSI", "KintoneA"))
    ap.add_argument("--via", action="append", choices=("direct", "unixodbc"))
    ap.add_argument("--seed", default="1")
    ap.add_argument("--batch", choices=BATCHES)
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        args.via = args.via[0]
        return child(args)
    totals = {"cases": 0, "calls": 0, "crashes": 0, "hangs": 0, "bad-returns": 0}
    for via in args.via or ("direct", "unixodbc"):
        if via == "unixodbc" and not os.path.exists(args.dm):
            print("%-10s skipped: %s not found" % (via, args.dm))
            continue
        for batch in BATCHES:
            cmd = [sys.executable, os.path.abspath(__file__), "--child", "--via", via, "--batch", batch,
                   "--driver", args.driver, "--url", args.url, "--dm", args.dm, "--dsn", args.dsn,
                   "--seed", args.seed]
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=BATCH_TIMEOUT,
                                   errors="replace")
            except subprocess.TimeoutExpired:
                totals["hangs"] += 1
                print("%-10s %-12s HANG (over %ds)" % (via, batch, BATCH_TIMEOUT), flush=True)
                continue
            last = (p.stdout.strip().splitlines() or [""])[-1]
            try:
                res = json.loads(last)
            except ValueError:
                totals["crashes"] += 1
                print("%-10s %-12s CRASH (exit %s)\n%s" % (via, batch, p.returncode, p.stderr[-3000:]),
                      flush=True)
                continue
            totals["cases"] += res["cases"]
            totals["calls"] += res["calls"]
            totals["bad-returns"] += res["bad_count"]
            print("%-10s %-12s cases %5d calls %6d%s" % (
                via, batch, res["cases"], res["calls"],
                ("  bad returns: %s" % res["bad"]) if res["bad"] else ""), flush=True)
    print("cases %(cases)d calls %(calls)d crashes %(crashes)d hangs %(hangs)d bad-returns %(bad-returns)d"
          % totals, flush=True)
    return 0 if totals["crashes"] == totals["hangs"] == totals["bad-returns"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
