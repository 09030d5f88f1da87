#!/usr/bin/env bash
# Checks CareGuard's deployment templates (manifests/) and installer sources (installer/) as far as
# a Linux machine can: JSON (jq), XML well-formedness (xmllint), plist structure, ADMX/ADML
# consistency, .reg syntax, shellcheck, the host name and extension ids in every template, the
# trailing slash on every chrome-extension:// origin, that the committed templates are what
# manifests/generate.sh produces, and a dry run of every installer script in a scratch root.
# With msitools' wixl installed it also builds the MSI and reads its Registry table back.
#
#   tests/deploy/check-templates.sh          needs: jq, xmllint (libxml2-utils), shellcheck
#
# Exits non-zero if any check fails; the last line is "N passed, N failed".
# The jq programs below are single-quoted on purpose ($h, $id are jq variables):
# shellcheck disable=SC2016
set -uo pipefail

top="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$top" || exit 2

HOST_NAME=app.careguard.host
DEV_ID=hllknhdbcnbafllcikebpiinoenhnenl
SECOND_ID=aaaabbbbccccddddeeeeffffgggghhhh   # stands for a future store id
FIREFOX_ID=careguard@careguard.app
LINUX_HOST_PATH=/usr/bin/careguard-host

passed=0
failed=0
skipped=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/      /'; }
skip() { skipped=$((skipped + 1)); printf 'skip  %s\n' "$1"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds; shows its output otherwise.
check() {
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc" "$out"; fi
}

for tool in jq xmllint shellcheck; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    fail "tool $tool is installed (apt-get install jq libxml2-utils shellcheck)"
  fi
done
if [ "$failed" -gt 0 ]; then
  printf '%d passed, %d failed\n' "$passed" "$failed"
  exit 1
fi

json_files=$(find manifests installer -name '*.json' | sort)
xml_files=$(find manifests installer -name '*.admx' -o -name '*.adml' -o -name '*.wxs' -o -name '*.mobileconfig' | sort)
shell_files="manifests/generate.sh installer/debian/postinst installer/debian/prerm installer/debian/postrm
installer/macos/build-pkg.sh installer/macos/scripts/postinstall installer/macos/uninstall.sh
$(find tests/deploy -name '*.sh' | sort)"

# ---------------------------------------------------------------------------------------------
# Syntax
for f in $json_files; do check "JSON parses: $f" jq -e . "$f"; done
for f in $xml_files; do check "XML well-formed: $f" xmllint --noout --nonet "$f"; done
for f in $shell_files; do
  [ -f "$f" ] || { fail "shell script exists: $f"; continue; }
  case "$(head -n1 "$f")" in
    *bash*) check "shellcheck: $f" shellcheck -s bash "$f" ;;
    *) check "shellcheck (POSIX sh): $f" shellcheck -s sh "$f" ;;
  esac
  if [ -x "$f" ]; then pass "executable: $f"; else fail "executable: $f"; fi
done

# ---------------------------------------------------------------------------------------------
# The committed templates are exactly the generator's output.
gen="$tmp/gen"
if manifests/generate.sh --out "$gen" 2>/dev/null; then
  check "committed templates match manifests/generate.sh output" \
    diff -r -x generate.sh -x README.md "$gen" manifests
else
  fail "manifests/generate.sh runs"
fi

# With a second (store) id every file that names the development id names the store id as well.
gen2="$tmp/gen2"
if manifests/generate.sh --extension-id "$SECOND_ID" --out "$gen2" 2>/dev/null; then
  missing=""
  while IFS= read -r f; do
    grep -q "$SECOND_ID" "$f" || missing="$missing $f"
  done < <(grep -rl "$DEV_ID" "$gen2")
  if [ -z "$missing" ]; then pass "two ids: every generated file lists both"; else fail "two ids: files without the second id:$missing"; fi
  bad=""
  while IFS= read -r f; do jq -e . "$f" >/dev/null 2>&1 || bad="$bad $f"; done < <(find "$gen2" -name '*.json')
  while IFS= read -r f; do
    xmllint --noout --nonet "$f" >/dev/null 2>&1 || bad="$bad $f"
  done < <(find "$gen2" -name '*.admx' -o -name '*.adml' -o -name '*.mobileconfig')
  if [ -z "$bad" ]; then pass "two ids: generated JSON and XML still valid"; else fail "two ids: invalid:$bad"; fi
  check "two ids: host manifest allows both origins" jq -e --arg a "chrome-extension://$DEV_ID/" --arg b "chrome-extension://$SECOND_ID/" \
    '.allowed_origins == [$a, $b]' "$gen2/host/chrome/$HOST_NAME.json"
  check "two ids: mobileconfig has a managed-settings payload per id" \
    test "$(grep -c '<string>com.google.Chrome.extensions.' "$gen2/macos/app.careguard.mobileconfig")" -eq 2
  check "generator refuses a malformed id" bash -c "! manifests/generate.sh --extension-id NOT-AN-ID --out '$tmp/gen3' 2>/dev/null"
else
  fail "manifests/generate.sh --extension-id runs"
fi

# ---------------------------------------------------------------------------------------------
# Every template names the host and the extension. Firefox's policies.json is the one exception
# for the host: Firefox has no native-messaging policy, so there is nowhere to name it.
for f in $(find manifests -type f ! -name generate.sh ! -name README.md | sort) \
         installer/windows/careguard.wxs installer/windows/install.ps1 \
         installer/windows/manifests/*.json installer/macos/scripts/postinstall; do
  case "$f" in
    */firefox/*|*firefox.json) id=$FIREFOX_ID ;;
    *mobileconfig) id="$DEV_ID" ;;
    *) id="$DEV_ID" ;;
  esac
  case "$f" in
    *.wxs) names_id=0 ;;  # the MSI ships the manifests; it never names an id itself
    *) names_id=1 ;;
  esac
  if [ "$names_id" = 1 ] && ! grep -qF "$id" "$f"; then fail "names extension id $id: $f"; continue; fi
  if [ "$f" != manifests/firefox/policies.json ] && ! grep -qF "$HOST_NAME" "$f"; then fail "names host $HOST_NAME: $f"; continue; fi
  pass "names host and extension: $f"
done
check "macOS profile names the Firefox add-on id too" grep -qF "$FIREFOX_ID" manifests/macos/app.careguard.mobileconfig

# Every chrome-extension:// origin anywhere in deployment files ends with "/" after a 32-letter id
# (or a variable or <placeholder> standing for one).
# (A sentence may end right after an origin: a final "." is not part of it.)
origins_bad=$(grep -rhoE 'chrome-extension://[^"'"'"' ,;)\\`]*' manifests installer docs/DEPLOY.md 2>/dev/null | sed 's/\.$//' |
  grep -vE '^chrome-extension://([a-p]{32}|\$[A-Za-z_{}]+|<[^>]+>|…)/$' | sort -u)
n_origins=$(grep -rhoE 'chrome-extension://[^"'"'"' ,;)\\`]*' manifests installer docs/DEPLOY.md 2>/dev/null | wc -l)
if [ -z "$origins_bad" ] && [ "$n_origins" -gt 0 ]; then
  pass "all $n_origins chrome-extension:// origins have a valid id and the trailing slash"
else
  fail "chrome-extension:// origins with a bad id or no trailing slash" "$origins_bad"
fi

# ---------------------------------------------------------------------------------------------
# Host manifests
origin_ok='all(.allowed_origins[]; test("^chrome-extension://[a-p]{32}/$"))'
check "chrome host template: name, stdio, path placeholder, origins" jq -e --arg h "$HOST_NAME" --arg o "chrome-extension://$DEV_ID/" \
  '.name == $h and .type == "stdio" and .path == "@CAREGUARD_HOST_PATH@" and (.allowed_origins | index($o)) != null and '"$origin_ok"' and (has("allowed_extensions") | not)' \
  "manifests/host/chrome/$HOST_NAME.json"
check "firefox host template: name, stdio, path placeholder, allowed_extensions" jq -e --arg h "$HOST_NAME" --arg f "$FIREFOX_ID" \
  '.name == $h and .type == "stdio" and .path == "@CAREGUARD_HOST_PATH@" and .allowed_extensions == [$f] and (has("allowed_origins") | not)' \
  "manifests/host/firefox/$HOST_NAME.json"
check "windows chrome-family manifest: path relative to the manifest, origins" jq -e --arg h "$HOST_NAME" --arg o "chrome-extension://$DEV_ID/" \
  '.name == $h and .type == "stdio" and .path == "careguard-host.exe" and (.allowed_origins | index($o)) != null and '"$origin_ok" \
  "installer/windows/manifests/$HOST_NAME.json"
check "windows firefox manifest" jq -e --arg h "$HOST_NAME" --arg f "$FIREFOX_ID" \
  '.name == $h and .type == "stdio" and .path == "careguard-host.exe" and .allowed_extensions == [$f]' \
  "installer/windows/manifests/$HOST_NAME.firefox.json"

# ---------------------------------------------------------------------------------------------
# Managed settings: exactly the schema's keys, with the schema's types.
settings_ok='(keys == (["covered_sites","pack_update_url","require_reason_to_post","severity_overrides","show_learn_why"]))
  and (.covered_sites | type == "array" and all(.[]; type == "string" and test("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")))
  and (.severity_overrides | type == "object" and all(.[]; . == "info" or . == "warn" or . == "block" or . == "off"))
  and (.require_reason_to_post | type == "boolean")
  and (.pack_update_url | type == "string" and (. == "" or startswith("https://")))
  and (.show_learn_why | type == "boolean")'
for b in chrome edge; do
  f="manifests/linux/$b/careguard.json"
  if [ "$b" = chrome ]; then url=https://clients2.google.com/service/update2/crx; else url=https://edge.microsoft.com/extensionwebstorebase/v1/crx; fi
  check "linux $b policy: force-install list and ExtensionSettings" jq -e --arg id "$DEV_ID" --arg u "$url" \
    '(.ExtensionInstallForcelist | index($id + ";" + $u)) != null and .ExtensionSettings[$id].installation_mode == "force_installed" and .ExtensionSettings[$id].update_url == $u' "$f"
  check "linux $b policy: native messaging locked to $HOST_NAME" jq -e --arg h "$HOST_NAME" \
    '.NativeMessagingBlocklist == ["*"] and (.NativeMessagingAllowlist | index($h)) != null and .NativeMessagingUserLevelHosts == false' "$f"
  check "linux $b policy: 3rdparty managed settings match the schema" jq -e --arg id "$DEV_ID" \
    ".\"3rdparty\".extensions[\$id] | $settings_ok" "$f"
done
check "firefox policies.json: force-installed add-on" jq -e --arg f "$FIREFOX_ID" \
  '.policies.ExtensionSettings[$f].installation_mode == "force_installed" and (.policies.ExtensionSettings[$f].install_url | startswith("https://"))' manifests/firefox/policies.json
check "firefox policies.json: 3rdparty.Extensions managed settings match the schema" jq -e --arg f "$FIREFOX_ID" \
  ".policies.\"3rdparty\".Extensions[\$f] | $settings_ok" manifests/firefox/policies.json

# ---------------------------------------------------------------------------------------------
# macOS configuration profile: plist structure (dict children alternate key / value), payload keys.
mc=manifests/macos/app.careguard.mobileconfig
xp() { xmllint --nonet --xpath "$1" "$mc" 2>/dev/null; }
check "mobileconfig: DOCTYPE plist and plist version 1.0" bash -c "grep -q '<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\"' '$mc' && [ \"\$(xmllint --nonet --xpath 'string(/plist/@version)' '$mc')\" = 1.0 ]"
check "mobileconfig: every dict alternates <key> and a value" test "$(xp 'count(//dict/*[position() mod 2 = 1][not(self::key)]) + count(//dict/*[position() mod 2 = 0][self::key]) + count(//dict[count(*) mod 2 = 1])')" = 0
check "mobileconfig: only plist element names" test "$(xp 'count(//*[not(self::plist or self::dict or self::array or self::key or self::string or self::integer or self::real or self::true or self::false or self::date or self::data)])')" = 0
check "mobileconfig: no duplicate keys in a dict" test "$(xp 'count(//dict/key[. = preceding-sibling::key])')" = 0
check "mobileconfig: top level is a Configuration profile" test "$(xp 'string(/plist/dict/key[.="PayloadType"]/following-sibling::*[1])')" = Configuration
for k in PayloadType PayloadIdentifier PayloadUUID PayloadVersion PayloadDisplayName; do
  check "mobileconfig: every payload has $k" test "$(xp "count(/plist/dict/array/dict[not(key[.=\"$k\"])])")" = 0
done
uuids=$(xmllint --nonet --xpath '//key[.="PayloadUUID"]/following-sibling::string[1]/text()' "$mc" 2>/dev/null | tr ' ' '\n' | sed '/^$/d')
n_uuid=$(printf '%s\n' "$uuids" | wc -l)
if [ "$n_uuid" -ge 2 ] && [ "$(printf '%s\n' "$uuids" | sort -u | wc -l)" = "$n_uuid" ] &&
   ! printf '%s\n' "$uuids" | grep -vqE '^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$'; then
  pass "mobileconfig: $n_uuid PayloadUUIDs, well-formed and unique"
else
  fail "mobileconfig: PayloadUUIDs well-formed and unique" "$uuids"
fi
types=$(xmllint --nonet --xpath '/plist/dict/array/dict/key[.="PayloadType"]/following-sibling::string[1]/text()' "$mc" 2>/dev/null | tr ' ' '\n')
for t in com.google.Chrome "com.google.Chrome.extensions.$DEV_ID" com.microsoft.Edge "com.microsoft.Edge.extensions.$DEV_ID" org.mozilla.firefox; do
  if printf '%s\n' "$types" | grep -qxF "$t"; then pass "mobileconfig: payload $t"; else fail "mobileconfig: payload $t"; fi
done
check "mobileconfig: NativeMessagingBlocklist is [\"*\"] and UserLevelHosts false for Chrome and Edge" \
  test "$(xp 'count(/plist/dict/array/dict[key[.="NativeMessagingBlocklist"]/following-sibling::*[1][self::array and count(*)=1 and string=concat("*","")]][key[.="NativeMessagingUserLevelHosts"]/following-sibling::*[1][self::false]])')" = 2
if command -v plutil >/dev/null 2>&1; then check "plutil -lint $mc" plutil -lint "$mc"; else skip "plutil -lint (macOS only)"; fi

# ---------------------------------------------------------------------------------------------
# ADMX / ADML: every string, presentation and element the ADMX uses is defined in the ADML.
admx=manifests/windows/admx/careguard.admx
adml=manifests/windows/admx/en-US/careguard.adml
strings_used=$(grep -oE '\$\(string\.[A-Za-z0-9_]+\)' "$admx" | sed -E 's/^\$\(string\.(.*)\)$/\1/' | sort -u)
strings_def=$(xmllint --nonet --xpath '//*[local-name()="string"]/@id' "$adml" 2>/dev/null | grep -oE '"[^"]+"' | tr -d '"' | sort -u)
missing=$(comm -23 <(printf '%s\n' "$strings_used") <(printf '%s\n' "$strings_def"))
if [ -z "$missing" ]; then pass "ADML defines every string the ADMX uses"; else fail "ADML misses strings" "$missing"; fi
pres_used=$(grep -oE '\$\(presentation\.[A-Za-z0-9_]+\)' "$admx" | sed -E 's/^\$\(presentation\.(.*)\)$/\1/' | sort -u)
pres_def=$(xmllint --nonet --xpath '//*[local-name()="presentation"]/@id' "$adml" 2>/dev/null | grep -oE '"[^"]+"' | tr -d '"' | sort -u)
missing=$(comm -23 <(printf '%s\n' "$pres_used") <(printf '%s\n' "$pres_def"))
if [ -z "$missing" ]; then pass "ADML defines every presentation the ADMX uses"; else fail "ADML misses presentations" "$missing"; fi
refs=$(xmllint --nonet --xpath '//*[local-name()="presentation"]/*/@refId' "$adml" 2>/dev/null | grep -oE '"[^"]+"' | tr -d '"' | sort -u)
elems=$(xmllint --nonet --xpath '//*[local-name()="elements"]/*/@id' "$admx" 2>/dev/null | grep -oE '"[^"]+"' | tr -d '"' | sort -u)
missing=$(comm -23 <(printf '%s\n' "$refs") <(printf '%s\n' "$elems"))
if [ -z "$missing" ]; then pass "ADML presentations refer to ADMX elements"; else fail "ADML refers to unknown elements" "$missing"; fi
check "ADMX policy names are unique" test "$(xmllint --nonet --xpath '//*[local-name()="policy"]/@name' "$admx" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -d | wc -l)" = 0
for b in 'Google\\Chrome' 'Microsoft\\Edge'; do
  check "ADMX writes $b 3rdparty policy for $DEV_ID" grep -q "key=\"Software\\\\Policies\\\\$b\\\\3rdparty\\\\extensions\\\\$DEV_ID\\\\policy" "$admx"
done

# ---------------------------------------------------------------------------------------------
# .reg files: the header, then only comments, [keys] and "name"=value / @=value lines.
for f in manifests/windows/*.reg; do
  if [ "$(head -n1 "$f" | tr -d '\r')" = "Windows Registry Editor Version 5.00" ]; then pass "reg header: $f"; else fail "reg header: $f"; fi
  bad=$(tail -n +2 "$f" | tr -d '\r' | grep -vnE '^$|^;|^\[HKEY_(LOCAL_MACHINE|CURRENT_USER)\\[^]]+\]$|^("([^"\\]|\\.)*"|@)=("([^"\\]|\\.)*"|dword:[0-9a-f]{8})$')
  if [ -z "$bad" ]; then pass "reg syntax: $f"; else fail "reg syntax: $f" "$bad"; fi
done
# The value lines under one [key] of a .reg file.
reg_values() { awk -v k="[$2]" '/^\[/ { on = ($0 == k); next } on && /^"/' "$1"; }
for v in 'Google\\Chrome' 'Microsoft\\Edge'; do
  f="manifests/windows/careguard-$( [ "$v" = 'Google\\Chrome' ] && echo chrome || echo edge)-policy.reg"
  root="HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Policies\\\\$v"
  check "reg $f: force-install list" grep -qE "^\[$root\\\\ExtensionInstallForcelist\]$" "$f"
  check "reg $f: ExtensionSettings force_installed" grep -qE "^\"ExtensionSettings\"=\".*$DEV_ID.*force_installed" "$f"
  check "reg $f: blocklist *" test "$(reg_values "$f" "${root//\\\\/\\}\\NativeMessagingBlocklist")" = '"1"="*"'
  check "reg $f: allowlist $HOST_NAME" test "$(reg_values "$f" "${root//\\\\/\\}\\NativeMessagingAllowlist")" = "\"1\"=\"$HOST_NAME\""
  check "reg $f: user-level hosts off" grep -qx '"NativeMessagingUserLevelHosts"=dword:00000000' "$f"
  check "reg $f: 3rdparty settings for $DEV_ID" grep -qE "^\[$root\\\\3rdparty\\\\extensions\\\\$DEV_ID\\\\policy\]$" "$f"
done
for v in 'Google\\Chrome' 'BraveSoftware\\Brave-Browser' 'Chromium' 'Microsoft\\Edge' 'Mozilla'; do
  check "reg native hosts: $v key" grep -qE "^\[HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\$v\\\\NativeMessagingHosts\\\\$HOST_NAME\]$" manifests/windows/careguard-native-hosts.reg
done

# ---------------------------------------------------------------------------------------------
# WiX source and PowerShell script
wxs=installer/windows/careguard.wxs
for v in 'Google\Chrome' 'BraveSoftware\Brave-Browser' 'Chromium' 'Microsoft\Edge' 'Mozilla'; do
  n=$(grep -cF "Key=\"SOFTWARE\\$v\\NativeMessagingHosts\\$HOST_NAME\"" "$wxs")
  if [ "$n" = 2 ]; then pass "wxs: HKLM $v key in the 64- and 32-bit views"; else fail "wxs: HKLM $v key twice (found $n)"; fi
  check "install.ps1 names $v" grep -qF "'$v'" installer/windows/install.ps1
done
check "wxs: Firefox key points at the Firefox manifest" grep -qF 'Key="SOFTWARE\Mozilla\NativeMessagingHosts\app.careguard.host" Type="string" Value="[INSTALLFOLDER]app.careguard.host.firefox.json"' "$wxs"
if command -v wixl >/dev/null 2>&1 && command -v msiinfo >/dev/null 2>&1; then
  w="$tmp/wix"; mkdir -p "$w/bin"
  cp "$wxs" "$w/" && cp -r installer/windows/manifests "$w/manifests"
  printf 'MZ' >"$w/bin/careguard-host.exe"; printf 'MZ' >"$w/bin/careguard.exe"
  if (cd "$w" && wixl -a x64 -D BinDir=bin -D ManifestDir=manifests -D Version=0.1.0 -o careguard.msi careguard.wxs) >"$w/log" 2>&1; then
    pass "wixl builds the MSI"
    reg=$(msiinfo export "$w/careguard.msi" Registry 2>/dev/null | tail -n +4)
    comps=$(msiinfo export "$w/careguard.msi" Component 2>/dev/null | tail -n +4)
    check "MSI Registry table: 10 HKLM rows (5 keys x 2 views)" test "$(printf '%s\n' "$reg" | awk -F'\t' '$2 == 2' | wc -l)" = 10
    check "MSI Registry values are the installed manifests" test "$(printf '%s\n' "$reg" | awk -F'\t' '$4 == "" && ($5 == "[INSTALLFOLDER]app.careguard.host.json" || $5 == "[INSTALLFOLDER]app.careguard.host.firefox.json")' | wc -l)" = 10
    check "MSI: 32-bit-view registry components are not 64-bit" test "$(printf '%s\n' "$comps" | awk -F'\t' '$1 ~ /32$/ && $4 != 4' | wc -l)" = 0
    check "MSI File table has host, CLI and both manifests" bash -c "msiinfo export '$w/careguard.msi' File | grep -c -E 'careguard-host.exe|careguard.exe|app.careguard.host.json|app.careguard.host.firefox.json' | grep -qx 4"
  else
    fail "wixl builds the MSI" "$(cat "$w/log")"
  fi
else
  skip "MSI build with wixl (apt-get install wixl msitools)"
fi

# ---------------------------------------------------------------------------------------------
# Debian maintainer scripts, with a stub `careguard` that records its arguments.
stub="$tmp/stub"; mkdir -p "$stub"
cat >"$stub/careguard" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$tmp/careguard.log"
EOF
chmod +x "$stub/careguard"
run_deb() { # $1 script, rest: args; env DPKG_ROOT passed through
  : >"$tmp/careguard.log"
  PATH="$stub:$PATH" sh "installer/debian/$1" "${@:2}"
}
check "postinst configure runs 'careguard install --system --browser all'" bash -c \
  "$(declare -f run_deb); tmp='$tmp' stub='$stub'; run_deb postinst configure && [ \"\$(cat '$tmp/careguard.log')\" = 'install --system --browser all' ]"
check "postinst under dpkg --root passes --root" bash -c \
  "$(declare -f run_deb); tmp='$tmp' stub='$stub'; DPKG_ROOT='$tmp/r' run_deb postinst configure && [ \"\$(cat '$tmp/careguard.log')\" = 'install --system --browser all --root $tmp/r' ]"
check "postinst without the careguard command exits 0" env PATH=/nonexistent /bin/sh installer/debian/postinst configure
check "postinst with a failing careguard still exits 0" bash -c \
  "mkdir -p '$tmp/failstub' && printf '#!/bin/sh\nexit 1\n' >'$tmp/failstub/careguard' && chmod +x '$tmp/failstub/careguard' && PATH='$tmp/failstub:$PATH' sh installer/debian/postinst configure 2>/dev/null"
check "prerm remove runs 'careguard uninstall --system --browser all'" bash -c \
  "$(declare -f run_deb); tmp='$tmp' stub='$stub'; run_deb prerm remove && [ \"\$(cat '$tmp/careguard.log')\" = 'uninstall --system --browser all' ]"
check "prerm upgrade leaves the manifests alone" bash -c \
  "$(declare -f run_deb); tmp='$tmp' stub='$stub'; run_deb prerm upgrade 0.2.0 && [ ! -s '$tmp/careguard.log' ]"
check "postrm remove runs 'careguard uninstall --system --browser all'" bash -c \
  "$(declare -f run_deb); tmp='$tmp' stub='$stub'; run_deb postrm remove && [ \"\$(cat '$tmp/careguard.log')\" = 'uninstall --system --browser all' ]"
# postrm's fallback: our manifests go, another program's manifest stays.
r="$tmp/droot"
for d in etc/opt/chrome/native-messaging-hosts etc/chromium/native-messaging-hosts etc/opt/edge/native-messaging-hosts \
         etc/vivaldi/native-messaging-hosts usr/lib/mozilla/native-messaging-hosts; do
  mkdir -p "$r/$d"
  printf '{"name":"%s","path":"%s","type":"stdio","allowed_origins":["chrome-extension://%s/"]}\n' "$HOST_NAME" "$LINUX_HOST_PATH" "$DEV_ID" >"$r/$d/$HOST_NAME.json"
done
printf '{"name":"other.host","path":"/usr/bin/other","type":"stdio"}\n' >"$r/etc/opt/chrome/native-messaging-hosts/other.host.json"
printf '{"name":"%s","path":"/opt/elsewhere/careguard-host","type":"stdio"}\n' "$HOST_NAME" >"$r/etc/chromium/native-messaging-hosts/$HOST_NAME.json"
if env PATH=/usr/bin:/bin DPKG_ROOT="$r" sh installer/debian/postrm remove >/dev/null 2>&1; then
  left=$(find "$r" -name '*.json' | sed "s|^$r||" | sort | tr '\n' ' ')
  expect="/etc/chromium/native-messaging-hosts/$HOST_NAME.json /etc/opt/chrome/native-messaging-hosts/other.host.json "
  if [ "$left" = "$expect" ]; then pass "postrm fallback removes only manifests naming $LINUX_HOST_PATH"; else fail "postrm fallback removes only our manifests" "left: $left"; fi
else
  fail "postrm remove (fallback) exits 0"
fi
check "postrm rejects an unknown action" bash -c "! sh installer/debian/postrm bogus 2>/dev/null"

# ---------------------------------------------------------------------------------------------
# macOS: stage the payload (dry run), run postinstall against it, then uninstall.sh.
fake="$tmp/macbin"; mkdir -p "$fake"; : >"$fake/careguard-host"; : >"$fake/careguard"
st="$tmp/macstage"
if installer/macos/build-pkg.sh --bin-dir "$fake" --version 0.1.0 --extension-id "$SECOND_ID" --stage-dir "$st" --dry-run >"$tmp/pkg.log" 2>&1; then
  pass "build-pkg.sh --dry-run stages the payload"
  app="$st/root/Library/Application Support/CareGuard"
  check "payload: host and CLI executable" test -x "$app/bin/careguard-host" -a -x "$app/bin/careguard"
  check "payload: extension-ids lists dev and store ids" test "$(tr '\n' ' ' <"$app/extension-ids")" = "$DEV_ID $SECOND_ID "
  check "dry run prints pkgbuild and productbuild" bash -c "grep -q '^pkgbuild ' '$tmp/pkg.log' && grep -q '^productbuild ' '$tmp/pkg.log'"
  if sh "$st/scripts/postinstall" "" "" "$st/root/" >/dev/null 2>&1; then
    pass "postinstall runs against a scratch volume"
    for d in "Library/Google/Chrome/NativeMessagingHosts" "Library/Application Support/Chromium/NativeMessagingHosts" \
             "Library/Microsoft/Edge/NativeMessagingHosts" "Library/Application Support/Vivaldi/NativeMessagingHosts"; do
      check "postinstall: /$d manifest allows both ids" jq -e --arg h "$HOST_NAME" --arg a "chrome-extension://$DEV_ID/" --arg b "chrome-extension://$SECOND_ID/" \
        '.name == $h and .type == "stdio" and .path == "/Library/Application Support/CareGuard/bin/careguard-host" and .allowed_origins == [$a, $b]' \
        "$st/root/$d/$HOST_NAME.json"
    done
    check "postinstall: Mozilla manifest allows the add-on" jq -e --arg f "$FIREFOX_ID" \
      '.allowed_extensions == [$f] and .path == "/Library/Application Support/CareGuard/bin/careguard-host"' \
      "$st/root/Library/Application Support/Mozilla/NativeMessagingHosts/$HOST_NAME.json"
    check "postinstall: /usr/local/bin/careguard link" test "$(readlink "$st/root/usr/local/bin/careguard")" = "/Library/Application Support/CareGuard/bin/careguard"
    printf '{"name":"other.host"}\n' >"$st/root/Library/Google/Chrome/NativeMessagingHosts/other.host.json"
    if ROOT="$st/root" sh installer/macos/uninstall.sh >/dev/null 2>&1; then
      left=$(find "$st/root" -name '*.json' | sed "s|^$st/root||")
      check "uninstall.sh removes our five manifests, keeps others" test "$left" = "/Library/Google/Chrome/NativeMessagingHosts/other.host.json"
      check "uninstall.sh removes the binaries and the link" test ! -e "$app/bin" -a ! -L "$st/root/usr/local/bin/careguard"
    else
      fail "uninstall.sh runs against a scratch root"
    fi
  else
    fail "postinstall runs against a scratch volume"
  fi
else
  fail "build-pkg.sh --dry-run stages the payload" "$(cat "$tmp/pkg.log")"
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
