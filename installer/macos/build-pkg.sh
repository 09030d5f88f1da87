#!/usr/bin/env bash
# Builds the CareGuard macOS installer package (run on a Mac with Xcode command-line tools).
#
#   installer/macos/build-pkg.sh --bin-dir build/bin --version 0.1.0 \
#       [--packs-dir patterns/base] [--extension-id STORE_ID ...] \
#       [--sign "Developer ID Installer: Example Ltd (TEAMID)"] [--out dist/CareGuard-0.1.0.pkg]
#   installer/macos/build-pkg.sh ... --dry-run   # stage the payload and print the commands only
#                                                # (works on Linux; the template test uses it)
#
# Payload (install location /):
#   /Library/Application Support/CareGuard/bin/careguard-host, bin/careguard
#   /Library/Application Support/CareGuard/share/packs/       base pack
#   /Library/Application Support/CareGuard/extension-ids      allowed Chromium extension ids
# scripts/postinstall then writes the host manifests for Chrome (Brave reads it), Chromium, Edge,
# Vivaldi and Firefox, and links /usr/local/bin/careguard. uninstall.sh undoes it.
# Notarise the signed result with `xcrun notarytool submit --wait` and `xcrun stapler staple`
# before uploading it to Jamf (docs/DEPLOY.md).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
IDENTIFIER=app.careguard.pkg
DEV_ID=hllknhdbcnbafllcikebpiinoenhnenl
APP_DIR="Library/Application Support/CareGuard"

bin_dir="" packs_dir="" version="" sign="" out="" dry_run=0 stage=""
ids=("$DEV_ID")
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir="${2:?}"; shift 2 ;;
    --packs-dir) packs_dir="${2:?}"; shift 2 ;;
    --version) version="${2:?}"; shift 2 ;;
    --extension-id) ids+=("${2:?}"); shift 2 ;;
    --sign) sign="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --stage-dir) stage="${2:?}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "build-pkg.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bin_dir" ] || [ -z "$version" ]; then
  echo "build-pkg.sh: --bin-dir and --version are required" >&2; exit 2
fi
[[ "$version" =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || { echo "build-pkg.sh: version '$version' must be N[.N[.N]]" >&2; exit 2; }
for f in careguard-host careguard; do
  [ -f "$bin_dir/$f" ] || { echo "build-pkg.sh: $bin_dir/$f is missing" >&2; exit 1; }
done
for id in "${ids[@]}"; do
  [[ "$id" =~ ^[a-p]{32}$ ]] || { echo "build-pkg.sh: '$id' is not an extension id" >&2; exit 2; }
done
out="${out:-$PWD/CareGuard-$version.pkg}"

if [ -z "$stage" ]; then
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
fi
root="$stage/root"
rm -rf "$root" "$stage/scripts"
mkdir -p "$root/$APP_DIR/bin" "$root/$APP_DIR/share/packs" "$stage/scripts"
install -m 755 "$bin_dir/careguard-host" "$root/$APP_DIR/bin/careguard-host"
install -m 755 "$bin_dir/careguard" "$root/$APP_DIR/bin/careguard"
if [ -n "$packs_dir" ]; then
  cp -R "$packs_dir/." "$root/$APP_DIR/share/packs/"
fi
printf '%s\n' "${ids[@]}" | awk '!seen[$0]++' >"$root/$APP_DIR/extension-ids"
install -m 755 "$here/scripts/postinstall" "$stage/scripts/postinstall"
install -m 755 "$here/uninstall.sh" "$root/$APP_DIR/uninstall.sh"

component="$stage/careguard-component.pkg"
pkgbuild_cmd=(pkgbuild --root "$root" --scripts "$stage/scripts" --identifier "$IDENTIFIER"
  --version "$version" --install-location / "$component")
productbuild_cmd=(productbuild --identifier "$IDENTIFIER" --version "$version" --package "$component")
if [ -n "$sign" ]; then productbuild_cmd+=(--sign "$sign"); fi
productbuild_cmd+=("$out")

if [ "$dry_run" = 1 ]; then
  printf 'staged payload in %s\n' "$root"
  printf '%q ' "${pkgbuild_cmd[@]}"; printf '\n'
  printf '%q ' "${productbuild_cmd[@]}"; printf '\n'
  exit 0
fi
if ! command -v pkgbuild >/dev/null || ! command -v productbuild >/dev/null; then
  echo "build-pkg.sh: pkgbuild/productbuild not found (macOS only); use --dry-run elsewhere" >&2; exit 1
fi
"${pkgbuild_cmd[@]}"
"${productbuild_cmd[@]}"
echo "built $out"
