"""Hermetic environment for the end-to-end suites: the sandbox, temporary ini files, env vars.

Every client in these suites finds the driver through ini files written to a fresh
temporary directory, never through /etc or the user's own files, and runs with a fresh
HOME so that ~/.odbc.ini cannot leak in.
"""

import os
import queue
import shutil
import subprocess
import tempfile
import threading

UNIXODBC = "/usr/lib/x86_64-linux-gnu/libodbc.so.2"
IODBC = "/usr/lib/x86_64-linux-gnu/libiodbc.so.2"

DSN_ANSI = "KintoneA"
DSN_WIDE = "KintoneW"
DRIVER_NAME = "Kintone ODBC Test"

SANDBOX_START_TIMEOUT = 30


def find_lib(name, fallback):
    """The driver manager library: the Debian path, else whatever ldconfig knows."""
    if os.path.exists(fallback):
        return fallback
    try:
        out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return fallback
    for line in out.splitlines():
        if line.strip().startswith(name + " ") and "=>" in line:
            return line.split("=>", 1)[1].strip()
    return fallback


class Sandbox:
    """A kintone-sandbox process on a free port; its URL is the first stdout line."""

    def __init__(self, binary, extra_args=()):
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()),
                         daemon=True).start()
        try:
            first = lines.get(timeout=SANDBOX_START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError("the sandbox printed no URL within %ds" % SANDBOX_START_TIMEOUT)
        self.url = first.strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("the sandbox's first line is not a URL: %r" % first)
        # Keep draining stdout so that the sandbox never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for _ in self.proc.stdout:
            pass

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class OdbcEnv:
    """Temporary odbcinst.ini/odbc.ini with an ANSI and a W DSN for one driver library."""

    def __init__(self, driver, url, dsn_extra=None, more_dsns=None):
        """dsn_extra: keys added to both DSNs; more_dsns: {NAME: {key: value}}, further
        DSNs on the same driver and sandbox (e.g. UseCodeForFieldName, GuestSpaceId)."""
        self.dir = tempfile.mkdtemp(prefix="kintone-odbc-e2e-")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)
        self.driver = driver
        self.url = url
        self.odbcinst = os.path.join(self.dir, "odbcinst.ini")
        self.odbcini = os.path.join(self.dir, "odbc.ini")
        extra = dsn_extra or {}
        more = more_dsns or {}
        with open(self.odbcinst, "w", encoding="utf-8") as fh:
            fh.write("[ODBC Drivers]\n%s = Installed\n\n" % DRIVER_NAME)
            fh.write("[%s]\nDriver = %s\nSetup = %s\nThreading = 0\n" % (DRIVER_NAME, driver, driver))
        with open(self.odbcini, "w", encoding="utf-8") as fh:
            fh.write("[ODBC Data Sources]\n")
            for dsn in (DSN_ANSI, DSN_WIDE, *more):
                fh.write("%s = %s\n" % (dsn, DRIVER_NAME))
            fh.write("\n")
            # The same driver behind both: which calls the client makes is the difference.
            dsns = [(DSN_ANSI, "ANSI client DSN", extra), (DSN_WIDE, "Unicode client DSN", extra)]
            dsns += [(name, "test DSN", {**extra, **keys}) for name, keys in more.items()]
            for dsn, desc, keys in dsns:
                fh.write("[%s]\nDriver = %s\nDescription = %s\nUrl = %s\nUser = demo\n"
                         "Password = demo\nAuthScheme = Password\n" % (dsn, DRIVER_NAME, desc, url))
                for k, v in keys.items():
                    fh.write("%s = %s\n" % (k, v))
                fh.write("\n")
        # pyodbc's wheel NEEDs libodbc.so.2: this directory makes that name resolve to iODBC.
        self.iodbc_shim = os.path.join(self.dir, "iodbc-as-libodbc")
        os.makedirs(self.iodbc_shim)
        os.symlink(find_lib("libiodbc.so.2", IODBC), os.path.join(self.iodbc_shim, "libodbc.so.2"))

    def env(self, dm="unixodbc"):
        """Environment for a child process using driver manager dm (unixodbc or iodbc)."""
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("ODBC", "SYSODBC", "LD_PRELOAD"))}
        e["HOME"] = self.home
        e["KODBC_URL"] = self.url
        e["KODBC_DRIVER"] = self.driver
        e["KODBC_DSN_ANSI"] = DSN_ANSI
        e["KODBC_DSN_WIDE"] = DSN_WIDE
        e["LANG"] = e["LC_ALL"] = "C.UTF-8"
        e["PYTHONIOENCODING"] = "utf-8"
        if dm == "unixodbc":
            # unixODBC: ODBCSYSINI is a directory, ODBCINSTINI a file name inside it,
            # ODBCINI a full path.
            e["ODBCSYSINI"] = self.dir
            e["ODBCINSTINI"] = "odbcinst.ini"
            e["ODBCINI"] = self.odbcini
        else:
            # iODBC: both are full paths; the SYS variants cover its system lookup.
            e["ODBCINSTINI"] = self.odbcinst
            e["ODBCINI"] = self.odbcini
            e["SYSODBCINSTINI"] = self.odbcinst
            e["SYSODBCINI"] = self.odbcini
            e["LD_LIBRARY_PATH"] = self.iodbc_shim + (
                ":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else "")
        return e

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
