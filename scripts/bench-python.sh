#!/usr/bin/env bash
# Memory of the Python package on a large read (issue 14): a sandbox with N records in
# its Events app (default 1,000,000), a client iterating over every row (`for row in
# cursor`) and one reading Arrow batches, each printing its peak RSS (limit 200 MB).
# A benchmark, not a timed test: CI does not run it.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/bench-python.sh [--rows N] [--venv DIR] [--sandbox BIN] [--limit-mb MB] [--help]

  --rows N       records in the large app (default 1000000)
  --venv DIR     a virtual environment with kintone_odbc installed (default: a fresh one,
                 with `pip install ./python`)
  --sandbox BIN  the kintone-sandbox binary (default: $CARGO_TARGET_DIR/release/kintone-sandbox)
  --limit-mb MB  the peak RSS each client must stay under (default 200)
  --help         show this help

Exit status: 0 when both clients read every row under the limit.
TXT
}

root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
rows=1000000
venv=""
sandbox="$CARGO_TARGET_DIR/release/kintone-sandbox"
limit=200
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=${2:?}; shift 2 ;;
    --venv) venv=${2:?}; shift 2 ;;
    --sandbox) sandbox=${2:?}; shift 2 ;;
    --limit-mb) limit=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench-python.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$sandbox" ] || { echo "bench-python.sh: $sandbox does not exist (cargo build --release --workspace)" >&2; exit 2; }

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$venv" ]; then
  venv="$tmp/venv"
  "${PYTHON:-python3}" -m venv "$venv"
  timeout 3600 "$venv/bin/pip" install --quiet --disable-pip-version-check pyarrow "$root/python"
fi

"$sandbox" --listen 127.0.0.1:0 --large-records "$rows" >"$tmp/sandbox.out" 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do
  url=$(head -n 1 "$tmp/sandbox.out" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "${url:-}" ] || { echo "bench-python.sh: the sandbox printed no URL" >&2; exit 1; }

status=0
for mode in "" --arrow; do
  timeout 3600 "$venv/bin/python" "$root/scripts/bench/python_memory.py" --url "$url" \
    --rows "$rows" --limit-mb "$limit" $mode || status=1
done
exit $status
