#!/usr/bin/env bash
# Installs node-odbc (npm package `odbc`, pinned in package-lock.json) here and builds
# its native binding from source against unixODBC.
#
# Why not a plain `npm ci`: node-odbc's prebuilt binaries come from GitHub (not reachable
# from every test machine), and building needs unixODBC's headers and a `libodbc.so`,
# which only Debian's unixodbc-dev ships. That package conflicts with libiodbc2-dev (the
# suites build iodbctestw from it), so it is never installed: its .deb is fetched with
# `apt-get download` and unpacked into a cache directory, and node-gyp is pointed there.
# The binding links libodbc.so.2 (unixODBC's soname), as it would from unixodbc-dev.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kintone-odbc/unixodbc-dev

if dpkg -s unixodbc-dev >/dev/null 2>&1; then
  incs=(/usr/include /usr/include/x86_64-linux-gnu)   # installed: use it as it is
  libdir=
else
  if [ ! -e "$cache/usr/include/sql.h" ]; then
    rm -rf "$cache" && mkdir -p "$cache/deb"
    (cd "$cache/deb" && apt-get download -q unixodbc-dev >/dev/null 2>&1) \
      || { echo "build.sh: 'apt-get download unixodbc-dev' failed (apt-get update first?)" >&2; exit 1; }
    dpkg-deb -x "$cache"/deb/unixodbc-dev_*.deb "$cache"
  fi
  incs=("$cache/usr/include")
  for d in "$cache"/usr/include/*-linux-gnu; do [ -d "$d" ] && incs+=("$d"); done
  # The .deb's libodbc.so points at libodbc.so.2.0.0 next to it, which it does not ship:
  # the linker only needs a libodbc.so that leads to the installed libodbc.so.2.
  libdir=$cache/lib
  so2=$(/sbin/ldconfig -p | awk '/libodbc\.so\.2 / {print $NF; exit}')
  [ -n "$so2" ] || { echo "build.sh: unixODBC's libodbc.so.2 is not installed" >&2; exit 1; }
  mkdir -p "$libdir" && ln -sfn "$so2" "$libdir/libodbc.so"
fi

flags=""
for d in "${incs[@]}"; do flags+=" -I$d"; done
export CFLAGS="${CFLAGS:-}$flags" CXXFLAGS="${CXXFLAGS:-}$flags"
[ -z "$libdir" ] || export LDFLAGS="${LDFLAGS:-} -L$libdir"
# Node's headers from the installed Node (nodesource and Debian's libnode-dev ship them)
# rather than a download from nodejs.org.
[ -e /usr/include/node/node_api.h ] && export npm_config_nodedir=/usr
cd "$here"
npm ci --no-audit --no-fund --loglevel=error --build-from-source
node -e "require('odbc')" || { echo "build.sh: node-odbc did not build" >&2; exit 1; }
