"""One read of the demo Events table through pyodbc and the driver, for scripts/bench.sh.

    python3 odbc_read.py fetchall            SELECT * FROM Events, fetchall()
    python3 odbc_read.py stream              SELECT * FROM Events, fetchmany() loop
    python3 odbc_read.py in N RECORDS        SELECT "$id" ... WHERE "$id" IN (N values)
    python3 odbc_read.py ids                 SELECT "$id" FROM Events (P6's reference)

The DSN comes from the environment that bench.py builds (tests/odbc/odbcenv.py: a
temporary odbc.ini, ODBCSYSINI/ODBCINI); KODBC_EXTRA adds connection-string keys
(`Logfile=...;Verbosity=1` for the logging figure). Prints one JSON line: rows, seconds (connect
included, as a user waits for it; not the building of an IN list's SQL text, which is
the application's work) and, when streaming, first_row_seconds.
"""

import json
import os
import sys
import time

import pyodbc

DSN = os.environ.get("KODBC_DSN_WIDE", "KintoneW")
BATCH = 1000


def main(argv):
    mode = argv[1] if len(argv) > 1 else "fetchall"
    if mode == "in":
        n, records = int(argv[2]), int(argv[3])
        # Ids spread over the whole app, as a user's pick would be. The SQL text is the
        # application's work: built before the clock starts.
        ids = sorted({1 + i * records // n for i in range(n)})
        in_sql = 'SELECT "$id" FROM Events WHERE "$id" IN (%s)' % ",".join(map(str, ids))
    started = time.perf_counter()
    extra = os.environ.get("KODBC_EXTRA", "")
    cnx = pyodbc.connect("DSN=%s%s" % (DSN, ";" + extra if extra else ""), autocommit=True)
    cur = cnx.cursor()
    out = {}
    if mode == "fetchall":
        cur.execute("SELECT * FROM Events")
        rows = len(cur.fetchall())
    elif mode == "stream":
        # Rows are dropped as they arrive: the client's memory is the driver's.
        cur.execute("SELECT * FROM Events")
        rows = 0
        while True:
            batch = cur.fetchmany(BATCH)
            if not batch:
                break
            if rows == 0:
                out["first_row_seconds"] = time.perf_counter() - started
            rows += len(batch)
    elif mode == "ids":
        cur.execute('SELECT "$id" FROM Events')
        rows = len(cur.fetchall())
    elif mode == "in":
        cur.execute(in_sql)
        rows = len(cur.fetchall())
        out["expected"] = len(ids)
    else:
        raise SystemExit("unknown mode %r" % mode)
    out["seconds"] = time.perf_counter() - started
    out["rows"] = rows
    cnx.close()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv)
