#!/usr/bin/env bash
# Readers under ASan+UBSan (gcc), then each libFuzzer target for a bounded time (clang).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan -j2 --timeout 900
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
FUZZ_SECONDS="${EDGELENS_FUZZ_SECONDS:-60}" bash tests/fuzz/run_fuzzers.sh build/fuzz
