"""PEP 249 type objects and constructors. ``Cursor.description``'s type code is the
Python class the column's values come as (``decimal.Decimal``, ``datetime.datetime``,
...); each type object compares equal to the codes of its family."""

import datetime
import decimal
import time

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks):
    return Date(*time.gmtime(ticks)[:3])


def TimeFromTicks(ticks):
    return Time(*time.gmtime(ticks)[3:6])


def TimestampFromTicks(ticks):
    return datetime.datetime.fromtimestamp(ticks, datetime.timezone.utc)


class DBAPITypeObject:
    def __init__(self, name, *codes):
        self.name = name
        self.codes = frozenset(codes)

    def __eq__(self, other):
        return other in self.codes

    def __ne__(self, other):
        return other not in self.codes

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "<DBAPITypeObject %s>" % self.name


STRING = DBAPITypeObject("STRING", str)
BINARY = DBAPITypeObject("BINARY", bytes)
NUMBER = DBAPITypeObject("NUMBER", int, float, decimal.Decimal, bool)
DATETIME = DBAPITypeObject("DATETIME", datetime.datetime, datetime.date, datetime.time)
# `$id`, the record number every app has, is a BIGINT.
ROWID = DBAPITypeObject("ROWID", int)

# The engine's kinds (python/src/values.rs) → the Python class of the values.
KIND_CLASS = {
    "null": type(None),
    "bool": bool,
    "int": int,
    "float": float,
    "decimal": decimal.Decimal,
    "date": datetime.date,
    "time": datetime.time,
    "datetime": datetime.datetime,
    "bytes": bytes,
    "str": str,
}
