#!/usr/bin/env bash
# Runs every test of kintone-odbc: formatting and lints, the cargo test suites (units and
# the sandbox-backed integration tests), and the end-to-end suites with real clients.
# Installs what is missing first (Debian/Ubuntu with apt, macOS with Homebrew).
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/test.sh [--no-install] [--quick] [--help]

Runs every test of the project against the local Kintone sandbox.

  --no-install  do not try to install missing system packages
  --quick       cargo tests only (skip lints and the end-to-end suites)
  --help        show this help

Environment:
  CARGO_TARGET_DIR  where cargo builds (default: target/ in the clone)
TXT
}

install=1
quick=0
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    --quick) quick=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "test.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/deps.sh
. "$root/scripts/lib/deps.sh"

if [ "$install" = 1 ]; then
  ensure_build_deps
  [ "$quick" = 1 ] || ensure_node
  [ "$quick" = 1 ] || [ "$(uname -s)" != Linux ] || ensure_odbc_test_deps
  [ "$quick" = 1 ] || [ "$(uname -s)" != Linux ] || ensure_oauth_test_deps
  [ "$quick" = 1 ] || [ "$(uname -s)" != Linux ] || ensure_keyring_test_deps
  [ "$quick" = 1 ] || ensure_python_venv
fi

target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target

step() { printf '\n==> %s\n' "$*"; }

if [ "$quick" = 0 ]; then
  step "cargo fmt --check"
  cargo fmt --all -- --check
  step "cargo clippy"
  cargo clippy --release --workspace --all-targets --quiet -- -D warnings
fi

step "cargo build (release: the profile users run)"
cargo build --release --workspace --quiet

step "cargo test"
cargo test --release --workspace

if [ "$quick" = 0 ] && [ "$(uname -s)" = Linux ]; then
  step "the ODBC driver through unixODBC and iODBC (tests/odbc/run.sh)"
  tests/odbc/run.sh
  step "OAuth: every flow, a scripted and a real browser (tests/oauth/run.sh)"
  tests/oauth/run.sh
fi

if [ "$quick" = 0 ]; then
  # The kintone_odbc package from this clone in a fresh virtual environment (its wheel
  # builds into $CARGO_TARGET_DIR and reuses the crates built above).
  step "the Python package: DB-API, Arrow, SQLAlchemy, pandas (tests/python/run.sh)"
  tests/python/run.sh
fi

if [ "$quick" = 0 ]; then
  step "Cybozu's own clients against the sandbox (@kintone/rest-api-client, @kintone/cli)"
  (
    cd tests/e2e/node
    npm ci --no-audit --no-fund --loglevel=error
    SANDBOX_BIN="$target/release/kintone-sandbox" npm test
  )
fi

if [ "$quick" = 0 ] && [ "$(uname -s)" = Linux ]; then
  # Installer scripts in a private HOME/prefix/ini set-up, registering our driver and
  # connecting to a sandbox (tests/install/run.sh --help). Linux only: the macOS layout
  # is checked there through --target-os macos --root.
  step "install.sh / uninstall.sh / install-license.sh (tests/install/run.sh)"
  tests/install/run.sh
  # Secrets in the OS keyring: gnome-keyring's Secret Service on a private D-Bus bus,
  # `dsn add --keyring`, isql through the references, a missing and a locked keyring.
  step "secrets in the OS keyring (tests/keyring/run.sh)"
  tests/keyring/run.sh
fi

if [ "$quick" = 0 ]; then
  # The README's first command, as a user runs it (it checks its own queries' results).
  step "scripts/quickstart.sh"
  qs_out=$(scripts/quickstart.sh --no-install 2>&1) || { printf '%s\n' "$qs_out"; exit 1; }
  printf '%s\n' "$qs_out" | tail -n 25
  for want in "Stark Industries" "License 🔑" "| 6000 " "DSN used above"; do
    grep -qF -- "$want" <<<"$qs_out" || { echo "quickstart output lacks '$want'" >&2; exit 1; }
  done
fi

step "all test suites passed"
