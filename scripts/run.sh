#!/usr/bin/env bash
# Quick start: set up, build, and run the hub on its embedded default pipeline (no SIEM needed).
# Extra arguments go to `siemhub run` (e.g. --data-dir DIR). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec build/bin/siemhub run "$@"
