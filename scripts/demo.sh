#!/usr/bin/env bash
# The main job in one command: builds the host (if needed) and the extension, registers the host
# for a fresh Chromium profile, and opens a demo composer with the extension loaded. With a display
# the browser opens for you to type in; without one it runs headless, types a breach and saves a
# screenshot of the warning to build/demo-warning.png.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CAREGUARD_HOST_BIN="${CAREGUARD_HOST_BIN:-$ROOT/build/host/careguard-host}"
export CAREGUARD_CHROMIUM="${CAREGUARD_CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$CAREGUARD_HOST_BIN" ]]; then
  echo "== building careguard-host"
  cmake -S "$ROOT" -B "$ROOT/build" -G Ninja
  cmake --build "$ROOT/build" --target careguard-host
fi

echo "== building the extension"
cd "$ROOT/extension"
[[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

cd "$ROOT/tests/e2e"
[[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
node fixtures/build-fixtures.mjs

mkdir -p "$ROOT/build"
exec node demo.mjs "$ROOT/build/demo-warning.png"
