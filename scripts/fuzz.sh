#!/usr/bin/env bash
# Runs the libFuzzer targets (docs/FUZZING.md) for a while each, on a copy of their seeds.
#
#   scripts/fuzz.sh [--build-dir DIR] [--seconds N] [--jobs J] [target...]
#
# Configures and builds a clang ASan+UBSan build with the fuzzers in DIR if it has none (default
# build-fuzz/; an existing build made with -DCAREGUARD_BUILD_FUZZERS=ON is reused as it is), then
# runs each target (default: all) for N seconds (default 60), J at a time (default: nproc).
# Generated inputs go to a temporary folder, never into the repository. Exits non-zero if any
# target crashes, hangs (-timeout), runs out of memory (-rss_limit_mb) or leaks, printing the
# saved input and how to reproduce it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL_TARGETS=(frame_reader request_parser pack_loader normalizer names_csv)

BUILD_DIR="$ROOT/build-fuzz"
SECONDS_PER_TARGET=60
JOBS="$(nproc)"
TARGETS=()

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo "targets: ${ALL_TARGETS[*]}"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="$(realpath -m "$2")"; shift 2 ;;
    --seconds) SECONDS_PER_TARGET="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds needs a positive number" >&2; exit 2; }
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs needs a positive number" >&2; exit 2; }
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  TARGETS=("${ALL_TARGETS[@]}")
fi
for target in "${TARGETS[@]}"; do
  if [[ ! " ${ALL_TARGETS[*]} " == *" $target "* ]]; then
    echo "fuzz.sh: unknown target '$target' (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
done

# Longest input per target: a little over what the code under test treats differently. The frame
# reader needs more than its 64 KiB read buffer to cross a refill inside a body.
max_len() {
  case "$1" in
    frame_reader) echo 140000 ;;
    request_parser) echo 16384 ;;
    pack_loader) echo 32768 ;;
    normalizer) echo 4096 ;;
    names_csv) echo 8192 ;;
  esac
}

# JSON tokens help the mutator past the parser for the JSON-shaped targets.
dictionary() {
  case "$1" in
    request_parser|pack_loader) echo "$ROOT/tests/fuzz/json.dict" ;;
    *) echo "" ;;
  esac
}

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  echo "== configuring a clang ASan+UBSan build with fuzzers in $BUILD_DIR"
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCAREGUARD_SANITIZERS=ON -DCAREGUARD_BUILD_FUZZERS=ON >/dev/null
elif ! grep -q '^CAREGUARD_BUILD_FUZZERS:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt"; then
  echo "fuzz.sh: $BUILD_DIR was configured without -DCAREGUARD_BUILD_FUZZERS=ON (and clang);" \
       "use another --build-dir or reconfigure it" >&2
  exit 2
fi
echo "== building ${TARGETS[*]}"
cmake --build "$BUILD_DIR" --target "${TARGETS[@]/#/careguard_fuzz_}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/careguard-fuzz.XXXXXX")"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_target() {
  local target="$1" dir="$WORK/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  # A working copy: libFuzzer adds every new input to the first corpus folder.
  find "$ROOT/tests/fuzz/corpus/$target" "$ROOT/tests/fuzz/regressions/$target" -type f ! -name '.*' \
    -exec cp -t "$dir/corpus" {} +
  local options=(
    "-max_total_time=$SECONDS_PER_TARGET"
    "-max_len=$(max_len "$target")"
    -timeout=10          # seconds for one input: a hang is a failure
    -rss_limit_mb=2048   # ASan's shadow memory included
    -malloc_limit_mb=1024
    -print_final_stats=1
    "-artifact_prefix=$dir/artifacts/"
  )
  local dict
  dict="$(dictionary "$target")"
  if [[ -n "$dict" ]]; then
    options+=("-dict=$dict")
  fi
  # The outer limit catches a run that never starts fuzzing (a hang while loading the base pack).
  timeout --kill-after=30 "$((SECONDS_PER_TARGET + 300))" \
    "$BUILD_DIR/fuzz/careguard_fuzz_$target" "${options[@]}" "$dir/corpus" >"$dir/log" 2>&1
}

declare -A PIDS=()
for target in "${TARGETS[@]}"; do
  while [[ "$(jobs -rp | wc -l)" -ge "$JOBS" ]]; do
    wait -n || true
  done
  echo "== fuzzing $target for ${SECONDS_PER_TARGET}s"
  run_target "$target" &
  PIDS[$target]=$!
done

failed=()
for target in "${TARGETS[@]}"; do
  if wait "${PIDS[$target]}"; then
    stats="$(grep -E '^stat::number_of_executed_units' "$WORK/$target/log" | awk '{print $2}')"
    echo "== $target: ok (${stats:-?} inputs run)"
  else
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -eq 0 ]]; then
  rm -rf "$WORK"
  echo "== all fuzz targets ran clean"
  exit 0
fi
for target in "${failed[@]}"; do
  echo "== $target FAILED; last lines of its log ($WORK/$target/log):"
  tail -n 40 "$WORK/$target/log"
  for artifact in "$WORK/$target"/artifacts/*; do
    [[ -e "$artifact" ]] || continue
    echo "   input saved: $artifact"
    echo "   reproduce:   $BUILD_DIR/fuzz/careguard_fuzz_$target $artifact"
    echo "   minimise:    $BUILD_DIR/fuzz/careguard_fuzz_$target -minimize_crash=1 -runs=10000 $artifact"
    echo "   once fixed:  cp $artifact $ROOT/tests/fuzz/regressions/$target/<what-it-was> (see docs/FUZZING.md)"
  done
done
echo "== fuzzing failed: ${failed[*]} (working files kept in $WORK)" >&2
exit 1
