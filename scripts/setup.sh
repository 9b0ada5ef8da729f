#!/usr/bin/env bash
# Installs what siemhub needs from Debian 12 packages and builds it.
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]
# Idempotent: packages already present are skipped; an existing build directory is reused.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
shift || true

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-dev libboost-filesystem-dev libboost-system-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  libyaml-cpp-dev nlohmann-json3-dev libvalijson-dev libsimdjson-dev libcli11-dev
  liblua5.4-dev libre2-dev libsqlite3-dev libxxhash-dev catch2
)
source scripts/lib/apt.sh
apt_install_missing setup "${packages[@]}"

# ccache keyed on paths relative to the checkout, so another clone (CI's) reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
