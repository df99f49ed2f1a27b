#!/usr/bin/env python3
"""The OAuth stored procedures through pyodbc: CData's web flow from the seeds.

On a connection that has only its OAuth client (no token yet, as a web application
has before its user's first consent): GetOAuthAuthorizationURL (EXEC), the user's
consent (a form POST, as a browser sends it), GetOAuthAccessToken ({call} with bound
parameters), a connection with the access token, then RefreshOAuthAccessToken and a
connection with the refreshed token. The sandbox's request log shows which grants were
asked and that the token-less connection read nothing.

Environment: as test_pyodbc.py (set by suite.py).
"""

import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

import pyodbc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402
from test_pyodbc import DM, DRIVER, URL, connect  # noqa: E402

# The sandbox's demo OAuth client (tests/sandbox/src/demo.rs).
CLIENT_ID = "kintone-odbc-demo"
CLIENT_SECRET = "demo-client-secret-0123456789"
REDIRECT = "http://127.0.0.1/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def consent(url):
    """Signs in as demo and allows; returns the code of the redirect."""
    parts = urllib.parse.urlsplit(url)
    form = urllib.parse.parse_qsl(parts.query)
    form += [("login", "demo"), ("password", "demo"), ("consent", "allow")]
    post = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    req = urllib.request.Request(post, data=urllib.parse.urlencode(form).encode(), method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(req)
    except urllib.error.HTTPError as e:
        if e.code != 302:
            raise
        location = e.headers["Location"]
    else:
        raise AssertionError("consent did not redirect")
    assert location.startswith(REDIRECT), location
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]


def assert_state(test, exc, expected):
    """Checks a statement error's SQLSTATE.

    Under iODBC pyodbc 5 copies only the first three characters of a wide SQLSTATE (see
    connect_error in test_pyodbc.py), and it decodes cchMsg * 2 bytes of the UTF-32
    message strictly (errors.cpp GetErrorFromHandle): a message of odd length fails to
    decode, and pyodbc raises its own ('HY000', 'The driver did not supply an error!').
    The driver's record is there (tests/odbc/specs and driver/tests check it directly).
    """
    state = exc.args[0].replace("\x00", "")
    if DM == "iodbc":
        if exc.args == ("HY000", "The driver did not supply an error!"):
            return
        expected = expected[:3]
    test.assertEqual(state, expected)


def admin(path):
    with urllib.request.urlopen(URL + path, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def mark():
    return admin("/sandbox/requests")["last_seq"]


def requests_since(seq):
    """(method, path, grant_type) of each request after `seq`."""
    out = []
    for r in admin("/sandbox/requests?since=%d" % seq)["requests"]:
        params = r.get("params")
        grant = params.get("grant_type") if isinstance(params, dict) else None
        out.append((r["method"], r["path"], grant))
    return out


def count_events(token):
    cnx = connect("Driver=%s;Url=%s;AuthScheme=OAuth;InitiateOAuth=OFF;OAuthAccessToken=%s"
                  % (DRIVER, URL, token))
    try:
        return cnx.cursor().execute("SELECT COUNT(*) FROM Events").fetchone()[0]
    finally:
        cnx.close()


class ProceduresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        seq = mark()
        cls.log = os.path.join(tempfile.mkdtemp(prefix="kintone-proc-"), "driver.log")
        cls.cnx = connect("Driver=%s;Url=%s;AuthScheme=OAuth;OAuthClientId=%s;OAuthClientSecret=%s;"
                          "Logfile=%s;Verbosity=5" % (DRIVER, URL, CLIENT_ID, CLIENT_SECRET, cls.log))
        cls.connect_requests = requests_since(seq)

    @classmethod
    def tearDownClass(cls):
        cls.cnx.close()
        shutil.rmtree(os.path.dirname(cls.log), ignore_errors=True)

    def test_procedures_are_listed(self):
        cur = self.cnx.cursor()
        names = [r.procedure_name for r in cur.procedures().fetchall()]
        self.assertEqual(names, ["AddGuests", "AddGuestsToSpace", "AddThreadComment",
                                 "AppsDeployStatus", "CreateApp", "DeleteGuests", "DeployApps",
                                 "DownloadFile", "GetOAuthAccessToken",
                                 "GetOAuthAuthorizationURL", "RefreshOAuthAccessToken",
                                 "UpdateAssignees", "UpdateStatus", "UpdateThread",
                                 "UploadFile"])
        # pyodbc turns a Y/N answer into a bool.
        self.assertIs(self.cnx.getinfo(pyodbc.SQL_PROCEDURES), True)

    def test_a_tokenless_connection_reads_nothing(self):
        self.assertEqual(self.connect_requests, [])
        with self.assertRaises(pyodbc.Error) as ctx:
            self.cnx.cursor().execute("SELECT COUNT(*) FROM Events")
        assert_state(self, ctx.exception, "28000")
        # (Under iODBC pyodbc shows only the first half of a message.)
        self.assertIn("no OAuth access token", str(ctx.exception))

    def test_web_flow(self):
        cur = self.cnx.cursor()
        seq = mark()
        cur.execute("EXEC GetOAuthAuthorizationURL AuthMode='WEB', CallbackURL='%s', State='py-1'"
                    % REDIRECT)
        self.assertEqual(cur.description[0][0], "URL")
        url = cur.fetchone()[0]
        self.assertTrue(url.startswith(URL + "/oauth2/authorization?"), url)
        self.assertIn("state=py-1", url)
        code = consent(url)

        cur.execute("{call GetOAuthAccessToken(?, ?, ?)}", "WEB", code, REDIRECT)
        self.assertEqual([d[0] for d in cur.description],
                         ["OAuthAccessToken", "OAuthRefreshToken", "ExpiresIn"])
        access, refresh, expires = cur.fetchone()
        self.assertIsNone(cur.fetchone())
        self.assertTrue(access and refresh)
        self.assertGreater(expires, 0)
        self.assertEqual(count_events(access), reference.EVENTS_RECORDS)

        # The code was used: a second exchange is refused as an authorization error.
        with self.assertRaises(pyodbc.Error) as ctx:
            cur.execute("{call GetOAuthAccessToken(?, ?, ?)}", "WEB", code, REDIRECT)
        assert_state(self, ctx.exception, "28000")

        cur.execute("EXEC RefreshOAuthAccessToken OAuthRefreshToken = ?", refresh)
        new_access, same_refresh, _ = cur.fetchone()
        self.assertNotEqual(new_access, access)
        self.assertEqual(same_refresh, refresh)
        self.assertEqual(count_events(new_access), reference.EVENTS_RECORDS)

        # The procedures called the token endpoint and nothing else of Kintone; the
        # consent form is the browser's. The two connections with tokens read Events.
        calls = requests_since(seq)
        grants = [g for (m, p, g) in calls if p == "/oauth2/token"]
        self.assertEqual(grants, ["authorization_code", "authorization_code", "refresh_token"])
        k = [p for (_, p, _) in calls if p.startswith("/k/")]
        self.assertTrue(k, calls)

        # The log at Verbosity=5 saw every call and holds no secret, code or token.
        with open(self.log, encoding="utf-8") as fh:
            text = fh.read()
        self.assertIn("GetOAuthAccessToken", text)
        for secret in (CLIENT_SECRET, code, access, refresh, new_access):
            self.assertNotIn(secret, text)

    def test_unknown_procedure_is_named(self):
        with self.assertRaises(pyodbc.Error) as ctx:
            self.cnx.cursor().execute("EXEC NoSuchProcedure")
        self.assertIn("NoSuchProcedure", str(ctx.exception))


if __name__ == "__main__":
    print("driver manager: %s" % DM)
    unittest.main(verbosity=2)
