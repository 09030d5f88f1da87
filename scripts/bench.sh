#!/usr/bin/env bash
# The performance suite (issue #7), one command: set up, release build with the benchmarks, then
# the engine and its peers in process, the real careguard-host over pipes, the extension in
# headless Chromium, and docs/performance.md written from the results.
#
#   bash scripts/bench.sh
#
# BUILD_DIR (default build-bench/) is where it builds and leaves the raw results (bench-results/).
# CAREGUARD_SKIP_SETUP=1 skips scripts/setup.sh on a machine already set up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
RESULTS="$BUILD_DIR/bench-results"
REPORT="${CAREGUARD_BENCH_REPORT:-$ROOT/docs/performance.md}"
export TMPDIR="${TMPDIR:-/tmp}"
started=$SECONDS
step() { echo "== [$((SECONDS - started)) s] $*"; }

if [[ "${CAREGUARD_SKIP_SETUP:-0}" != 1 ]]; then
  step "set-up"
  bash "$ROOT/scripts/setup.sh"
fi

step "release build with the benchmarks ($BUILD_DIR)"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAREGUARD_BUILD_BENCH=ON \
  -DCAREGUARD_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target careguard-host careguard_engine_bench careguard_bench_peer_check \
  careguard_bench_host
(cd "$ROOT/extension" && npm run --silent build)

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

step "peers: what each can run, and how its findings differ (corpus)"
"$BUILD_DIR/bench/careguard_bench_peer_check" "$RESULTS"

step "JavaScript peer (Node/V8)"
node "$ROOT/bench/node-peer.mjs" "$RESULTS/peer-input.json" "$RESULTS/node-peer.json"

step "engine, peers and memory pass in process (Google Benchmark)"
"$BUILD_DIR/bench/careguard_engine_bench" --benchmark_out="$RESULTS/engine.json" --benchmark_out_format=json

step "careguard-host over pipes: round trip, cold start, peak RSS"
"$BUILD_DIR/bench/careguard_bench_host" "$BUILD_DIR/host/careguard-host" "$RESULTS/host.json"

step "keystroke to highlight in headless Chromium"
rm -rf "$RESULTS/e2e-cache"
(cd "$ROOT/tests/e2e" && CAREGUARD_HOST_BIN="$BUILD_DIR/host/careguard-host" CAREGUARD_E2E_CACHE="$RESULTS/e2e-cache" \
  node keystroke-timing.mjs "$RESULTS/keystroke.json")

step "writing $REPORT"
node "$ROOT/bench/make-report.mjs" "$RESULTS" "$BUILD_DIR" "$REPORT"
step "done"
