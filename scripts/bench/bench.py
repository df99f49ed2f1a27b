"""The body of scripts/bench.sh: the read benchmark of issue #15.

It starts the sandbox, runs each client as its own process (so its peak RSS is its
own, from wait4), and reads the sandbox's counters around every run:

- scan: `SELECT * FROM Events` through pyodbc (fetchall) and @kintone/rest-api-client
  (getAllRecordsWithCursor, getAllRecordsWithId), taking turns within each round, at
  50 ms and 0 ms of latency per response; P1 and P2 are the driver's median time over
  the best SDK method's. The driver also runs with a `Logfile` at `Verbosity=1`: the
  ratio of the two (issue #13, "logging costs nothing measurable when it is off") bounds
  what the per-request events cost when no subscriber takes them;
- P3: a pyodbc client streaming `SELECT *` (fetchmany) at two app sizes: its peak RSS,
  and the ratio of the two peaks;
- P6: `SELECT "$id" FROM Events WHERE "$id" IN (...)` at three list lengths, next to
  reading the whole app (`SELECT *`, the issue's reference) and every `$id` of it.

It prints numbers; it asserts nothing (CI never runs it).
"""

import argparse
import base64
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "odbc"))
from odbcenv import OdbcEnv, Sandbox  # noqa: E402

EVENTS_APP = 4
RECORD_APIS = ("records", "records/cursor", "record")


def admin(url, method, path):
    req = urllib.request.Request(url + path, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def serve_alone(url, app, page=500):
    """The sandbox alone: every record of `app` read by `$id` seek, one page after
    another over one connection. Only the requests are timed (sent, answered, the
    body read), not the search for a page's last `$id`. Returns (seconds, records)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    headers = {"X-Cybozu-Authorization": base64.b64encode(b"demo:demo").decode()}
    marker = b'"$id":{"type":"__ID__","value":"'
    seconds, last, records = 0.0, 0, 0
    try:
        while True:
            query = urllib.parse.quote("$id > %d order by $id asc limit %d" % (last, page))
            path = "/k/v1/records.json?app=%d&query=%s" % (app, query)
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            seconds += time.perf_counter() - started
            if resp.status != 200:
                raise RuntimeError("sandbox answered %d: %s" % (resp.status, body[:200]))
            n = body.count(marker)
            records += n
            if n < page:
                return seconds, records
            at = body.rindex(marker) + len(marker)
            last = int(body[at:body.index(b'"', at)])
    finally:
        conn.close()


def run_process(argv, env, timeout):
    """Runs a client to its end. Returns (its JSON line or None, peak RSS in MB, error)."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    out, err = [], []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((proc.stdout, out), (proc.stderr, err))]
    for t in readers:
        t.start()
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        # wait4 gives this child's own peak RSS, not the maximum over all children.
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    rss_mb = usage.ru_maxrss / 1024.0
    if timed_out:
        return None, rss_mb, "timeout after %ds" % timeout
    text = (out[0] or b"").decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not text:
        tail = (err[0] or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
        return None, rss_mb, "exit %s: %s" % (proc.returncode, " | ".join(tail))
    return json.loads(text[-1]), rss_mb, None


class Bench:
    def __init__(self, args):
        self.args = args
        self.node_env = dict(os.environ, SDK_DIR=args.sdk_dir)

    def measure(self, sandbox, argv, env, timeout):
        """One client run with the sandbox's request counters around it."""
        admin(sandbox.url, "POST", "/sandbox/stats/reset")
        admin(sandbox.url, "DELETE", "/sandbox/requests")
        started = time.perf_counter()
        result, rss, error = run_process(argv, env, timeout)
        wall = time.perf_counter() - started
        stats = admin(sandbox.url, "GET", "/sandbox/stats")
        log = admin(sandbox.url, "GET", "/sandbox/requests")["requests"]
        return {
            "result": result,
            "error": error,
            "process_seconds": wall,
            "rss_mb": rss,
            "requests": stats["total_requests"],
            "record_requests": sum(1 for e in log if e.get("api") in RECORD_APIS),
            "max_in_flight": stats["max_in_flight"],
        }

    def odbc(self, odbc_env, *mode):
        return [sys.executable, os.path.join(HERE, "odbc_read.py"), *map(str, mode)], odbc_env

    def sdk(self, sandbox, method):
        argv = ["node", os.path.join(HERE, "sdk_read.mjs"), sandbox.url, str(EVENTS_APP), method]
        return argv, self.node_env

    def scan(self, latency_ms):
        records = self.args.scan_records
        print("\n== scan: SELECT * FROM Events, %d records, latency %d ms, %d round(s)"
              % (records, latency_ms, self.args.rounds), flush=True)
        sandbox = Sandbox(self.args.sandbox, ["--large-records", str(records),
                                              "--latency-ms", str(latency_ms)])
        env = OdbcEnv(self.args.driver, sandbox.url)
        log_env = dict(env.env(), KODBC_EXTRA="Logfile=%s;Verbosity=1"
                       % os.path.join(env.dir, "bench.log"))
        cases = {
            "driver (pyodbc fetchall)": self.odbc(env.env(), "fetchall"),
            "driver, Logfile Verbosity=1": self.odbc(log_env, "fetchall"),
            "sdk getAllRecordsWithCursor": self.sdk(sandbox, "cursor"),
            "sdk getAllRecordsWithId": self.sdk(sandbox, "id"),
        }
        runs = {name: [] for name in cases}
        names = list(cases)
        alone = []
        try:
            for r in range(self.args.rounds):
                # Each round starts with the next client, so none always runs first.
                for name in names[r % len(names):] + names[:r % len(names)]:
                    argv, cenv = cases[name]
                    runs[name].append(self.measure(sandbox, argv, cenv, self.args.timeout))
                if latency_ms == 0:
                    alone.append(serve_alone(sandbox.url, EVENTS_APP))
        finally:
            sandbox.stop()
            env.cleanup()
        print("%-30s %9s %9s %9s %8s %9s %9s  %s" % (
            "case", "rows/s", "time s", "proc s", "requests", "in flight", "RSS MB", "rows"))
        medians = {}
        for name in names:
            ok = [m for m in runs[name] if m["result"]]
            if not ok:
                print("%-30s %s" % (name, runs[name][0]["error"]))
                continue
            t = statistics.median(m["result"]["seconds"] for m in ok)
            rows = ok[0]["result"]["rows"]
            medians[name] = t
            print("%-30s %9.0f %9.3f %9.3f %8s %9d %9.1f  %d%s" % (
                name, rows / t, t, statistics.median(m["process_seconds"] for m in ok),
                "%d/%d" % (ok[-1]["record_requests"], ok[-1]["requests"]),
                max(m["max_in_flight"] for m in ok), max(m["rss_mb"] for m in ok), rows,
                "" if rows == records else "  (expected %d)" % records))
        sdk_best = min((t for n, t in medians.items() if n.startswith("sdk")), default=None)
        driver = medians.get(names[0])
        logged = medians.get(names[1])
        if driver and logged:
            print("logging: Logfile at Verbosity=1 / no Logfile: %.2f (goal: about 1)"
                  % (logged / driver))
        if alone and driver and sdk_best:
            # P2 measures clients only if the server is much faster than both.
            t = statistics.median(s for s, _ in alone)
            print("sandbox alone (seek pages one after another, requests timed): %.3f s for"
                  " %d records; the driver takes %.1fx, the best SDK method %.1fx as long"
                  " (goal: at least 5x)" % (t, alone[0][1], driver / t, sdk_best / t))
        if sdk_best and driver:
            return driver / sdk_best
        return None

    def stream_rss(self):
        print("\n== P3: streaming SELECT * FROM Events (fetchmany %d), latency 0 ms" % 1000,
              flush=True)
        print("%-12s %9s %9s %12s %9s %9s  %s" % (
            "records", "rows/s", "time s", "first row s", "requests", "RSS MB", "rows"))
        peaks = {}
        for records in self.args.p3_records:
            sandbox = Sandbox(self.args.sandbox, ["--large-records", str(records)])
            env = OdbcEnv(self.args.driver, sandbox.url)
            try:
                argv, cenv = self.odbc(env.env(), "stream")
                m = self.measure(sandbox, argv, cenv, self.args.timeout * 4)
            finally:
                sandbox.stop()
                env.cleanup()
            res = m["result"]
            if not res:
                print("%-12d %s (peak RSS %.1f MB)" % (records, m["error"], m["rss_mb"]))
                continue
            peaks[records] = m["rss_mb"]
            print("%-12d %9.0f %9.3f %12.3f %9d %9.1f  %d" % (
                records, res["rows"] / res["seconds"], res["seconds"],
                res.get("first_row_seconds", float("nan")), m["requests"], m["rss_mb"],
                res["rows"]))
        small, large = self.args.p3_records
        if small in peaks and large in peaks:
            return peaks[large], peaks[large] / peaks[small]
        return None, None

    def in_lists(self):
        records = self.args.p6_records
        print('\n== P6: SELECT "$id" FROM Events WHERE "$id" IN (...), %d records, latency 0 ms'
              % records, flush=True)
        sandbox = Sandbox(self.args.sandbox, ["--large-records", str(records)])
        env = OdbcEnv(self.args.driver, sandbox.url)
        print("%-24s %9s %12s %9s %9s  %s" % (
            "values", "time s", "ms/1000 val", "requests", "in flight", "rows"))
        times = {}
        try:
            for n in self.args.p6_values:
                argv, cenv = self.odbc(env.env(), "in", n, records)
                m = self.measure(sandbox, argv, cenv, self.args.timeout)
                res = m["result"]
                if not res:
                    print("%-24d %s" % (n, m["error"]))
                    continue
                times[n] = res["seconds"]
                print("%-24d %9.3f %12.1f %9s %9d  %d%s" % (
                    n, res["seconds"], res["seconds"] / n * 1e6, "%d/%d" % (
                        m["record_requests"], m["requests"]), m["max_in_flight"], res["rows"],
                    "" if res["rows"] == res["expected"] else "  (expected %d)" % res["expected"]))
            # The reference is reading the whole app; reading only its `$id`s
            # is the stricter one (the same rows and columns as the lists).
            for mode, label, key in (("fetchall", "whole app (SELECT *)", "app"),
                                     ("ids", 'all ids (SELECT "$id")', "all")):
                argv, cenv = self.odbc(env.env(), mode)
                m = self.measure(sandbox, argv, cenv, self.args.timeout)
                res = m["result"]
                if not res:
                    print("%-24s %s" % (label, m["error"]))
                    continue
                print("%-24s %9.3f %12s %9s %9d  %d" % (
                    label, res["seconds"], "", "%d/%d" % (
                        m["record_requests"], m["requests"]), m["max_in_flight"], res["rows"]))
                times[key] = res["seconds"]
        finally:
            sandbox.stop()
            env.cleanup()
        return times


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            mem = "%.0f GB" % (int(fh.readline().split()[1]) / 1024 / 1024)
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d CPUs (%s), %s RAM, Python %s" % (
        platform.platform(), os.cpu_count() or 0, cpu, mem, platform.python_version())


def fmt(x, spec="%.2f"):
    return "n/a" if x is None else spec % x


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--driver", required=True)
    p.add_argument("--sandbox", required=True)
    p.add_argument("--sdk-dir", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--timeout", type=int, default=None, help="seconds per client run")
    a = p.parse_args()
    if a.quick:
        a.scan_records, a.rounds = 20000, 1
        a.p3_records = (20000, 100000)
        a.p6_records, a.p6_values = 25000, (500, 2000)
        a.timeout = a.timeout or 60
    else:
        a.scan_records, a.rounds = 20000, 3
        a.p3_records = (100000, 1000000)
        a.p6_records, a.p6_values = 25000, (500, 5000, 20000)
        a.timeout = a.timeout or 150

    print("kintone-odbc read benchmark (issue #15)%s" % (" --quick" if a.quick else ""))
    print("machine: %s" % machine())
    print("driver:  %s" % a.driver)
    print("sandbox: %s" % a.sandbox)
    print("columns: time = the client's own clock (connect + read); proc = process wall time;")
    print("         requests = record reads/all API requests; in flight = the sandbox's peak;")
    print("         RSS = the client process's peak resident memory (wait4)")
    b = Bench(a)
    p1 = b.scan(50)
    p2 = b.scan(0)
    p3_peak, p3_ratio = b.stream_rss()
    p6 = b.in_lists()

    print("\n== summary")
    print("P1 driver/best SDK at 50 ms: %s   (goal <= 0.25)" % fmt(p1))
    print("P2 driver/best SDK at 0 ms:  %s   (goal <= 0.6)" % fmt(p2))
    print("P3 peak RSS at %d records: %s MB (goal < 200); %d/%d ratio: %s (goal <= 1.3)" % (
        a.p3_records[1], fmt(p3_peak, "%.1f"), a.p3_records[1], a.p3_records[0], fmt(p3_ratio)))
    parts = ["N=%d: %s s" % (n, fmt(p6.get(n), "%.3f")) for n in a.p6_values]
    print("P6 IN lists: %s; the whole app (%d records): %s s, all its ids: %s s" % (
        ", ".join(parts), a.p6_records, fmt(p6.get("app"), "%.3f"),
        fmt(p6.get("all"), "%.3f")))


if __name__ == "__main__":
    main()
