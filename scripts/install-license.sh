#!/usr/bin/env bash
# Installs a licence key for the Kintone ODBC driver, or activates the 30-day trial when
# no key is given (once per machine: running it again does not extend the trial).
# With sudo the licence (or trial) is for the whole machine, without it for the current
# user.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: install-license.sh [KEY] [--name NAME] [--user | --system] [--help]

  sudo ./install-license.sh KEY   licence for every user of this machine
  ./install-license.sh KEY        licence for the current user
  sudo ./install-license.sh       activate the 30-day trial (once per machine)

The key is checked offline before anything is written; a bad or expired key changes
nothing. You are asked for your name (recorded with the licence or trial) unless
--name or KINTONE_ODBC_LICENSEE_NAME gives it.

  --name NAME   your name, instead of the prompt
  --user        install for the current user even when run as root
  --system      install for the machine (needs root)
  --help        show this help

Environment: KINTONE_ODBC_BIN (the kintone-odbc command to use),
KINTONE_ODBC_LICENSE_DIR, KINTONE_ODBC_TRIAL_DIR, KINTONE_ODBC_USER_DIR (where the
licence and trial marker go; see README "Licence").
TXT
}

die() { echo "install-license.sh: $*" >&2; exit 1; }

key=""
name=${KINTONE_ODBC_LICENSEE_NAME:-}
scope=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --user|--system) scope=("$1"); shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *)
      [ -z "$key" ] || die "more than one key given"
      key=$1; shift ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${KINTONE_ODBC_BIN:-}" ]; then
  kodbc=$KINTONE_ODBC_BIN
elif [ -x "$here/kintone-odbc" ]; then
  kodbc="$here/kintone-odbc"
else
  kodbc="${CARGO_TARGET_DIR:-$here/../target}/release/kintone-odbc"
fi
[ -x "$kodbc" ] || die "$kodbc not found (set KINTONE_ODBC_BIN or build with: cargo build --release --workspace)"

if [ -z "$name" ]; then
  if [ -t 0 ]; then
    read -r -p "Your name: " name
  fi
  [ -n "$name" ] || die "a name is needed: answer the prompt, or pass --name NAME"
fi

if [ -n "$key" ]; then
  exec "$kodbc" license install "$key" --name "$name" ${scope[@]+"${scope[@]}"}
else
  exec "$kodbc" license install --name "$name" ${scope[@]+"${scope[@]}"}
fi
