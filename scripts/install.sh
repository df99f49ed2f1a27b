#!/usr/bin/env bash
# Installs the Kintone ODBC driver (library, the kintone-odbc command, scripts) into a
# prefix, registers it with the driver managers present, and optionally adds a sample
# DSN. Writes PREFIX/share/kintone-odbc/install.manifest so that uninstall.sh undoes
# exactly what was done.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: install.sh [options]

Installs the Kintone ODBC driver into a prefix and registers it with unixODBC and/or
iODBC. Run it from a release tree (the unpacked tarball) or from a source clone after
`cargo build --release --workspace`. Use sudo for a system-wide install.

  --prefix DIR          install here (default: /opt/kintone-odbc on Linux,
                        "/Applications/Kintone ODBC Driver" on macOS)
  --driver-lib PATH     driver library to install (default: lib/ of the release tree,
                        or $CARGO_TARGET_DIR/release/libkintoneodbc.so|.dylib in a clone)
  --bin PATH            the kintone-odbc command to install (same defaults)
  --dm auto|unixodbc|iodbc|both
                        driver manager(s) to register with (default: auto = those found)
  --user | --system     the current user's ini files or the system's
                        (default: system when root, user otherwise)
  --target-os linux|macos, --root DIR
                        write the ini layout of that OS under DIR instead of the real
                        system files (ODBCSYSINI/ODBCINI/ODBCINSTINI are then ignored)
  --driver-name NAME    name of the driver section (default "Kintone ODBC Driver")
  --sample-dsn NAME     also add a DSN called NAME
  --dsn-property K=V    a property of the sample DSN (repeatable), e.g. Url=https://x.cybozu.com
  --no-check            do not check the DSN's keys against the driver's properties
  --no-register         copy the files only
  --in-place            the files are already in PREFIX (package post-install): only
                        register and write the manifest
  --help                show this help

Environment: ODBCSYSINI, ODBCINSTINI, ODBCINI select other ini files, as for the
driver managers themselves (see README "Install").
TXT
}

die() { echo "install.sh: $*" >&2; exit 1; }

case "$(uname -s)" in
  Darwin) os=macos ;;
  *) os=linux ;;
esac
prefix=""
driver_lib=""
bin=""
dm=auto
scope_args=()
layout_args=()
driver_name="Kintone ODBC Driver"
sample_dsn=""
dsn_props=()
check_args=()
register=1
in_place=0

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --driver-lib) driver_lib=${2:?--driver-lib needs a path}; shift 2 ;;
    --bin) bin=${2:?--bin needs a path}; shift 2 ;;
    --dm) dm=${2:?--dm needs a value}; shift 2 ;;
    --user|--system) scope_args=("$1"); shift ;;
    --target-os) os=${2:?--target-os needs linux or macos}; layout_args+=(--target-os "$2"); shift 2 ;;
    --root) layout_args+=(--root "${2:?--root needs a directory}"); shift 2 ;;
    --driver-name) driver_name=${2:?--driver-name needs a name}; shift 2 ;;
    --sample-dsn) sample_dsn=${2:?--sample-dsn needs a name}; shift 2 ;;
    --dsn-property) dsn_props+=("${2:?--dsn-property needs KEY=VALUE}"); shift 2 ;;
    --no-check) check_args=(--no-check); shift ;;
    --no-register) register=0; shift ;;
    --in-place) in_place=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

case "$os" in
  macos) ext=dylib; default_prefix="/Applications/Kintone ODBC Driver" ;;
  linux) ext=so; default_prefix=/opt/kintone-odbc ;;
  *) die "--target-os must be linux or macos, not '$os'" ;;
esac
prefix=${prefix:-$default_prefix}
case "$prefix" in
  /*) ;;
  *) prefix="$(pwd)/$prefix" ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
# Where the pieces come from: a release tree has lib/ beside install.sh; a clone has
# the build's output under the target directory.
if [ "$in_place" = 1 ]; then
  src_lib="$prefix/lib/libkintoneodbc.$ext"
  src_bin="$prefix/bin/kintone-odbc"
  src_uninstall="$prefix/uninstall.sh"
  src_license="$prefix/bin/install-license.sh"
  src_readme=""
elif [ -f "$here/bin/install-license.sh" ] && [ -f "$here/uninstall.sh" ]; then
  src_lib="$here/lib/libkintoneodbc.$ext"
  src_bin="$here/bin/kintone-odbc"
  src_uninstall="$here/uninstall.sh"
  src_license="$here/bin/install-license.sh"
  src_readme="$here/README.md"
else
  repo=$(cd "$here/.." && pwd)
  target=${CARGO_TARGET_DIR:-$repo/target}
  src_lib="$target/release/libkintoneodbc.$ext"
  src_bin="$target/release/kintone-odbc"
  src_uninstall="$here/uninstall.sh"
  src_license="$here/install-license.sh"
  src_readme="$repo/README.md"
fi
[ -n "$driver_lib" ] && src_lib=$driver_lib
[ -n "$bin" ] && src_bin=$bin
for f in "$src_lib" "$src_bin" "$src_uninstall" "$src_license"; do
  [ -f "$f" ] || die "$f is missing (build with: cargo build --release --workspace, or pass --driver-lib/--bin)"
done

manifest_dir="$prefix/share/kintone-odbc"
manifest="$manifest_dir/install.manifest"
[ -f "$manifest" ] && die "already installed in $prefix: run '$prefix/uninstall.sh' first"

# The manifest records, one "kind<TAB>value" per line, what uninstall.sh must undo.
entries=()
record() { entries+=("$1	$2"); }

mkdirs() {
  # Records each directory this run creates, outermost first.
  local d=$1 missing=()
  while [ ! -d "$d" ]; do missing=("$d" ${missing[@]+"${missing[@]}"}); d=$(dirname "$d"); done
  for d in ${missing[@]+"${missing[@]}"}; do
    mkdir "$d" || die "cannot create $d (run with sudo for a system-wide install)"
    record dir "$d"
  done
}

install_file() {
  # install_file SRC DEST MODE
  if ! { cp "$1" "$2.tmp.$$" && chmod "$3" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"; }; then
    die "cannot write $2 (run with sudo for a system-wide install)"
  fi
  record file "$2"
}

lib="$prefix/lib/libkintoneodbc.$ext"
kodbc="$prefix/bin/kintone-odbc"
if [ "$in_place" = 1 ]; then
  # A package put the tree there: all of it is this installation's.
  while IFS= read -r -d '' d; do record dir "$d"; done < <(find "$prefix" -type d -print0)
  while IFS= read -r -d '' f; do record file "$f"; done < <(find "$prefix" -type f -print0)
  mkdirs "$manifest_dir"
else
  mkdirs "$prefix"
  mkdirs "$prefix/bin"
  mkdirs "$prefix/lib"
  mkdirs "$manifest_dir"
  install_file "$src_lib" "$lib" 755
  install_file "$src_bin" "$kodbc" 755
  install_file "$src_license" "$prefix/bin/install-license.sh" 755
  install_file "$src_uninstall" "$prefix/uninstall.sh" 755
  if [ -n "$src_readme" ] && [ -f "$src_readme" ]; then
    install_file "$src_readme" "$prefix/README.md" 644
  fi
fi
# The odbcinst template with this prefix's library, for `odbcinst -i -d -f`.
{
  echo "; for: odbcinst -i -d -f \"$prefix/odbcinst.ini\""
  echo "[$driver_name]"
  echo "Description = ODBC driver for Kintone"
  echo "Driver = $lib"
  echo "APILevel = 1"
  echo "ConnectFunctions = YYN"
  echo "DriverODBCVer = 03.80"
  echo "FileUsage = 0"
  echo "SQLLevel = 1"
  echo "Threading = 0"
  echo "DriverUnicodeType = 1"
} >"$prefix/odbcinst.ini"
record file "$prefix/odbcinst.ini"
echo "installed the driver files in $prefix"

target_args=(--dm "$dm" ${scope_args[@]+"${scope_args[@]}"} ${layout_args[@]+"${layout_args[@]}"})
for a in ${target_args[@]+"${target_args[@]}"}; do record arg "$a"; done
record driver-name "$driver_name"

if [ "$register" = 1 ]; then
  # Ini files (and their directories) that do not exist yet are created by the
  # registration; uninstall.sh deletes them again if nothing else was written to them.
  while IFS=$'\t' read -r _ _ path; do
    [ -n "$path" ] || continue
    if [ ! -e "$path" ]; then
      d=$(dirname "$path")
      dirs=()
      while [ ! -d "$d" ]; do dirs=("$d" ${dirs[@]+"${dirs[@]}"}); d=$(dirname "$d"); done
      for d in ${dirs[@]+"${dirs[@]}"}; do record ini-dir "$d"; done
      record ini-file "$path"
    fi
  done < <("$kodbc" driver paths ${target_args[@]+"${target_args[@]}"})
  record registered yes
  "$kodbc" driver install --library "$lib" --name "$driver_name" ${target_args[@]+"${target_args[@]}"}
  if [ -n "$sample_dsn" ]; then
    [ ${#dsn_props[@]} -gt 0 ] || dsn_props=(Url=https://YOUR-SUBDOMAIN.cybozu.com AuthScheme=Password User= Password=)
    "$kodbc" dsn add "$sample_dsn" --driver "$driver_name" ${check_args[@]+"${check_args[@]}"} \
      --description "Kintone (added by install.sh)" ${target_args[@]+"${target_args[@]}"} ${dsn_props[@]+"${dsn_props[@]}"}
    record dsn "$sample_dsn"
  fi
fi

record file "$manifest"
{
  echo "# kintone-odbc install manifest: written by install.sh, read by uninstall.sh"
  printf '%s\n' ${entries[@]+"${entries[@]}"}
} >"$manifest"
echo "uninstall with: $prefix/uninstall.sh"
