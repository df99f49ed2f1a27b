#!/usr/bin/env bash
# End-to-end tests of the ODBC driver through real driver managers (unixODBC and iODBC),
# against the local Kintone sandbox, with temporary ini files. See tests/odbc/README.md.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: tests/odbc/run.sh [--driver LIB] [--sandbox BIN] [--suite NAME]... [--filter RE] [--update] [--help]

Runs the ODBC end-to-end suites against a fresh sandbox and prints a summary:
  specs     ODBC call sequences (specs/*.txt) via ctypes, {unixODBC, iODBC} x {ANSI, W},
            diffed against specs/*.out
  sessions  isql, iusql, iodbctest, iodbctestw scripted via stdin (sessions/*.sql)
  pyodbc    pyodbc under unixODBC and under iODBC (UTF-32 decoding)
  requests  requests per query (P4), counted in the sandbox's request log
  writes    INSERT, UPDATE, DELETE, upsert through pyodbc, each against a sandbox of its own
  arrow     arrow-odbc bulk fetch of the 25,000-record app in batches of 1,000
  libreoffice  LibreOffice Base (headless, through UNO) reading apps through its ODBC bridge
  rodbc     R with RODBC, perl  Perl DBI with DBD::ODBC, node  node-odbc (built from source):
            catalog, every app compared cell by cell with the sandbox's REST answers,
            pushed filters, a join, bound parameters, the request log
  garbage   bad handles, pointers, lengths and attributes sent to the library directly

Options:
  --driver LIB   driver library (default: $CARGO_TARGET_DIR/release/libkintoneodbc.so)
  --sandbox BIN  sandbox binary (default: $CARGO_TARGET_DIR/release/kintone-sandbox)
  --suite NAME   run only this suite (repeatable)
  --filter RE    only specs and sessions whose name matches RE
  --update       rewrite the expected outputs from this run; READ the diff before committing
  --help         show this help

Exit status: 0 when every suite passed, 1 on any failure, 2 on bad usage.
TXT
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case "$(uname -s)" in
  Darwin) ext=dylib ;;
  *) ext=so ;;
esac
driver="$target/release/libkintoneodbc.$ext"
sandbox="$target/release/kintone-sandbox"
extra=()

while [ $# -gt 0 ]; do
  case "$1" in
    --driver) driver=${2:?--driver needs a path}; shift 2 ;;
    --sandbox) sandbox=${2:?--sandbox needs a path}; shift 2 ;;
    --suite) extra+=(--suite "${2:?--suite needs a name}"); shift 2 ;;
    --filter) extra+=(--filter "${2:?--filter needs a pattern}"); shift 2 ;;
    --update) extra+=(--update); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

for f in "$driver" "$sandbox"; do
  if [ ! -e "$f" ]; then
    echo "run.sh: $f does not exist (build with: cargo build --release --workspace)" >&2
    exit 2
  fi
done

missing=()
for tool in isql iusql iodbctest python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
python3 -c 'import pyodbc, arrow_odbc, pyarrow' 2>/dev/null || missing+=("python: pyodbc arrow-odbc pyarrow")
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: missing: ${missing[*]} (scripts/test.sh installs them)" >&2
  exit 2
fi

exec python3 "$here/suite.py" --driver "$driver" --sandbox "$sandbox" ${extra[@]+"${extra[@]}"}
