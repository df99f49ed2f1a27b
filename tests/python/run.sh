#!/usr/bin/env bash
# The kintone_odbc Python package's suite (tests/python/test_*.py, pytest): installs the
# package from this clone into a fresh virtual environment (`pip install ./python`, which
# builds the wheel with maturin from PyPI into $CARGO_TARGET_DIR, reusing the workspace's
# compiled crates), with pyarrow, pandas, SQLAlchemy and pytest, then runs the tests
# against sandboxes it starts on 127.0.0.1.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: tests/python/run.sh [--sandbox BIN] [--venv DIR] [--no-install] [--help] [-- PYTEST-ARGS...]

  --sandbox BIN  the kintone-sandbox binary (default: $CARGO_TARGET_DIR/release/kintone-sandbox)
  --venv DIR     use (and keep) this virtual environment instead of a temporary one
  --no-install   do not reinstall the package (with --venv: test what is installed)
  --help         show this help

Environment: CARGO_TARGET_DIR (default: target/ in the clone), PYTHON (default: python3).
Exit status: pytest's (0 when every test passed).
TXT
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
sandbox="$CARGO_TARGET_DIR/release/kintone-sandbox"
venv=""
install=1
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sandbox) sandbox=${2:?--sandbox needs a path}; shift 2 ;;
    --venv) venv=${2:?--venv needs a directory}; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; pytest_args=("$@"); break ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$sandbox" ] || { echo "run.sh: $sandbox does not exist (cargo build --release --workspace)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$venv" ]; then
  venv="$tmp/venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
  install=1
fi
if [ "$install" = 1 ]; then
  # Bounded: a build from nothing is the workspace's crates plus PyO3.
  timeout 3600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
    pyarrow pandas 'sqlalchemy>=2' pytest
  timeout 3600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --force-reinstall --no-deps "$root/python"
fi

cd "$here"
KODBC_SANDBOX_BIN=$sandbox LANG=C.UTF-8 PYTHONIOENCODING=utf-8 \
  timeout 1800 "$venv/bin/python" -m pytest -v -p no:cacheprovider ${pytest_args[@]+"${pytest_args[@]}"} .
