# shellcheck shell=bash
# Installs what the build and the tests need when it is missing. Sourced by the scripts.

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    echo "(sudo is needed to run: $*)" >&2
    sudo "$@"
  else
    echo "error: '$*' needs root and sudo is not available" >&2
    return 1
  fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_pkg() {
  # need_pkg COMMAND APT_PACKAGE BREW_PACKAGE
  local cmd=$1 apt_pkg=$2 brew_pkg=$3
  command -v "$cmd" >/dev/null 2>&1 && return 0
  echo "installing $cmd ..." >&2
  case "$(uname -s)" in
    Darwin) brew install "$brew_pkg" ;;
    *) apt_install "$apt_pkg" || { echo "error: please install $apt_pkg" >&2; return 1; } ;;
  esac
}

ensure_build_deps() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "error: Rust is not installed; see https://rustup.rs (cargo 1.85 or newer)" >&2
    return 1
  fi
  need_pkg cc build-essential gcc
  need_pkg openssl openssl openssl
  need_pkg curl curl curl
}

ensure_node() {
  need_pkg node nodejs node
  need_pkg npm npm node
}

# The ODBC end-to-end suites (tests/odbc/run.sh): both driver managers with their tools,
# and the Python clients. Debian/Ubuntu only for now: they load the managers from the
# Debian library paths.
ensure_odbc_test_deps() {
  local pkgs=() py_missing=0
  command -v isql >/dev/null 2>&1 || pkgs+=(unixodbc)
  command -v odbcinst >/dev/null 2>&1 || pkgs+=(odbcinst)
  command -v iodbctest >/dev/null 2>&1 || pkgs+=(iodbc)
  ldconfig -p 2>/dev/null | grep -q 'libiodbc\.so\.2 ' || pkgs+=(libiodbc2)
  # Perl DBI's ODBC driver, for the writes suite's Perl client.
  perl -MDBD::ODBC -e1 2>/dev/null || pkgs+=(libdbd-odbc-perl)
  # LibreOffice Base headless with its ODBC bridge, driven from Debian's python3 (uno).
  command -v soffice >/dev/null 2>&1 || pkgs+=(libreoffice-base-nogui)
  [ -e /usr/lib/libreoffice/program/libodbclo.so ] || pkgs+=(libreoffice-base-drivers)
  /usr/bin/python3 -c 'import uno' 2>/dev/null || pkgs+=(python3-uno)
  # R with RODBC, and jsonlite to read the REST reference (the rodbc suite).
  command -v Rscript >/dev/null 2>&1 || pkgs+=(r-base-core)
  [ -d /usr/lib/R/site-library/RODBC ] || pkgs+=(r-cran-rodbc)
  [ -d /usr/lib/R/site-library/jsonlite ] || pkgs+=(r-cran-jsonlite)
  # node-odbc builds against Node's headers: nodesource's nodejs ships them, Debian's
  # nodejs leaves them to libnode-dev (without them node-gyp would download them).
  if command -v node >/dev/null 2>&1 && [ ! -e /usr/include/node/node_api.h ] \
     && dpkg -s nodejs 2>/dev/null | grep -q '^Maintainer: Debian'; then
    pkgs+=(libnode-dev)
  fi
  # iodbctestw is built from libiodbc2-dev's iodbctest.c example (no package ships it).
  # That package conflicts with unixodbc-dev: never trade a user's unixodbc-dev for it.
  if ! command -v iodbc-config >/dev/null 2>&1 && ! dpkg -s unixodbc-dev >/dev/null 2>&1; then
    pkgs+=(libiodbc2-dev)
  fi
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "installing ${pkgs[*]} ..." >&2
    apt_install "${pkgs[@]}" || { echo "error: please install ${pkgs[*]}" >&2; return 1; }
  fi
  # node-odbc (the node suite), built from source against unixODBC headers that
  # tests/odbc/node/build.sh takes from `apt-get download unixodbc-dev` (see there why).
  local node_dir
  node_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/odbc/node"
  if command -v node >/dev/null 2>&1 && ! (cd "$node_dir" && node -e "require('odbc')" 2>/dev/null); then
    if [ "$apt_updated" = 0 ] && ! dpkg -s unixodbc-dev >/dev/null 2>&1; then
      as_root apt-get update -qq && apt_updated=1   # apt-get download needs the lists
    fi
    echo "building node-odbc (tests/odbc/node/build.sh) ..." >&2
    "$node_dir/build.sh" || { echo "error: tests/odbc/node/build.sh failed" >&2; return 1; }
  fi
  python3 -c 'import pyodbc, arrow_odbc, pyarrow' 2>/dev/null || py_missing=1
  if [ "$py_missing" = 1 ]; then
    echo "installing pyodbc arrow-odbc pyarrow (pip) ..." >&2
    python3 -m pip install -q pyodbc arrow-odbc pyarrow 2>/dev/null \
      || python3 -m pip install -q --user --break-system-packages pyodbc arrow-odbc pyarrow \
      || { echo "error: please pip install pyodbc arrow-odbc pyarrow" >&2; return 1; }
  fi
}

# The Python package's suite (tests/python/run.sh) makes a virtual environment; Debian's
# python3 needs python3-venv for that.
ensure_python_venv() {
  python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null && return 0
  [ "$(uname -s)" = Linux ] || { echo "error: python3 cannot make virtual environments" >&2; return 1; }
  echo "installing python3-venv ..." >&2
  apt_install python3-venv || { echo "error: please install python3-venv" >&2; return 1; }
}

# The OAuth suite's real browser (tests/oauth/run.sh): headless Chromium driven through
# Selenium. Without them that one test is skipped, saying why.
ensure_oauth_test_deps() {
  local pkgs=()
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  [ -x /usr/bin/chromedriver ] || pkgs+=(chromium-driver)
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "installing ${pkgs[*]} ..." >&2
    apt_install "${pkgs[@]}" || { echo "error: please install ${pkgs[*]}" >&2; return 1; }
  fi
  if ! python3 -c 'import selenium' 2>/dev/null; then
    echo "installing selenium (pip) ..." >&2
    python3 -m pip install -q selenium 2>/dev/null \
      || python3 -m pip install -q --user --break-system-packages selenium \
      || { echo "error: please pip install selenium" >&2; return 1; }
  fi
}

# The OS keyring test (tests/keyring/run.sh): a private D-Bus bus with gnome-keyring's
# Secret Service, secret-tool to look at its items, isql to connect. Debian/Ubuntu only.
ensure_keyring_test_deps() {
  local pkgs=()
  command -v dbus-daemon >/dev/null 2>&1 || pkgs+=(dbus-daemon)
  command -v dbus-send >/dev/null 2>&1 || pkgs+=(dbus-bin)
  command -v gnome-keyring-daemon >/dev/null 2>&1 || pkgs+=(gnome-keyring)
  command -v secret-tool >/dev/null 2>&1 || pkgs+=(libsecret-tools)
  command -v isql >/dev/null 2>&1 || pkgs+=(unixodbc)
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "installing ${pkgs[*]} ..." >&2
    apt_install "${pkgs[@]}" || { echo "error: please install ${pkgs[*]}" >&2; return 1; }
  fi
}
