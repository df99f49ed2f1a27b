#!/usr/bin/env bash
# Quickstart: builds the project, starts the local Kintone sandbox with its demo data and
# shows it answering real Kintone REST calls. (The ODBC driver and the isql session are
# added here as they land; see README "Status".)
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/quickstart.sh [--keep] [--no-install] [--help]

Builds kintone-odbc, starts the Kintone sandbox (a local Kintone server with demo data)
on a free port, and runs a few requests against it.

  --keep        leave the sandbox running afterwards (prints how to stop it)
  --no-install  do not try to install missing system packages
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
[ "$install" = 1 ] && ensure_build_deps

target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target

echo "==> building (release)"
cargo build --release --quiet -p kintone-sandbox

work=$(mktemp -d)
out="$work/sandbox.out"
"$target/release/kintone-sandbox" --listen 127.0.0.1:0 >"$out" 2>"$work/sandbox.err" &
pid=$!
cleanup() {
  if [ "$keep" = 0 ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
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

auth=(-H "X-Cybozu-Authorization: $(printf 'demo:demo' | base64)")
# Prints a Kintone JSON answer as a small table when python3 is there, raw otherwise.
table() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
d = json.load(sys.stdin)
if "apps" in d:
    for a in d["apps"]:
        print("  app %-3s %-14s space %s" % (a["appId"], a["name"], a["spaceId"]))
elif "records" in d:
    print("  totalCount:", d.get("totalCount"))
    for r in d["records"]:
        cells = []
        for code, f in r.items():
            if f["type"] in ("__REVISION__", "CREATOR", "MODIFIER", "CREATED_TIME", "UPDATED_TIME"):
                continue
            v = f["value"]
            if isinstance(v, dict):
                v = v.get("code")
            if isinstance(v, list) or v in (None, ""):
                continue
            cells.append("%s=%s" % (code, v))
        print("  " + ", ".join(cells[:8]))
else:
    print(json.dumps(d, ensure_ascii=False))
'
  else
    cat
    echo
  fi
}
show() {
  echo
  echo "\$ $1"
  shift
  curl -sS --max-time 30 "$@" | table
}
show "the apps visible to demo" "${auth[@]}" "$url/k/v1/apps.json"
# shellcheck disable=SC2016 # $id is Kintone query syntax, not a shell variable
show "the first three orders (app 2), with the total count" "${auth[@]}" -G "$url/k/v1/records.json" \
  --data-urlencode 'app=2' --data-urlencode 'query=order by $id asc limit 3' --data-urlencode 'totalCount=true'
show "Kintone's query language: events of kind alpha with a score over 900 (app 4)" "${auth[@]}" -G "$url/k/v1/records.json" \
  --data-urlencode 'app=4' --data-urlencode 'fields[0]=title' --data-urlencode 'fields[1]=score' \
  --data-urlencode 'query=kind in ("alpha") and score > 900 order by score desc limit 3' --data-urlencode 'totalCount=true'

if [ "$keep" = 1 ]; then
  echo
  echo "The sandbox keeps running at $url (pid $pid). Stop it with: kill $pid"
fi
