"""Peak RSS of a kintone_odbc client iterating over every row of the Events app
(scripts/bench-python.sh). Prints one line: rows, seconds, rows/s, peak RSS in MB, and
whether it stayed under the limit."""

import argparse
import resource
import sys
import time

import kintone_odbc


def peak_rss_mb():
    # ru_maxrss is KiB on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--rows", type=int, required=True, help="rows the app holds")
    ap.add_argument("--limit-mb", type=float, default=200)
    ap.add_argument("--arrow", action="store_true", help="read through fetch_record_batches")
    a = ap.parse_args()
    started = time.monotonic()
    n = 0
    with kintone_odbc.connect("Url=%s;User=demo;Password=demo" % a.url) as cnx:
        cur = cnx.cursor()
        cur.execute('SELECT * FROM "Events"')
        if a.arrow:
            for batch in cur.fetch_record_batches():
                n += batch.num_rows
        else:
            for _ in cur:
                n += 1
    secs = time.monotonic() - started
    peak = peak_rss_mb()
    ok = n == a.rows and peak < a.limit_mb
    print("%s: %d rows in %.1f s (%.0f rows/s), peak RSS %.1f MB (limit %.0f MB): %s"
          % ("arrow batches" if a.arrow else "row iteration", n, secs, n / secs, peak,
             a.limit_mb, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
