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
