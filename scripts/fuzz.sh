#!/usr/bin/env bash
# Runs the AFL++ targets of fuzz/ for a bounded time each, keeps what they learn in
# fuzz/corpus/<target>/, and fails when any target crashed or hung (see fuzz/README.md).
set -euo pipefail

ALL_TARGETS=(connstr sqltext query_builder json_decode c_convert)

usage() {
  cat <<EOF
Usage: scripts/fuzz.sh [--seconds N] [--target NAME]... [--help]

Builds the AFL++ targets of fuzz/ with cargo-afl, fuzzes each for N seconds
(default 60) from its corpus in fuzz/corpus/<target>/, prints per target the
executions, new corpus entries, crashes and hangs, and adds the new entries
(minimised, deduplicated) to the corpus. Exits 1 when a crash or hang was found;
the findings stay in the printed work directory.

  --seconds N     fuzzing time per target (1-86400)
  --target NAME   only this target (repeatable): ${ALL_TARGETS[*]}
  --help          this text

Environment: FUZZ_TARGET_DIR (default ~/.cache/kintone-odbc/fuzz-target) is the
build directory, outside the repository.
Installs when missing: Debian's afl++ (apt-get) and cargo-afl (cargo install).
EOF
}

seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds)
      [ $# -ge 2 ] || { echo "--seconds needs a value" >&2; exit 2; }
      seconds=$2
      shift 2
      ;;
    --target)
      [ $# -ge 2 ] || { echo "--target needs a value" >&2; exit 2; }
      targets+=("$2")
      shift 2
      ;;
    --help | -h)
      usage
      exit 0
      ;;
    *)
      echo "unknown argument: $1 (see --help)" >&2
      exit 2
      ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ] || [ "$seconds" -gt 86400 ]; then
  echo "--seconds must be a number from 1 to 86400" >&2
  exit 2
fi
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${ALL_TARGETS[@]}" | grep -qx -- "$t"; then
    echo "unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
done

root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kintone-odbc/fuzz-target}

step() { printf '\n== %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# --- tools -----------------------------------------------------------------------
if ! command -v afl-fuzz > /dev/null; then
  step "installing afl++ (Debian)"
  as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y afl++
fi
if ! cargo afl --version > /dev/null 2>&1; then
  step "installing cargo-afl"
  timeout 1800 cargo install cargo-afl --locked
fi
# cargo-afl links its own AFL++ runtime, built once per Rust toolchain from the
# source it ships with.
if ! out=$(timeout 900 cargo afl config --build 2>&1); then
  if ! grep -q "already built" <<< "$out"; then
    echo "$out" >&2
    exit 1
  fi
fi

# --- build -----------------------------------------------------------------------
step "building the targets (cargo afl build --release, in $CARGO_TARGET_DIR)"
(cd "$root/fuzz" && timeout 7200 cargo afl build --release --locked)

# --- fuzz ------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/kintone-fuzz.XXXXXX")
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
# Other builds share the cores: do not insist on one of our own.
export AFL_NO_AFFINITY=1
# A short unattended run: no waiting for a stable map.
export AFL_NO_STARTUP_CALIBRATION=1 AFL_QUIET=1

stat_of() { # file key
  awk -F: -v k="$2" '{gsub(/ /, "", $1)} $1 == k {gsub(/ /, "", $2); print $2; exit}' "$1" 2> /dev/null
}

findings=0
summary=()
for t in "${targets[@]}"; do
  step "fuzzing $t for ${seconds}s"
  bin="$CARGO_TARGET_DIR/release/$t"
  seeds="$root/fuzz/corpus/$t"
  out="$work/$t"
  # -V: stop after N seconds; the outer timeout is only a backstop. -t: an input
  # that runs past 3 s is a hang.
  set +e
  timeout --kill-after=30 $((seconds + 300)) \
    cargo afl fuzz -V "$seconds" -t 3000 -i "$seeds" -o "$out" -- "$bin" > "$work/$t.log" 2>&1
  rc=$?
  set -e
  stats="$out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "afl-fuzz did not run for $t (exit $rc); its log:" >&2
    tail -40 "$work/$t.log" >&2
    exit 1
  fi
  execs=$(stat_of "$stats" execs_done)
  crashes=$(stat_of "$stats" saved_crashes)
  hangs=$(stat_of "$stats" saved_hangs)
  crashes=${crashes:-$(find "$out/default/crashes" -type f -name 'id:*' 2> /dev/null | wc -l)}
  hangs=${hangs:-$(find "$out/default/hangs" -type f -name 'id:*' 2> /dev/null | wc -l)}
  # Queue entries not taken from the seeds are what this run learned.
  new=$(find "$out/default/queue" -maxdepth 1 -type f -name 'id:*' ! -name '*orig:*' | wc -l)

  # Keep the new entries: minimised when cmin finishes in time, deduplicated by
  # content, small files only, the whole corpus under 2 MB.
  added=0
  if [ "$new" -gt 0 ]; then
    min="$work/$t.min"
    # cmin gets at most as long as the fuzzing did (2 minutes at most); without it,
    # only the entries that found new edges are kept, 100 at most.
    if ! timeout $((seconds < 120 ? seconds : 120)) \
      cargo afl cmin -i "$out/default/queue" -o "$min" -t 3000 -- "$bin" > "$work/$t.cmin.log" 2>&1; then
      rm -rf "$min"
      mkdir -p "$min"
      find "$out/default/queue" -maxdepth 1 -type f -name 'id:*+cov*' ! -name '*orig:*' | sort | awk 'NR <= 100' |
        while read -r f; do cp "$f" "$min/"; done
    fi
    declare -A have=()
    for f in "$seeds"/*; do
      [ -f "$f" ] && have[$(sha1sum < "$f" | cut -c1-16)]=1
    done
    for f in "$min"/*; do
      [ -f "$f" ] || continue
      [ "$(stat -c %s "$f")" -le 4096 ] || continue
      h=$(sha1sum < "$f" | cut -c1-16)
      [ -z "${have[$h]:-}" ] || continue
      [ "$(du -sk --apparent-size "$root/fuzz/corpus" | cut -f1)" -lt 1900 ] || break
      cp "$f" "$seeds/afl-$h"
      have[$h]=1
      added=$((added + 1))
    done
    unset have
  fi
  summary+=("$(printf '%-14s %12s %8s %8s %8s %6s' "$t" "${execs:-?}" "$new" "$added" "${crashes:-0}" "${hangs:-0}")")
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    findings=1
    for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
      [ -f "$f" ] && echo "finding: $f"
    done
  fi
done

step "summary (${seconds}s per target)"
printf '%-14s %12s %8s %8s %8s %6s\n' target execs new kept crashes hangs
printf '%s\n' "${summary[@]}"
if [ "$findings" != 0 ]; then
  echo
  echo "findings kept in $work; reproduce one with:"
  echo "  $CARGO_TARGET_DIR/release/<target> < <finding file>"
  exit 1
fi
rm -rf "$work"
echo "no findings"
