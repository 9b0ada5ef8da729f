#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit, integration, SDK kit) with CTest.
#   scripts/test.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
scripts/setup.sh "$build_dir" -DSIEMHUB_BUILD_TESTS=ON "$@"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 600
