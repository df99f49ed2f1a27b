"""DB-API 2.0 (PEP 249) connections and cursors over the native engine."""

import warnings

from . import _native
from .exceptions import (Error, InterfaceError, NotSupportedError, from_arrow,
                         translated)
from .types import KIND_CLASS

# Rows asked of the engine at a time while iterating: a page of Kintone's is 500.
_ITER_CHUNK = 1000


def _property_name(keyword):
    """``api_token`` → ``apitoken``: property names are matched without case, and
    keyword arguments may spell them in snake_case."""
    return keyword.replace("_", "")


def connect(connection_string=None, **properties):
    """Opens a connection.

    ``connection_string`` takes the properties the ODBC driver takes
    (``"Url=https://example.cybozu.com;User=...;Password=..."``); keyword arguments
    take the same properties (``url=...``, ``api_token=...``, ``GuestSpaceId=2``) and
    win over the string's. Values are checked as the driver checks them.
    """
    if connection_string is not None and not isinstance(connection_string, str):
        raise InterfaceError("the connection string must be a str", "HY024")
    pairs = [(_property_name(k), "" if v is None else str(v)) for k, v in properties.items()]
    with translated():
        native = _native.connect(connection_string, pairs)
    if native.ignored_note:
        warnings.warn(native.ignored_note, stacklevel=2)
    return Connection(native)


class Connection:
    """An open connection. Kintone has no transactions: each write is committed as it
    runs, so ``commit()`` has nothing to do and ``rollback()`` after a write says so."""

    # Exceptions as connection attributes (PEP 249's optional extension).
    from .exceptions import (DatabaseError, DataError, Error, IntegrityError,  # noqa: E402
                             InterfaceError, InternalError, NotSupportedError,
                             OperationalError, ProgrammingError, Warning)

    def __init__(self, native):
        self._native = native
        self._written = 0
        self.autocommit = True

    def __repr__(self):
        state = "closed" if self._native.closed else "open"
        return "<kintone_odbc.Connection %s %s>" % (state, self._native.masked)

    @property
    def closed(self):
        return self._native.closed

    def close(self):
        self._native.close()

    def commit(self):
        self._check_open()
        self._written = 0

    def rollback(self):
        self._check_open()
        if self._written:
            n, self._written = self._written, 0
            raise NotSupportedError(
                "Kintone has no transactions: the %d row(s) written since the last commit "
                "stay written" % n, "HYC00")

    def cursor(self):
        self._check_open()
        return Cursor(self)

    def execute(self, operation, parameters=None):
        """A cursor that has run ``operation`` (a shortcut many drivers offer)."""
        return self.cursor().execute(operation, parameters)

    def refresh(self):
        """Reads the list of apps again (after apps or fields changed in Kintone)."""
        with translated():
            self._native.refresh()

    def _check_open(self):
        if self._native.closed:
            raise InterfaceError("the connection is closed", "08003")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _params(parameters):
    if parameters is None:
        return []
    if isinstance(parameters, dict):
        raise NotSupportedError(
            "parameters are positional (paramstyle 'qmark'): give a sequence", "HYC00")
    if isinstance(parameters, (str, bytes)):
        raise InterfaceError("parameters must be a sequence, not a single value", "HY105")
    return list(parameters)


class Cursor:
    """A cursor: rows are read from Kintone as they are fetched, a page at a time."""

    def __init__(self, connection):
        self.connection = connection
        self.arraysize = 1
        self._result = None
        self._description = None
        self._rowcount = -1
        self._fetched = 0
        self._done = False
        self.lastrowid = None
        self._closed = False

    def __repr__(self):
        return "<kintone_odbc.Cursor %s>" % ("closed" if self._closed else "open")

    # --- PEP 249 attributes ---
    @property
    def description(self):
        return self._description

    @property
    def rowcount(self):
        """Rows a write changed; for a query -1 until every row was fetched, then the
        number of rows."""
        return self._rowcount

    # --- running statements ---
    def execute(self, operation, parameters=None):
        self._start()
        with translated():
            result = self.connection._native.execute(operation, _params(parameters))
        return self._took(result)

    def executemany(self, operation, seq_of_parameters):
        """Runs ``operation`` once per parameter set; an INSERT, UPDATE or DELETE sends
        them together (Kintone's bulk requests), which is much faster than a loop."""
        self._start()
        sets = [_params(p) for p in seq_of_parameters]
        with translated():
            result = self.connection._native.executemany(operation, sets)
        return self._took(result)

    def callproc(self, procname, parameters=()):
        """Calls a stored procedure (README: "Stored procedures"); its result is the
        cursor's rows. Returns the parameters unchanged (there are no output ones)."""
        params = list(parameters)
        marks = ", ".join("?" for _ in params)
        self.execute("{call %s(%s)}" % (procname, marks), params)
        return params

    def _start(self):
        if self._closed:
            raise InterfaceError("the cursor is closed", "HY010")
        self.connection._check_open()
        self._release()
        self._description = None
        self._rowcount = -1
        self._fetched = 0
        self._done = False
        self.lastrowid = None

    def _took(self, result):
        self._result = result
        columns = result.columns
        if result.rowcount >= 0:
            self._rowcount = result.rowcount
            self.lastrowid = result.lastrowid
            self.connection._written += result.rowcount
            self._done = True
        if columns:
            self._description = [
                (name, KIND_CLASS.get(kind, str), None, None, precision, scale, nullable)
                for name, kind, precision, scale, nullable in columns
            ]
        return self

    # --- fetching ---
    def _rows(self, n):
        if self._result is None:
            raise Error("no statement has been executed", "HY010")
        if self._done:
            return []
        with translated():
            rows = self._result.fetch(n)
        self._fetched += len(rows)
        if n is None or len(rows) < n:
            self._done = True
            if self._description is not None:
                self._rowcount = self._fetched
        return rows

    def fetchone(self):
        rows = self._rows(1)
        return rows[0] if rows else None

    def fetchmany(self, size=None):
        return self._rows(self.arraysize if size is None else size)

    def fetchall(self):
        return self._rows(None)

    def __iter__(self):
        while True:
            rows = self._rows(_ITER_CHUNK)
            yield from rows
            if len(rows) < _ITER_CHUNK:
                return

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    # --- Arrow ---
    def fetch_record_batches(self):
        """The rows not fetched yet as a ``pyarrow.RecordBatchReader``: one batch per
        Kintone page, read as the reader is iterated, with no Python object per value."""
        import pyarrow as pa
        if self._result is None:
            raise Error("no statement has been executed", "HY010")
        self._done = True
        return _Reader(pa.RecordBatchReader.from_stream(self._result))

    def fetch_arrow_table(self):
        """The rows not fetched yet as one ``pyarrow.Table``."""
        return self.fetch_record_batches().read_all()

    def fetch_pandas(self):
        """The rows not fetched yet as a pandas DataFrame (through Arrow)."""
        return self.fetch_arrow_table().to_pandas()

    def fetch_polars(self):
        """The rows not fetched yet as a polars DataFrame (through Arrow)."""
        import polars as pl
        return pl.from_arrow(self.fetch_arrow_table())

    # --- PEP 249 no-ops and closing ---
    def setinputsizes(self, sizes):
        pass

    def setoutputsize(self, size, column=None):
        pass

    def nextset(self):
        return None

    def _release(self):
        if self._result is not None:
            self._result.close()
            self._result = None

    def close(self):
        self._release()
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Reader:
    """A RecordBatchReader whose read errors are this package's exception classes."""

    def __init__(self, reader):
        self._reader = reader

    @property
    def schema(self):
        return self._reader.schema

    def _call(self, f):
        import pyarrow as pa
        try:
            return f()
        except pa.ArrowException as e:
            mapped = from_arrow(e)
            if mapped is None:
                raise
            raise mapped from None

    def read_all(self):
        return self._call(self._reader.read_all)

    def read_next_batch(self):
        return self._call(self._reader.read_next_batch)

    def read_pandas(self, **options):
        return self.read_all().to_pandas(**options)

    def __iter__(self):
        while True:
            try:
                yield self.read_next_batch()
            except StopIteration:
                return

    def __arrow_c_stream__(self, requested_schema=None):
        return self._reader.__arrow_c_stream__(requested_schema)

    def close(self):
        self._reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
