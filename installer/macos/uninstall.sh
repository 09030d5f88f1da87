#!/bin/sh
# Removes what the CareGuard macOS package installed: the host manifests its postinstall wrote
# (only those that still name CareGuard's host), the CLI link, the program folder and the
# package receipt. The configuration (config.json) and the organisation's packs (packs/) in
# /Library/Application Support/CareGuard are kept unless --purge is given. Run as root:  sudo sh uninstall.sh [--purge]
# ROOT (environment) lets the script be tried against a scratch folder.
set -eu

ROOT="${ROOT:-}"
ROOT="${ROOT%/}"
HOST_NAME=app.careguard.host
APP_DIR="/Library/Application Support/CareGuard"
HOST_PATH="$APP_DIR/bin/careguard-host"
purge=0
[ "${1:-}" = --purge ] && purge=1

for dir in \
    "/Library/Google/Chrome/NativeMessagingHosts" \
    "/Library/Application Support/Chromium/NativeMessagingHosts" \
    "/Library/Microsoft/Edge/NativeMessagingHosts" \
    "/Library/Application Support/Vivaldi/NativeMessagingHosts" \
    "/Library/Application Support/Mozilla/NativeMessagingHosts"
do
    manifest="$ROOT$dir/$HOST_NAME.json"
    if [ -f "$manifest" ] && grep -q "\"$HOST_PATH\"" "$manifest"; then
        rm -f "$manifest"
    fi
done

link="$ROOT/usr/local/bin/careguard"
if [ -L "$link" ] && [ "$(readlink "$link")" = "$APP_DIR/bin/careguard" ]; then
    rm -f "$link"
fi

if [ "$purge" = 1 ]; then
    rm -rf "$ROOT${APP_DIR:?}"
else
    rm -rf "$ROOT${APP_DIR:?}/bin" "$ROOT${APP_DIR:?}/share" "$ROOT${APP_DIR:?}/extension-ids"
fi

if [ -z "$ROOT" ] && command -v pkgutil >/dev/null 2>&1; then
    pkgutil --forget app.careguard.pkg >/dev/null 2>&1 || true
fi
echo "CareGuard removed."
