#!/usr/bin/env python3
"""One client process of tests/oauth: connects through the driver and runs statements.

argv[1] is a JSON job: {"conn": str, "login_timeout": int, "connections": int,
"sql": [str], "advance_after": int, "sandbox": url, "advance_secs": int,
"ready_file": path, "go_file": path}. Prints one JSON line: {"ok": true, "results":
[[per connection: rows of the last statement]]} or {"ok": false, "state", "message"}.

- connections > 1: all connect first, then each runs the statements in its own thread.
- ready_file/go_file: after connecting, create ready_file and wait (bounded) for go_file,
  so that several processes query at the same moment.
- advance_after: after fetching this many rows of the last statement (connection 0),
  move the sandbox clock by advance_secs, so the token expires in the middle of a read.
"""

import json
import os
import sys
import threading
import time
import urllib.request

import pyodbc


def advance(sandbox, secs):
    req = urllib.request.Request(sandbox + "/sandbox/clock", method="POST",
                                 data=json.dumps({"advance_secs": secs}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def error_of(e):
    args = getattr(e, "args", ())
    state = args[0] if len(args) > 1 else ""
    return {"ok": False, "state": state, "message": str(e)}


def main():
    job = json.loads(sys.argv[1])
    n = job.get("connections", 1)
    try:
        cnxs = [pyodbc.connect(job["conn"], autocommit=True, timeout=job.get("login_timeout", 0))
                for _ in range(n)]
    except pyodbc.Error as e:
        print(json.dumps(error_of(e)))
        return
    if job.get("ready_file"):
        open(job["ready_file"], "w").close()
        deadline = time.time() + 60
        while not os.path.exists(job["go_file"]) and time.time() < deadline:
            time.sleep(0.02)
    results = [None] * n
    errors = [None] * n

    def run(i):
        try:
            cur = cnxs[i].cursor()
            rows = []
            for sql in job.get("sql", []):
                cur.execute(sql)
                rows = []
                while True:
                    batch = cur.fetchmany(500)
                    if not batch:
                        break
                    rows.extend([list(r) for r in batch])
                    if i == 0 and job.get("advance_after") and len(rows) >= job["advance_after"] \
                            and not job.get("_advanced"):
                        job["_advanced"] = True
                        advance(job["sandbox"], job["advance_secs"])
            results[i] = rows
        except pyodbc.Error as e:
            errors[i] = error_of(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    failed = [e for e in errors if e]
    if failed:
        print(json.dumps(failed[0]))
        return
    print(json.dumps({"ok": True, "results": results}, default=str))


if __name__ == "__main__":
    main()
