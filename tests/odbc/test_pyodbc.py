#!/usr/bin/env python3
"""pyodbc through the driver, under unixODBC (its defaults) or iODBC.

Environment (set by suite.py): KODBC_DM (unixodbc or iodbc), KODBC_DSN_ANSI,
KODBC_DSN_WIDE, KODBC_URL, KODBC_DRIVER, and the ini variables. Under iODBC the parent
puts a directory holding libodbc.so.2 -> libiodbc.so.2 first on LD_LIBRARY_PATH, so the
pyodbc wheel (which NEEDs libodbc.so.2) really talks to iODBC; test_driver_manager
proves it from the manager's own message prefix.

Why iODBC needs more than setdecoding/setencoding('utf-32le') with pyodbc 5.5: iODBC's
SQLWCHAR is wchar_t (4 bytes) and Debian's iODBC 3.52.9 converts nothing, but pyodbc counts
wide text in 2-byte units whatever the encoding: the length it passes to SQLExecDirectW
and SQLPrepareW is bytes / sizeof(uint16_t) (src/cursor.cpp, src/params.cpp), so UTF-32
SQL text arrives with twice its length and the driver reads past the end of pyodbc's
buffer; SQLGetData of SQL_C_WCHAR reserves a 2-byte terminator (src/getdata.cpp), so a
value longer than the first buffer gets a U+0000 spliced in; diagnostic messages are
decoded from cchMsg * 2 bytes (src/errors.cpp), i.e. half of a UTF-32 message, and not at
all when that half is not a whole number of characters. pyodbc does size UTF-32 for column
names (src/cursor.cpp, the "iODBC + Teradata" case) and honours the connect() encoding
with SQL_NTS. So under iODBC: the connection string and metadata are UTF-32LE, and SQL
text, parameters and character data go through the narrow (UTF-8) calls and SQL_C_CHAR
buffers, which iODBC converts for a Unicode driver (calls) or passes through (buffers).
"""

import datetime
import decimal
import os
import sys
import unittest

import pyodbc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

DM = os.environ.get("KODBC_DM", "unixodbc")
DSN = os.environ.get("KODBC_DSN_WIDE", "KintoneW")
URL = os.environ.get("KODBC_URL", "")
DRIVER = os.environ.get("KODBC_DRIVER", "")


def connect(conn_str=None):
    conn_str = conn_str or "DSN=%s" % DSN
    if DM != "iodbc":
        return pyodbc.connect(conn_str, autocommit=False)
    # SQLDriverConnectW with SQL_NTS: pyodbc ends the UTF-32 text with four NUL bytes.
    cnx = pyodbc.connect(conn_str, autocommit=False, encoding="utf-32le")
    cnx.setdecoding(pyodbc.SQL_WMETADATA, encoding="utf-32le")
    cnx.setencoding(encoding="utf-8")
    cnx.setdecoding(pyodbc.SQL_CHAR, encoding="utf-8")
    cnx.setdecoding(pyodbc.SQL_WCHAR, encoding="utf-8", ctype=pyodbc.SQL_CHAR)
    return cnx


def connect_error(exc):
    """(SQLSTATE, message) of an error raised by pyodbc.connect.

    Without a connection pyodbc decodes a diagnostic as UTF-16 from cchMsg * 2 bytes and
    copies the non-zero bytes of the first 10 bytes of the SQLSTATE (src/errors.cpp,
    src/errors.h CopySqlState). Under iODBC the text is UCS-4: what comes back is the
    first half of the message with NULs between the characters, and the first three
    characters of the SQLSTATE ("IM0", "280").
    """
    state = exc.args[0]
    text = str(exc.args[-1])
    if DM == "iodbc":
        state, text = state.replace("\x00", ""), text.replace("\x00", "")
    return state, text


class PyodbcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cnx = connect()

    @classmethod
    def tearDownClass(cls):
        cls.cnx.close()

    def q(self, sql, *params):
        cur = self.cnx.cursor()
        cur.execute(sql, *params)
        rows = [tuple(r) for r in cur.fetchall()]
        cur.close()
        return rows

    def test_driver_manager(self):
        with self.assertRaises(pyodbc.Error) as ctx:
            if DM == "iodbc":
                pyodbc.connect("DSN=NoSuchDsnAnywhere", encoding="utf-32le")
            else:
                pyodbc.connect("DSN=NoSuchDsnAnywhere")
        state, text = connect_error(ctx.exception)
        prefix = "[iODBC]" if DM == "iodbc" else "[unixODBC]"
        self.assertIn(prefix + "[Driver Manager]", text)
        self.assertEqual(state, "IM002" if DM == "unixodbc" else "IM0")

    def test_wide_text_round_trip(self):
        # The connection's W decoding is right for this manager: Japanese text survives.
        cur = self.cnx.cursor()
        cur.execute("SELECT ? AS t", "日本語 🌸")
        self.assertEqual(cur.fetchone()[0], "日本語 🌸")
        self.assertEqual(cur.description[0][0], "t")

    def test_connect_dsn_less_and_bad_password(self):
        cnx = connect("Driver=%s;Url=%s;User=demo;Password=demo" % (DRIVER, URL))
        self.assertEqual(cnx.cursor().execute('SELECT COUNT(*) FROM Customers').fetchone()[0], 30)
        cnx.close()
        with self.assertRaises(pyodbc.Error) as ctx:
            connect("DSN=%s;Password=wrong-password" % DSN)
        state, text = connect_error(ctx.exception)
        self.assertIn(state[:2], ("28", "08"))
        self.assertIn("[kintone-odbc]", text)
        self.assertNotIn("wrong-password", text)

    def test_getinfo(self):
        self.assertRegex(self.cnx.getinfo(pyodbc.SQL_DRIVER_ODBC_VER), r"^03\.\d\d$")
        self.assertEqual(self.cnx.getinfo(pyodbc.SQL_IDENTIFIER_QUOTE_CHAR), '"')

    def test_tables(self):
        cur = self.cnx.cursor()
        rows = cur.tables().fetchall()
        names = {r.table_name: r.table_type for r in rows}
        for t in ("Customers", "Orders", "日本語アプリ", "Events", "Orders_Line items"):
            self.assertIn(t, names)
        self.assertEqual(names["Events"], "TABLE")
        only = cur.tables(table="Events").fetchall()
        self.assertEqual([r.table_name for r in only], ["Events"])

    def test_columns(self):
        cur = self.cnx.cursor()
        cols = {r.column_name: r for r in cur.columns(table="Events").fetchall()}
        for name in ("$id", "Title", "Sequence", "Score", "Day", "Starts at", "Kind", "Record number"):
            self.assertIn(name, cols)
        self.assertEqual(cols["$id"].data_type, pyodbc.SQL_BIGINT)
        self.assertEqual(cols["Title"].data_type, pyodbc.SQL_WVARCHAR)
        self.assertGreater(cols["Title"].column_size, 0)
        self.assertEqual(cols["Score"].data_type, pyodbc.SQL_DECIMAL)
        self.assertEqual(cols["Day"].data_type, pyodbc.SQL_TYPE_DATE)
        self.assertEqual(cols["Starts at"].data_type, pyodbc.SQL_TYPE_TIMESTAMP)
        jp = [r.column_name for r in cur.columns(table="日本語アプリ").fetchall()]
        self.assertIn("氏名", jp)
        self.assertIn("税込金額", jp)

    def test_orders_every_type(self):
        rows = self.q('SELECT "$id", "Record number", "Customer", "Order date", "Ordered at", '
                      '"Pickup time", "Total", "Discount", "Priority", "Tags", "Attachments" '
                      'FROM Orders WHERE "$id" IN (1, 7, 8) ORDER BY "$id"')
        self.assertEqual(len(rows), 3)
        r1 = rows[0]
        self.assertEqual(r1[0], 1)
        self.assertIsInstance(r1[0], int)
        self.assertEqual(r1[1], "ORD-1")
        self.assertEqual(r1[2], "C002")
        self.assertEqual(r1[3], datetime.date(2025, 10, 4))
        # ordered_at: 2025-10-01T00:00Z + i * (3 days + 313 minutes)
        self.assertEqual(r1[4], datetime.datetime(2025, 10, 4, 5, 13))
        self.assertEqual(r1[5], datetime.time(9, 15))
        self.assertIsInstance(r1[6], decimal.Decimal)
        self.assertEqual(r1[7], decimal.Decimal(5))
        self.assertEqual(r1[9], "Urgent")
        self.assertIn("readme.txt", r1[10])
        self.assertIsNone(rows[1][8], "record 7 has no priority")
        self.assertIsNone(rows[2][4], "ordered_at is empty when i % 8 == 0")

    def test_japanese_and_emoji(self):
        rows = self.q('SELECT "$id", 氏名, 備考, 金額, 税込金額 FROM 日本語アプリ '
                      'WHERE "$id" IN (1, 2, 5, 11) ORDER BY "$id"')
        self.assertEqual([r[0] for r in rows], [1, 2, 5, 11])
        self.assertEqual(rows[0][1], "山田 太郎")
        self.assertEqual(rows[0][2], "東京タワー🗼の近く\n1番目の記録")
        self.assertEqual(rows[1][1], "佐藤 花子 🌸")
        self.assertEqual(rows[1][2], "特記事項なし")
        self.assertEqual(rows[1][3], decimal.Decimal(2468))
        self.assertEqual(rows[1][4], decimal.Decimal(2714))
        self.assertIsInstance(rows[1][3], decimal.Decimal)
        self.assertEqual(list(rows[2][1:]), [None, None, None, None])
        self.assertEqual(rows[3][1], "吉田 真央 😀")

    def test_events_row_types(self):
        row = self.q('SELECT "Score", "Day", "Starts at", "Kind", "Title" FROM Events WHERE "$id" = 1')[0]
        self.assertEqual(row[0], decimal.Decimal("791.9"))
        self.assertEqual(row[1], datetime.date(2024, 1, 2))
        self.assertEqual(row[2], datetime.datetime(2025, 1, 1, 0, 11))
        self.assertEqual(row[3], "beta")
        self.assertEqual(row[4], "Event 00001")

    def test_parameters(self):
        self.assertEqual(self.q('SELECT "Title" FROM Events WHERE "Sequence" = ?', 17),
                         [("Event 00017",)])
        rows = self.q('SELECT "$id" FROM Events WHERE "Kind" = ? AND "Sequence" < ? ORDER BY "$id"',
                      "beta", 10)
        self.assertEqual([r[0] for r in rows], [1, 5, 9])
        rows = self.q('SELECT "$id" FROM Events WHERE "Score" = ?', decimal.Decimal("791.9"))
        self.assertIn(1, [r[0] for r in rows])
        for r in rows:
            self.assertEqual(reference.event(r[0])[3], decimal.Decimal("791.9"))
        rows = self.q('SELECT "$id" FROM Events WHERE "Day" = ? ORDER BY "$id"', datetime.date(2024, 1, 10))
        self.assertEqual([r[0] for r in rows], list(range(9, reference.EVENTS_RECORDS + 1, 731)))
        rows = self.q('SELECT "$id" FROM 日本語アプリ WHERE 氏名 = ?', "佐藤 花子 🌸")
        self.assertEqual([r[0] for r in rows], [2])

    def test_fetchmany_all_events(self):
        reference.check_rule_against_rest(URL)
        cur = self.cnx.cursor()
        cur.execute('SELECT "$id", "Title", "Sequence", "Score", "Day", "Starts at", "Kind" '
                    'FROM Events ORDER BY "$id"')
        n = 0
        while True:
            batch = cur.fetchmany(1000)
            if not batch:
                break
            for row in batch:
                n += 1
                expect = reference.event(n)
                if tuple(row) != expect:
                    self.fail("record %d: got %r, expected %r" % (n, tuple(row), expect))
        self.assertEqual(n, reference.EVENTS_RECORDS)

    def test_rowcount_and_autocommit(self):
        cur = self.cnx.cursor()
        cur.execute('SELECT "$id" FROM Customers')
        self.assertEqual(cur.rowcount, -1)
        self.assertEqual(len(cur.fetchall()), 30)
        self.assertFalse(cur.nextset())
        self.cnx.commit()
        self.cnx.rollback()
        self.assertFalse(self.cnx.autocommit)
        self.cnx.autocommit = True
        self.assertTrue(self.cnx.autocommit)
        self.cnx.autocommit = False


if __name__ == "__main__":
    unittest.main(verbosity=2)
