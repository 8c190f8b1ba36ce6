#!/usr/bin/env bash
# Set everything up, build, and run every test (release build), then the readers' tests under
# ASan+UBSan and a time-bounded fuzzing run of each reader.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release -j2 --timeout 600
bash scripts/test-sanitizers.sh
