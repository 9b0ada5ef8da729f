#!/usr/bin/env bash
# Installs what the libFuzzer targets need from Debian 12 packages: clang-16 (clang-14 cannot
# compile libstdc++-12's <ranges>) and its compiler-rt (libFuzzer, ASan, UBSan runtimes).
#   scripts/setup-fuzz.sh
# Idempotent: packages already present are skipped. The regular build needs scripts/setup.sh too.
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/apt.sh
apt_install_missing setup-fuzz clang-16 libclang-rt-16-dev
