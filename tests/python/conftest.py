"""Fixtures of the Python package's suite: sandboxes started from the binary in
KODBC_SANDBOX_BIN on 127.0.0.1 (tests/odbc/odbcenv.py), their request logs, and the
sandbox's REST answers in canonical text (tests/odbc/restref.py)."""

import datetime
import decimal
import json
import os
import sys
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "odbc"))
import odbcenv  # noqa: E402
import restref  # noqa: E402

# The sandbox's demo OAuth client and API tokens (tests/sandbox/docs/demo-data.md).
OAUTH_CLIENT = ("kintone-odbc-demo", "demo-client-secret-0123456789", "http://127.0.0.1/callback")
EVENTS_TOKEN = "EventsViewOnly00000000000000000000000000"
ADMIN_TIMEOUT = 30


class Server:
    """A sandbox of its own and what its admin endpoints tell."""

    def __init__(self, *args):
        binary = os.environ.get("KODBC_SANDBOX_BIN")
        if not binary or not os.path.exists(binary):
            raise RuntimeError("KODBC_SANDBOX_BIN must name the kintone-sandbox binary")
        self._proc = odbcenv.Sandbox(binary, args)
        self.url = self._proc.url

    def admin(self, path):
        with urllib.request.urlopen(self.url + path, timeout=ADMIN_TIMEOUT) as r:
            return json.loads(r.read())

    def mark(self):
        return self.admin("/sandbox/requests")["last_seq"]

    def requests(self, since):
        return self.admin("/sandbox/requests?since=%d" % since)["requests"]

    def record_reads(self, since):
        return [r for r in self.requests(since)
                if r.get("api") in ("records", "records/cursor")
                and r.get("effective_method") == "GET"]

    def conn_str(self, more=""):
        return "Url=%s;User=demo;Password=demo%s" % (self.url, more)

    def stop(self):
        self._proc.stop()


@pytest.fixture(scope="session")
def sandbox():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def ref(sandbox):
    return restref.build(sandbox.url)


def canonical(value):
    """A Python value in restref.py's canonical text, checking it has the documented
    type: aware datetimes in UTC, exact Decimals."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, decimal.Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, datetime.datetime):
        assert value.tzinfo is not None and value.utcoffset() == datetime.timedelta(0), value
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return value


# The Python class each canonical kind comes as (README: "Python").
KIND_CLASS = {
    "decimal": decimal.Decimal, "bigint": int, "timestamp": datetime.datetime,
    "date": datetime.date, "time": datetime.time, "text": str,
}


def consent(url, login="demo", password="demo"):
    """Signs in on the sandbox's consent page and allows; the code of the redirect."""
    parts = urllib.parse.urlsplit(url)
    form = urllib.parse.parse_qsl(parts.query) + [
        ("login", login), ("password", password), ("consent", "allow")]
    target = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    request = urllib.request.Request(target, data=urllib.parse.urlencode(form).encode())
    try:
        urllib.request.build_opener(Stop).open(request, timeout=ADMIN_TIMEOUT)
    except urllib.error.HTTPError as e:
        location = e.headers.get("Location", "")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        if e.code == 302 and "code" in query:
            return query["code"]
        raise
    raise AssertionError("the consent page did not redirect")
