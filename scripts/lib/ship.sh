# shellcheck shell=bash
# The shipping build of issue 15 P5, sourced by scripts/package.sh and scripts/size-check.sh
# so that the library size-check measures is the library package.sh ships.
#
# Cargo profile "ship" (Cargo.toml) does most of it: fat LTO, one codegen unit,
# opt-level "z", no debug info; panic stays "unwind" (the C API catches panics).
# `--crate-type cdylib`: the driver's [lib] is also an rlib (its tests link the safe
# core), and Cargo runs LTO only for a target whose every crate type can take it; with
# both types it silently built the library without LTO (51.8 MB against 42.2 MB, and
# every call between crates went through the GOT).
# On Linux two flags a profile cannot hold on stable Cargo make it smaller still:
#   -C force-unwind-tables=no  (every crate) no unwind tables for functions that cannot
#                              unwind; functions a panic can cross keep theirs, so
#                              catch_unwind works as before (only backtraces through
#                              such frames get shorter);
#   -Wl,--icf=all              (the library's link) rust-lld folds identical functions.
# They go in through `cargo --config` (added to the user's configured rustflags; a set
# RUSTFLAGS variable replaces them) and `cargo rustc` (the link argument for the library
# only). Both use the same rustflags,
# so the library and the kintone-odbc command share their dependencies' builds.
# Not `--ignore-data-address-equality`: folding identical read-only data merged
# mimalloc's two sentinel heaps (`_mi_theap_empty`, `_mi_theap_empty_wrong`, told apart
# by address), and the first connection aborted with "memory allocation failed".
# macOS keeps the profile alone: Apple targets need unwind tables and ld64 folds
# identical functions by itself.

ship_cargo=(cargo)
ship_link=()
if [ "$(uname -s)" = Linux ]; then
  ship_cargo=(cargo --config 'build.rustflags = ["-C", "force-unwind-tables=no"]')
  # rust-lld is rustc's default linker on x86_64 Linux (Rust 1.90 and later); GNU ld,
  # the default elsewhere, has no --icf. KODBC_SHIP_ICF=0 leaves it out.
  if [ "$(uname -m)" = x86_64 ] && [ "${KODBC_SHIP_ICF:-1}" = 1 ]; then
    ship_link=(-C link-arg=-Wl,--icf=all)
  fi
fi

# ship_build_lib [CARGO ARGS...]: libkintoneodbc into $CARGO_TARGET_DIR/ship.
ship_build_lib() {
  if [ ${#ship_link[@]} -gt 0 ]; then
    "${ship_cargo[@]}" rustc --profile ship -p kintone-odbc-driver --lib --crate-type cdylib "$@" -- "${ship_link[@]}"
  else
    "${ship_cargo[@]}" rustc --profile ship -p kintone-odbc-driver --lib --crate-type cdylib "$@"
  fi
}

# ship_build_bin [CARGO ARGS...]: the kintone-odbc command into $CARGO_TARGET_DIR/ship.
ship_build_bin() {
  "${ship_cargo[@]}" build --profile ship -p kintone-odbc-installer "$@"
}
