"""The PEP 249 exception classes. Each error carries the SQLSTATE the engine gave it
(``sqlstate``, as the ODBC driver reports it) and, where Kintone refused a request,
Kintone's own error code (``kintone_code``, e.g. ``GAIA_RE01``)."""

import contextlib
import re

from . import _native

_KINTONE_CODE = re.compile(r"\(([A-Z][A-Z0-9]*_[A-Z]{2}\d{2})\)")
_SQLSTATE = re.compile(r"\[([0-9A-Z]{5})\]")


class Warning(Exception):  # noqa: A001 - the name PEP 249 gives it
    """Important warnings (PEP 249)."""


class Error(Exception):
    """Base of every error of this package (PEP 249).

    ``sqlstate``: the five-character SQLSTATE; ``kintone_code``: Kintone's error code
    when Kintone refused the request, else ``None``; ``message``: the text alone.
    """

    def __init__(self, message, sqlstate="HY000", kintone_code=None):
        super().__init__("[%s] %s" % (sqlstate, message))
        self.message = message
        self.sqlstate = sqlstate
        self.kintone_code = kintone_code


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


# By SQLSTATE, then by its class (first two characters); anything else is a DatabaseError.
_BY_STATE = {
    "HYC00": NotSupportedError,
    "IM001": NotSupportedError,
    "HY105": InterfaceError,
    "HY010": InterfaceError,
    "08003": InterfaceError,
    "07002": ProgrammingError,
    "HY024": ProgrammingError,
    "HY001": OperationalError,
    "HY008": OperationalError,
    "HYT00": OperationalError,
    "HYT01": OperationalError,
    "25006": OperationalError,
    "54001": ProgrammingError,
}
_BY_CLASS = {
    "08": OperationalError,
    "28": OperationalError,
    "42": ProgrammingError,
    "22": DataError,
    "23": IntegrityError,
    "HY": DatabaseError,
}


def error_for(sqlstate, message):
    """The exception for an SQLSTATE and message from the engine."""
    cls = _BY_STATE.get(sqlstate) or _BY_CLASS.get(sqlstate[:2], DatabaseError)
    code = _KINTONE_CODE.search(message)
    return cls(message, sqlstate, code.group(1) if code else None)


def from_native(e):
    sqlstate, message = e.args
    return error_for(sqlstate, message)


def from_arrow(e):
    """An error raised by pyarrow while it read our stream: the engine's text leads
    with its SQLSTATE in brackets."""
    text = str(e)
    m = _SQLSTATE.search(text)
    if not m:
        return None
    message = text[m.end():].strip()
    return error_for(m.group(1), message)


@contextlib.contextmanager
def translated():
    """Raises the engine's failures as the PEP 249 class of their SQLSTATE."""
    try:
        yield
    except _native.NativeError as e:
        raise from_native(e) from None
