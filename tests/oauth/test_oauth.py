#!/usr/bin/env python3
"""OAuth through the driver, as a user meets it: pyodbc under unixODBC against the sandbox.

Each connect runs in a child process (child.py) with its own HOME, $BROWSER and DISPLAY,
because those are what the flows read. $BROWSER is fake_browser.py (or, in
test_selenium_chromium, a real headless Chromium). Every test checks the rows and the
sandbox's request log (which OAuth requests were made).

Run by tests/oauth/run.sh with KODBC_DRIVER and KODBC_SANDBOX set.
"""

import base64
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "odbc"))
from odbcenv import Sandbox  # noqa: E402

DRIVER = os.environ["KODBC_DRIVER"]
SANDBOX = os.environ["KODBC_SANDBOX"]
CLI = os.environ["KODBC_CLI"]
CLIENT_ID, CLIENT_SECRET = "desktop-app", "desktop-secret-0123"
OTHER_ID, OTHER_SECRET = "other-app", "other-secret-4567"
WEB_ID, WEB_SECRET, WEB_REDIRECT = "kintone-odbc-demo", "demo-client-secret-0123456789", \
    "http://127.0.0.1/callback"
CHILD_TIMEOUT = 180


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OAuthCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.callback = "http://127.0.0.1:%d/" % cls.port
        cls.sb = Sandbox(SANDBOX, ["--oauth-client", "%s:%s:%s" % (CLIENT_ID, CLIENT_SECRET, cls.callback),
                                   "--oauth-client", "%s:%s:%s" % (OTHER_ID, OTHER_SECRET, cls.callback)])
        cls.url = cls.sb.url

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kintone-oauth-")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)
        self.settings = os.path.join(self.dir, "OAuthSettings.txt")
        self.browser_log = os.path.join(self.dir, "browser.jsonl")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the sandbox ---------------------------------------------------------------

    def admin(self, path, body=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def mark(self):
        return self.admin("/sandbox/requests")["last_seq"]

    def requests(self, since):
        return self.admin("/sandbox/requests?since=%d" % since)["requests"]

    def oauth_requests(self, since):
        return [(r["method"], r["path"], r["params"].get("grant_type") if isinstance(r["params"], dict) else None)
                for r in self.requests(since) if r["path"].startswith("/oauth2/")]

    def grants(self, since):
        return [g for (_, p, g) in self.oauth_requests(since) if p == "/oauth2/token"]

    def advance_clock(self, secs):
        self.admin("/sandbox/clock", {"advance_secs": secs})

    def consent(self, client_id=CLIENT_ID, redirect=None, state="s1"):
        """Signs in and allows, like a person on another machine; returns the code."""
        redirect = redirect or self.callback
        q = urllib.parse.urlencode({"client_id": client_id, "redirect_uri": redirect, "state": state,
                                    "response_type": "code", "scope": "k:app_record:read k:app_settings:read",
                                    "login": "demo", "password": "demo", "consent": "allow"})

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(urllib.request.Request(self.url + "/oauth2/authorization", data=q.encode()), timeout=10)
        except urllib.error.HTTPError as e:
            loc = e.headers["Location"]
            return urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)["code"][0]
        self.fail("no redirect from the consent page")

    def token_exchange(self, code, client_id=CLIENT_ID, secret=CLIENT_SECRET, redirect=None):
        """The web application's own exchange (to know a real token in a test)."""
        body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": redirect or self.callback}).encode()
        auth = base64.b64encode(("%s:%s" % (client_id, secret)).encode()).decode()
        req = urllib.request.Request(self.url + "/oauth2/token", data=body,
                                     headers={"Authorization": "Basic " + auth,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    # --- the client ----------------------------------------------------------------

    def conn(self, **props):
        base = {"Driver": DRIVER, "Url": self.url, "AuthScheme": "OAuth",
                "OAuthClientId": CLIENT_ID, "OAuthClientSecret": CLIENT_SECRET,
                "CallbackURL": self.callback, "OAuthSettingsLocation": self.settings}
        base.update(props)
        return ";".join("%s=%s" % (k, v) for k, v in base.items() if v is not None)

    def env(self, browser="fake", home=None, **extra):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("ODBC", "DISPLAY", "WAYLAND", "BROWSER", "FAKE_BROWSER", "XDG_"))}
        e["HOME"] = home or self.home
        e["FAKE_BROWSER_LOG"] = self.browser_log
        if browser == "fake":
            e["BROWSER"] = "%s %s" % (sys.executable, os.path.join(HERE, "fake_browser.py"))
        elif browser:
            e["BROWSER"] = browser
        e.update(extra)
        return e

    def run_child(self, conn, sql=(), env=None, login_timeout=0, **job):
        job.update({"conn": conn, "sql": list(sql), "login_timeout": login_timeout, "sandbox": self.url})
        out = subprocess.run([sys.executable, os.path.join(HERE, "child.py"), json.dumps(job)],
                             env=env or self.env(), capture_output=True, text=True, timeout=CHILD_TIMEOUT)
        lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
        self.assertTrue(lines, "child printed nothing; stderr: %s" % out.stderr[-2000:])
        return json.loads(lines[-1])

    def ok(self, result):
        self.assertTrue(result["ok"], result)
        return result["results"]

    def err(self, result, state=None):
        self.assertFalse(result["ok"], result)
        if state:
            self.assertIn(state, result["state"] + result["message"], result)
        return result["message"]

    def browser_runs(self, expect=None):
        """The browser's reports. The driver goes on as soon as it has answered the
        callback, so the browser may still be writing: wait (bounded) for `expect`."""
        deadline = time.time() + 30
        while True:
            runs = []
            if os.path.exists(self.browser_log):
                with open(self.browser_log, encoding="utf-8") as fh:
                    runs = [json.loads(l) for l in fh if l.strip().endswith("}")]
            if expect is None or len(runs) >= expect or time.time() > deadline:
                return runs
            time.sleep(0.05)

    def assert_sealed(self, path, *clear):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        self.assertTrue(text.startswith("kintone-odbc OAuth settings v1\n"), text[:80])
        for word in ("access_token", "refresh_token", CLIENT_SECRET) + clear:
            self.assertNotIn(word, text)
        blob = base64.b64decode(text.split("data:", 1)[1].strip())
        # Sealed: nothing of the JSON inside shows through.
        for word in (b"access_token", b"client_id", self.url.encode()):
            self.assertNotIn(word, blob)

    COUNT = 'SELECT COUNT(*) FROM Events'
    ALL_IDS = 'SELECT "$id" FROM Events'


class DesktopFlow(OAuthCase):
    def test_sign_in_then_stored_tokens_then_refresh_after_expiry(self):
        m0 = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT]))
        self.assertEqual(rows[0], [[25000]])
        runs = self.browser_runs(expect=1)
        self.assertEqual(len(runs), 1, runs)
        self.assertEqual(runs[0]["callback_status"], 200)
        self.assertIn("signed in", runs[0]["callback_page"])
        self.assertIn("close this window", runs[0]["callback_page"])
        oauth = self.oauth_requests(m0)
        self.assertEqual([p for (_, p, _) in oauth],
                         ["/oauth2/authorization", "/oauth2/authorization", "/oauth2/token"], oauth)
        self.assertEqual(self.grants(m0), ["authorization_code"])
        self.assert_sealed(self.settings)

        # The stored tokens: no browser, no token request.
        m1 = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.COUNT], env=self.env(browser=None)))
        self.assertEqual(rows[0], [[25000]])
        self.assertEqual(len(self.browser_runs()), 1)
        self.assertEqual(self.oauth_requests(m1), [])

        # Past the expiry (sandbox clock): one refresh, no browser, every row once.
        self.advance_clock(3700)
        m2 = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.ALL_IDS], env=self.env(browser=None)))
        ids = [r[0] for r in rows[0]]
        self.assertEqual(len(ids), 25000)
        self.assertEqual(len(set(ids)), 25000)
        self.assertEqual(self.grants(m2), ["refresh_token"])
        self.assertEqual(len(self.browser_runs()), 1)
        self.assert_sealed(self.settings)

    def test_token_expiring_in_the_middle_of_a_read(self):
        self.ok(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT]))
        m = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.ALL_IDS],
                                      env=self.env(browser=None), advance_after=5000, advance_secs=3700))
        ids = [r[0] for r in rows[0]]
        self.assertEqual(len(ids), 25000)
        self.assertEqual(len(set(ids)), 25000)
        self.assertEqual(self.grants(m), ["refresh_token"])
        # The requests in flight when the token expired each meet a 401 (a parallel scan
        # keeps up to the budget's 8 in flight); the one refresh above serves them all,
        # and every 401 is followed by the retries that read the rest.
        statuses = [r["status"] for r in self.requests(m) if r["path"].startswith("/k/")]
        self.assertTrue(1 <= statuses.count(401) <= 8, statuses)
        last_401 = len(statuses) - 1 - statuses[::-1].index(401)
        self.assertTrue(all(st == 200 for st in statuses[last_401 + 1:]), statuses)

    def test_stray_requests_do_not_break_or_hijack_the_sign_in(self):
        m = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT],
                                      env=self.env(FAKE_BROWSER_MODE="stray")))
        self.assertEqual(rows[0], [[25000]])
        run = self.browser_runs(expect=1)[0]
        self.assertEqual(run["stray"], [404, 400])
        self.assertIn("signed in", run["callback_page"])
        # The forged code was never sent to the token endpoint.
        self.assertEqual(self.grants(m), ["authorization_code"])

    def test_denied_consent(self):
        t = time.time()
        msg = self.err(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT],
                                      env=self.env(FAKE_BROWSER_CONSENT="deny")), "28000")
        self.assertIn("access_denied", msg)
        self.assertLess(time.time() - t, 30)
        self.assertIn("did not grant access", self.browser_runs(expect=1)[0]["callback_page"])
        self.assertFalse(os.path.exists(self.settings))

    def test_no_answer_from_the_browser_times_out(self):
        t = time.time()
        msg = self.err(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT],
                                      env=self.env(FAKE_BROWSER_MODE="none"), login_timeout=3), "HYT00")
        self.assertGreater(time.time() - t, 2.5)
        self.assertLess(time.time() - t, 20)
        self.assertIn("within 3s", msg)
        self.assertIn("OAuthVerifier", msg)

    def test_no_browser_fails_at_once_naming_the_headless_options(self):
        t = time.time()
        msg = self.err(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT],
                                      env=self.env(browser=None)), "08001")
        self.assertLess(time.time() - t, 10)
        for word in ("OAuthVerifier", "OAuthSettingsLocation", "kintone-odbc oauth login"):
            self.assertIn(word, msg)

    def test_callback_port_in_use_is_named(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", self.port))
            s.listen(1)
            msg = self.err(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT]), "08001")
        self.assertIn(str(self.port), msg)


class Headless(OAuthCase):
    def test_option_1_verifier(self):
        code = self.consent()
        m = self.mark()
        conn = self.conn(InitiateOAuth="REFRESH", OAuthVerifier=code)
        rows = self.ok(self.run_child(conn, [self.COUNT], env=self.env(browser=None)))
        self.assertEqual(rows[0], [[25000]])
        self.assertEqual(self.grants(m), ["authorization_code"])
        self.assert_sealed(self.settings, code)
        # The DSN still names the (single-use) verifier: its stored tokens are used.
        m = self.mark()
        rows = self.ok(self.run_child(conn, [self.COUNT], env=self.env(browser=None)))
        self.assertEqual(rows[0], [[25000]])
        self.assertEqual(self.grants(m), [])

    def test_option_2_settings_file_copied_to_another_home(self):
        home_a = os.path.join(self.dir, "machine-a")
        home_b = os.path.join(self.dir, "machine-b")
        os.makedirs(home_a)
        os.makedirs(home_b)
        # The default location: a per-user file.
        conn = self.conn(InitiateOAuth="GETANDREFRESH", OAuthSettingsLocation=None)
        self.ok(self.run_child(conn, [self.COUNT], env=self.env(home=home_a)))
        made = os.path.join(home_a, ".config", "kintone-odbc", "OAuthSettings.txt")
        self.assertTrue(os.path.exists(made))
        self.assert_sealed(made)
        dest = os.path.join(home_b, ".config", "kintone-odbc")
        os.makedirs(dest)
        shutil.copy(made, dest)
        m = self.mark()
        conn = self.conn(InitiateOAuth="REFRESH", OAuthSettingsLocation=None)
        rows = self.ok(self.run_child(conn, [self.COUNT], env=self.env(browser=None, home=home_b)))
        self.assertEqual(rows[0], [[25000]])
        self.assertEqual(self.oauth_requests(m), [])
        self.assertEqual(len(self.browser_runs(expect=1)), 1)

    def test_refresh_without_any_token_says_how_to_sign_in(self):
        msg = self.err(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.COUNT],
                                      env=self.env(browser=None)), "08001")
        self.assertIn("GETANDREFRESH", msg)
        self.assertEqual(self.browser_runs(), [])


class Failures(OAuthCase):
    def test_bad_client_secret(self):
        code = self.consent()
        msg = self.err(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthVerifier=code,
                                                OAuthClientSecret="wrong-secret"),
                                      [self.COUNT], env=self.env(browser=None)), "28000")
        self.assertIn("invalid_client", msg)
        self.assertNotIn("wrong-secret", msg)

    def test_revoked_refresh_token(self):
        msg = self.err(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthRefreshToken="not-a-real-token"),
                                      [self.COUNT], env=self.env(browser=None)), "28000")
        self.assertIn("invalid_grant", msg)
        self.assertNotIn("not-a-real-token", msg)

    def test_damaged_settings_file(self):
        with open(self.settings, "w") as fh:
            fh.write("kintone-odbc OAuth settings v1\nclient: 0000\ndata: ###\n")
        for initiate in ("REFRESH", "GETANDREFRESH"):
            msg = self.err(self.run_child(self.conn(InitiateOAuth=initiate), [self.COUNT]), "08001")
            self.assertIn(self.settings, msg)
        # Never a silent new sign-in over it.
        self.assertEqual(self.browser_runs(), [])
        with open(self.settings, "w") as fh:
            fh.write("\x00garbage")
        msg = self.err(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.COUNT]), "08001")
        self.assertIn("damaged", msg)

    def test_settings_file_of_another_client_or_secret(self):
        self.ok(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT]))
        msg = self.err(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthClientId=OTHER_ID,
                                                OAuthClientSecret=OTHER_SECRET), [self.COUNT]), "08001")
        self.assertIn("another OAuth client", msg)
        msg = self.err(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthClientSecret="rotated"),
                                      [self.COUNT]), "08001")
        self.assertIn("cannot be decrypted", msg)
        self.assertEqual(len(self.browser_runs(expect=1)), 1)


class Concurrency(OAuthCase):
    def test_eight_connections_refresh_at_once(self):
        self.ok(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT]))
        self.advance_clock(3700)
        m = self.mark()
        go = os.path.join(self.dir, "go")
        procs = []
        for i, n in enumerate((6, 1, 1)):
            job = {"conn": self.conn(InitiateOAuth="REFRESH"), "sql": [self.COUNT], "connections": n,
                   "ready_file": os.path.join(self.dir, "ready%d" % i), "go_file": go}
            procs.append(subprocess.Popen([sys.executable, os.path.join(HERE, "child.py"), json.dumps(job)],
                                          env=self.env(browser=None), stdout=subprocess.PIPE, text=True))
        deadline = time.time() + 60
        while time.time() < deadline and not all(
                os.path.exists(os.path.join(self.dir, "ready%d" % i)) for i in range(3)):
            time.sleep(0.05)
        open(go, "w").close()
        results = []
        for p in procs:
            out, _ = p.communicate(timeout=CHILD_TIMEOUT)
            results.append(json.loads(out.strip().splitlines()[-1]))
        counts = [rows for r in results for rows in self.ok(r)]
        self.assertEqual(counts, [[[25000]]] * 8)
        grants = self.grants(m)
        self.assertTrue(grants and set(grants) == {"refresh_token"}, grants)
        self.assertLessEqual(len(grants), 8)
        self.assert_sealed(self.settings)
        # The file the racing writers left is valid.
        m = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.COUNT], env=self.env(browser=None)))
        self.assertEqual(rows[0], [[25000]])
        self.assertEqual(self.grants(m), [])


class Logs(OAuthCase):
    def test_no_token_code_or_secret_in_log_or_diagnostics(self):
        code = self.consent()
        tokens = self.token_exchange(self.consent())
        logfile = os.path.join(self.dir, "driver.log")
        secrets = [CLIENT_SECRET, code, tokens["access_token"], tokens["refresh_token"]]
        # A verifier exchange, then given tokens refreshed after expiry, at Verbosity=5.
        self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthVerifier=code, Logfile=logfile,
                                         Verbosity=5), [self.COUNT], env=self.env(browser=None)))
        other = os.path.join(self.dir, "given.txt")
        self.advance_clock(3700)
        self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthAccessToken=tokens["access_token"],
                                         OAuthRefreshToken=tokens["refresh_token"],
                                         OAuthSettingsLocation=other, Logfile=logfile, Verbosity=5),
                               [self.COUNT], env=self.env(browser=None)))
        # And failures, whose messages must not echo what they were given.
        msgs = [self.err(self.run_child(self.conn(InitiateOAuth="REFRESH", OAuthVerifier=code,
                                                  OAuthSettingsLocation=os.path.join(self.dir, "x.txt"),
                                                  Logfile=logfile, Verbosity=5),
                                        [self.COUNT], env=self.env(browser=None)))]
        with open(logfile, encoding="utf-8") as fh:
            log = fh.read()
        self.assertIn("refresh", log.lower())
        for s in secrets:
            self.assertNotIn(s, log)
            for m in msgs:
                self.assertNotIn(s, m)
        for f in (self.settings, other):
            self.assert_sealed(f, *secrets)


class Cli(OAuthCase):
    def cli_conn(self):
        return ";".join("%s=%s" % kv for kv in (
            ("Url", self.url), ("AuthScheme", "OAuth"), ("OAuthClientId", CLIENT_ID),
            ("OAuthClientSecret", CLIENT_SECRET), ("CallbackURL", self.callback),
            ("OAuthSettingsLocation", self.settings)))

    def cli(self, *args, env=None, stdin=None):
        out = subprocess.run([CLI, "oauth", *args, "--connect", self.cli_conn()], env=env or self.env(),
                             input=stdin, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
        return out.returncode, out.stdout + out.stderr

    def test_login_status_logout_with_a_browser(self):
        m = self.mark()
        code, out = self.cli("login")
        self.assertEqual(code, 0, out)
        self.assertIn("Signed in", out)
        self.assertIn("refresh token: stored", out)
        self.assertEqual(self.grants(m), ["authorization_code"])
        self.assert_sealed(self.settings)
        code, out = self.cli("status", env=self.env(browser=None))
        self.assertEqual(code, 0, out)
        self.assertIn("domain:        " + self.url, out)
        self.assertIn("k:app_record:read", out)
        self.assertRegex(out, r"access token:  expires \d{4}-")
        # The driver uses what the command stored, without a browser.
        m = self.mark()
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="REFRESH"), [self.COUNT], env=self.env(browser=None)))
        self.assertEqual(rows[0], [[25000]])
        self.assertEqual(self.oauth_requests(m), [])
        code, out = self.cli("logout")
        self.assertEqual(code, 0, out)
        self.assertIn("deleted", out)
        self.assertFalse(os.path.exists(self.settings))
        code, out = self.cli("status")
        self.assertIn("Not signed in", out)

    def test_headless_login_takes_the_pasted_redirect(self):
        proc = subprocess.Popen([CLI, "oauth", "login", "--connect", self.cli_conn()], env=self.env(browser=None),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        url = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = proc.stdout.readline()
            if line.strip().startswith("http"):
                url = line.strip()
                break
        self.assertIsNotNone(url, "no address printed")
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(q["redirect_uri"], self.callback)
        q.update({"login": "demo", "password": "demo", "consent": "allow"})

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        try:
            urllib.request.build_opener(NoRedirect).open(
                urllib.request.Request(self.url + "/oauth2/authorization", data=urllib.parse.urlencode(q).encode()),
                timeout=10)
            self.fail("no redirect")
        except urllib.error.HTTPError as e:
            location = e.headers["Location"]
        out, _ = proc.communicate(location + "\n", timeout=60)
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("Signed in", out)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
        self.assertNotIn(code, out)
        self.assert_sealed(self.settings, code)


class Selenium(OAuthCase):
    def test_selenium_chromium(self):
        if os.environ.get("KODBC_SKIP_BROWSER") == "1":
            self.skipTest("KODBC_SKIP_BROWSER=1")
        browser = "%s %s" % (sys.executable, os.path.join(HERE, "selenium_browser.py"))
        rows = self.ok(self.run_child(self.conn(InitiateOAuth="GETANDREFRESH"), [self.COUNT],
                                      env=self.env(browser=browser), login_timeout=90))
        self.assertEqual(rows[0], [[25000]])
        runs = self.browser_runs(expect=1)
        self.assertEqual(len(runs), 1, runs)
        self.assertEqual(runs[0]["browser"], "chromium")
        self.assertIn("signed in", runs[0]["callback_text"])
        self.assertTrue(runs[0]["final_url"].startswith(self.callback), runs[0]["final_url"])
        self.assert_sealed(self.settings)


if __name__ == "__main__":
    unittest.main(verbosity=2)
