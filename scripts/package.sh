#!/usr/bin/env bash
# Builds release packages of the Kintone ODBC driver: on Linux a tarball (a release tree
# with install.sh) and a .deb when dpkg-deb is present; on macOS a universal (arm64 +
# x86_64) tarball and a .pkg whose postinstall registers the driver for iODBC.
# Release packages are built with the licence feature "enforce" (an expired trial or no
# licence refuses connections); source builds are not.
# They are built with the Cargo profile "ship" (Cargo.toml: fat LTO, one codegen unit,
# opt-level "z", no debug info) plus, on Linux, the flags of scripts/lib/ship.sh, not with
# "release" (tests and CI); and only the two shipped packages: the driver library and the
# kintone-odbc command. scripts/size-check.sh builds the library the same way and checks
# its stripped size.
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: scripts/package.sh [--out DIR] [--no-build] [--no-enforce] [--no-deb] [--help]

  --out DIR      where packages go (default: dist/)
  --no-build     package what is already built in $CARGO_TARGET_DIR/ship
                 (macOS: $CARGO_TARGET_DIR/<triple>/ship)
  --no-enforce   build without the licence enforcement (a source-build package)
  --no-deb       skip the .deb on Linux
  --no-wheel     skip the Python wheel (kintone-odbc, python/)
  --help         show this help

Build:  the Cargo profile "ship" (fat LTO; about 15-35 minutes from scratch on 2 cores)
        into $CARGO_TARGET_DIR (default target/), packages kintone-odbc-driver and
        kintone-odbc-installer, with --features kintone-license/enforce; on Linux with
        the flags of scripts/lib/ship.sh (no unwind tables where nothing can unwind;
        identical code folding on x86_64). scripts/size-check.sh checks the stripped
        size of the library.
Linux:  dist/kintone-odbc-VERSION-linux-ARCH.tar.gz  (unpack, then sudo ./install.sh)
        dist/kintone-odbc_VERSION_DEBARCH.deb         (postinst registers the driver)
macOS:  the universal build is made with
          cargo build --profile ship -p ... --target aarch64-apple-darwin
          cargo build --profile ship -p ... --target x86_64-apple-darwin
          lipo -create -output libkintoneodbc.dylib \
            target/aarch64-apple-darwin/ship/libkintoneodbc.dylib \
            target/x86_64-apple-darwin/ship/libkintoneodbc.dylib
        (the same for bin/kintone-odbc); `rustup target add` both targets first.
        dist/kintone-odbc-VERSION-macos-universal.pkg installs into
        "/Applications/Kintone ODBC Driver" and its postinstall runs install.sh
        --in-place, which registers the driver in /Library/ODBC/odbcinst.ini. The tree
        has no runtime dependency outside itself (Rust links statically; the driver
        never links the driver manager), as sandboxed apps such as Excel need.
TXT
}

die() { echo "package.sh: $*" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/dist"
build=1
features=(--features kintone-license/enforce)
deb=1
wheel=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-enforce) features=(); shift ;;
    --no-deb) deb=0; shift ;;
    --no-wheel) wheel=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

cd "$root"
# shellcheck source=scripts/lib/ship.sh
. "$root/scripts/lib/ship.sh"
target=${CARGO_TARGET_DIR:-$root/target}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || die "cannot read the version from Cargo.toml"
mkdir -p "$out"

# make_tree DIR LIB BIN EXT: the release tree install.sh expects.
make_tree() {
  local tree=$1 lib=$2 bin=$3 ext=$4 f
  for f in "$lib" "$bin"; do
    [ -f "$f" ] || die "$f is missing: build it first (package.sh without --no-build)"
  done
  rm -rf "$tree"
  mkdir -p "$tree/bin" "$tree/lib"
  cp "$lib" "$tree/lib/libkintoneodbc.$ext"
  cp "$bin" "$tree/bin/kintone-odbc"
  # The ship profile has no debug info; this drops the local symbols too.
  strip -x "$tree/lib/libkintoneodbc.$ext" 2>/dev/null || true
  strip "$tree/bin/kintone-odbc" 2>/dev/null || true
  cp scripts/install.sh scripts/uninstall.sh odbcinst.ini.template README.md "$tree/"
  cp scripts/install-license.sh "$tree/bin/"
  chmod 755 "$tree/install.sh" "$tree/uninstall.sh" "$tree/bin/"*
}

case "$(uname -s)" in
  Linux)
    arch=$(uname -m)
    if [ "$build" = 1 ]; then
      # The shipped packages only: --workspace would also build the test sandbox (a
      # fat-LTO link of its own) and unify hyper's server features into the library.
      ship_build_lib ${features[@]+"${features[@]}"}
      ship_build_bin ${features[@]+"${features[@]}"}
    fi
    name="kintone-odbc-$version-linux-$arch"
    tree="$out/$name"
    make_tree "$tree" "$target/ship/libkintoneodbc.so" "$target/ship/kintone-odbc" so
    tar -C "$out" -czf "$out/$name.tar.gz" "$name"
    echo "made $out/$name.tar.gz"
    if [ "$deb" = 1 ] && command -v dpkg-deb >/dev/null 2>&1; then
      debarch=$(dpkg --print-architecture)
      stage="$out/deb-$debarch"
      rm -rf "$stage"
      mkdir -p "$stage/DEBIAN" "$stage/opt/kintone-odbc"
      cp -a "$tree/bin" "$tree/lib" "$tree/README.md" "$stage/opt/kintone-odbc/"
      sed 's#^Driver = .*#Driver = /opt/kintone-odbc/lib/libkintoneodbc.so#' \
        odbcinst.ini.template >"$stage/opt/kintone-odbc/odbcinst.ini"
      cat >"$stage/DEBIAN/control" <<EOF
Package: kintone-odbc
Version: $version
Architecture: $debarch
Maintainer: kintone-odbc developers <kintone-odbc@users.noreply.github.com>
Depends: libc6
Recommends: unixodbc | libiodbc2
Section: database
Priority: optional
Description: ODBC driver for Kintone
 Every Kintone app as an SQL table, for unixODBC and iODBC clients.
EOF
      cat >"$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  /opt/kintone-odbc/bin/kintone-odbc driver install --system --dm auto \
    --library /opt/kintone-odbc/lib/libkintoneodbc.so || true
fi
EOF
      cat >"$stage/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = upgrade ]; then
  /opt/kintone-odbc/bin/kintone-odbc driver uninstall --system --dm auto || true
fi
EOF
      chmod 755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm"
      dpkg-deb --root-owner-group --build "$stage" "$out/kintone-odbc_${version}_$debarch.deb" >/dev/null
      rm -rf "$stage"
      echo "made $out/kintone-odbc_${version}_$debarch.deb"
    fi
    ;;
  Darwin)
    if [ "$build" = 1 ]; then
      for t in aarch64-apple-darwin x86_64-apple-darwin; do
        rustup target add "$t" >/dev/null
        cargo build --profile ship -p kintone-odbc-driver -p kintone-odbc-installer \
          --target "$t" ${features[@]+"${features[@]}"}
      done
    fi
    uni="$out/universal"
    mkdir -p "$uni"
    lipo -create -output "$uni/libkintoneodbc.dylib" \
      "$target/aarch64-apple-darwin/ship/libkintoneodbc.dylib" \
      "$target/x86_64-apple-darwin/ship/libkintoneodbc.dylib"
    lipo -create -output "$uni/kintone-odbc" \
      "$target/aarch64-apple-darwin/ship/kintone-odbc" \
      "$target/x86_64-apple-darwin/ship/kintone-odbc"
    name="kintone-odbc-$version-macos-universal"
    tree="$out/$name"
    make_tree "$tree" "$uni/libkintoneodbc.dylib" "$uni/kintone-odbc" dylib
    tar -C "$out" -czf "$out/$name.tar.gz" "$name"
    echo "made $out/$name.tar.gz"
    # The .pkg: the tree as "/Applications/Kintone ODBC Driver", registered by postinstall.
    payload="$out/pkg-root"
    scripts_dir="$out/pkg-scripts"
    rm -rf "$payload" "$scripts_dir"
    mkdir -p "$payload/Applications" "$scripts_dir"
    cp -R "$tree" "$payload/Applications/Kintone ODBC Driver"
    cat >"$scripts_dir/postinstall" <<'EOF'
#!/bin/bash
# Registers the driver for iODBC (/Library/ODBC) and, when Homebrew's unixODBC is
# present, for it too; writes the manifest uninstall.sh reads.
set -e
dst="/Applications/Kintone ODBC Driver"
rm -f "$dst/share/kintone-odbc/install.manifest"
"$dst/install.sh" --in-place --prefix "$dst" --system
# iODBC Administrator and Excel read these; the MariaDB/mongo packages set the same mode.
for f in /Library/ODBC/odbcinst.ini /Library/ODBC/odbc.ini; do
  [ -f "$f" ] && chmod 664 "$f" && chgrp admin "$f" || true
done
exit 0
EOF
    chmod 755 "$scripts_dir/postinstall"
    pkgbuild --root "$payload" --scripts "$scripts_dir" \
      --identifier io.github.kintone-odbc.driver --version "$version" \
      --install-location / "$out/$name.pkg"
    rm -rf "$payload" "$scripts_dir"
    echo "made $out/$name.pkg"
    ;;
  *) die "unsupported OS $(uname -s)" ;;
esac

# The Python package's wheel (python/, README "Python"), built by maturin from PyPI in a
# throw-away environment with the ship profile; on macOS one universal2 wheel. Needs
# python3 with venv; skipped, saying so, without it.
if [ "$wheel" = 1 ]; then
  if python3 -m venv --help >/dev/null 2>&1; then
    wenv=$(mktemp -d)
    python3 -m venv "$wenv"
    "$wenv/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.9.4,<2'
    wheel_target=()
    [ "$(uname -s)" = Darwin ] && wheel_target=(--target universal2-apple-darwin)
    "$wenv/bin/maturin" build --profile ship --manifest-path python/Cargo.toml --out "$out" \
      ${wheel_target[@]+"${wheel_target[@]}"}
    rm -rf "$wenv"
    echo "made the Python wheel in $out"
  else
    echo "package.sh: python3 cannot make a virtual environment: no Python wheel" >&2
  fi
fi
