"""Kintone for Python without a driver manager: DB-API 2.0 (PEP 249), Arrow results and
a SQLAlchemy dialect (``kintone://``), over the same SQL engine as the ODBC driver.

    import kintone_odbc
    with kintone_odbc.connect("Url=https://example.cybozu.com;User=me;Password=...") as cnx:
        cur = cnx.cursor()
        cur.execute('SELECT "Company", "Revenue" FROM "Customers" WHERE "Revenue" > ?', [1000])
        rows = cur.fetchall()
"""

from . import _native
from .dbapi import Connection, Cursor, connect
from .exceptions import (DatabaseError, DataError, Error, IntegrityError,
                         InterfaceError, InternalError, NotSupportedError,
                         OperationalError, ProgrammingError, Warning)
from .types import (BINARY, DATETIME, NUMBER, ROWID, STRING, Binary, Date,
                    DateFromTicks, Time, TimeFromTicks, Timestamp,
                    TimestampFromTicks)

apilevel = "2.0"
# Threads may share the module and connections, one thread at a time per cursor.
threadsafety = 1
paramstyle = "qmark"
__version__ = _native.__version__

__all__ = [
    "connect", "Connection", "Cursor", "apilevel", "threadsafety", "paramstyle",
    "Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
    "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
    "NotSupportedError", "Date", "Time", "Timestamp", "DateFromTicks", "TimeFromTicks",
    "TimestampFromTicks", "Binary", "STRING", "BINARY", "NUMBER", "DATETIME", "ROWID",
]
