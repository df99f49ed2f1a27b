#!/usr/bin/env bash
# Quickstart: builds the driver, starts the local Kintone sandbox with its demo data,
# registers the driver and a DSN in private ini files (never the system ones), and runs
# real queries through unixODBC's isql: the driver doing its main job.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/quickstart.sh [--keep] [--no-install] [--help]

Builds kintone-odbc (release), starts the Kintone sandbox (a local Kintone server with
demo data) on a free port, registers the driver and a DSN named "kintone-demo" in a
private directory, and runs a few queries through isql.

  --keep        leave the sandbox and the ini files in place afterwards and print the
                commands to reuse the DSN
  --no-install  do not try to install missing system packages (unixODBC, compilers)
  --help        show this help
TXT
}

keep=0
install=1
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    --no-install) install=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "quickstart.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/deps.sh
. "$root/scripts/lib/deps.sh"
if [ "$install" = 1 ]; then
  ensure_build_deps
  need_pkg isql unixodbc unixodbc
fi
command -v isql >/dev/null 2>&1 || { echo "error: isql (unixODBC) is not installed" >&2; exit 1; }

target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target

echo "==> building the driver and the sandbox (release; the first build takes a while)"
cargo build --release --quiet --workspace

case "$(uname -s)" in
  Darwin) lib="$target/release/libkintoneodbc.dylib" ;;
  *) lib="$target/release/libkintoneodbc.so" ;;
esac
[ -f "$lib" ] || { echo "error: $lib was not built" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kintone-odbc-quickstart.XXXXXX")
out="$work/sandbox.out"
"$target/release/kintone-sandbox" --listen 127.0.0.1:0 >"$out" 2>"$work/sandbox.err" &
pid=$!
cleanup() {
  if [ "$keep" = 0 ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

url=""
for _ in $(seq 1 300); do
  url=$(head -n 1 "$out" 2>/dev/null || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/sandbox.err" >&2; echo "error: the sandbox did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "error: the sandbox did not print its URL within 30 s" >&2; exit 1; }
echo "==> Kintone sandbox running at $url (user demo / password demo)"

# Private ini files: unixODBC reads ODBCSYSINI (a directory) + ODBCINSTINI (a file
# name in it) and ODBCINI (a full path).
cat >"$work/odbcinst.ini" <<INI
[Kintone ODBC Driver]
Description = kintone-odbc (quickstart build)
Driver = $lib
INI
cat >"$work/odbc.ini" <<INI
[kintone-demo]
Driver = Kintone ODBC Driver
Description = the local Kintone sandbox
Url = $url
User = demo
Password = demo
INI
export ODBCSYSINI="$work" ODBCINSTINI=odbcinst.ini ODBCINI="$work/odbc.ini"

failed=0
run() {
  # Shows the query's result; a query that errs or returns no rows fails the quickstart
  # (isql itself exits 0 after a failed statement).
  local res
  echo
  echo "-- $1"
  res=$(printf '%s\n' "$2" | isql -v -b -m32 kintone-demo 2>&1) || true
  printf '%s\n' "$res"
  if grep -q '^\[' <<<"$res" || ! grep -Eq '^[1-9][0-9]* rows? fetched' <<<"$res"; then
    echo "error: the query above failed" >&2
    failed=1
  fi
}
# shellcheck disable=SC2016 # "$id" is a column name, not a shell variable
{
  run "the tables (Kintone apps, and subtables as child tables)" "help"
  run "a filtered, ordered query (pushed down to Kintone as one request)" \
    'SELECT "$id", "Company name", "Country", "Rank" FROM Customers WHERE "$id" <= 5 ORDER BY "$id" DESC'
  run "an app joined with its subtable" \
    'SELECT o."Record number", o."Customer name", i."Product", i."Quantity" FROM Orders o JOIN "Orders_Line items" i ON i."$id" = o."$id" ORDER BY o."$id", i."$row_id" LIMIT 6'
  run "an aggregate over the 25,000-record Events app" \
    'SELECT "Kind", COUNT(*) AS events, MAX("Score") AS best FROM Events GROUP BY "Kind" ORDER BY "Kind"'
}

if [ "$failed" = 1 ]; then
  echo "error: some queries failed (run again with --keep to inspect the sandbox's log)" >&2
  exit 1
fi
echo
echo "The DSN used above:"
sed 's/^Password = .*/Password = ****/' "$work/odbc.ini"
if [ "$keep" = 1 ]; then
  echo
  echo "The sandbox keeps running at $url (pid $pid). Reuse the DSN with:"
  echo "  export ODBCSYSINI=$work ODBCINSTINI=odbcinst.ini ODBCINI=$work/odbc.ini"
  echo "  isql -v kintone-demo"
  echo "Stop it with: kill $pid; rm -rf $work"
fi
