#!/usr/bin/env bash
# End-to-end tests of the installer scripts in a container-like setting: a new HOME,
# private ini files (ODBCSYSINI/ODBCINSTINI/ODBCINI), a temporary prefix. Checks that
# install.sh registers a driver isql can connect through, that uninstall.sh leaves no
# file or ini section behind, the macOS layout (through --target-os/--root, read back by
# iODBC's iodbctest), and install-license.sh for a key, a bad key and the trial.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: tests/install/run.sh [--driver standin|kintone] [--driver-lib PATH]
                            [--bin PATH] [--sandbox-bin PATH] [--keep] [--help]

  --driver kintone   register our driver and connect to a Kintone sandbox (default)
  --driver standin   register Debian's SQLite ODBC driver in place of ours, to tell
                     the scripts' faults from the driver's (needs libsqliteodbc)
  --driver-lib PATH  the library to register (default: the stand-in, or
                     $CARGO_TARGET_DIR/release/libkintoneodbc.so)
  --bin PATH         the kintone-odbc command (default: $CARGO_TARGET_DIR/release/kintone-odbc)
  --sandbox-bin PATH the kintone-sandbox binary (default: $CARGO_TARGET_DIR/release/kintone-sandbox)
  --keep             keep the temporary directory
  --help             show this help

Environment: INSTALL_TEST_DRIVER sets the default of --driver.
TXT
}

root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
driver_kind=${INSTALL_TEST_DRIVER:-kintone}
driver_lib=""
bin="$target/release/kintone-odbc"
sandbox_bin="$target/release/kintone-sandbox"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --driver) driver_kind=${2:?--driver needs standin or kintone}; shift 2 ;;
    --driver-lib) driver_lib=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    --sandbox-bin) sandbox_bin=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

standin=/usr/lib/x86_64-linux-gnu/odbc/libsqlite3odbc.so
[ -f "$standin" ] || standin=/usr/lib/aarch64-linux-gnu/odbc/libsqlite3odbc.so
case "$driver_kind" in
  standin) driver_lib=${driver_lib:-$standin} ;;
  kintone) driver_lib=${driver_lib:-$target/release/libkintoneodbc.so} ;;
  *) echo "run.sh: --driver must be standin or kintone" >&2; exit 2 ;;
esac
for f in "$driver_lib" "$bin"; do
  [ -f "$f" ] || { echo "run.sh: $f not found (cargo build --release --workspace; apt install libsqliteodbc)" >&2; exit 2; }
done
command -v isql >/dev/null || { echo "run.sh: isql (unixodbc) is needed" >&2; exit 2; }

tmp=$(mktemp -d)
sandbox_pid=""
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null
  if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# A container-like user: nothing of the real HOME or /etc is read or written.
export HOME="$tmp/home"
mkdir -p "$HOME"
unset ODBCSYSINI ODBCINSTINI ODBCINI SYSODBCINI SYSODBCINSTINI KINTONE_ODBC_ROOT KINTONE_ODBC_TARGET_OS
export KINTONE_ODBC_LICENSE_DIR="$tmp/license-sys" KINTONE_ODBC_TRIAL_DIR="$tmp/trial-sys" KINTONE_ODBC_USER_DIR="$tmp/license-user"
# The build keeps line tables: a stripped copy keeps the test's copies small.
mkdir -p "$tmp/dist"
strip -o "$tmp/dist/kintone-odbc" "$bin" 2>/dev/null || cp "$bin" "$tmp/dist/kintone-odbc"
kbin="$tmp/dist/kintone-odbc"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() {
  # check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}
contains() { grep -qF -- "$2" <<<"$1"; }

# The DSN and the query each driver answers.
dsn_props=()
check_args=()
expect=""
query=""
if [ "$driver_kind" = kintone ]; then
  [ -x "$sandbox_bin" ] || { echo "run.sh: $sandbox_bin not found" >&2; exit 2; }
  "$sandbox_bin" --listen 127.0.0.1:0 >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" &
  sandbox_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/sandbox.out" ] && break; sleep 0.1; done
  url=$(head -n1 "$tmp/sandbox.out")
  dsn_props=("Url=$url" AuthScheme=Password User=demo Password=demo)
  # The demo data's large app (tests/sandbox/docs/demo-data.md): 25,000 records.
  query="SELECT COUNT(*) AS n FROM Events"
  expect=25000
else
  dsn_props=("Database=$tmp/standin.db")
  check_args=(--no-check)
  query="SELECT 4200+42"
  expect=4242
fi
dsn_args=()
for p in "${dsn_props[@]}"; do dsn_args+=(--dsn-property "$p"); done

isql_query() {
  # isql_query DSN: prints isql's batch output for $query.
  echo "$query" | isql -b -d, "$1" 2>&1
}

echo "# unixODBC: install.sh --prefix, isql through the installed DSN, uninstall.sh --purge"
etc="$tmp/etc"
mkdir -p "$etc"
: >"$etc/odbcinst.ini"
: >"$etc/odbc.ini"
: >"$HOME/.odbc.ini"
export ODBCSYSINI="$etc" ODBCINSTINI=odbcinst.ini ODBCINI="$HOME/.odbc.ini"
prefix="$tmp/opt/kintone-odbc"
out=$("$root/scripts/install.sh" --prefix "$prefix" --driver-lib "$driver_lib" --bin "$kbin" \
  --dm unixodbc --system --sample-dsn KintoneTest \
  ${check_args[@]+"${check_args[@]}"} "${dsn_args[@]}" 2>&1) ||
  { echo "$out"; bad "install.sh succeeds"; }
check "install.sh copies the library" test -f "$prefix/lib/libkintoneodbc.so"
check "install.sh copies kintone-odbc, install-license.sh, uninstall.sh" \
  test -x "$prefix/bin/kintone-odbc" -a -x "$prefix/bin/install-license.sh" -a -x "$prefix/uninstall.sh"
check "odbcinst.ini has the driver section with the installed path" \
  grep -qx "Driver = $prefix/lib/libkintoneodbc.so" "$etc/odbcinst.ini"
check "odbcinst.ini has UsageCount = 1 and DriverODBCVer = 03.80" \
  grep -qx "UsageCount = 1" "$etc/odbcinst.ini"
check "unixODBC lists the driver" contains "$(odbcinst -q -d)" "[Kintone ODBC Driver]"
check "no [ODBC Drivers] section in a unixODBC-only file" \
  bash -c "! grep -q 'ODBC Drivers' '$etc/odbcinst.ini'"
check "unixODBC lists the DSN" contains "$(odbcinst -q -s)" "[KintoneTest]"
got=$(isql_query KintoneTest) || true
check "isql connects through the installed DSN and gets $expect" contains "$got" "$expect"
if [ "$driver_kind" = kintone ]; then
  got=$(echo "SELECT Location FROM sys_information" | isql -b -d, KintoneTest 2>&1) || true
  check "the driver that answers is the installed copy" contains "$got" "$prefix/lib/libkintoneodbc.so"
fi
check "odbcinst -i -d -f PREFIX/odbcinst.ini is valid for odbcinst" \
  grep -q "^Driver = $prefix/lib/libkintoneodbc.so" "$prefix/odbcinst.ini"
out=$("$prefix/uninstall.sh" --purge 2>&1) || { echo "$out"; bad "uninstall.sh succeeds"; }
check "uninstall.sh says what it removed" contains "$out" "removed driver 'Kintone ODBC Driver' from $etc/odbcinst.ini"
check "uninstall.sh removes the prefix" test ! -e "$tmp/opt/kintone-odbc"
check "odbcinst.ini is empty again" test ! -s "$etc/odbcinst.ini"
check "odbc.ini is empty again" test ! -s "$etc/odbc.ini"
check "the user odbc.ini is untouched" test ! -s "$HOME/.odbc.ini"

echo "# existing entries survive; DSNs are kept without --purge; UsageCount"
printf '; hand-written\n[Other Driver]\nDriver = /usr/lib/other.so\nUsageCount = 1\n' >"$etc/odbcinst.ini"
printf '[other]\nDriver = Other Driver\n' >"$etc/odbc.ini"
cp "$etc/odbcinst.ini" "$tmp/odbcinst.before"
cp "$etc/odbc.ini" "$tmp/odbc.before"
"$root/scripts/install.sh" --prefix "$prefix" --driver-lib "$driver_lib" --bin "$kbin" \
  --dm unixodbc --system --sample-dsn KintoneTest \
  ${check_args[@]+"${check_args[@]}"} "${dsn_args[@]}" >/dev/null
# A second registration of the same driver (another product bundling it).
"$kbin" driver install --library "$prefix/lib/libkintoneodbc.so" --dm unixodbc --system >/dev/null
check "a second registration counts UsageCount = 2" grep -qx "UsageCount = 2" "$etc/odbcinst.ini"
out=$("$prefix/uninstall.sh" 2>&1)
check "uninstall.sh keeps the section another installation uses" contains "$out" "UsageCount is now 1"
check "uninstall.sh keeps the DSN without --purge" contains "$out" "kept DSN 'KintoneTest'"
check "the kept DSN is still in odbc.ini" grep -qx "\[KintoneTest\]" "$etc/odbc.ini"
"$kbin" driver uninstall --dm unixodbc --system >/dev/null
"$kbin" dsn remove KintoneTest --dm unixodbc --system >/dev/null
check "hand-written odbcinst.ini is byte-identical after all that" cmp -s "$etc/odbcinst.ini" "$tmp/odbcinst.before"
check "hand-written odbc.ini is byte-identical after all that" cmp -s "$etc/odbc.ini" "$tmp/odbc.before"
check "the prefix is gone" test ! -e "$prefix"
unset ODBCSYSINI ODBCINSTINI ODBCINI

echo "# macOS layout on Linux: --target-os macos --root DIR, read back by iODBC"
mroot="$tmp/macroot"
mprefix="$tmp/Applications/Kintone ODBC Driver"
mkdir -p "$mroot"
out=$("$root/scripts/install.sh" --prefix "$mprefix" --driver-lib "$driver_lib" --bin "$kbin" \
  --target-os macos --root "$mroot" --system --sample-dsn MacDSN \
  ${check_args[@]+"${check_args[@]}"} "${dsn_args[@]}" 2>&1) ||
  { echo "$out"; bad "install.sh (macOS layout) succeeds"; }
minst="$mroot/Library/ODBC/odbcinst.ini"
modbc="$mroot/Library/ODBC/odbc.ini"
check "the library is installed as .dylib" test -f "$mprefix/lib/libkintoneodbc.dylib"
check "Library/ODBC/odbcinst.ini lists the driver in [ODBC Drivers]" \
  grep -qx "Kintone ODBC Driver = Installed" "$minst"
check "Library/ODBC/odbcinst.ini has DriverUnicodeType = 1" grep -qx "DriverUnicodeType = 1" "$minst"
check "Library/ODBC/odbc.ini lists the DSN in [ODBC Data Sources]" \
  grep -qx "MacDSN = Kintone ODBC Driver" "$modbc"
if command -v iodbctest >/dev/null; then
  got=$(echo "$query" | ODBCINSTINI="$minst" ODBCINI="$modbc" iodbctest "DSN=MacDSN" 2>&1 || true)
  check "iODBC reads the macOS files and the query returns $expect" contains "$got" "$expect"
fi
out=$("$mprefix/uninstall.sh" --purge 2>&1) || { echo "$out"; bad "uninstall.sh (macOS layout) succeeds"; }
check "uninstall removes the Library/ODBC it created" test ! -e "$mroot/Library"
check "uninstall removes the application directory" test ! -e "$mprefix"

echo "# a package's post-install: install.sh --in-place registers the tree already there"
etc="$tmp/etc2"
mkdir -p "$etc"
export ODBCSYSINI="$etc" ODBCINSTINI=odbcinst.ini ODBCINI="$HOME/.odbc.ini"
pkg="$tmp/pkg/Kintone ODBC Driver"
mkdir -p "$pkg/bin" "$pkg/lib"
cp "$root/scripts/install.sh" "$root/scripts/uninstall.sh" "$pkg/"
cp "$root/scripts/install-license.sh" "$kbin" "$pkg/bin/"
cp "$driver_lib" "$pkg/lib/libkintoneodbc.so"
"$pkg/install.sh" --in-place --prefix "$pkg" --dm unixodbc --system >/dev/null
check "--in-place registers the tree's library" grep -qx "Driver = $pkg/lib/libkintoneodbc.so" "$etc/odbcinst.ini"
"$pkg/uninstall.sh" >/dev/null
check "uninstall.sh removes the whole package tree" test ! -e "$pkg"
check "and the odbcinst.ini the registration created" test ! -e "$etc/odbcinst.ini"
unset ODBCSYSINI ODBCINSTINI ODBCINI

echo "# install-license.sh: key, bad key, trial, repeated trial"
export KINTONE_ODBC_BIN="$kbin"
"$kbin" license keygen --out "$tmp/keys" >/dev/null
KINTONE_ODBC_PUBLIC_KEY=$(cat "$tmp/keys/public.key")
export KINTONE_ODBC_PUBLIC_KEY
key=$("$kbin" license issue --signing-key "$tmp/keys/signing.key" --licensee "Example K.K." --edition Standard --expires 2099-12-31)
lic="$root/scripts/install-license.sh"
out=$("$lic" "$key" --name "Test User" --system 2>&1)
check "a key installs system-wide" contains "$out" "licence installed for all users of this machine in $KINTONE_ODBC_LICENSE_DIR/license: Example K.K. (Standard edition), valid through 2099-12-31"
check "license show reports the licensee" contains "$("$kbin" license show)" "licensed to Example K.K. (Standard edition)"
rm -rf "$KINTONE_ODBC_LICENSE_DIR"
# One interior character of the signature changed, to a value it surely did not have
# (replacing the last two with "AA" left a key ending in "AA" valid: about 1 run in 256).
i=$(( ${#key} - 10 ))
if [ "${key:$i:1}" = A ]; then r=B; else r=A; fi
bad_key="${key:0:$i}$r${key:$((i + 1))}"
if out=$("$lic" "$bad_key" --name "Test User" --system 2>&1); then bad "a bad key fails"; else ok "a bad key fails"; fi
check "a bad key says why" contains "$out" "signature does not match"
check "a bad key writes nothing" test ! -e "$KINTONE_ODBC_LICENSE_DIR"
if out=$("$lic" "not-a-key" --name "Test User" 2>&1); then bad "garbage fails"; else ok "garbage fails"; fi
check "garbage is named as not a key" contains "$out" "not a Kintone ODBC licence key"
if out=$(KINTONE_ODBC_LICENSEE_NAME="" "$lic" </dev/null 2>&1); then bad "no name fails"; else ok "no name and no terminal fails"; fi
check "no name says how to give it" contains "$out" "a name is needed"
check "nothing was written by the failures" test ! -e "$KINTONE_ODBC_TRIAL_DIR" -a ! -e "$KINTONE_ODBC_USER_DIR"

out=$(KINTONE_ODBC_TODAY=2026-01-01 "$lic" --name "Test User" --system 2>&1)
check "no key activates the 30-day trial" contains "$out" "30-day trial activated for all users of this machine ($KINTONE_ODBC_TRIAL_DIR/trial): 30 days left"
cp "$KINTONE_ODBC_TRIAL_DIR/trial" "$tmp/trial.before"
out=$(KINTONE_ODBC_TODAY=2026-01-11 "$lic" --name "Test User" --system 2>&1)
check "running it again does not extend the trial" contains "$out" "activated on 2026-01-01 and is not extended: 20 days left"
out=$(KINTONE_ODBC_TODAY=2026-01-11 "$lic" --name "Other User" --user 2>&1)
check "nor does running it without sudo" contains "$out" "activated on 2026-01-01 and is not extended: 20 days left"
check "the marker is unchanged and no user marker appeared" \
  bash -c "cmp -s '$KINTONE_ODBC_TRIAL_DIR/trial' '$tmp/trial.before' && test ! -e '$KINTONE_ODBC_USER_DIR/trial'"
check "license show counts down" contains "$(KINTONE_ODBC_TODAY=2026-01-21 "$kbin" license show)" "trial: 10 days left"
if out=$(KINTONE_ODBC_TODAY=2026-02-15 "$lic" --name "Test User" --system 2>&1); then
  bad "an expired trial cannot be activated again"
else
  ok "an expired trial cannot be activated again"
fi
check "the expired trial says so" contains "$out" "activated on 2026-01-01 has expired and is activated once per machine"
check "license show reports the expired trial" contains "$(KINTONE_ODBC_TODAY=2026-02-15 "$kbin" license show)" "trial expired"

if [ "$driver_kind" = kintone ]; then
  echo "# the driver in each licence state, through isql"
  etc="$tmp/etc3"
  mkdir -p "$etc"
  printf '[Kintone]\nDriver = %s\n' "$driver_lib" >"$etc/odbcinst.ini"
  printf '[lic]\nDriver = Kintone\nUrl = %s\nUser = demo\nPassword = demo\n' "$url" >"$etc/odbc.ini"
  licence_of_driver() {
    echo "SELECT License FROM sys_information" |
      ODBCSYSINI="$etc" ODBCINSTINI=odbcinst.ini ODBCINI="$etc/odbc.ini" isql -v -b lic 2>&1
  }
  got=$(KINTONE_ODBC_TODAY=2026-01-21 licence_of_driver)
  check "during the trial the driver connects and reports the days left" contains "$got" "trial: 10 days left"
  got=$(KINTONE_ODBC_TODAY=2026-02-15 licence_of_driver)
  check "after the trial a source build still connects and reports it" contains "$got" "trial expired"
  "$lic" "$key" --name "Test User" --system >/dev/null
  got=$(KINTONE_ODBC_TODAY=2026-02-15 licence_of_driver)
  check "with a key the driver reports the licensee" contains "$got" "licensed to Example K.K. (Standard edition), valid through 2099-12-31"
fi

echo "# every script: --help, shellcheck"
for s in "$root"/scripts/install.sh "$root"/scripts/uninstall.sh "$root"/scripts/install-license.sh \
  "$root"/scripts/package.sh "$root"/tests/install/run.sh; do
  check "$(basename "$s") --help" contains "$("$s" --help)" "Usage:"
done
if command -v shellcheck >/dev/null; then
  check "shellcheck" shellcheck "$root"/scripts/install.sh "$root"/scripts/uninstall.sh \
    "$root"/scripts/install-license.sh "$root"/scripts/package.sh "$root"/tests/install/run.sh
fi

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
