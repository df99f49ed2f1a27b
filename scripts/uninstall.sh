#!/usr/bin/env bash
# Undoes install.sh: unregisters the driver (UsageCount - 1, the section removed when no
# other installation uses it), deletes the installed files and the ini files and
# directories the install created, and says what it removed. DSNs are kept unless
# --purge.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: uninstall.sh [--prefix DIR] [--purge] [--help]

Removes the Kintone ODBC driver installed by install.sh. Run it from the installation
directory (it finds its install.manifest there), or name the prefix. Use sudo when the
install was system-wide.

  --prefix DIR  the installation to remove (default: the directory of this script)
  --purge       also remove the DSNs that use the driver (the sample DSN and any other
                DSN whose Driver is the installed driver name); licences and the trial
                marker are always kept
  --help        show this help
TXT
}

die() { echo "uninstall.sh: $*" >&2; exit 1; }

prefix=""
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
prefix=${prefix:-$(cd "$(dirname "$0")" && pwd)}
manifest="$prefix/share/kintone-odbc/install.manifest"
[ -f "$manifest" ] || die "$manifest not found: is the driver installed in $prefix? (use --prefix)"
[ -w "$manifest" ] || die "$prefix is not writable: run with sudo"

files=()
dirs=()
ini_files=()
ini_dirs=()
dsns=()
target_args=()
driver_name="Kintone ODBC Driver"
registered=no
while IFS=$'\t' read -r kind value; do
  case "$kind" in
    ''|'#'*) ;;
    file) files+=("$value") ;;
    dir) dirs+=("$value") ;;
    ini-file) ini_files+=("$value") ;;
    ini-dir) ini_dirs+=("$value") ;;
    dsn) dsns+=("$value") ;;
    arg) target_args+=("$value") ;;
    driver-name) driver_name=$value ;;
    registered) registered=$value ;;
    *) die "$manifest: unknown entry '$kind'" ;;
  esac
done <"$manifest"

kodbc="$prefix/bin/kintone-odbc"
if [ "$registered" = yes ]; then
  [ -x "$kodbc" ] || die "$kodbc is missing: cannot unregister the driver"
  if [ "$purge" = 1 ]; then
    # The sample DSN and every other DSN naming this driver, in the files registered.
    while IFS=$'\t' read -r name driver _; do
      [ "$driver" = "$driver_name" ] && dsns+=("$name")
    done < <("$kodbc" dsn list ${target_args[@]+"${target_args[@]}"})
    for d in ${dsns[@]+"${dsns[@]}"}; do
      "$kodbc" dsn remove "$d" ${target_args[@]+"${target_args[@]}"} 2>/dev/null || true
    done
  else
    for d in ${dsns[@]+"${dsns[@]}"}; do
      echo "kept DSN '$d' (remove it with --purge)"
    done
  fi
  "$kodbc" driver uninstall --name "$driver_name" ${target_args[@]+"${target_args[@]}"}
  # Ini files the install created go again when nothing else was written to them.
  for f in ${ini_files[@]+"${ini_files[@]}"}; do
    if [ -f "$f" ] && ! grep -q '[^[:space:]]' "$f"; then
      rm -f "$f" && echo "removed $f"
    fi
  done
  for ((i = ${#ini_dirs[@]} - 1; i >= 0; i--)); do
    if rmdir "${ini_dirs[$i]}" 2>/dev/null; then echo "removed ${ini_dirs[$i]}/"; fi
  done
fi

for ((i = ${#files[@]} - 1; i >= 0; i--)); do
  f=${files[$i]}
  if [ -e "$f" ] || [ -L "$f" ]; then
    rm -f "$f" && echo "removed $f"
  fi
done
for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
  d=${dirs[$i]}
  if [ -d "$d" ]; then
    if rmdir "$d" 2>/dev/null; then echo "removed $d/"; else echo "kept $d/ (not empty)"; fi
  fi
done
echo "the Kintone ODBC driver is uninstalled from $prefix"
