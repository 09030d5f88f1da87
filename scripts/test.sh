#!/usr/bin/env bash
# Every test: set up, build with AddressSanitizer and UndefinedBehaviorSanitizer, run ctest (unit,
# integration, pack examples, corpus targets, deployment checks), then a release build for the
# extension's unit and end-to-end tests in headless Chromium and the package tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$(nproc)"
export TMPDIR="${TMPDIR:-/tmp}"

bash "$ROOT/scripts/setup.sh"

echo "== build with ASan + UBSan"
BUILD_DIR="$ROOT/build-asan" bash "$ROOT/scripts/build.sh" -DCMAKE_BUILD_TYPE=Debug -DCAREGUARD_SANITIZERS=ON \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"
echo "== ctest (sanitized)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$ROOT/build-asan" --output-on-failure -j "$JOBS" --timeout 600
echo "== corpus and held-out figures"
bash "$ROOT/scripts/corpus-report.sh" "$ROOT/build-asan"
unset ASAN_OPTIONS UBSAN_OPTIONS

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
