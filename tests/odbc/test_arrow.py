#!/usr/bin/env python3
"""arrow-odbc (odbc-api underneath: narrow calls, bound column arrays) reading Events.

The 25,000-record app is read with batches of 1,000 rows (SQL_ATTR_ROW_ARRAY_SIZE =
1,000, column-wise binding, ROWS_FETCHED_PTR), and every value is compared with the
sandbox's generation rule (itself checked against the REST API).
"""

import datetime
import decimal
import os
import sys
import unittest

import pyarrow as pa
from arrow_odbc import read_arrow_batches_from_odbc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

DSN = os.environ.get("KODBC_DSN_ANSI", "KintoneA")
URL = os.environ.get("KODBC_URL", "")


def as_naive_utc(v):
    if isinstance(v, datetime.datetime) and v.tzinfo is not None:
        return v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return v


class ArrowOdbcTest(unittest.TestCase):
    def test_events_in_batches_of_1000(self):
        reference.check_rule_against_rest(URL)
        reader = read_arrow_batches_from_odbc(
            query='SELECT "$id", "Title", "Sequence", "Score", "Day", "Starts at", "Kind" '
                  'FROM Events ORDER BY "$id"',
            connection_string="DSN=%s" % DSN,
            batch_size=1000,
            fetch_concurrently=False,
        )
        schema = reader.schema
        self.assertEqual(schema.field(0).type, pa.int64())
        self.assertTrue(pa.types.is_string(schema.field(1).type) or pa.types.is_large_string(schema.field(1).type))
        self.assertTrue(pa.types.is_decimal(schema.field(3).type), schema.field(3).type)
        self.assertEqual(schema.field(4).type, pa.date32())
        self.assertTrue(pa.types.is_timestamp(schema.field(5).type), schema.field(5).type)
        n = 0
        batches = 0
        for batch in reader:
            batches += 1
            self.assertLessEqual(batch.num_rows, 1000)
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for row in zip(*cols):
                n += 1
                got = tuple(as_naive_utc(v) for v in row)
                e = reference.event(n)
                expect = (e[0], e[1], e[2], e[3], e[4], e[5], e[6])
                if (got[0], got[1], decimal.Decimal(got[2]), got[3], got[4], got[5], got[6]) != expect:
                    self.fail("record %d: got %r, expected %r" % (n, got, expect))
        self.assertEqual(n, reference.EVENTS_RECORDS)
        self.assertEqual(batches, reference.EVENTS_RECORDS // 1000)

    def test_japanese_text(self):
        reader = read_arrow_batches_from_odbc(
            query='SELECT "$id", 氏名 FROM 日本語アプリ WHERE "$id" IN (2, 5, 11) ORDER BY "$id"',
            connection_string="DSN=%s" % DSN,
            batch_size=10,
        )
        rows = []
        for batch in reader:
            rows += list(zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()))
        self.assertEqual(rows, [(2, "佐藤 花子 🌸"), (5, None), (11, "吉田 真央 😀")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
