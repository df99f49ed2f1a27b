#!/usr/bin/env python3
"""Runs data-driven ODBC call sequences through a driver manager loaded with ctypes.

One spec file holds one ODBC call per line (see specs/README.md for the language). The
runner loads a driver manager library by path (unixODBC's libodbc.so.2 or iODBC's
libiodbc.so.2), makes every string call in its ANSI or its W form, and prints each call
with its return code, the diagnostics it raised and the values it returned. The printed
text is normalised so that one expected file serves the four runs {unixODBC, iODBC} x
{ANSI, W}: wide lengths are printed in characters, and driver-manager messages (whose
wording differs between the two managers) are reduced to their SQLSTATE.

Usage: odbcrun.py --dm LIB --mode ansi|wide [--wchar 2|4] SPEC [SPEC ...]
"""

import argparse
import ctypes
import io
import os
import re
import shlex
import struct
import sys

# --- constants -------------------------------------------------------------------------

SQL_NTS = -3
SQL_NULL_DATA = -1
SQL_NO_TOTAL = -4
SQL_DATA_AT_EXEC = -2

RETURN_CODES = {
    0: "SQL_SUCCESS",
    1: "SQL_SUCCESS_WITH_INFO",
    -1: "SQL_ERROR",
    -2: "SQL_INVALID_HANDLE",
    100: "SQL_NO_DATA",
    99: "SQL_NEED_DATA",
    2: "SQL_STILL_EXECUTING",
}

HANDLE_TYPES = {"ENV": 1, "DBC": 2, "STMT": 3, "DESC": 4}

C_TYPES = {
    "SQL_C_CHAR": 1,
    "SQL_C_WCHAR": -8,
    "SQL_C_SHORT": 5,
    "SQL_C_SSHORT": -15,
    "SQL_C_USHORT": -17,
    "SQL_C_LONG": 4,
    "SQL_C_SLONG": -16,
    "SQL_C_ULONG": -18,
    "SQL_C_SBIGINT": -25,
    "SQL_C_UBIGINT": -27,
    "SQL_C_TINYINT": -6,
    "SQL_C_STINYINT": -26,
    "SQL_C_UTINYINT": -28,
    "SQL_C_BIT": -7,
    "SQL_C_FLOAT": 7,
    "SQL_C_DOUBLE": 8,
    "SQL_C_NUMERIC": 2,
    "SQL_C_BINARY": -2,
    "SQL_C_TYPE_DATE": 91,
    "SQL_C_TYPE_TIME": 92,
    "SQL_C_TYPE_TIMESTAMP": 93,
    "SQL_C_DEFAULT": 99,
    "SQL_ARD_TYPE": -99,
}

SQL_TYPES = {
    "SQL_UNKNOWN_TYPE": 0,
    "SQL_CHAR": 1,
    "SQL_NUMERIC": 2,
    "SQL_DECIMAL": 3,
    "SQL_INTEGER": 4,
    "SQL_SMALLINT": 5,
    "SQL_FLOAT": 6,
    "SQL_REAL": 7,
    "SQL_DOUBLE": 8,
    "SQL_DATETIME": 9,
    "SQL_VARCHAR": 12,
    "SQL_TYPE_DATE": 91,
    "SQL_TYPE_TIME": 92,
    "SQL_TYPE_TIMESTAMP": 93,
    "SQL_LONGVARCHAR": -1,
    "SQL_BINARY": -2,
    "SQL_VARBINARY": -3,
    "SQL_LONGVARBINARY": -4,
    "SQL_BIGINT": -5,
    "SQL_TINYINT": -6,
    "SQL_BIT": -7,
    "SQL_WCHAR": -8,
    "SQL_WVARCHAR": -9,
    "SQL_WLONGVARCHAR": -10,
    "SQL_GUID": -11,
    "SQL_ALL_TYPES": 0,
}
SQL_TYPE_NAMES = {v: k for k, v in SQL_TYPES.items() if k not in ("SQL_ALL_TYPES", "SQL_UNKNOWN_TYPE")}
SQL_TYPE_NAMES[0] = "SQL_UNKNOWN_TYPE"

# Attributes: name -> (number, kind). kind: int (integer value), ptr (runner-owned
# pointer), str (string value).
ENV_ATTRS = {
    "SQL_ATTR_ODBC_VERSION": (200, "int"),
    "SQL_ATTR_CONNECTION_POOLING": (201, "int"),
    "SQL_ATTR_CP_MATCH": (202, "int"),
    "SQL_ATTR_OUTPUT_NTS": (10001, "int"),
}
CONN_ATTRS = {
    "SQL_ATTR_ACCESS_MODE": (101, "int"),
    "SQL_ATTR_AUTOCOMMIT": (102, "int"),
    "SQL_ATTR_LOGIN_TIMEOUT": (103, "int"),
    "SQL_ATTR_TXN_ISOLATION": (108, "int"),
    "SQL_ATTR_CURRENT_CATALOG": (109, "str"),
    "SQL_ATTR_PACKET_SIZE": (112, "int"),
    "SQL_ATTR_CONNECTION_TIMEOUT": (113, "int"),
    "SQL_ATTR_CONNECTION_DEAD": (1209, "int"),
    "SQL_ATTR_METADATA_ID": (10014, "int"),
}
STMT_ATTRS = {
    "SQL_ATTR_QUERY_TIMEOUT": (0, "int"),
    "SQL_ATTR_MAX_ROWS": (1, "int"),
    "SQL_ATTR_NOSCAN": (2, "int"),
    "SQL_ATTR_MAX_LENGTH": (3, "int"),
    "SQL_ATTR_ASYNC_ENABLE": (4, "int"),
    "SQL_ATTR_ROW_BIND_TYPE": (5, "int"),
    "SQL_ATTR_CURSOR_TYPE": (6, "int"),
    "SQL_ATTR_CONCURRENCY": (7, "int"),
    "SQL_ATTR_ROW_ARRAY_SIZE": (27, "int"),
    "SQL_ROWSET_SIZE": (9, "int"),
    "SQL_ATTR_RETRIEVE_DATA": (11, "int"),
    "SQL_ATTR_USE_BOOKMARKS": (12, "int"),
    "SQL_ATTR_ROW_NUMBER": (14, "int"),
    "SQL_ATTR_PARAM_BIND_TYPE": (18, "int"),
    "SQL_ATTR_PARAM_STATUS_PTR": (20, "ptr16"),
    "SQL_ATTR_PARAMS_PROCESSED_PTR": (21, "ptrlen"),
    "SQL_ATTR_PARAMSET_SIZE": (22, "int"),
    "SQL_ATTR_ROW_BIND_OFFSET_PTR": (23, "ptroffset"),
    "SQL_ATTR_ROW_STATUS_PTR": (25, "ptr16"),
    "SQL_ATTR_ROWS_FETCHED_PTR": (26, "ptrlen"),
    "SQL_ATTR_CURSOR_SCROLLABLE": (-1, "int"),
    "SQL_ATTR_APP_ROW_DESC": (10010, "int"),
}

INFO_TYPES = {
    "SQL_MAX_DRIVER_CONNECTIONS": 0,
    "SQL_MAX_CONCURRENT_ACTIVITIES": 1,
    "SQL_DATA_SOURCE_NAME": 2,
    "SQL_DRIVER_NAME": 6,
    "SQL_DRIVER_VER": 7,
    "SQL_FETCH_DIRECTION": 8,
    "SQL_ODBC_API_CONFORMANCE": 9,
    "SQL_ODBC_VER": 10,
    "SQL_ROW_UPDATES": 11,
    "SQL_SERVER_NAME": 13,
    "SQL_SEARCH_PATTERN_ESCAPE": 14,
    "SQL_DATABASE_NAME": 16,
    "SQL_DBMS_NAME": 17,
    "SQL_DBMS_VER": 18,
    "SQL_ACCESSIBLE_TABLES": 19,
    "SQL_DATA_SOURCE_READ_ONLY": 25,
    "SQL_DEFAULT_TXN_ISOLATION": 26,
    "SQL_IDENTIFIER_CASE": 28,
    "SQL_IDENTIFIER_QUOTE_CHAR": 29,
    "SQL_MAX_COLUMN_NAME_LEN": 30,
    "SQL_MAX_TABLE_NAME_LEN": 35,
    "SQL_TXN_CAPABLE": 46,
    "SQL_USER_NAME": 47,
    "SQL_CONVERT_FUNCTIONS": 48,
    "SQL_NUMERIC_FUNCTIONS": 49,
    "SQL_STRING_FUNCTIONS": 50,
    "SQL_SYSTEM_FUNCTIONS": 51,
    "SQL_TIMEDATE_FUNCTIONS": 52,
    "SQL_TXN_ISOLATION_OPTION": 72,
    "SQL_CORRELATION_NAME": 74,
    "SQL_NON_NULLABLE_COLUMNS": 75,
    "SQL_DRIVER_ODBC_VER": 77,
    "SQL_GETDATA_EXTENSIONS": 81,
    "SQL_NULL_COLLATION": 85,
    "SQL_ALTER_TABLE": 86,
    "SQL_ORDER_BY_COLUMNS_IN_SELECT": 90,
    "SQL_SPECIAL_CHARACTERS": 94,
    "SQL_MAX_COLUMNS_IN_GROUP_BY": 97,
    "SQL_MAX_COLUMNS_IN_ORDER_BY": 99,
    "SQL_MAX_COLUMNS_IN_SELECT": 100,
    "SQL_MAX_IDENTIFIER_LEN": 10005,
    "SQL_CATALOG_NAME": 10003,
    "SQL_COLLATION_SEQ": 10004,
    "SQL_DESCRIBE_PARAMETER": 10002,
    "SQL_NEED_LONG_DATA_LEN": 111,
    "SQL_CATALOG_USAGE": 92,
    "SQL_SCHEMA_USAGE": 91,
    "SQL_SQL_CONFORMANCE": 118,
    "SQL_ODBC_INTERFACE_CONFORMANCE": 152,
    "SQL_ASYNC_MODE": 10021,
    "SQL_MULTIPLE_ACTIVE_TXN": 37,
    "SQL_CURSOR_COMMIT_BEHAVIOR": 23,
    "SQL_CURSOR_ROLLBACK_BEHAVIOR": 24,
}

DIAG_FIELDS = {
    # name: (number, kind) kinds: len (SQLLEN), int (SQLINTEGER), short, str
    "SQL_DIAG_CURSOR_ROW_COUNT": (-1249, "len"),
    "SQL_DIAG_DYNAMIC_FUNCTION": (7, "str"),
    "SQL_DIAG_DYNAMIC_FUNCTION_CODE": (12, "int"),
    "SQL_DIAG_NUMBER": (2, "int"),
    "SQL_DIAG_RETURNCODE": (1, "short"),
    "SQL_DIAG_ROW_COUNT": (3, "len"),
    "SQL_DIAG_CLASS_ORIGIN": (8, "str"),
    "SQL_DIAG_COLUMN_NUMBER": (-1247, "int"),
    "SQL_DIAG_CONNECTION_NAME": (10, "str"),
    "SQL_DIAG_MESSAGE_TEXT": (6, "str"),
    "SQL_DIAG_NATIVE": (5, "int"),
    "SQL_DIAG_ROW_NUMBER": (-1248, "len"),
    "SQL_DIAG_SERVER_NAME": (11, "str"),
    "SQL_DIAG_SQLSTATE": (4, "str"),
    "SQL_DIAG_SUBCLASS_ORIGIN": (9, "str"),
}

# SQLColAttribute field identifiers: name -> (number, kind) where kind is str or num.
COL_ATTRS = {
    "SQL_DESC_AUTO_UNIQUE_VALUE": (11, "num"),
    "SQL_DESC_BASE_COLUMN_NAME": (22, "str"),
    "SQL_DESC_BASE_TABLE_NAME": (23, "str"),
    "SQL_DESC_CASE_SENSITIVE": (12, "num"),
    "SQL_DESC_CATALOG_NAME": (17, "str"),
    "SQL_DESC_CONCISE_TYPE": (2, "num"),
    "SQL_DESC_COUNT": (1001, "num"),
    "SQL_DESC_DISPLAY_SIZE": (6, "num"),
    "SQL_DESC_FIXED_PREC_SCALE": (9, "num"),
    "SQL_DESC_LABEL": (18, "str"),
    "SQL_DESC_LENGTH": (1003, "num"),
    "SQL_DESC_LITERAL_PREFIX": (27, "str"),
    "SQL_DESC_LITERAL_SUFFIX": (28, "str"),
    "SQL_DESC_LOCAL_TYPE_NAME": (29, "str"),
    "SQL_DESC_NAME": (1011, "str"),
    "SQL_DESC_NULLABLE": (1008, "num"),
    "SQL_DESC_NUM_PREC_RADIX": (32, "num"),
    "SQL_DESC_OCTET_LENGTH": (1013, "num"),
    "SQL_DESC_PRECISION": (1005, "num"),
    "SQL_DESC_SCALE": (1006, "num"),
    "SQL_DESC_SCHEMA_NAME": (16, "str"),
    "SQL_DESC_SEARCHABLE": (13, "num"),
    "SQL_DESC_TABLE_NAME": (15, "str"),
    "SQL_DESC_TYPE": (1002, "num"),
    "SQL_DESC_TYPE_NAME": (14, "str"),
    "SQL_DESC_UNNAMED": (1012, "num"),
    "SQL_DESC_UNSIGNED": (8, "num"),
    "SQL_DESC_UPDATABLE": (10, "num"),
    # ODBC 2 identifiers (Power BI asks for these)
    "SQL_COLUMN_NAME": (1, "str"),
    "SQL_COLUMN_LENGTH": (3, "num"),
    "SQL_COLUMN_PRECISION": (4, "num"),
    "SQL_COLUMN_SCALE": (5, "num"),
    "SQL_COLUMN_NULLABLE": (7, "num"),
}

# Octet lengths that follow the width of SQLWCHAR for wide-character columns.
WIDE_SQL_TYPES = (-8, -9, -10)
OCTET_FIELDS = (1013, 3)  # SQL_DESC_OCTET_LENGTH, SQL_COLUMN_LENGTH
OCTET_COLUMNS = ("BUFFER_LENGTH", "CHAR_OCTET_LENGTH")

SYMBOLS = {
    "SQL_OV_ODBC2": 2,
    "SQL_OV_ODBC3": 3,
    "SQL_OV_ODBC3_80": 380,
    "SQL_AUTOCOMMIT_OFF": 0,
    "SQL_AUTOCOMMIT_ON": 1,
    "SQL_BIND_BY_COLUMN": 0,
    "SQL_PARAM_INPUT": 1,
    "SQL_CLOSE": 0,
    "SQL_DROP": 1,
    "SQL_UNBIND": 2,
    "SQL_RESET_PARAMS": 3,
    "SQL_COMMIT": 0,
    "SQL_ROLLBACK": 1,
    "SQL_FETCH_NEXT": 1,
    "SQL_FETCH_FIRST": 2,
    "SQL_FETCH_LAST": 3,
    "SQL_FETCH_PRIOR": 4,
    "SQL_FETCH_ABSOLUTE": 5,
    "SQL_FETCH_RELATIVE": 6,
    "SQL_DRIVER_NOPROMPT": 0,
    "SQL_DRIVER_COMPLETE": 1,
    "SQL_INDEX_UNIQUE": 0,
    "SQL_INDEX_ALL": 1,
    "SQL_QUICK": 0,
    "SQL_ENSURE": 1,
    "SQL_BEST_ROWID": 1,
    "SQL_ROWVER": 2,
    "SQL_SCOPE_CURROW": 0,
    "SQL_SCOPE_TRANSACTION": 1,
    "SQL_SCOPE_SESSION": 2,
    "SQL_NO_NULLS": 0,
    "SQL_NULLABLE": 1,
    "SQL_API_ODBC3_ALL_FUNCTIONS": 999,
    "SQL_API_ALL_FUNCTIONS": 0,
    "SQL_NTS": SQL_NTS,
}
SYMBOLS.update(C_TYPES)
SYMBOLS.update(SQL_TYPES)

FUNCTION_IDS = {
    "SQL_API_SQLALLOCHANDLE": 1001,
    "SQL_API_SQLBINDCOL": 4,
    "SQL_API_SQLBINDPARAMETER": 72,
    "SQL_API_SQLCANCEL": 5,
    "SQL_API_SQLCOLATTRIBUTE": 6,
    "SQL_API_SQLCOLUMNS": 40,
    "SQL_API_SQLCONNECT": 7,
    "SQL_API_SQLDESCRIBECOL": 8,
    "SQL_API_SQLDESCRIBEPARAM": 58,
    "SQL_API_SQLDRIVERCONNECT": 41,
    "SQL_API_SQLEXECDIRECT": 11,
    "SQL_API_SQLEXECUTE": 12,
    "SQL_API_SQLEXTENDEDFETCH": 59,
    "SQL_API_SQLFETCH": 13,
    "SQL_API_SQLFETCHSCROLL": 1021,
    "SQL_API_SQLFOREIGNKEYS": 60,
    "SQL_API_SQLGETDATA": 43,
    "SQL_API_SQLGETDIAGFIELD": 1010,
    "SQL_API_SQLGETDIAGREC": 1011,
    "SQL_API_SQLGETFUNCTIONS": 44,
    "SQL_API_SQLGETINFO": 45,
    "SQL_API_SQLGETTYPEINFO": 47,
    "SQL_API_SQLMORERESULTS": 61,
    "SQL_API_SQLNUMPARAMS": 63,
    "SQL_API_SQLNUMRESULTCOLS": 18,
    "SQL_API_SQLPREPARE": 19,
    "SQL_API_SQLPRIMARYKEYS": 65,
    "SQL_API_SQLPROCEDURES": 67,
    "SQL_API_SQLPROCEDURECOLUMNS": 66,
    "SQL_API_SQLROWCOUNT": 20,
    "SQL_API_SQLSETPOS": 68,
    "SQL_API_SQLSPECIALCOLUMNS": 52,
    "SQL_API_SQLSTATISTICS": 53,
    "SQL_API_SQLTABLES": 54,
    "SQL_API_SQLBULKOPERATIONS": 24,
    "SQL_API_SQLBROWSECONNECT": 55,
    "SQL_API_SQLCOLUMNPRIVILEGES": 56,
    "SQL_API_SQLTABLEPRIVILEGES": 70,
    "SQL_API_SQLENDTRAN": 1005,
    "SQL_API_SQLCLOSECURSOR": 1003,
    "SQL_API_SQLNATIVESQL": 62,
}

SQLHANDLE = ctypes.c_void_p
SQLSMALLINT = ctypes.c_short
SQLUSMALLINT = ctypes.c_ushort
SQLINTEGER = ctypes.c_int
SQLLEN = ctypes.c_ssize_t
SQLULEN = ctypes.c_size_t
PTR = ctypes.c_void_p

# Room reserved in front of every runner-allocated bound buffer so that a bind offset
# (SQL_ATTR_ROW_BIND_OFFSET_PTR) up to this size stays inside memory we own.
MAX_BIND_OFFSET = 4096
MAX_ROWS = 256

DM_PREFIX = re.compile(r"^\[(unixODBC|iODBC)\]\[Driver Manager\]")
# Cursor-state errors that unixODBC raises itself and iODBC leaves to the driver.
SEQUENCE_STATES = ("24000", "HY010")
MAX_MESSAGE = 200


class SpecError(Exception):
    pass


def c_buf(size):
    return ctypes.create_string_buffer(max(size, 1))


class Bound:
    """One SQLBindCol binding: where the runner reads values after a fetch."""

    def __init__(self, col, ctype, buflen, base, ind_base, stride, ind_stride):
        self.col = col
        self.ctype = ctype
        self.buflen = buflen
        self.base = base
        self.ind_base = ind_base
        self.stride = stride
        self.ind_stride = ind_stride


class Stmt:
    def __init__(self):
        self.bound = {}
        self.keep = []  # buffers the driver may still write to
        self.row_array_size = 1
        self.rows_fetched = None
        self.row_status = None
        self.bind_offset = None
        self.row_bind_type = 0
        self.row_block = None
        self.params_processed = None
        self.param_status = None
        self.paramset_size = 1


class Runner:
    def __init__(self, dm_path, wide, wchar, out, local=False):
        # A C application linked against the manager has it in the global symbol scope;
        # --local mimics a plugin or a Python extension loading it privately.
        self.lib = ctypes.CDLL(dm_path, mode=ctypes.RTLD_LOCAL if local else ctypes.RTLD_GLOBAL)
        self.wide = wide
        self.wchar = wchar
        self.wenc = "utf-16-le" if wchar == 2 else "utf-32-le"
        self.out = out
        self.handles = {}
        self.htypes = {}
        self.stmts = {}
        self.keep = []

    # --- printing and encoding --------------------------------------------------------

    def p(self, text):
        # What changes from run to run (sandbox URL, library path, DSN name) prints as
        # its variable.
        for key, sub in (("KODBC_URL", "$URL"), ("KODBC_DRIVER", "$DRIVER"), ("KODBC_DSN", "$DSN")):
            if os.environ.get(key):
                text = text.replace(os.environ[key], sub)
        self.out.write(text + "\n")

    def fn(self, name, wide_capable=True):
        full = name + ("W" if self.wide and wide_capable else "")
        return getattr(self.lib, full)

    def enc_in(self, s):
        """An input string argument: (pointer, length in characters or SQL_NTS)."""
        if s is None:
            return None
        if self.wide:
            data = s.encode(self.wenc) + b"\0" * self.wchar
        else:
            data = s.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data, len(data))
        self.keep.append(buf)
        return buf

    def unit(self):
        return self.wchar if self.wide else 1

    def octets(self, n):
        """An octet length of a wide-character column, in SQLWCHARs ("128w"): the driver
        counts the manager's SQLWCHAR (2 bytes under unixODBC, 4 under iODBC), so bytes
        would differ between the runs while a wrong length still prints differently."""
        if n < 0 or n % self.wchar:
            return "%d (bytes, not a whole number of %d-byte SQLWCHARs)" % (n, self.wchar)
        return "%dw" % (n // self.wchar)

    def dec_out(self, buf, nbytes=None):
        """Decodes a NUL-terminated string the driver wrote into buf."""
        raw = buf.raw
        if nbytes is not None:
            raw = raw[:max(nbytes, 0)]
        if self.wide:
            w = self.wchar
            end = len(raw) - len(raw) % w
            for i in range(0, end, w):
                if raw[i:i + w] == b"\0" * w:
                    end = i
                    break
            return raw[:end].decode(self.wenc, errors="replace")
        end = raw.find(b"\0")
        if end < 0:
            end = len(raw)
        return raw[:end].decode("utf-8", errors="replace")

    def str_len_note(self, value, returned, in_bytes, truncated):
        """Checks a returned string length; prints nothing when it is exactly right."""
        if truncated:
            # The full length must be reported. iODBC, converting a Unicode driver's
            # output for an ANSI client, reports what fit instead, so only a length
            # shorter than what fit is wrong under every manager.
            fit = len(value.encode(self.wenc if self.wide else "utf-8"))
            if self.wide and not in_bytes:
                fit //= self.wchar
            ok = returned >= fit
            return " (truncated; length %s)" % ("reported" if ok else "%d TOO SHORT" % returned)
        if self.wide:
            expect = len(value.encode(self.wenc)) // (1 if in_bytes else self.wchar)
        else:
            expect = len(value.encode("utf-8"))
        if returned == expect:
            return ""
        # Relative to the right length, so that an expected line does not depend on the
        # length of the paths in the string (the build directory's, the sandbox port's).
        if expect and returned % expect == 0:
            return " len=%dx" % (returned // expect)
        return " len%+d" % (returned - expect)

    def rc(self, name, ret, handle_name=None):
        text = RETURN_CODES.get(ret, str(ret))
        self.p("  %s -> %s" % (name, text))
        if ret in (-1, 1) and handle_name is not None:
            self.print_diags(handle_name)
        return ret

    def print_diags(self, handle_name, prefix="  "):
        h = self.handles.get(handle_name)
        ht = self.htypes.get(handle_name)
        if h is None or ht is None:
            return
        f = self.fn("SQLGetDiagRec")
        f.argtypes = [SQLSMALLINT, SQLHANDLE, SQLSMALLINT, PTR, ctypes.POINTER(SQLINTEGER), PTR,
                      SQLSMALLINT, ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        records = []
        for rec in range(1, 20):
            state = c_buf(6 * 4 + 4)
            native = SQLINTEGER(0)
            msg = c_buf(4096 * 4)
            tl = SQLSMALLINT(0)
            r = f(ht, h, rec, state, ctypes.byref(native), msg, 4096, ctypes.byref(tl))
            if r == 100:
                break
            if r not in (0, 1):
                records.append((None, "SQLGetDiagRec -> %s" % RETURN_CODES.get(r, r)))
                break
            records.append((self.dec_out(state), (native.value, self.dec_out(msg))))
        # A call the manager refused never reached the driver. iODBC leaves the
        # driver's records of the previous call behind it; unixODBC does not.
        if records and records[0][0] is not None and DM_PREFIX.match(records[0][1][1]):
            records = [r for r in records if r[0] is not None and DM_PREFIX.match(r[1][1])]
        for i, (st, body) in enumerate(records, 1):
            if st is None:
                self.p("%sdiag[%d] %s" % (prefix, i, body))
            else:
                self.p("%sdiag[%d] %s" % (prefix, i, self.norm_msg(st, body[0], body[1])))

    @staticmethod
    def norm_msg(state, native, text):
        if DM_PREFIX.match(text):
            # The two managers word their own messages differently: keep the SQLSTATE,
            # in its ODBC 3 form (iODBC reports some of its own as ODBC 2 S1xxx).
            if state.startswith("S1"):
                state = "HY" + state[2:]
            if state in SEQUENCE_STATES:
                return "%s (function sequence)" % state
            return "%s (driver manager)" % state
        if state in SEQUENCE_STATES:
            # unixODBC checks the state machine itself; iODBC leaves it to the driver.
            return "%s (function sequence)" % state
        text = re.sub(r"^\[(unixODBC|iODBC)\]", "", text)
        # DataFusion picks its "did you mean" among equally close names at random, and
        # Kintone request ids are random.
        text = re.sub(r"\s*Did you mean '[^']*'\?$", "", text)
        text = re.sub(r"\[request id [^\]]*\]", "[request id]", text)
        # iODBC cuts long messages converted for ANSI clients: compare the first part.
        text = text.replace("\n", "\\n")
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE] + "..."
        return "%s native=%d %s" % (state, native, text)

    # --- argument helpers -------------------------------------------------------------

    def handle(self, name):
        if name in ("NULL", "null"):
            return None
        if name.startswith("0x"):
            return int(name, 16)
        if name not in self.handles:
            raise SpecError("unknown handle %r" % name)
        return self.handles[name]

    @staticmethod
    def num(tok, table=None):
        if table and tok in table:
            v = table[tok]
            return v[0] if isinstance(v, tuple) else v
        if tok in SYMBOLS:
            return SYMBOLS[tok]
        try:
            return int(tok, 0)
        except ValueError:
            raise SpecError("expected a number or a known symbol, got %r" % tok) from None

    @staticmethod
    def sarg(tok):
        return None if tok == "NULL" else tok

    def stmt_state(self, name):
        return self.stmts.setdefault(name, Stmt())

    # --- calls ------------------------------------------------------------------------

    def call_SQLAllocHandle(self, a):
        htype, parent, name = a[0], a[1], a[2]
        f = self.lib.SQLAllocHandle
        f.argtypes = [SQLSMALLINT, SQLHANDLE, ctypes.POINTER(SQLHANDLE)]
        f.restype = SQLSMALLINT
        out = SQLHANDLE()
        ht = HANDLE_TYPES[htype] if htype in HANDLE_TYPES else int(htype)
        r = f(ht, self.handle(parent), ctypes.byref(out))
        self.rc("SQLAllocHandle", r, parent if parent != "NULL" else None)
        if r in (0, 1):
            self.handles[name] = out.value
            self.htypes[name] = ht
            if ht == 3:
                self.stmts[name] = Stmt()

    def call_SQLFreeHandle(self, a):
        f = self.lib.SQLFreeHandle
        f.argtypes = [SQLSMALLINT, SQLHANDLE]
        f.restype = SQLSMALLINT
        name = a[0]
        ht = self.htypes.get(name, 0)
        r = f(ht, self.handle(name))
        self.rc("SQLFreeHandle", r, name)
        if r == 0:
            self.handles.pop(name, None)
            self.stmts.pop(name, None)

    def call_SQLSetEnvAttr(self, a):
        self.set_attr("SQLSetEnvAttr", a, ENV_ATTRS, wide_capable=False)

    def call_SQLSetConnectAttr(self, a):
        self.set_attr("SQLSetConnectAttr", a, CONN_ATTRS)

    def call_SQLSetStmtAttr(self, a):
        self.set_attr("SQLSetStmtAttr", a, STMT_ATTRS)

    def set_attr(self, fname, a, table, wide_capable=True):
        name, attr_tok, val_tok = a[0], a[1], a[2]
        attr = self.num(attr_tok, table)
        kind = table[attr_tok][1] if attr_tok in table else "int"
        length = 0
        value = None
        st = self.stmts.get(name)
        if kind == "str":
            buf = self.enc_in(self.sarg(val_tok))
            value = ctypes.cast(buf, PTR).value if buf is not None else None
            length = SQL_NTS
        elif kind in ("ptrlen", "ptr16", "ptroffset"):
            if val_tok == "NULL":
                value = None
                arr = None
            elif kind == "ptrlen":
                arr = (SQLULEN * 1)(0xDEAD)
            elif kind == "ptr16":
                arr = (SQLUSMALLINT * MAX_ROWS)(*([0xFFFF] * MAX_ROWS))
            else:
                off = int(val_tok, 0)
                if off > MAX_BIND_OFFSET or off < 0:
                    raise SpecError("bind offset must be within 0..%d" % MAX_BIND_OFFSET)
                arr = (SQLLEN * 1)(off)
            if arr is not None:
                self.keep.append(arr)
                value = ctypes.addressof(arr)
            if st is not None:
                if attr == 26:
                    st.rows_fetched = arr
                elif attr == 25:
                    st.row_status = arr
                elif attr == 23:
                    st.bind_offset = arr
                elif attr == 21:
                    st.params_processed = arr
                elif attr == 20:
                    st.param_status = arr
        else:
            value = self.num(val_tok)
            if st is not None:
                if attr in (27, 9):
                    st.row_array_size = value
                elif attr == 5:
                    st.row_bind_type = value
                elif attr == 22:
                    st.paramset_size = value
        f = self.fn(fname, wide_capable)
        f.argtypes = [SQLHANDLE, SQLINTEGER, PTR, SQLINTEGER]
        f.restype = SQLSMALLINT
        r = f(self.handle(name), attr, value, length)
        self.rc(fname, r, name)

    def call_SQLGetEnvAttr(self, a):
        self.get_attr("SQLGetEnvAttr", a, ENV_ATTRS, wide_capable=False)

    def call_SQLGetConnectAttr(self, a):
        self.get_attr("SQLGetConnectAttr", a, CONN_ATTRS)

    def call_SQLGetStmtAttr(self, a):
        self.get_attr("SQLGetStmtAttr", a, STMT_ATTRS)

    def get_attr(self, fname, a, table, wide_capable=True):
        name, attr_tok = a[0], a[1]
        attr = self.num(attr_tok, table)
        kind = table[attr_tok][1] if attr_tok in table else "int"
        f = self.fn(fname, wide_capable)
        f.argtypes = [SQLHANDLE, SQLINTEGER, PTR, SQLINTEGER, ctypes.POINTER(SQLINTEGER)]
        f.restype = SQLSMALLINT
        if kind == "str":
            buf = c_buf(1024)
            outlen = SQLINTEGER(0)
            r = f(self.handle(name), attr, buf, 1024, ctypes.byref(outlen))
            self.rc(fname, r, name)
            if r in (0, 1):
                v = self.dec_out(buf)
                self.p("  value=%r%s" % (v, self.str_len_note(v, outlen.value, True, r == 1)))
        else:
            # Integer attributes are SQLULEN-sized; a driver writing 4 bytes leaves the rest.
            val = SQLULEN(0xA5A5A5A5A5A5A5A5)
            r = f(self.handle(name), attr, ctypes.byref(val), 0, None)
            self.rc(fname, r, name)
            if r in (0, 1):
                v = val.value
                if kind == "int" and v >> 32 == 0xA5A5A5A5:
                    v &= 0xFFFFFFFF
                    self.p("  value=%d (4 bytes written)" % v)
                elif kind.startswith("ptr"):
                    self.p("  value=%s" % ("NULL" if v == 0 else "<pointer>"))
                else:
                    self.p("  value=%d" % v)

    def call_SQLConnect(self, a):
        name = a[0]
        dsn, user, pwd = (self.sarg(x) for x in a[1:4])
        f = self.fn("SQLConnect")
        f.argtypes = [SQLHANDLE, PTR, SQLSMALLINT, PTR, SQLSMALLINT, PTR, SQLSMALLINT]
        f.restype = SQLSMALLINT
        args = []
        for s in (dsn, user, pwd):
            args += [self.enc_in(s), SQL_NTS if s is not None else 0]
        r = f(self.handle(name), *args)
        self.rc("SQLConnect", r, name)

    def call_SQLDriverConnect(self, a):
        name, conn = a[0], self.sarg(a[1])
        outsize = int(a[2]) if len(a) > 2 else 1024
        completion = self.num(a[3]) if len(a) > 3 else 0
        f = self.fn("SQLDriverConnect")
        f.argtypes = [SQLHANDLE, PTR, PTR, SQLSMALLINT, PTR, SQLSMALLINT,
                      ctypes.POINTER(SQLSMALLINT), SQLUSMALLINT]
        f.restype = SQLSMALLINT
        out = c_buf(outsize * self.unit()) if outsize > 0 else None
        outlen = SQLSMALLINT(-99)
        r = f(self.handle(name), None, self.enc_in(conn), SQL_NTS, out, outsize,
              ctypes.byref(outlen), completion)
        self.rc("SQLDriverConnect", r, name)
        if r in (0, 1) and out is not None:
            v = self.dec_out(out)
            trunc = r == 1 and len(v) + 1 >= outsize
            self.p("  out=%r%s" % (v, self.str_len_note(v, outlen.value, False, trunc)))

    def call_SQLDisconnect(self, a):
        f = self.lib.SQLDisconnect
        f.argtypes = [SQLHANDLE]
        f.restype = SQLSMALLINT
        self.rc("SQLDisconnect", f(self.handle(a[0])), a[0])

    def call_SQLGetInfo(self, a):
        name, info_tok = a[0], a[1]
        kind = a[2] if len(a) > 2 else "str"
        bufsize = int(a[3]) if len(a) > 3 else 512
        info = self.num(info_tok, INFO_TYPES)
        f = self.fn("SQLGetInfo")
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, PTR, SQLSMALLINT, ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        outlen = SQLSMALLINT(-99)
        if kind == "str":
            nbytes = bufsize * self.unit()
            buf = c_buf(nbytes + 8)
            r = f(self.handle(name), info, buf, nbytes, ctypes.byref(outlen))
            self.rc("SQLGetInfo(%s)" % info_tok, r, name)
            if r in (0, 1):
                v = self.dec_out(buf)
                self.p("  value=%r%s" % (v, self.str_len_note(v, outlen.value, True, r == 1)))
        else:
            ctype = {"u16": ctypes.c_uint16, "u32": ctypes.c_uint32, "ulen": ctypes.c_uint64}[kind]
            val = ctype(0)
            r = f(self.handle(name), info, ctypes.byref(val), ctypes.sizeof(val), ctypes.byref(outlen))
            self.rc("SQLGetInfo(%s)" % info_tok, r, name)
            if r in (0, 1):
                note = "" if outlen.value in (ctypes.sizeof(val), -99) else " len=%d" % outlen.value
                self.p("  value=%d (0x%x)%s" % (val.value, val.value, note))

    def call_SQLGetFunctions(self, a):
        name, fid_tok = a[0], a[1]
        fid = self.num(fid_tok, FUNCTION_IDS)
        f = self.lib.SQLGetFunctions
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, PTR]
        f.restype = SQLSMALLINT
        if fid == 999:
            arr = (SQLUSMALLINT * 250)()
            r = f(self.handle(name), fid, arr)
            self.rc("SQLGetFunctions", r, name)
            if r in (0, 1):
                ids = sorted(FUNCTION_IDS.items(), key=lambda kv: kv[1])
                for fname, i in ids:
                    on = (arr[i >> 4] >> (i & 15)) & 1
                    self.p("  %s=%s" % (fname, "yes" if on else "no"))
        else:
            val = SQLUSMALLINT(0xBEEF)
            r = f(self.handle(name), fid, ctypes.byref(val))
            self.rc("SQLGetFunctions(%s)" % fid_tok, r, name)
            if r in (0, 1):
                self.p("  supported=%d" % val.value)

    def call_SQLExecDirect(self, a):
        name, sql = a[0], a[1]
        f = self.fn("SQLExecDirect")
        f.argtypes = [SQLHANDLE, PTR, SQLINTEGER]
        f.restype = SQLSMALLINT
        r = f(self.handle(name), self.enc_in(sql), SQL_NTS)
        self.rc("SQLExecDirect", r, name)
        self.after_execute(name, r)

    def call_SQLPrepare(self, a):
        name, sql = a[0], a[1]
        f = self.fn("SQLPrepare")
        f.argtypes = [SQLHANDLE, PTR, SQLINTEGER]
        f.restype = SQLSMALLINT
        self.rc("SQLPrepare", f(self.handle(name), self.enc_in(sql), SQL_NTS), name)

    def call_SQLExecute(self, a):
        f = self.lib.SQLExecute
        f.argtypes = [SQLHANDLE]
        f.restype = SQLSMALLINT
        r = f(self.handle(a[0]))
        self.rc("SQLExecute", r, a[0])
        self.after_execute(a[0], r)

    def after_execute(self, name, r):
        st = self.stmts.get(name)
        if st is None:
            return
        if st.params_processed is not None:
            self.p("  params_processed=%d" % st.params_processed[0])
        if st.param_status is not None:
            n = min(st.paramset_size, MAX_ROWS)
            self.p("  param_status=%s" % [st.param_status[i] for i in range(n)])

    def call_SQLNumResultCols(self, a):
        f = self.lib.SQLNumResultCols
        f.argtypes = [SQLHANDLE, ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        n = SQLSMALLINT(-99)
        r = f(self.handle(a[0]), ctypes.byref(n))
        self.rc("SQLNumResultCols", r, a[0])
        if r in (0, 1):
            self.p("  columns=%d" % n.value)
        return n.value if r in (0, 1) else 0

    def call_SQLNumParams(self, a):
        f = self.lib.SQLNumParams
        f.argtypes = [SQLHANDLE, ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        n = SQLSMALLINT(-99)
        r = f(self.handle(a[0]), ctypes.byref(n))
        self.rc("SQLNumParams", r, a[0])
        if r in (0, 1):
            self.p("  params=%d" % n.value)

    def call_SQLRowCount(self, a):
        f = self.lib.SQLRowCount
        f.argtypes = [SQLHANDLE, ctypes.POINTER(SQLLEN)]
        f.restype = SQLSMALLINT
        n = SQLLEN(-99)
        r = f(self.handle(a[0]), ctypes.byref(n))
        self.rc("SQLRowCount", r, a[0])
        if r in (0, 1):
            self.p("  rowcount=%d" % n.value)

    def describe(self, name, col, bufsize=256, quiet_rc=False):
        f = self.fn("SQLDescribeCol")
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, PTR, SQLSMALLINT, ctypes.POINTER(SQLSMALLINT),
                      ctypes.POINTER(SQLSMALLINT), ctypes.POINTER(SQLULEN),
                      ctypes.POINTER(SQLSMALLINT), ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        buf = c_buf(bufsize * self.unit() + 8) if bufsize > 0 else None
        nl, dt, dd, nu = SQLSMALLINT(-99), SQLSMALLINT(-99), SQLSMALLINT(-99), SQLSMALLINT(-99)
        cs = SQLULEN(0xDEAD)
        r = f(self.handle(name), col, buf, bufsize, ctypes.byref(nl), ctypes.byref(dt),
              ctypes.byref(cs), ctypes.byref(dd), ctypes.byref(nu))
        if not quiet_rc or r != 0:
            self.rc("SQLDescribeCol(%d)" % col, r, name)
        if r in (0, 1):
            v = self.dec_out(buf) if buf is not None else ""
            note = self.str_len_note(v, nl.value, False, r == 1)
            self.p("  col %d: name=%r%s type=%s size=%d digits=%d nullable=%d" % (
                col, v, note, SQL_TYPE_NAMES.get(dt.value, str(dt.value)), cs.value, dd.value,
                nu.value))

    def call_SQLDescribeCol(self, a):
        name = a[0]
        bufsize = int(a[2]) if len(a) > 2 else 256
        if a[1] == "*":
            n = self.count_cols(name)
            for c in range(1, n + 1):
                self.describe(name, c, bufsize, quiet_rc=True)
        else:
            self.describe(name, int(a[1]), bufsize)

    def count_cols(self, name):
        f = self.lib.SQLNumResultCols
        f.argtypes = [SQLHANDLE, ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        n = SQLSMALLINT(0)
        r = f(self.handle(name), ctypes.byref(n))
        if r not in (0, 1):
            self.rc("SQLNumResultCols", r, name)
            return 0
        return n.value

    def call_SQLColAttribute(self, a):
        name, col_tok, field_tok = a[0], a[1], a[2]
        field = self.num(field_tok, COL_ATTRS)
        kind = COL_ATTRS[field_tok][1] if field_tok in COL_ATTRS else (a[3] if len(a) > 3 else "num")
        cols = range(1, self.count_cols(name) + 1) if col_tok == "*" else [int(col_tok)]
        f = self.fn("SQLColAttribute")
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, SQLUSMALLINT, PTR, SQLSMALLINT,
                      ctypes.POINTER(SQLSMALLINT), ctypes.POINTER(SQLLEN)]
        f.restype = SQLSMALLINT
        vals = []
        for col in cols:
            wide_col = False
            if field in OCTET_FIELDS:
                # Asked first, so that the printed call's diagnostics stay its own.
                ctv = SQLLEN(0)
                if f(self.handle(name), col, 2, None, 0, None, ctypes.byref(ctv)) in (0, 1):
                    wide_col = ctv.value in WIDE_SQL_TYPES
            buf = c_buf(1024)
            sl = SQLSMALLINT(-99)
            numv = SQLLEN(-0x5A5A)
            r = f(self.handle(name), col, field, buf, 512 * self.unit() if kind == "str" else 0,
                  ctypes.byref(sl), ctypes.byref(numv))
            if r not in (0,) or col_tok != "*":
                self.rc("SQLColAttribute(%s,%s)" % (col, field_tok), r, name)
            if r not in (0, 1):
                vals.append("ERR")
                continue
            if kind == "str":
                v = self.dec_out(buf)
                vals.append(repr(v) + self.str_len_note(v, sl.value, True, r == 1))
            elif wide_col:
                vals.append(self.octets(numv.value))
            else:
                vals.append(str(numv.value))
        if col_tok == "*":
            self.p("  %s: %s" % (field_tok, " | ".join(vals)))
        elif vals:
            self.p("  value=%s" % vals[0])

    def call_SQLFetch(self, a):
        f = self.lib.SQLFetch
        f.argtypes = [SQLHANDLE]
        f.restype = SQLSMALLINT
        r = f(self.handle(a[0]))
        self.rc("SQLFetch", r, a[0])
        self.after_fetch(a[0], r)
        return r

    def call_SQLFetchScroll(self, a):
        f = self.lib.SQLFetchScroll
        f.argtypes = [SQLHANDLE, SQLSMALLINT, SQLLEN]
        f.restype = SQLSMALLINT
        orient = self.num(a[1] if len(a) > 1 else "SQL_FETCH_NEXT")
        off = int(a[2]) if len(a) > 2 else 0
        r = f(self.handle(a[0]), orient, off)
        self.rc("SQLFetchScroll", r, a[0])
        self.after_fetch(a[0], r)

    def after_fetch(self, name, r):
        st = self.stmts.get(name)
        if st is None:
            return
        n = None
        if st.rows_fetched is not None:
            n = st.rows_fetched[0]
            self.p("  rows_fetched=%s" % ("untouched" if n == 0xDEAD else n))
            if n == 0xDEAD:
                n = None
        if st.row_status is not None:
            cnt = min(st.row_array_size, MAX_ROWS)
            names = {0: "SUCCESS", 1: "DELETED", 2: "UPDATED", 3: "NOROW", 4: "ADDED", 5: "ERROR",
                     6: "SUCCESS_WITH_INFO", 0xFFFF: "untouched"}
            self.p("  row_status=[%s]" % ", ".join(names.get(st.row_status[i], str(st.row_status[i]))
                                                 for i in range(cnt)))
        if r in (0, 1) and st.bound:
            rows = n if n is not None else (1 if st.row_array_size <= 1 else st.row_array_size)
            self.show_bound(st, rows)

    def show_bound(self, st, rows):
        off = st.bind_offset[0] if st.bind_offset is not None else 0
        for row in range(min(rows, MAX_ROWS)):
            cells = []
            for col in sorted(st.bound):
                b = st.bound[col]
                vaddr = b.base + off + row * b.stride
                iaddr = b.ind_base + off + row * b.ind_stride if b.ind_base else None
                ind = SQLLEN.from_address(iaddr).value if iaddr else None
                cells.append(self.render(b.ctype, vaddr, b.buflen, ind))
            self.p("  row %d: %s" % (row + 1, " | ".join(cells)))

    def text_ind_note(self, ctype, data, ind, remaining):
        """The indicator of a CHAR/WCHAR value, checked against what the value really is.

        remaining: the bytes of the value from this piece on (known after a chunked
        SQLGetData has been read to the end), else None. WCHAR counts are printed in code
        points when they can be checked, so that UTF-16 and UCS-4 runs print the same.
        """
        if ind is None:
            return ""
        if ind == SQL_NO_TOTAL:
            return " (ind=NO_TOTAL)"
        if remaining is None and ind <= len(data):
            remaining = data  # the whole value fit
        if remaining is None:
            return " (ind=%d)" % ind if ctype == 1 else " (ind=%du)" % (ind // self.wchar)
        if ind == len(remaining):
            if ctype == 1:
                return " (ind=%d)" % ind
            return " (ind=%dcp)" % len(remaining.decode(self.wenc, errors="replace"))
        if ctype == 1:
            return " (ind=%d WRONG: the value has %d bytes left)" % (ind, len(remaining))
        return " (ind=%du WRONG: the value has %du left)" % (ind // self.wchar,
                                                           len(remaining) // self.wchar)

    def render(self, ctype, addr, buflen, ind, remaining=None):
        if ind == SQL_NULL_DATA:
            return "NULL"
        raw = ctypes.string_at(addr, buflen) if buflen > 0 else b""
        if ctype == 1:
            end = raw.find(b"\0")
            data = raw[:end if end >= 0 else len(raw)]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = "<split utf-8: %s>" % data.hex()
            return "%r%s" % (text, self.text_ind_note(ctype, data, ind, remaining))
        if ctype == -8:
            w = self.wchar
            out = b""
            for i in range(0, len(raw) - w + 1, w):
                if raw[i:i + w] == b"\0" * w:
                    break
                out += raw[i:i + w]
            try:
                text = out.decode(self.wenc)
            except UnicodeDecodeError:
                text = "<split wide char: %s>" % out.hex()
            return "%r%s" % (text, self.text_ind_note(ctype, out, ind, remaining))
        ind_note = " (ind=%d)" % ind if ctype == -2 and ind is not None else ""
        if ctype == -2:
            n = min(ind if ind is not None and ind >= 0 else buflen, buflen)
            return "0x%s%s" % (raw[:n].hex(), ind_note)
        fmt = {4: "i", -16: "i", -18: "I", 5: "h", -15: "h", -17: "H", -25: "q", -27: "Q",
               -6: "b", -26: "b", -28: "B", -7: "B", 7: "f", 8: "d"}
        if ctype in fmt:
            size = struct.calcsize(fmt[ctype])
            v = struct.unpack(fmt[ctype], ctypes.string_at(addr, size))[0]
            if ctype == 7:
                v = float("%.7g" % v)
            return repr(v)
        if ctype == 91:
            y, m, d = struct.unpack("hHH", ctypes.string_at(addr, 6))
            return "%04d-%02d-%02d" % (y, m, d)
        if ctype == 92:
            h, mi, s = struct.unpack("HHH", ctypes.string_at(addr, 6))
            return "%02d:%02d:%02d" % (h, mi, s)
        if ctype == 93:
            y, m, d, h, mi, s, fr = struct.unpack("hHHHHHI", ctypes.string_at(addr, 16))
            return "%04d-%02d-%02d %02d:%02d:%02d.%09d" % (y, m, d, h, mi, s, fr)
        if ctype == 2:
            prec, scale, sign = struct.unpack("BbB", ctypes.string_at(addr, 3))
            mant = int.from_bytes(ctypes.string_at(addr + 3, 16), "little")
            return "numeric(p=%d,s=%d,%s%d)" % (prec, scale, "" if sign else "-", mant)
        return "0x" + raw.hex()

    @staticmethod
    def c_size(ctype, buflen):
        fixed = {4: 4, -16: 4, -18: 4, 5: 2, -15: 2, -17: 2, -25: 8, -27: 8, -6: 1, -26: 1, -28: 1,
                 -7: 1, 7: 4, 8: 8, 91: 6, 92: 6, 93: 16, 2: 19}
        return fixed.get(ctype, buflen)

    def call_SQLBindCol(self, a):
        """SQLBindCol stmt col ctype buflen [row=VALOFF,INDOFF|noind]"""
        name, col, ctype_tok = a[0], int(a[1]), a[2]
        buflen = int(a[3][:-1]) * self.wchar if a[3].endswith("w") else int(a[3])
        ctype = self.num(ctype_tok)
        st = self.stmt_state(name)
        extra = a[4] if len(a) > 4 else ""
        f = self.lib.SQLBindCol
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, SQLSMALLINT, PTR, SQLLEN, PTR]
        f.restype = SQLSMALLINT
        size = self.c_size(ctype, buflen)
        if ctype_tok == "UNBIND":
            r = f(self.handle(name), col, 0, None, 0, None)
            st.bound.pop(col, None)
            self.rc("SQLBindCol", r, name)
            return
        if extra.startswith("row="):
            if st.row_block is None:
                raise SpecError("row-wise binding needs ROWBLOCK first")
            voff, ioff = (int(x) for x in extra[4:].split(","))
            base = ctypes.addressof(st.row_block) + MAX_BIND_OFFSET
            vaddr, iaddr = base + voff, base + ioff
            stride = ind_stride = st.row_bind_type
        else:
            vbuf = c_buf(MAX_BIND_OFFSET * 2 + size * MAX_ROWS)
            ibuf = c_buf(MAX_BIND_OFFSET * 2 + 8 * MAX_ROWS)
            st.keep += [vbuf, ibuf]
            vaddr = ctypes.addressof(vbuf)
            iaddr = ctypes.addressof(ibuf)
            stride, ind_stride = size, 8
        if extra == "noind":
            iaddr = 0
        r = f(self.handle(name), col, ctype, vaddr, buflen, iaddr or None)
        self.rc("SQLBindCol(%d)" % col, r, name)
        if r in (0, 1):
            st.bound[col] = Bound(col, ctype, size, vaddr, iaddr, stride, ind_stride)

    def call_ROWBLOCK(self, a):
        """ROWBLOCK stmt rowsize: memory for row-wise binding (MAX_ROWS rows)."""
        st = self.stmt_state(a[0])
        st.row_block = c_buf(MAX_BIND_OFFSET * 2 + int(a[1]) * MAX_ROWS)
        st.keep.append(st.row_block)

    def call_SQLGetData(self, a):
        """SQLGetData stmt col ctype buflen [chunks|chunks-check]

        buflen is in bytes, or in characters with a w suffix (12w: 12 SQLWCHARs), so that
        a wide buffer holds the same text under both managers. chunks repeats the call
        until SQL_NO_DATA and prints every piece; chunks-check prints only what does not
        depend on the SQLWCHAR width (where the pieces end does, once a character
        needs two UTF-16 units): whether every piece held whole characters, whether the
        indicators matched the data, how the calls ended, and the assembled value.
        """
        name, col, ctype = a[0], int(a[1]), self.num(a[2])
        lentok = a[3] if len(a) > 3 else "4096"
        buflen = int(lentok[:-1]) * self.wchar if lentok.endswith("w") else int(lentok)
        repeat = len(a) > 4 and a[4] in ("chunks", "chunks-check")
        check_only = len(a) > 4 and a[4] == "chunks-check"
        f = self.lib.SQLGetData
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, SQLSMALLINT, PTR, SQLLEN, ctypes.POINTER(SQLLEN)]
        f.restype = SQLSMALLINT
        pieces = []  # (printed lines, buffer, size, indicator)
        last = None
        real_out = self.out
        try:
            for _ in range(64):
                size = self.c_size(ctype, buflen)
                buf = c_buf(size + 8)
                ctypes.memset(buf, 0x7E, size + 8)
                ind = SQLLEN(-0x5A5A)
                self.out = io.StringIO()
                r = f(self.handle(name), col, ctype, buf, buflen, ctypes.byref(ind))
                self.rc("SQLGetData(%d,%s)" % (col, a[2]), r, name)
                ok = r in (0, 1)
                pieces.append((self.out.getvalue(), buf, size, ind.value if ok else None))
                if not ok or not repeat:
                    break
                if (r, ind.value) == last and ind.value != SQL_NO_TOTAL:
                    pieces.append(("  STOP: SQLGetData made no progress\n", None, 0, None))
                    break
                last = (r, ind.value)
        finally:
            self.out = real_out
        raws = [self.raw_piece(ctype, b, sz) if b is not None and i is not None
                and i != SQL_NULL_DATA and ctype in (1, -8) else b""
                for _, b, sz, i in pieces]
        complete = repeat and pieces and pieces[-1][3] is None and "STOP" not in pieces[-1][0]
        if check_only:
            self.chunk_summary(ctype, pieces, raws, complete)
            return
        for k, (text, buf, size, ind) in enumerate(pieces):
            self.out.write(text)
            if buf is None or ind is None:
                continue
            remaining = b"".join(raws[k:]) if complete and ctype in (1, -8) else None
            self.p("  value=%s" % self.render(ctype, ctypes.addressof(buf), size, ind, remaining))
        if repeat and any(raws):
            enc = "utf-8" if ctype == 1 else self.wenc
            self.p("  assembled=%r" % b"".join(raws).decode(enc, errors="replace"))

    def chunk_summary(self, ctype, pieces, raws, complete):
        enc = "utf-8" if ctype == 1 else self.wenc
        whole = True
        consistent = complete
        infos = 0
        for k, (text, buf, size, ind) in enumerate(pieces):
            if buf is None or ind is None:
                continue
            if "SQL_SUCCESS_WITH_INFO" in text:
                infos += 1
            try:
                raws[k].decode(enc)
            except UnicodeDecodeError:
                whole = False
            rest = b"".join(raws[k:])
            if ind not in (SQL_NO_TOTAL, SQL_NULL_DATA) and ind != len(rest):
                consistent = False
        last = pieces[-1][0].strip().splitlines()[0] if pieces else ""
        self.p("  pieces hold whole characters: %s" % ("yes" if whole else "NO"))
        self.p("  indicators match the data left: %s" % ("yes" if consistent else "NO"))
        self.p("  every piece but the last warned 01004: %s" % (
            "yes" if infos == max(len([p for p in pieces if p[3] is not None]) - 1, 0) else "NO"))
        self.p("  last call: %s" % last.split("->")[-1].strip())
        self.p("  assembled=%r" % b"".join(raws).decode(enc, errors="replace"))

    def raw_piece(self, ctype, buf, size):
        raw = buf.raw[:size]
        if ctype == 1:
            end = raw.find(b"\0")
            return raw[:end if end >= 0 else len(raw)]
        w = self.wchar
        out = b""
        for i in range(0, len(raw) - w + 1, w):
            if raw[i:i + w] == b"\0" * w:
                break
            out += raw[i:i + w]
        return out

    def dec_piece(self, ctype, buf, size):
        enc = "utf-8" if ctype == 1 else self.wenc
        return self.raw_piece(ctype, buf, size).decode(enc, errors="replace")

    def col_names(self, name, ncol):
        """The result set's column names (SQLDescribeCol), printing nothing."""
        f = self.fn("SQLDescribeCol")
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, PTR, SQLSMALLINT, ctypes.POINTER(SQLSMALLINT),
                      ctypes.POINTER(SQLSMALLINT), ctypes.POINTER(SQLULEN),
                      ctypes.POINTER(SQLSMALLINT), ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        names = []
        for col in range(1, ncol + 1):
            buf = c_buf(256 * self.unit() + 8)
            r = f(self.handle(name), col, buf, 256, None, None, None, None, None)
            names.append(self.dec_out(buf) if r in (0, 1) else "")
        return names

    def call_FETCHALL(self, a):
        """FETCHALL stmt [ctype] [max=N] [keep]: SQLFetch + SQLGetData per cell, one line a
        row, then SQLFreeStmt(SQL_CLOSE) unless keep (printed only when it fails)."""
        name = a[0]
        ctype = 1
        limit = 1 << 30
        keep = False
        for t in a[1:]:
            if t.startswith("max="):
                limit = int(t[4:])
            elif t == "keep":
                keep = True
            else:
                ctype = self.num(t)
        ncol = self.count_cols(name)
        names = self.col_names(name, ncol)
        # SQLColumns, SQLProcedureColumns and SQLSpecialColumns rows give octet lengths;
        # those of wide-character rows are printed in SQLWCHARs (see octets()).
        dtype_col = names.index("DATA_TYPE") if "DATA_TYPE" in names else None
        octet_cols = [i for i, n in enumerate(names) if n in OCTET_COLUMNS]
        fetch = self.lib.SQLFetch
        fetch.argtypes = [SQLHANDLE]
        fetch.restype = SQLSMALLINT
        gd = self.lib.SQLGetData
        gd.argtypes = [SQLHANDLE, SQLUSMALLINT, SQLSMALLINT, PTR, SQLLEN, ctypes.POINTER(SQLLEN)]
        gd.restype = SQLSMALLINT
        rows = 0
        while True:
            r = fetch(self.handle(name))
            if r == 100:
                break
            if r not in (0, 1):
                self.rc("SQLFetch", r, name)
                break
            rows += 1
            cells = []
            for c in range(1, ncol + 1):
                buf = c_buf(65536)
                ind = SQLLEN(0)
                gr = gd(self.handle(name), c, ctype, buf, 65536 - 8, ctypes.byref(ind))
                if gr not in (0,):
                    self.rc("SQLGetData(%d)" % c, gr, name)
                if gr not in (0, 1):
                    cells.append("ERR")
                    continue
                if ind.value == SQL_NULL_DATA:
                    cells.append("NULL")
                else:
                    cells.append(self.dec_piece(ctype, buf, 65536 - 8))
            if dtype_col is not None and cells[dtype_col].lstrip("-").isdigit() \
                    and int(cells[dtype_col]) in WIDE_SQL_TYPES:
                for i in octet_cols:
                    if cells[i].lstrip("-").isdigit():
                        cells[i] = self.octets(int(cells[i]))
            if rows <= limit:
                self.p("  | " + " | ".join(cells) + " |")
        self.p("  rows=%d" % rows)
        if not keep:
            fs = self.lib.SQLFreeStmt
            fs.argtypes = [SQLHANDLE, SQLUSMALLINT]
            fs.restype = SQLSMALLINT
            r = fs(self.handle(name), 0)
            if r != 0:
                self.rc("SQLFreeStmt(SQL_CLOSE)", r, name)

    def call_SQLBindParameter(self, a):
        """SQLBindParameter stmt n ctype sqltype colsize digits value[,value...] [buflen]"""
        name, n = a[0], int(a[1])
        ctype, sqltype = self.num(a[2]), self.num(a[3])
        colsize, digits = int(a[4]), int(a[5])
        values = a[6].split("|") if len(a) > 6 else []
        st = self.stmt_state(name)
        rows = max(len(values), 1)
        packed = []
        for v in values:
            if v == "NULL":
                packed.append(None)
            elif ctype == 1:
                packed.append(v.encode("utf-8"))
            elif ctype == -8:
                packed.append(v.encode(self.wenc))
            elif ctype in (4, -16):
                packed.append(struct.pack("i", int(v)))
            elif ctype == -25:
                packed.append(struct.pack("q", int(v)))
            elif ctype in (5, -15):
                packed.append(struct.pack("h", int(v)))
            elif ctype == 8:
                packed.append(struct.pack("d", float(v)))
            elif ctype == 7:
                packed.append(struct.pack("f", float(v)))
            elif ctype == -7:
                packed.append(struct.pack("B", int(v)))
            elif ctype == 91:
                y, m, d = (int(x) for x in v.split("-"))
                packed.append(struct.pack("hHH", y, m, d))
            elif ctype == 92:
                h, mi, s = (int(x) for x in v.split(":"))
                packed.append(struct.pack("HHH", h, mi, s))
            elif ctype == 93:
                dpart, tpart = v.split(" ")
                y, m, d = (int(x) for x in dpart.split("-"))
                h, mi, s = (int(x) for x in tpart.split(":"))
                packed.append(struct.pack("hHHHHHI", y, m, d, h, mi, s, 0))
            else:
                raise SpecError("unsupported parameter C type %s" % a[2])
        width = max([len(p) for p in packed if p is not None] + [self.c_size(ctype, 0), 1])
        if ctype in (1, -8):
            width += 4
        vbuf = c_buf(width * rows)
        ibuf = (SQLLEN * rows)()
        for i, p in enumerate(packed):
            if p is None:
                ibuf[i] = SQL_NULL_DATA
            else:
                ctypes.memmove(ctypes.addressof(vbuf) + i * width, p, len(p))
                ibuf[i] = len(p)
        st.keep += [vbuf, ibuf]
        f = self.lib.SQLBindParameter
        f.argtypes = [SQLHANDLE, SQLUSMALLINT, SQLSMALLINT, SQLSMALLINT, SQLSMALLINT, SQLULEN,
                      SQLSMALLINT, PTR, SQLLEN, PTR]
        f.restype = SQLSMALLINT
        r = f(self.handle(name), n, 1, ctype, sqltype, colsize, digits, vbuf, width, ibuf)
        self.rc("SQLBindParameter(%d)" % n, r, name)

    def call_SQLMoreResults(self, a):
        f = self.lib.SQLMoreResults
        f.argtypes = [SQLHANDLE]
        f.restype = SQLSMALLINT
        self.rc("SQLMoreResults", f(self.handle(a[0])), a[0])

    def call_SQLCloseCursor(self, a):
        f = self.lib.SQLCloseCursor
        f.argtypes = [SQLHANDLE]
        f.restype = SQLSMALLINT
        self.rc("SQLCloseCursor", f(self.handle(a[0])), a[0])

    def call_SQLCancel(self, a):
        f = self.lib.SQLCancel
        f.argtypes = [SQLHANDLE]
        f.restype = SQLSMALLINT
        self.rc("SQLCancel", f(self.handle(a[0])), a[0])

    def call_SQLFreeStmt(self, a):
        f = self.lib.SQLFreeStmt
        f.argtypes = [SQLHANDLE, SQLUSMALLINT]
        f.restype = SQLSMALLINT
        opt = self.num(a[1])
        r = f(self.handle(a[0]), opt)
        self.rc("SQLFreeStmt(%s)" % a[1], r, a[0])
        st = self.stmts.get(a[0])
        if st is not None and r == 0 and opt == 2:
            st.bound = {}

    def call_SQLEndTran(self, a):
        f = self.lib.SQLEndTran
        f.argtypes = [SQLSMALLINT, SQLHANDLE, SQLSMALLINT]
        f.restype = SQLSMALLINT
        name = a[0]
        r = f(self.htypes.get(name, 0), self.handle(name), self.num(a[1]))
        self.rc("SQLEndTran(%s)" % a[1], r, name)

    def catalog(self, fname, a, nstr, extra=()):
        name = a[0]
        strs = [self.sarg(x) for x in a[1:1 + nstr]]
        f = self.fn(fname)
        argtypes = [SQLHANDLE]
        args = [self.handle(name)]
        for s in strs:
            argtypes += [PTR, SQLSMALLINT]
            args += [self.enc_in(s), SQL_NTS if s is not None else 0]
        for e in extra:
            argtypes.append(SQLUSMALLINT)
            args.append(e)
        f.argtypes = argtypes
        f.restype = SQLSMALLINT
        r = f(*args)
        self.rc(fname, r, name)

    def call_SQLTables(self, a):
        self.catalog("SQLTables", a, 4)

    def call_SQLColumns(self, a):
        self.catalog("SQLColumns", a, 4)

    def call_SQLPrimaryKeys(self, a):
        self.catalog("SQLPrimaryKeys", a, 3)

    def call_SQLForeignKeys(self, a):
        self.catalog("SQLForeignKeys", a, 6)

    def call_SQLProcedures(self, a):
        self.catalog("SQLProcedures", a, 3)

    def call_SQLProcedureColumns(self, a):
        self.catalog("SQLProcedureColumns", a, 4)

    def call_SQLTablePrivileges(self, a):
        self.catalog("SQLTablePrivileges", a, 3)

    def call_SQLColumnPrivileges(self, a):
        self.catalog("SQLColumnPrivileges", a, 4)

    def call_SQLStatistics(self, a):
        self.catalog("SQLStatistics", a[:4], 3, extra=(self.num(a[4]), self.num(a[5])))

    def call_SQLSpecialColumns(self, a):
        # SQLSpecialColumns(stmt, IdentifierType, cat, len, schema, len, table, len, Scope, Nullable)
        name = a[0]
        ident = self.num(a[1])
        strs = [self.sarg(x) for x in a[2:5]]
        f = self.fn("SQLSpecialColumns")
        f.argtypes = [SQLHANDLE, SQLUSMALLINT] + [PTR, SQLSMALLINT] * 3 + [SQLUSMALLINT, SQLUSMALLINT]
        f.restype = SQLSMALLINT
        args = [self.handle(name), ident]
        for s in strs:
            args += [self.enc_in(s), SQL_NTS if s is not None else 0]
        args += [self.num(a[5]), self.num(a[6])]
        self.rc("SQLSpecialColumns", f(*args), name)

    def call_SQLGetTypeInfo(self, a):
        f = self.fn("SQLGetTypeInfo")
        f.argtypes = [SQLHANDLE, SQLSMALLINT]
        f.restype = SQLSMALLINT
        self.rc("SQLGetTypeInfo(%s)" % a[1], f(self.handle(a[0]), self.num(a[1])), a[0])

    def call_SQLNativeSql(self, a):
        name, sql = a[0], a[1]
        f = self.fn("SQLNativeSql")
        f.argtypes = [SQLHANDLE, PTR, SQLINTEGER, PTR, SQLINTEGER, ctypes.POINTER(SQLINTEGER)]
        f.restype = SQLSMALLINT
        buf = c_buf(2048 * self.unit())
        ol = SQLINTEGER(-99)
        r = f(self.handle(name), self.enc_in(sql), SQL_NTS, buf, 2048, ctypes.byref(ol))
        self.rc("SQLNativeSql", r, name)
        if r in (0, 1):
            v = self.dec_out(buf)
            self.p("  value=%r%s" % (v, self.str_len_note(v, ol.value, False, r == 1)))

    def call_SQLGetDiagRec(self, a):
        """SQLGetDiagRec handle recno [buflen]"""
        name, rec = a[0], int(a[1])
        buflen = int(a[2]) if len(a) > 2 else 1024
        f = self.fn("SQLGetDiagRec")
        f.argtypes = [SQLSMALLINT, SQLHANDLE, SQLSMALLINT, PTR, ctypes.POINTER(SQLINTEGER), PTR,
                      SQLSMALLINT, ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        state = c_buf(6 * 4 + 4)
        native = SQLINTEGER(0)
        msg = c_buf(buflen * self.unit() + 8)
        tl = SQLSMALLINT(-99)
        r = f(self.htypes.get(name, 0), self.handle(name), rec, state, ctypes.byref(native), msg,
              buflen, ctypes.byref(tl))
        self.p("  SQLGetDiagRec(%d) -> %s" % (rec, RETURN_CODES.get(r, r)))
        if r in (0, 1):
            text = self.dec_out(msg)
            self.p("  %s" % self.norm_msg(self.dec_out(state), native.value, text))
            if not DM_PREFIX.match(text):
                self.p("  text_length%s" % (self.str_len_note(text, tl.value, False, r == 1) or " ok"))

    def call_SQLGetDiagField(self, a):
        """SQLGetDiagField handle recno FIELD"""
        name, rec, field_tok = a[0], int(a[1]), a[2]
        field, kind = DIAG_FIELDS[field_tok] if field_tok in DIAG_FIELDS else (int(field_tok), "int")
        f = self.fn("SQLGetDiagField")
        f.argtypes = [SQLSMALLINT, SQLHANDLE, SQLSMALLINT, SQLSMALLINT, PTR, SQLSMALLINT,
                      ctypes.POINTER(SQLSMALLINT)]
        f.restype = SQLSMALLINT
        buf = c_buf(2048)
        ctypes.memset(buf, 0, 2048)
        sl = SQLSMALLINT(-99)
        blen = 1024 if kind == "str" else 0
        r = f(self.htypes.get(name, 0), self.handle(name), rec, field, buf, blen, ctypes.byref(sl))
        self.p("  SQLGetDiagField(%d,%s) -> %s" % (rec, field_tok, RETURN_CODES.get(r, r)))
        if r in (0, 1):
            addr = ctypes.addressof(buf)
            if kind == "str":
                v = self.dec_out(buf)
                if DM_PREFIX.match(v):
                    v = "<driver manager text>"
                self.p("  value=%r" % v)
            elif kind == "len":
                self.p("  value=%d" % SQLLEN.from_address(addr).value)
            elif kind == "short":
                self.p("  value=%d" % SQLSMALLINT.from_address(addr).value)
            else:
                self.p("  value=%d" % SQLINTEGER.from_address(addr).value)

    def call_DIAGS(self, a):
        """DIAGS handle: every diagnostic record of the handle, as after a failing call."""
        self.print_diags(a[0])

    # --- driver ----------------------------------------------------------------------

    def run_line(self, line):
        toks = shlex.split(line, posix=True)
        if not toks:
            return
        # Only the harness's own variables: "$id" is a Kintone column name, not a variable.
        cmd, args = toks[0], [re.sub(r"\$(KODBC_\w+)",
                                     lambda m: os.environ.get(m.group(1), m.group(0)), t)
                              for t in toks[1:]]
        meth = getattr(self, "call_" + cmd, None)
        if meth is None:
            raise SpecError("unknown command %r" % cmd)
        meth(args)

    def run_spec(self, path):
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                if line.lstrip().startswith("#"):
                    self.p(line)
                    continue
                self.p("> " + line)
                try:
                    self.run_line(line)
                except SpecError as e:
                    self.p("  SPEC ERROR at line %d: %s" % (lineno, e))
                self.out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dm", required=True, help="driver manager library (path or soname)")
    ap.add_argument("--mode", choices=("ansi", "wide"), required=True)
    ap.add_argument("--wchar", type=int, choices=(2, 4), default=None,
                    help="SQLWCHAR width (default: 4 for iODBC, 2 otherwise)")
    ap.add_argument("--local", action="store_true",
                    help="load the manager with RTLD_LOCAL (default RTLD_GLOBAL, as a linked app)")
    ap.add_argument("specs", nargs="+")
    args = ap.parse_args()
    wchar = args.wchar or (4 if "iodbc" in os.path.basename(args.dm) else 2)
    runner = Runner(args.dm, args.mode == "wide", wchar, sys.stdout, args.local)
    for spec in args.specs:
        runner.run_spec(spec)


if __name__ == "__main__":
    main()
