#!/usr/bin/env bash
# Every test: set up, build with clang, AddressSanitizer and UndefinedBehaviorSanitizer, run ctest
# (unit, integration, hostile inputs and faults, fuzz seed replays, pack examples, corpus targets,
# deployment checks), run each libFuzzer target for a minute, then a GCC release build for the
# extension's unit and end-to-end tests in headless Chromium and the package tests. The benchmarks
# are built and run by scripts/bench.sh, outside CI's 30 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$(nproc)"
export TMPDIR="${TMPDIR:-/tmp}"

bash "$ROOT/scripts/setup.sh"

echo "== build with clang: ASan + UBSan, every test and the fuzzers"
CC=clang CXX=clang++ BUILD_DIR="$ROOT/build-clang" bash "$ROOT/scripts/build.sh" -DCMAKE_BUILD_TYPE=Debug \
  -DCAREGUARD_SANITIZERS=ON -DCAREGUARD_BUILD_FUZZERS=ON -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"
echo "== ctest (sanitized)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$ROOT/build-clang" --output-on-failure -j "$JOBS" --timeout 600
echo "== corpus and held-out figures"
bash "$ROOT/scripts/corpus-report.sh" "$ROOT/build-clang"
unset ASAN_OPTIONS UBSAN_OPTIONS
echo "== fuzzing (60 s per target, all five at once to keep CI under 30 minutes)"
bash "$ROOT/scripts/fuzz.sh" --build-dir "$ROOT/build-clang" --seconds 60 --jobs 5

echo "== release build"
BUILD_DIR="$ROOT/build" bash "$ROOT/scripts/build.sh" -DCMAKE_BUILD_TYPE=Release -DCAREGUARD_BUILD_TESTS=OFF

echo "== extension and end-to-end"
CAREGUARD_HOST_BIN="$ROOT/build/host/careguard-host" bash "$ROOT/scripts/test-extension.sh"

for extra in "$ROOT"/tests/deploy/deb-package-test.sh "$ROOT"/tests/deploy/package-e2e.sh; do
  if [[ -x "$extra" ]]; then
    echo "== $(basename "$extra")"
    bash "$extra"
  fi
done
echo "== all tests passed"
