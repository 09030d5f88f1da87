#!/usr/bin/env bash
# Installs everything CareGuard needs on Debian 12 (apt packages, then npm packages for the
# extension and its end-to-end tests). Safe to run again: it installs only what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git ca-certificates file dpkg-dev
  # host libraries (found by CMake)
  libhyperscan-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  libicu-dev libsodium-dev libcli11-dev libbenchmark-dev
  # the regex libraries the benchmarks compare the engine with (scripts/bench.sh)
  libre2-dev libpcre2-dev
  # Chart.js, compiled into careguard for the HTML audit report (docs/AUDIT.md)
  libjs-chart.js
  # fuzzing and sanitizer runtimes (clang's libFuzzer)
  clang libclang-rt-14-dev
  # the browser for end-to-end tests, and node for the extension
  chromium nodejs npm
  # checks of deployment templates and packages
  jq libxml2-utils shellcheck wixl msitools openssl
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# A machine may have a newer node than Debian's already; keep it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for package in "${missing[@]}"; do
    [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package")
  done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "== apt: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== npm: extension and end-to-end test packages"
(cd "$ROOT/extension" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$ROOT/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
