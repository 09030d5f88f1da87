#!/usr/bin/env bash
# End to end from the package: builds the careguard .deb with CPack (or takes one), then runs
# tests/e2e/from-package.test.mjs, which unpacks it, lets the packaged `careguard install --user`
# write the host manifest into a throwaway HOME, and types a breach in headless Chromium with the
# extension.
#
#   tests/deploy/package-e2e.sh [BUILD_DIR | FILE.deb]     (default BUILD_DIR: build/, the release build)
#
# Needs: cpack (unless a .deb is given), dpkg-deb, node, openssl, /usr/bin/chromium (or
# CAREGUARD_CHROMIUM), the built extension in extension/dist/chromium (scripts/test-extension.sh or
# `cd extension && npm ci && npm run build`) and tests/e2e's node_modules (`cd tests/e2e && npm ci`).
# The host compiles its rules on the first start, with an empty cache: allow a few minutes.
set -euo pipefail

top="$(cd "$(dirname "$0")/../.." && pwd)"
arg="${1:-$top/build}"
tmp="$(mktemp -d /tmp/careguard-package-e2e.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

if [ -f "$arg" ]; then
  deb="$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")"
elif [ -f "$arg/CPackConfig.cmake" ]; then
  cpack -G DEB --config "$arg/CPackConfig.cmake" -B "$tmp/cpack" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; exit 1; }
  deb="$(find "$tmp/cpack" -maxdepth 1 -name 'careguard_*.deb' | head -n 1)"
else
  echo "package-e2e: $arg is neither a .deb nor a configured build folder" >&2
  exit 2
fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then echo "package-e2e: no .deb was built" >&2; exit 1; fi
echo "package-e2e: $deb"

for tool in dpkg-deb node openssl "${CAREGUARD_CHROMIUM:-/usr/bin/chromium}"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "package-e2e: '$tool' is required" >&2; exit 1; }
done
[ -f "$top/extension/dist/chromium/manifest.json" ] ||
  { echo "package-e2e: build the extension first (cd extension && npm ci && npm run build)" >&2; exit 1; }

cd "$top/tests/e2e"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
node fixtures/build-fixtures.mjs
CAREGUARD_DEB="$deb" node --test --test-concurrency=1 --test-timeout=600000 from-package.test.mjs
