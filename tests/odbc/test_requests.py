#!/usr/bin/env python3
"""Requests per query (issue 15, P4): exact counts from the sandbox's request log, through
pyodbc under unixODBC, with every auth scheme that reads records.

Each case marks the log, runs one statement and counts the record reads (`records` and
`records/cursor` calls) it caused; rows are checked against the same statement with
pushdown off, which reads the app whole and computes everything locally.

Environment: as test_pyodbc.py (set by suite.py); the sandbox holds the demo data with
its 25,000-record Events app.
"""

import ctypes
import json
import os
import re
import sys
import unittest
import urllib.request

import pyodbc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402
from test_pyodbc import DRIVER, URL, connect  # noqa: E402
from test_procedures import (CLIENT_ID, CLIENT_SECRET, REDIRECT, admin,  # noqa: E402
                             consent, mark)

EVENTS_TOKEN = "EventsViewOnly00000000000000000000000000"
PASSWORD = "Driver=%s;Url=%s;UID=demo;PWD=demo" % (DRIVER, URL)
RECORD_APIS = ("records", "records/cursor")


def record_reads(seq):
    """(method, api, query) of each record read after `seq`."""
    out = []
    for r in admin("/sandbox/requests?since=%d" % seq)["requests"]:
        if r.get("api") in RECORD_APIS:
            params = r.get("params") if isinstance(r.get("params"), dict) else {}
            out.append((r["method"], r["api"], params.get("query", "")))
    return out


def oauth_token():
    """An access token from the demo OAuth client, as a user would get one."""
    cnx = connect("Driver=%s;Url=%s;AuthScheme=OAuth;OAuthClientId=%s;OAuthClientSecret=%s"
                  % (DRIVER, URL, CLIENT_ID, CLIENT_SECRET))
    try:
        cur = cnx.cursor()
        cur.execute("EXEC GetOAuthAuthorizationURL AuthMode='WEB', CallbackURL='%s'" % REDIRECT)
        code = consent(cur.fetchone()[0])
        cur.execute("{call GetOAuthAccessToken(?, ?, ?)}", "WEB", code, REDIRECT)
        return cur.fetchone()[0]
    finally:
        cnx.close()


class RequestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        token = oauth_token()
        cls.schemes = {
            "password": PASSWORD,
            "password, UseCursor=false": PASSWORD + ";UseCursor=false",
            "API token": "Driver=%s;Url=%s;AuthScheme=APIToken;APIToken=%s;AppId=4"
                         % (DRIVER, URL, EVENTS_TOKEN),
            "OAuth": "Driver=%s;Url=%s;AuthScheme=OAuth;InitiateOAuth=OFF;OAuthAccessToken=%s"
                     % (DRIVER, URL, token),
        }
        cls.cnx = {name: connect(s) for name, s in cls.schemes.items()}
        cls.local = connect(PASSWORD + ";Pushdown=false")

    @classmethod
    def tearDownClass(cls):
        for c in cls.cnx.values():
            c.close()
        cls.local.close()

    def run_counted(self, cnx, sql, *params):
        seq = mark()
        rows = [tuple(r) for r in cnx.cursor().execute(sql, *params).fetchall()]
        return rows, record_reads(seq)

    def expected(self, sql, *params):
        return [tuple(r) for r in self.local.cursor().execute(sql, *params).fetchall()]

    def test_order_by_limit_is_at_most_two_requests_under_every_scheme(self):
        for sql in ['SELECT "$id", "Score" FROM Events ORDER BY "Score" DESC, "$id" LIMIT 10',
                    'SELECT "$id", "Day" FROM Events ORDER BY "Day", "$id" LIMIT 10',
                    'SELECT "$id" FROM Events ORDER BY "Updated datetime" DESC, "$id" LIMIT 10',
                    'SELECT "$id" FROM Events ORDER BY "$id" DESC LIMIT 10']:
            want = self.expected(sql)
            self.assertEqual(len(want), 10)
            for name, cnx in self.cnx.items():
                with self.subTest(sql=sql, scheme=name):
                    rows, reads = self.run_counted(cnx, sql)
                    self.assertEqual(rows, want)
                    self.assertLessEqual(len(reads), 2, reads)
                    self.assertGreaterEqual(len(reads), 1, reads)
                    # No cursor, and nothing read past the ten rows.
                    for method, api, query in reads:
                        self.assertEqual(api, "records", reads)
                        limit = re.search(r" limit (\d+)", query)
                        self.assertTrue(limit and int(limit.group(1)) <= 10, reads)

    def test_count_with_a_pushed_filter_is_one_request(self):
        sql = 'SELECT COUNT(*) FROM Events WHERE "Kind" = \'beta\''
        want = self.expected(sql)
        for name, cnx in self.cnx.items():
            with self.subTest(scheme=name):
                rows, reads = self.run_counted(cnx, sql)
                self.assertEqual(rows, want)
                self.assertEqual(len(reads), 1, reads)
                self.assertIn('kind in ("beta")', reads[0][2])
                self.assertTrue(reads[0][2].endswith(" limit 1"), reads)

    def test_id_equals_parameter_is_one_request(self):
        sql = 'SELECT "$id", "Title" FROM Events WHERE "$id" = ?'
        for name, cnx in self.cnx.items():
            with self.subTest(scheme=name):
                rows, reads = self.run_counted(cnx, sql, 4321)
                self.assertEqual(rows, [(4321, "Event 04321")])
                self.assertEqual(len(reads), 1, reads)
                self.assertTrue(reads[0][2].startswith('$id = "4321"'), reads)

    def test_a_full_scan_reads_each_record_once_in_id_order(self):
        rows, reads = self.run_counted(self.cnx["password"], 'SELECT "$id" FROM Events')
        self.assertEqual([r[0] for r in rows], list(range(1, reference.EVENTS_RECORDS + 1)))
        pages = -(-reference.EVENTS_RECORDS // 500)
        # The pages, plus the open-ended window that finds the end.
        self.assertEqual(len(reads), pages + 1, reads[:5])

    def test_long_in_lists_are_chunked_and_exact(self):
        ids = list(range(7, 20_000, 3))
        sql = 'SELECT "$id" FROM Events WHERE "$id" IN (%s)' % ",".join(map(str, ids))
        rows, reads = self.run_counted(self.cnx["password"], sql)
        self.assertEqual([r[0] for r in rows], ids)
        # Chunks of at most 500 values, each one page: no request repeats the whole list.
        self.assertEqual(len(reads), -(-len(ids) // 500), [q[:80] for _, _, q in reads])
        self.assertTrue(all(q.startswith("$id in (") and q.count('"') // 2 <= 500
                            for _, _, q in reads), [q[:80] for _, _, q in reads])
        rows, reads = self.run_counted(
            self.cnx["password"], 'SELECT COUNT(*) FROM Events WHERE "$id" IN (%s)'
            % ",".join(map(str, ids)))
        self.assertEqual(rows, [(len(ids),)])
        self.assertEqual(len(reads), -(-len(ids) // 500))


class DiscoveryTest(unittest.TestCase):
    """A domain with 300 more apps (KODBC_MANY_APPS_URL, a sandbox of its own): connecting
    lists the apps and reads no form; a statement or a catalog function reads the forms
    of the apps it names, once."""

    @classmethod
    def setUpClass(cls):
        cls.url = os.environ["KODBC_MANY_APPS_URL"]

    def calls(self, seq):
        """(api, app) of each request after `seq`."""
        with urllib.request.urlopen("%s/sandbox/requests?since=%d" % (self.url, seq),
                                    timeout=10) as r:
            log = json.loads(r.read())["requests"]
        out = []
        for r in log:
            params = r.get("params") if isinstance(r.get("params"), dict) else {}
            out.append((r.get("api"), str(params.get("app", ""))))
        return out

    def mark(self):
        with urllib.request.urlopen(self.url + "/sandbox/requests", timeout=10) as r:
            return json.loads(r.read())["last_seq"]

    def connect(self, more=""):
        return connect("Driver=%s;Url=%s;UID=demo;PWD=demo%s" % (DRIVER, self.url, more))

    def test_connect_lists_apps_and_reads_no_form(self):
        seq = self.mark()
        cnx = self.connect()
        try:
            calls = self.calls(seq)
            self.assertTrue(calls)
            self.assertEqual({api for api, _ in calls}, {"apps"}, calls)
            # A query reads the form of its app once, then its records.
            seq = self.mark()
            rows = cnx.cursor().execute('SELECT COUNT(*) FROM "Copy 123"').fetchall()
            self.assertEqual(rows[0][0], 30)
            forms = [c for c in self.calls(seq) if c[0] == "app/form/fields"]
            self.assertEqual(len(forms), 1, forms)
            app = forms[0][1]
            seq = self.mark()
            cnx.cursor().execute('SELECT "Company name" FROM "Copy 123"').fetchall()
            self.assertEqual([c for c in self.calls(seq) if c[0] != "records"], [])
            # SQLColumns on one table: one form request, for that table's app.
            seq = self.mark()
            cols = [r.column_name for r in cnx.cursor().columns(table="Copy 200")]
            self.assertIn("Company name", cols)
            forms = [c for c in self.calls(seq)]
            self.assertEqual(len(forms), 1, forms)
            self.assertEqual(forms[0][0], "app/form/fields")
            self.assertNotEqual(forms[0][1], app)
        finally:
            cnx.close()

    def test_table_list_reads_only_the_forms_of_apps_with_child_tables(self):
        # Child tables need their app's form; with CheckForSubtablesIn naming one app,
        # SQLTables lists the 305 app tables from the app list and reads one form.
        cnx = self.connect(";CheckForSubtablesIn=Orders")
        try:
            seq = self.mark()
            names = [r.table_name for r in cnx.cursor().tables(tableType="TABLE")]
            self.assertIn("Copy 299", names)
            self.assertIn("Orders_Line items", names)
            self.assertNotIn("日本語アプリ_明細", names)
            self.assertEqual(len([n for n in names if n.startswith("Copy ")]), 300)
            calls = self.calls(seq)
            self.assertEqual(calls, [("app/form/fields", "2")], calls)
        finally:
            cnx.close()


class PrepareTest(unittest.TestCase):
    """SQLPrepare + SQLNumResultCols + SQLDescribeCol through the driver manager: pyodbc
    cannot prepare without executing."""

    def test_prepare_and_describe_read_no_records(self):
        lib = ctypes.CDLL(os.environ.get("KODBC_DM_LIB", "libodbc.so.2"))
        env, dbc, stmt = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        self.assertIn(lib.SQLAllocHandle(1, None, ctypes.byref(env)), (0, 1))
        lib.SQLSetEnvAttr(env, 200, ctypes.c_void_p(3), 0)  # ODBC 3
        self.assertIn(lib.SQLAllocHandle(2, env, ctypes.byref(dbc)), (0, 1))
        out = ctypes.create_string_buffer(1024)
        n = ctypes.c_short()
        rc = lib.SQLDriverConnect(dbc, None, PASSWORD.encode(), -3, out, 1024,
                                  ctypes.byref(n), 0)
        self.assertIn(rc, (0, 1))
        try:
            self.assertIn(lib.SQLAllocHandle(3, dbc, ctypes.byref(stmt)), (0, 1))
            seq = mark()
            sql = b'SELECT "Title", "Score" FROM Events WHERE "Kind" = \'beta\' ORDER BY "Score"'
            self.assertEqual(lib.SQLPrepare(stmt, sql, -3), 0)
            cols = ctypes.c_short()
            self.assertEqual(lib.SQLNumResultCols(stmt, ctypes.byref(cols)), 0)
            self.assertEqual(cols.value, 2)
            name = ctypes.create_string_buffer(256)
            ln, ty, nul, dd = ctypes.c_short(), ctypes.c_short(), ctypes.c_short(), ctypes.c_short()
            size = ctypes.c_ulong()
            self.assertEqual(lib.SQLDescribeCol(stmt, 2, name, 256, ctypes.byref(ln),
                                                ctypes.byref(ty), ctypes.byref(size),
                                                ctypes.byref(dd), ctypes.byref(nul)), 0)
            self.assertEqual(name.value, b"Score")
            self.assertEqual(record_reads(seq), [])
            lib.SQLFreeHandle(3, stmt)
        finally:
            lib.SQLDisconnect(dbc)
            lib.SQLFreeHandle(2, dbc)
            lib.SQLFreeHandle(1, env)


if __name__ == "__main__":
    unittest.main(verbosity=2)
