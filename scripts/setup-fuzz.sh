#!/usr/bin/env bash
# Installs what the libFuzzer targets need from Debian 12 packages: clang-16 (clang-14 cannot
# compile libstdc++-12's <ranges>) and its compiler-rt (libFuzzer, ASan, UBSan runtimes).
#   scripts/setup-fuzz.sh
# Idempotent: packages already present are skipped. The regular build needs scripts/setup.sh too.
set -euo pipefail

packages=(clang-16 libclang-rt-16-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup-fuzz: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
