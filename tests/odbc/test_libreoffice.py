#!/usr/bin/python3
"""LibreOffice Base as a user meets it: a headless soffice, driven through UNO, opens
the DSN through its ODBC bridge (sdbc:odbc, over unixODBC) and reads apps through a
RowSet, the object behind Base's table view and Calc's data ranges.

Values are compared with Kintone's REST answers, and the sandbox's request log is
checked for what LibreOffice made the driver read.

Runs under Debian's /usr/bin/python3, which has the `uno` module (python3-uno).
Environment: as test_pyodbc.py (set by suite.py), unixODBC only.
"""

import base64
import decimal
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import uno  # noqa: F401 (registers the uno importer)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

URL = os.environ["KODBC_URL"]
DSN = os.environ["KODBC_DSN_ANSI"]
AUTH = base64.b64encode(b"demo:demo").decode()
CUSTOMERS, EVENTS = 1, 4
START_TIMEOUT = 90


def admin(path):
    with urllib.request.urlopen(URL + path, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def mark():
    return admin("/sandbox/requests")["last_seq"]


def record_requests(seq):
    return [r for r in admin("/sandbox/requests?since=%d" % seq)["requests"]
            if r["api"] in ("records", "records/cursor")]


def rest_records(app, fields):
    """Every record of an app, ordered by $id, read as any REST client would."""
    out, last = [], 0
    while True:
        q = "$id > %d order by $id asc limit 500" % last
        params = [("app", app), ("query", q)] + [("fields[%d]" % i, f) for i, f in enumerate(fields)]
        url = "%s/k/v1/records.json?%s" % (URL, urllib.parse.urlencode(params))
        req = urllib.request.Request(url, headers={"X-Cybozu-Authorization": AUTH})
        with urllib.request.urlopen(req, timeout=60) as r:
            page = json.loads(r.read())["records"]
        out += page
        if len(page) < 500:
            return out
        last = int(page[-1]["$id"]["value"])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    """A headless soffice with a profile of its own, listening on a loopback port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kintone-odbc-lo-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["soffice", "--headless", "--invisible", "--nologo", "--norestore",
             "--nodefault", "-env:UserInstallation=file://%s/profile" % self.dir,
             "--accept=socket,host=127.0.0.1,port=%d;urp;" % self.port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.ctx = resolver.resolve(
                    "uno:socket,host=127.0.0.1,port=%d;urp;StarOffice.ComponentContext" % self.port)
                break
            except NoConnectException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError("soffice did not accept a UNO connection within %ds"
                                       % START_TIMEOUT)
                time.sleep(0.5)
        self.smgr = self.ctx.ServiceManager

    def create(self, name):
        return self.smgr.createInstanceWithContext(name, self.ctx)

    def close(self):
        try:
            desktop = self.create("com.sun.star.frame.Desktop")
            desktop.terminate()
        except Exception:  # noqa: BLE001 (it is going away either way)
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class LibreOfficeBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.office = Office()
        ds = cls.office.create("com.sun.star.sdb.DatabaseContext").createInstance()
        ds.URL = "sdbc:odbc:" + DSN
        # Without CharSet the ODBC bridge decodes names as Latin-1 (the README says so).
        ds.Info = (prop("CharSet", "UTF-8"),)
        cls.conn = ds.getConnection("demo", "demo")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.conn.close()
        finally:
            cls.office.close()

    def rowset(self, table):
        rs = self.office.create("com.sun.star.sdb.RowSet")
        rs.ActiveConnection = self.conn
        rs.CommandType = 0  # a table, as Base's table view opens it
        rs.Command = table
        rs.execute()
        return rs

    def test_table_view_reads_an_app_with_exact_values_and_scrolls(self):
        expected = rest_records(CUSTOMERS, ["$id", "customer_code", "name", "country"])
        want = [(r["$id"]["value"], r["customer_code"]["value"], r["name"]["value"],
                 r["country"]["value"] or "") for r in expected]
        self.assertGreater(len(want), 3)
        seq = mark()
        rs = self.rowset("Customers")
        cols = [rs.findColumn(c) for c in ("$id", "Customer code", "Company name", "Country")]
        got = []
        while rs.next():
            got.append(tuple(rs.getString(c) for c in cols))
        self.assertEqual(got, want)
        # The grid scrolls: to the end, to the middle, back, to the start.
        self.assertTrue(rs.last())
        self.assertEqual(rs.getRow(), len(want))
        self.assertEqual(rs.getString(cols[0]), want[-1][0])
        self.assertTrue(rs.absolute(2))
        self.assertEqual(rs.getString(cols[2]), want[1][2])
        self.assertTrue(rs.previous())
        self.assertEqual(rs.getString(cols[1]), want[0][1])
        self.assertTrue(rs.first())
        self.assertEqual(rs.getString(cols[0]), want[0][0])
        # Every request LibreOffice caused read the Customers app, nothing else.
        reads = record_requests(seq)
        self.assertTrue(reads)
        self.assertEqual({r["params"].get("app") for r in reads}, {str(CUSTOMERS)})
        rs.dispose()

    def test_table_view_reads_25000_events_in_at_most_60_requests(self):
        expected = rest_records(EVENTS, ["$id", "title", "seq"])
        want = [(r["$id"]["value"], r["title"]["value"], decimal.Decimal(r["seq"]["value"]))
                for r in expected]
        self.assertEqual(len(want), 25000)
        seq = mark()
        rs = self.rowset("Events")
        cols = [rs.findColumn(c) for c in ("$id", "Title", "Sequence")]
        got = []
        while rs.next():
            # A NUMBER column is DECIMAL: Base shows it with the column's scale.
            i, title, seq_ = (rs.getString(c) for c in cols)
            got.append((i, title, decimal.Decimal(seq_)))
        self.assertEqual(len(got), len(want))
        wrong = [(g, w) for g, w in zip(got, want) if g != w]
        self.assertEqual(wrong[:3], [])
        self.assertTrue(rs.absolute(12345))
        self.assertEqual(decimal.Decimal(rs.getString(cols[2])), want[12344][2])
        self.assertTrue(rs.first())
        reads = record_requests(seq)
        self.assertLessEqual(len(reads), 60, [r["path"] for r in reads[:5]])
        rs.dispose()

    def test_table_view_edits_adds_and_deletes_a_row(self):
        rs = self.rowset("Customers")
        code, name = rs.findColumn("Customer code"), rs.findColumn("Company name")
        ident = rs.findColumn("$id")
        self.assertTrue(rs.absolute(2))
        target = rs.getString(ident)
        seq = mark()
        rs.updateString(name, "Edited in Base")
        rs.updateRow()
        writes = [r for r in admin("/sandbox/requests?since=%d" % seq)["requests"]
                  if r["effective_method"] in ("PUT", "POST", "DELETE")]
        self.assertEqual([(w["effective_method"], w["api"]) for w in writes], [("PUT", "record")])
        self.assertEqual(str(writes[0]["params"]["id"]), target)
        self.assertEqual(set(writes[0]["params"]["record"]), {"name"})
        self.assertEqual(rs.getString(name), "Edited in Base")
        now = {r["$id"]["value"]: r for r in rest_records(CUSTOMERS, ["$id", "name"])}
        self.assertEqual(now[target]["name"]["value"], "Edited in Base")
        # Edited twice: the cursor holds the record's new revision.
        rs.updateString(name, "Edited again")
        rs.updateRow()
        now = {r["$id"]["value"]: r for r in rest_records(CUSTOMERS, ["$id", "name"])}
        self.assertEqual(now[target]["name"]["value"], "Edited again")

        before = set(now)
        rs.moveToInsertRow()
        rs.updateString(code, "LO-0001")
        rs.updateString(name, "Added in Base")
        rs.insertRow()
        rs.moveToCurrentRow()
        now = {r["$id"]["value"]: r for r in rest_records(CUSTOMERS, ["$id", "customer_code", "name"])}
        added = set(now) - before
        self.assertEqual(len(added), 1)
        new_id = added.pop()
        self.assertEqual((now[new_id]["customer_code"]["value"], now[new_id]["name"]["value"]),
                         ("LO-0001", "Added in Base"))

        self.assertTrue(rs.last())
        self.assertEqual(rs.getString(ident), new_id)
        rs.deleteRow()
        now = {r["$id"]["value"] for r in rest_records(CUSTOMERS, ["$id"])}
        self.assertNotIn(new_id, now)
        self.assertEqual(now, before)
        rs.dispose()

    def test_japanese_names_and_a_filter(self):
        rs = self.office.create("com.sun.star.sdb.RowSet")
        rs.ActiveConnection = self.conn
        rs.CommandType = 2  # a command
        rs.Command = 'SELECT "$id", "Company name" FROM "Customers" WHERE "$id" <= 3 ORDER BY "$id"'
        rs.execute()
        rows = []
        while rs.next():
            rows.append((rs.getString(1), rs.getString(2)))
        want = [(r["$id"]["value"], r["name"]["value"])
                for r in rest_records(CUSTOMERS, ["$id", "name"])][:3]
        self.assertEqual(rows, want)
        tables = self.conn.Tables.ElementNames
        self.assertIn("日本語アプリ", tables)
        self.assertEqual(len(tables), len(set(tables)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
