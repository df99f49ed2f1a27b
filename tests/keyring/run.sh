#!/usr/bin/env bash
# Secrets in the OS keyring against a real Secret Service: gnome-keyring-daemon on a
# private D-Bus session bus (its own config: no service activation, nothing of the
# user's session). `kintone-odbc dsn add --keyring` stores the secrets there, odbc.ini
# holds only references, isql connects through them to a local sandbox; then the
# failures (no bus, a bus without a Secret Service, a locked keyring) must each be a
# clear error naming the keyring and the property, never the secret, within a bound.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: tests/keyring/run.sh [--driver-lib PATH] [--bin PATH] [--sandbox-bin PATH] [--keep] [--help]

  --driver-lib PATH  the driver (default: $CARGO_TARGET_DIR/release/libkintoneodbc.so)
  --bin PATH         the kintone-odbc command (default: $CARGO_TARGET_DIR/release/kintone-odbc)
  --sandbox-bin PATH the kintone-sandbox binary (default: $CARGO_TARGET_DIR/release/kintone-sandbox)
  --keep             keep the temporary directory
  --help             show this help

Needs dbus-daemon, dbus-send, gnome-keyring-daemon, secret-tool (libsecret-tools) and
isql (unixodbc); scripts/lib/deps.sh ensure_keyring_test_deps installs them.
TXT
}

root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
driver_lib="$target/release/libkintoneodbc.so"
bin="$target/release/kintone-odbc"
sandbox_bin="$target/release/kintone-sandbox"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --driver-lib) driver_lib=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    --sandbox-bin) sandbox_bin=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for f in "$driver_lib" "$bin" "$sandbox_bin"; do
  [ -f "$f" ] || { echo "run.sh: $f not found (cargo build --release --workspace)" >&2; exit 2; }
done
for c in dbus-daemon dbus-send gnome-keyring-daemon secret-tool isql timeout; do
  command -v "$c" >/dev/null || { echo "run.sh: $c is needed (scripts/lib/deps.sh: ensure_keyring_test_deps)" >&2; exit 2; }
done

tmp=$(mktemp -d)
sandbox_pid=""
bus_pid=""
keyring_pid=""
stop() {
  # stop PID: TERM, then KILL after 5 s.
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$keyring_pid"
  stop "$bus_pid"
  stop "$sandbox_pid"
  if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# Nothing of the real HOME, session bus or ini files is read or written.
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" XDG_CONFIG_HOME="$tmp/home/.config"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS ODBCSYSINI ODBCINSTINI ODBCINI SYSODBCINI SYSODBCINSTINI KINTONE_ODBC_ROOT KINTONE_ODBC_TARGET_OS
export KINTONE_ODBC_LICENSE_DIR="$tmp/license-sys" KINTONE_ODBC_TRIAL_DIR="$tmp/trial-sys" KINTONE_ODBC_USER_DIR="$tmp/license-user"
etc="$tmp/etc"
mkdir -p "$etc"
: >"$etc/odbcinst.ini"
: >"$etc/odbc.ini"
: >"$HOME/.odbc.ini"
export ODBCSYSINI="$etc" ODBCINSTINI=odbcinst.ini ODBCINI="$HOME/.odbc.ini"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() {
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
lacks() { ! grep -qF -- "$2" <<<"$1"; }

# The secrets: the demo's view-only token of the Events app (tests/sandbox/docs), and a
# Basic-layer password the sandbox ignores (its Basic layer is off) but the driver sends.
token=EventsViewOnly00000000000000000000000000
basic_pw=Basic-Layer-Pw-5f3a9c
keyring_pw=unlock-me-$$
dsn=KrTest
query="SELECT COUNT(*) AS n FROM Events"
# Bounds: a keyring call gives up after 10 s; every command here after 60 s.
bound=60
fail_within=25

# An OAuth client whose tokens are kept in the keyring (OAuthSettingsLocation=keyring://).
oauth_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
callback="http://127.0.0.1:$oauth_port/"
oauth_secret="Kr-OAuth-Secret-5150"
"$sandbox_bin" --listen 127.0.0.1:0 --oauth-client "kr-oauth:$oauth_secret:$callback" \
  >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 100); do [ -s "$tmp/sandbox.out" ] && break; sleep 0.1; done
url=$(head -n1 "$tmp/sandbox.out")
[ -n "$url" ] || { echo "run.sh: the sandbox did not start" >&2; cat "$tmp/sandbox.err" >&2; exit 1; }

"$bin" driver install --library "$driver_lib" --dm unixodbc --system >/dev/null
log="$tmp/driver.log"
props=("Url=$url" AuthScheme=APIToken "APIToken=$token" AppId=4 BasicAuthUser=b
  "BasicAuthPassword=$basic_pw" "Logfile=$log" Verbosity=2)

isql_query() {
  # isql_query DSN: isql's batch output for $query (errors included), bounded.
  echo "$query" | timeout "$bound" isql -v -b -d, "$1" 2>&1 || true
}
no_secret_in() {
  # no_secret_in TEXT: neither secret nor the keyring password appears in TEXT.
  lacks "$1" "$token" && lacks "$1" "$basic_pw" && lacks "$1" "$keyring_pw"
}
no_secret_in_files() {
  # The ini files, the driver's log, the sandbox's output: no secret anywhere.
  local files=("$etc/odbc.ini" "$etc/odbcinst.ini" "$HOME/.odbc.ini" "$tmp/sandbox.out")
  [ -f "$log" ] && files+=("$log")
  ! grep -qF -e "$token" -e "$basic_pw" "${files[@]}"
}
timed() {
  # timed VAR COMMAND...: runs COMMAND (a function, or a program bounded by $bound), its
  # output in VAR, the seconds it took in $took.
  local __var=$1; shift
  local __t0 __t1 __out
  __t0=$(date +%s)
  if [ "$(type -t "$1")" = function ]; then
    __out=$("$@" 2>&1) || true
  else
    __out=$(timeout "$bound" "$@" 2>&1) || true
  fi
  __t1=$(date +%s)
  took=$((__t1 - __t0))
  printf -v "$__var" '%s' "$__out"
}

start_bus() {
  # A private session bus without service activation: only what this test starts.
  cat >"$tmp/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$tmp/run</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
XML
  : >"$tmp/bus.addr"
  dbus-daemon --config-file="$tmp/bus.conf" --nofork --print-address=3 3>"$tmp/bus.addr" 2>"$tmp/bus.err" &
  bus_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/bus.addr" ] && break; sleep 0.1; done
  DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$tmp/bus.addr")
  [ -n "$DBUS_SESSION_BUS_ADDRESS" ] || { echo "run.sh: dbus-daemon did not start" >&2; cat "$tmp/bus.err" >&2; exit 1; }
  export DBUS_SESSION_BUS_ADDRESS
}
secrets_owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"
}
start_keyring() {
  # start_keyring unlock|locked: gnome-keyring-daemon's Secret Service on the bus; with
  # `unlock`, the login keyring is created or unlocked with the password on stdin.
  if [ "$1" = unlock ]; then
    printf '%s' "$keyring_pw" | gnome-keyring-daemon --foreground --unlock --components=secrets \
      >"$tmp/keyring.out" 2>&1 &
  else
    gnome-keyring-daemon --foreground --components=secrets </dev/null >"$tmp/keyring.out" 2>&1 &
  fi
  keyring_pid=$!
  for _ in $(seq 100); do secrets_owned && return 0; sleep 0.1; done
  echo "run.sh: gnome-keyring-daemon did not take org.freedesktop.secrets:" >&2
  cat "$tmp/keyring.out" >&2
  exit 1
}
login_locked() {
  dbus-send --session --print-reply --dest=org.freedesktop.secrets \
    /org/freedesktop/secrets/collection/login org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null | grep -q "boolean true"
}
expect_clear_failure() {
  # expect_clear_failure WHAT OUTPUT WORD...: OUTPUT failed naming each WORD, without a
  # secret or a result, within $fail_within seconds.
  local what=$1 out=$2; shift 2
  local w good=1
  for w in "$@"; do contains "$out" "$w" || good=0; done
  contains "$out" "25000" && good=0
  if [ "$good" = 1 ]; then ok "$what: the error names $*"; else bad "$what: the error names $*"; echo "$out" | head -n 8; fi
  # The message itself, for the log (it has no secret, checked next).
  grep -m1 -E 'keyring|Keychain|Secret Service' <<<"$out" | sed 's/^/#   /' || true
  check "$what: no secret in the message" no_secret_in "$out"
  check "$what: answered within ${fail_within} s (took ${took} s)" test "$took" -le "$fail_within"
}

echo "# no session bus at all: dsn add --keyring refuses and writes no DSN"
timed out "$bin" dsn add "$dsn" "${props[@]}" --keyring --dm unixodbc --system
expect_clear_failure "dsn add --keyring without a bus" "$out" "Secret Service" "APIToken" "not stored"
check "no DSN was written" bash -c "! grep -q '\[$dsn\]' '$etc/odbc.ini'"

# A DSN holding references (as `dsn add --keyring` writes them) for the failure cases.
"$bin" dsn add Refs "Url=$url" AuthScheme=APIToken "APIToken=keyring:Refs/APIToken" AppId=4 \
  --dm unixodbc --system >/dev/null
timed out isql_query Refs
expect_clear_failure "isql without a bus" "$out" "Secret Service" "APIToken" "keyring:Refs/APIToken" "08001"

echo "# a private bus with no Secret Service on it"
start_bus
timed out isql_query Refs
expect_clear_failure "isql with no Secret Service" "$out" "Secret Service" "APIToken" "keyring:Refs/APIToken" "not available"

echo "# gnome-keyring-daemon, unlocked: dsn add --keyring, isql through the references"
start_keyring unlock
timed out "$bin" dsn add "$dsn" "${props[@]}" --keyring --dm unixodbc --system
check "dsn add --keyring succeeds and says where the secrets went" \
  contains "$out" "stored APIToken of DSN '$dsn' in the Secret Service (OS keyring) (service 'kintone-odbc', account '$dsn/APIToken')"
check "dsn add --keyring stored BasicAuthPassword too" contains "$out" "account '$dsn/BasicAuthPassword'"
check "odbc.ini holds the APIToken reference" grep -qx "APIToken = keyring:$dsn/APIToken" "$etc/odbc.ini"
check "odbc.ini holds the BasicAuthPassword reference" \
  grep -qx "BasicAuthPassword = keyring:$dsn/BasicAuthPassword" "$etc/odbc.ini"
check "no secret in any ini file" no_secret_in_files
check "no plain-text warning for a file that holds only references" lacks "$out" "plain text"
got=$(timeout 10 secret-tool lookup service kintone-odbc username "$dsn/APIToken" 2>&1) || true
check "secret-tool finds the APIToken item" test "$got" = "$token"
got=$(timeout 10 secret-tool search service kintone-odbc username "$dsn/BasicAuthPassword" 2>&1) || true
check "secret-tool lists the BasicAuthPassword item" contains "$got" "attribute.username = $dsn/BasicAuthPassword"
got=$(isql_query "$dsn")
check "isql through the keyring references: COUNT(*) FROM Events = 25000" contains "$got" "25000"
check "the driver log shows the connection" grep -q "connecting:" "$log"
check "no secret in the driver log, ini files or sandbox output" no_secret_in_files
# An item stored by hand with secret-tool (as the README shows) is found too.
printf '%s' "$token" | timeout 10 secret-tool store --label="kintone-odbc Manual/APIToken" \
  service kintone-odbc username Manual/APIToken
"$bin" dsn add Manual "Url=$url" AuthScheme=APIToken "APIToken=keyring:Manual/APIToken" AppId=4 \
  --dm unixodbc --system >/dev/null
got=$(isql_query Manual)
check "isql through an item stored with secret-tool: 25000" contains "$got" "25000"

echo "# OAuth: tokens and the client secret in the keyring"
oauth_cs="Url=$url;AuthScheme=OAuth;OAuthClientId=kr-oauth;OAuthClientSecret=$oauth_secret;CallbackURL=$callback;OAuthSettingsLocation=keyring://kr"
timed out env BROWSER="python3 $root/tests/oauth/fake_browser.py" "$bin" oauth login --connect "$oauth_cs"
check "oauth login keeps the tokens in the keyring" contains "$out" "Signed in. The tokens are in the OAuth settings in the OS keyring (oauth/kr)"
contains "$out" "Signed in" || printf '#   %s\n' "${out:0:500}"
got=$(timeout 10 secret-tool lookup service kintone-odbc username oauth/kr 2>&1) || true
check "the keyring item holds the sealed settings" contains "$got" "kintone-odbc OAuth settings v1"
check "the keyring item holds no token or secret in clear" bash -c "! grep -qE 'access_token|refresh_token|$oauth_secret' <<<\"\$1\"" _ "$got"
timed out "$bin" dsn add OAuthKr "Url=$url" AuthScheme=OAuth InitiateOAuth=REFRESH OAuthClientId=kr-oauth \
  "OAuthClientSecret=$oauth_secret" "CallbackURL=$callback" OAuthSettingsLocation=keyring://kr \
  --keyring --dm unixodbc --system
check "odbc.ini holds the OAuthClientSecret reference" \
  grep -qx "OAuthClientSecret = keyring:OAuthKr/OAuthClientSecret" "$etc/odbc.ini"
check "no OAuth client secret in any ini file" bash -c "! grep -qF '$oauth_secret' '$etc/odbc.ini' '$etc/odbcinst.ini'"
got=$(isql_query OAuthKr)
check "isql with OAuth tokens from the keyring: 25000" contains "$got" "25000"
timed out isql_query Refs
expect_clear_failure "isql with a missing item" "$out" "has no item" "APIToken" "keyring:Refs/APIToken"

echo "# the login keyring locked (Secret.Service.Lock): a clear error, no prompt hang"
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
check "the login collection is locked" login_locked
timed out isql_query "$dsn"
expect_clear_failure "isql with a locked keyring" "$out" "APIToken" "keyring:$dsn/APIToken" "unlock"
timed out "$bin" query --dsn "$dsn" "$query" --dm unixodbc --system
expect_clear_failure "kintone-odbc query with a locked keyring" "$out" "APIToken" "keyring:$dsn/APIToken" "unlock"

echo "# the daemon restarted without unlocking: the login keyring stays locked"
stop "$keyring_pid"
keyring_pid=""
start_keyring locked
check "the login collection is locked after a restart" login_locked
timed out isql_query "$dsn"
expect_clear_failure "isql with a never-unlocked keyring" "$out" "APIToken" "keyring:$dsn/APIToken" "unlock"

echo "# unlocked again: dsn remove deletes the DSN's items"
stop "$keyring_pid"
keyring_pid=""
start_keyring unlock
got=$(isql_query "$dsn")
check "isql works again once unlocked" contains "$got" "25000"
timed out "$bin" dsn remove "$dsn" --dm unixodbc --system
check "dsn remove says it deleted the APIToken item" contains "$out" "deleted keyring item '$dsn/APIToken'"
check "dsn remove says it deleted the BasicAuthPassword item" contains "$out" "deleted keyring item '$dsn/BasicAuthPassword'"
got=$(timeout 10 secret-tool search --all service kintone-odbc username "$dsn/APIToken" 2>&1) || true
check "the item is gone from the Secret Service" lacks "$got" "$dsn/APIToken"
timed out "$bin" dsn remove Refs --dm unixodbc --system
check "dsn remove of a DSN whose item never existed says so" contains "$out" "keyring item 'Refs/APIToken' was already gone"

last=$keyring_pid
stop "$keyring_pid"
keyring_pid=""
check "gnome-keyring-daemon stopped" bash -c "! kill -0 $last 2>/dev/null"

if command -v shellcheck >/dev/null; then
  check "shellcheck" shellcheck "$root/tests/keyring/run.sh"
fi

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
