#!/usr/bin/env bash
# The read benchmark of issue #15: the driver (pyodbc) against Cybozu's
# @kintone/rest-api-client on the local sandbox, with ratios P1, P2, memory P3 and
# IN-list times P6. A benchmark, not a test: it prints numbers and CI never runs it.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/bench.sh [--quick] [--driver LIB] [--sandbox BIN] [--sdk-dir DIR]
                        [--timeout SECS] [--help]

Starts the kintone sandbox and reads its demo Events app:
  - SELECT * (20,000 records) through pyodbc fetchall and through
    @kintone/rest-api-client getAllRecordsWithCursor / getAllRecordsWithId, taking
    turns, at 50 ms and 0 ms latency: rows/s, time, requests, peak requests in flight,
    client peak RSS; P1 and P2 = driver time / best SDK time;
  - P3: peak RSS of a pyodbc client streaming SELECT * (fetchmany) at 100,000 and
    1,000,000 records, and their ratio;
  - P6: SELECT "$id" ... WHERE "$id" IN (...) with 500, 5,000 and 20,000 values.

  --quick          smaller sizes and one round (a few minutes)
  --driver LIB     driver library (default: $KODBC_DRIVER, else
                   ${CARGO_TARGET_DIR:-target}/release/libkintoneodbc.so)
  --sandbox BIN    sandbox binary (default: $SANDBOX_BIN, else
                   ${CARGO_TARGET_DIR:-target}/release/kintone-sandbox)
  --sdk-dir DIR    directory whose node_modules holds @kintone/rest-api-client
                   (default: tests/e2e/node; run `npm ci` there first)
  --timeout SECS   limit per client run (default 150, 60 with --quick)
  --help           show this help

Needs python3 with pyodbc, unixODBC and node. Nothing is built: build the driver and
the sandbox with `cargo build --release` first.
TXT
}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
driver=${KODBC_DRIVER:-$target/release/libkintoneodbc.so}
sandbox=${SANDBOX_BIN:-$target/release/kintone-sandbox}
sdk_dir=$root/tests/e2e/node
extra=()

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) extra+=(--quick) ;;
    --driver) driver=${2:?--driver needs a path}; shift ;;
    --sandbox) sandbox=${2:?--sandbox needs a path}; shift ;;
    --sdk-dir) sdk_dir=${2:?--sdk-dir needs a path}; shift ;;
    --timeout) extra+=(--timeout "${2:?--timeout needs seconds}"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

fail() { echo "bench.sh: $*" >&2; exit 1; }
[ -f "$driver" ] || fail "no driver library at $driver (cargo build --release, or --driver)"
[ -x "$sandbox" ] || fail "no sandbox binary at $sandbox (cargo build --release -p kintone-sandbox, or --sandbox)"
[ -d "$sdk_dir/node_modules/@kintone/rest-api-client" ] \
  || fail "@kintone/rest-api-client is not installed in $sdk_dir (run: npm ci --prefix $sdk_dir)"
command -v node >/dev/null || fail "node is not on PATH"
python3 -c 'import pyodbc' 2>/dev/null || fail "python3 cannot import pyodbc"

exec python3 "$root/scripts/bench/bench.py" --driver "$driver" --sandbox "$sandbox" \
  --sdk-dir "$sdk_dir" "${extra[@]}"
