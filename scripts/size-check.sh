#!/usr/bin/env bash
# Checks the size of the shipped driver library (issue 15, P5): builds it as
# scripts/package.sh does (Cargo profile "ship", the flags of scripts/lib/ship.sh, licence
# feature "enforce"), strips a copy as package.sh does and fails when it is over the limit
# (50 MB by default).
# Not part of CI or scripts/test.sh: a fat-LTO build from scratch takes tens of minutes.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/size-check.sh [--no-build] [--max-mb N] [--help]

  --no-build     check what is already built in $CARGO_TARGET_DIR/ship
  --max-mb N     the limit in MB (1 MB = 1,000,000 bytes; default 50)
  --help         show this help

Builds the driver library as scripts/package.sh does: Cargo profile "ship" for
package kintone-odbc-driver with --features kintone-license/enforce, on Linux with the
flags of scripts/lib/ship.sh, into $CARGO_TARGET_DIR (default target/); a fat-LTO
build from scratch takes about 15-35 minutes on 2 cores. Then strips a copy the way
package.sh does (strip -x; the ship profile already has no debug info), prints its size
and the limit, and exits with 1 when the stripped library is larger than the limit.
On macOS it checks the host architecture's libkintoneodbc.dylib; the universal
library package.sh makes holds two of them.
TXT
}

die() { echo "size-check.sh: $*" >&2; exit 2; }

build=1
max_mb=50
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --max-mb) max_mb=${2:?--max-mb needs a number}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$max_mb" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--max-mb wants a number, not '$max_mb'"

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/ship.sh
. "$root/scripts/lib/ship.sh"
target=${CARGO_TARGET_DIR:-$root/target}
case "$(uname -s)" in
  Darwin) ext=dylib ;;
  *) ext=so ;;
esac
lib="$target/ship/libkintoneodbc.$ext"

if [ "$build" = 1 ]; then
  start=$SECONDS
  ship_build_lib --features kintone-license/enforce
  echo "built in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
fi
[ -f "$lib" ] || die "$lib is missing: build it first (size-check.sh without --no-build)"
command -v strip >/dev/null 2>&1 || die "strip is not installed (binutils)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$lib" "$tmp/lib.$ext"
strip -x "$tmp/lib.$ext"
built=$(wc -c <"$lib")
stripped=$(wc -c <"$tmp/lib.$ext")

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'; }
echo "$lib"
echo "  as built: $(mb "$built") MB ($built bytes)"
echo "  stripped: $(mb "$stripped") MB ($stripped bytes), limit $max_mb MB"
if awk -v b="$stripped" -v m="$max_mb" 'BEGIN { exit !(b > m * 1000000) }'; then
  echo "size-check: FAIL: the stripped library is over $max_mb MB" >&2
  exit 1
fi
echo "size-check: OK"
