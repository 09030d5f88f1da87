#!/usr/bin/env bash
# Builds and tests the browser extension: unit tests (vitest), the Firefox build through
# web-ext lint, then the end-to-end suite in headless Chromium against the real careguard-host.
# CI runs this after building the host. Override the host with CAREGUARD_HOST_BIN.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CAREGUARD_HOST_BIN="${CAREGUARD_HOST_BIN:-$ROOT/build/host/careguard-host}"
export CAREGUARD_CHROMIUM="${CAREGUARD_CHROMIUM:-/usr/bin/chromium}"

for tool in node npm openssl "$CAREGUARD_CHROMIUM"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-extension: '$tool' is required" >&2; exit 1; }
done
if [[ ! -x "$CAREGUARD_HOST_BIN" ]]; then
  echo "test-extension: careguard-host not found at $CAREGUARD_HOST_BIN (build the host first, or set CAREGUARD_HOST_BIN)" >&2
  exit 1
fi

echo "== extension: install, build, typecheck, unit tests"
cd "$ROOT/extension"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent typecheck
npm test --silent

echo "== extension: web-ext lint (Firefox build)"
npx --no-install web-ext lint --source-dir dist/firefox --self-hosted --warnings-as-errors

echo "== end-to-end: headless Chromium + careguard-host ($CAREGUARD_HOST_BIN)"
cd "$ROOT/tests/e2e"
npm ci --no-audit --no-fund --loglevel=error
npm test
