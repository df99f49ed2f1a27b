#!/usr/bin/env bash
# OAuth end-to-end tests: every flow of the seeds through pyodbc + unixODBC against the
# sandbox, with a scripted browser and a real headless Chromium. See test_oauth.py.
#   tests/oauth/run.sh [unittest arguments, e.g. DesktopFlow]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case "$(uname -s)" in Darwin) ext=dylib ;; *) ext=so ;; esac
export KODBC_DRIVER=${KODBC_DRIVER:-$target/release/libkintoneodbc.$ext}
export KODBC_SANDBOX=${KODBC_SANDBOX:-$target/release/kintone-sandbox}
export KODBC_CLI=${KODBC_CLI:-$target/release/kintone-odbc}
for f in "$KODBC_DRIVER" "$KODBC_SANDBOX" "$KODBC_CLI"; do
  [ -e "$f" ] || { echo "tests/oauth/run.sh: $f does not exist (cargo build --release --workspace)" >&2; exit 2; }
done
python3 -c 'import pyodbc' 2>/dev/null || { echo "tests/oauth/run.sh: pyodbc is missing (scripts/test.sh installs it)" >&2; exit 2; }
if ! python3 -c 'import selenium' 2>/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "tests/oauth/run.sh: selenium, chromium or chromedriver missing: the real-browser test is skipped" >&2
  export KODBC_SKIP_BROWSER=1
fi
cd "$here"
if [ $# -eq 0 ]; then set -- test_oauth; fi
exec python3 -m unittest -v "$@"
