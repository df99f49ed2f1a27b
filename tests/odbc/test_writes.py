#!/usr/bin/env python3
"""Writes through pyodbc, each checked against Kintone's state read back over REST and
against the sandbox's request log.

suite.py runs this file against a sandbox of its own (one per driver manager), so the
rows it adds and changes never meet the other suites' expectations.

Environment: as test_pyodbc.py (set by suite.py).
"""

import base64
import datetime
import decimal
import json
import os
import sys
import unittest
import urllib.parse
import urllib.request

import pyodbc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_pyodbc import DM, DRIVER, URL, connect  # noqa: E402
from test_procedures import assert_state  # noqa: E402

CUSTOMERS, ORDERS = 1, 2
AUTH = base64.b64encode(b"demo:demo").decode()
CONN = "Driver=%s;Url=%s;UID=demo;PWD=demo;UseCodeForFieldName=true" % (DRIVER, URL)


def admin(path):
    with urllib.request.urlopen(URL + path, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def mark():
    return admin("/sandbox/requests")["last_seq"]


def requests_since(seq):
    return admin("/sandbox/requests?since=%d" % seq)["requests"]


def rest_records(app, query):
    """Every record of `query`, read as any REST client would."""
    out, offset = [], 0
    while True:
        q = "%s order by $id asc limit 500 offset %d" % (query, offset)
        url = "%s/k/v1/records.json?%s" % (URL, urllib.parse.urlencode({"app": app, "query": q}))
        req = urllib.request.Request(url, headers={"X-Cybozu-Authorization": AUTH})
        with urllib.request.urlopen(req, timeout=30) as r:
            page = json.loads(r.read())["records"]
        out += page
        if len(page) < 500:
            return out
        offset += 500


def value(record, code):
    return record[code]["value"]


class WritesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cnx = connect(CONN)

    @classmethod
    def tearDownClass(cls):
        cls.cnx.close()

    def test_executemany_sends_requests_of_100_in_one_atomic_call(self):
        if DM == "iodbc":
            # pyodbc's fast_executemany binds str as SQL_C_WCHAR in the connection's
            # encoding, which under iODBC must be UTF-8 for the statement text (pyodbc is
            # built with 2-byte SQLWCHAR): the bytes are not UCS-4 and the driver refuses
            # them (HY090). driver/tests/writes.rs binds arrays under the C API instead.
            self.skipTest("pyodbc fast_executemany cannot bind str under iODBC")
        cnx = connect(CONN)
        cur = cnx.cursor()
        cur.fast_executemany = True
        rows = [("PY%05d" % i, "Python %d" % i, decimal.Decimal("%d.75" % i)) for i in range(1, 251)]
        before = len(rest_records(CUSTOMERS, ""))
        seq = mark()
        cur.executemany("INSERT INTO Customers (customer_code, name, credit_limit) VALUES (?, ?, ?)", rows)
        log = requests_since(seq)
        # The form of Customers, read when a statement of this connection first names
        # it, then the rows in one call.
        self.assertEqual([(r["effective_method"], r["api"]) for r in log],
                         [("GET", "app/form/fields"), ("POST", "bulkRequest")])
        log = log[1:]
        sizes = [len(sub["payload"]["records"]) for sub in log[0]["params"]["requests"]]
        self.assertEqual(sizes, [100, 100, 50])
        after = rest_records(CUSTOMERS, "")
        self.assertEqual(len(after), before + 250)
        landed = {value(r, "customer_code"): (value(r, "name"), value(r, "credit_limit"))
                  for r in after if value(r, "customer_code").startswith("PY")}
        self.assertEqual(landed, {c: (n, str(d)) for c, n, d in rows})
        new_id = cur.execute("SELECT LAST_INSERT_ID()").fetchval()
        self.assertEqual(new_id, max(int(r["$id"]["value"]) for r in after))
        cnx.close()

    def test_every_type_from_python_values(self):
        cur = self.cnx.cursor()
        cur.execute(
            "INSERT INTO Orders (customer, order_date, ordered_at, pickup_time, discount, priority, tags, owner, remarks) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "C005", datetime.date(2026, 12, 3), datetime.datetime(2026, 12, 3, 4, 5, 6),
            datetime.time(17, 30), decimal.Decimal("7.5"), "Low", "Gift,Repeat", "alice", "日本語 ✓")
        self.assertEqual(cur.rowcount, 1)
        new_id = cur.execute("SELECT SCOPE_IDENTITY()").fetchval()
        r = rest_records(ORDERS, "$id = %d" % new_id)[0]
        self.assertEqual(value(r, "customer"), "C005")
        self.assertEqual(value(r, "order_date"), "2026-12-03")
        # Kintone keeps DATETIME to the minute (the driver warns with 01S07).
        self.assertEqual(value(r, "ordered_at"), "2026-12-03T04:05:00Z")
        self.assertEqual(value(r, "pickup_time"), "17:30")
        self.assertEqual(value(r, "discount"), "7.5")
        self.assertEqual(value(r, "priority"), "Low")
        self.assertEqual(value(r, "tags"), ["Gift", "Repeat"])
        self.assertEqual([u["code"] for u in value(r, "owner")], ["alice"])
        self.assertEqual(value(r, "remarks"), "日本語 ✓")
        # And SQL reads back what it wrote.
        row = cur.execute('SELECT tags, discount, ordered_at FROM Orders WHERE "$id" = ?', new_id).fetchone()
        self.assertEqual(row[0], "Gift,Repeat")
        self.assertEqual(row[1], decimal.Decimal("7.5"))
        self.assertEqual(row[2], datetime.datetime(2026, 12, 3, 4, 5))

    def test_update_by_id_costs_one_request_and_by_filter_changes_exactly_the_matches(self):
        cur = self.cnx.cursor()
        seq = mark()
        cur.execute('UPDATE Customers SET notes = ? WHERE "$id" = ?', "one request", 7)
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual([(r["effective_method"], r["api"]) for r in requests_since(seq)], [("PUT", "record")])
        self.assertEqual(value(rest_records(CUSTOMERS, "$id = 7")[0], "notes"), "one request")

        germany = {r["$id"]["value"] for r in rest_records(CUSTOMERS, 'country in ("Germany")')}
        cur.execute("UPDATE Customers SET rank = ? WHERE country = ?", "C", "Germany")
        self.assertEqual(cur.rowcount, len(germany))
        for r in rest_records(CUSTOMERS, ""):
            if r["$id"]["value"] in germany:
                self.assertEqual(value(r, "rank"), "C")

        cur.execute("UPDATE Customers SET notes = 'x' WHERE \"$id\" = 99999")
        self.assertEqual(cur.rowcount, 0)

    def test_delete_by_filter_removes_exactly_the_matches(self):
        cur = self.cnx.cursor()
        cur.execute("INSERT INTO Customers (customer_code, name, notes) VALUES ('DEL1', 'a', 'doomed'), ('DEL2', 'b', 'doomed'), ('KEEP1', 'c', 'kept')")
        self.assertEqual(cur.rowcount, 3)
        before = len(rest_records(CUSTOMERS, ""))
        cur.execute("DELETE FROM Customers WHERE notes = 'doomed'")
        self.assertEqual(cur.rowcount, 2)
        codes = {value(r, "customer_code") for r in rest_records(CUSTOMERS, "")}
        self.assertEqual(len(codes), before - 2)
        self.assertNotIn("DEL1", codes)
        self.assertIn("KEEP1", codes)

    def test_upsert_inserts_then_updates(self):
        cur = self.cnx.cursor()
        sql = ("INSERT INTO Customers (customer_code, name) VALUES (?, ?) "
               "ON CONFLICT (customer_code) DO UPDATE SET name = EXCLUDED.name")
        cur.execute(sql, "UPS1", "first")
        cur.execute(sql, "UPS1", "second")
        found = [value(r, "name") for r in rest_records(CUSTOMERS, 'customer_code = "UPS1"')]
        self.assertEqual(found, ["second"])

    def test_read_only_refuses_writes_and_sends_nothing(self):
        ro = connect(CONN + ";ReadOnly=true")
        try:
            seq = mark()
            with self.assertRaises(pyodbc.Error) as cm:
                ro.cursor().execute("DELETE FROM Customers")
            assert_state(self, cm.exception, "25006")
            self.assertEqual(requests_since(seq), [])
        finally:
            ro.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
