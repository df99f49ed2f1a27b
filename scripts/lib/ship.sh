# shellcheck shell=bash
# The shipping build of issue 15 P5, sourced by scripts/package.sh and scripts/size-check.sh
# so that the library size-check measures is the library package.sh ships.
#
# Cargo profile "ship" (Cargo.toml) does most of it: fat LTO, one codegen unit,
# opt-level "z", no debug info; panic stays "unwind" (the C API catches panics). On Linux
# two flags a profile cannot hold on stable Cargo make it smaller still:
#   -C force-unwind-tables=no  (every crate) no unwind tables for functions that cannot
#                              unwind; functions a panic can cross keep theirs, so
#                              catch_unwind works as before (only backtraces through
#                              such frames get shorter);
#   -Wl,--icf=all              (the library's link) rust-lld folds identical functions.
# They go in through `cargo --config` (added to the user's configured rustflags; a set
# RUSTFLAGS variable replaces them) and `cargo rustc` (the link argument for the library
# only). Both use the same rustflags,
# so the library and the kintone-odbc command share their dependencies' builds.
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
    # Opt-in, about 3 MB less (51.1 -> 48.0 MB in issue 15): lets lld also fold identical
    # read-only data (exception tables, vtables, immutable statics). Rust promises
    # distinct addresses to distinct statics, which this gives up; not audited, so off.
    if [ "${KODBC_SHIP_ICF_DATA:-0}" = 1 ]; then
      ship_link+=(-C link-arg=-Wl,--ignore-data-address-equality)
    fi
  fi
fi

# ship_build_lib [CARGO ARGS...]: libkintoneodbc into $CARGO_TARGET_DIR/ship.
ship_build_lib() {
  if [ ${#ship_link[@]} -gt 0 ]; then
    "${ship_cargo[@]}" rustc --profile ship -p kintone-odbc-driver --lib "$@" -- "${ship_link[@]}"
  else
    "${ship_cargo[@]}" rustc --profile ship -p kintone-odbc-driver --lib "$@"
  fi
}

# ship_build_bin [CARGO ARGS...]: the kintone-odbc command into $CARGO_TARGET_DIR/ship.
ship_build_bin() {
  "${ship_cargo[@]}" build --profile ship -p kintone-odbc-installer "$@"
}
