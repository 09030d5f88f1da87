#!/usr/bin/env bash
# Builds the careguard .deb with CPack, installs it with the real dpkg into a throwaway root, checks
# its files and the host manifests its postinst wrote for every browser, reinstalls it, then purges
# it and checks that nothing is left but the dpkg database (and another program's manifest, which
# must survive).
#
#   tests/deploy/deb-package-test.sh BUILD_DIR     runs cpack -G DEB on an already built tree
#   tests/deploy/deb-package-test.sh FILE.deb      tests that package
#   (no argument: build/ of the repository, the release build scripts/test.sh makes)
# Without root it prints why and exits 77 (ctest's SKIP_RETURN_CODE).
#
# Needs root (dpkg), cpack, dpkg-deb, dpkg-shlibdeps (package dpkg-dev), jq. Maintainer scripts run
# with --force-script-chrootless and DPKG_ROOT set to the throwaway root; they never touch this
# machine's /etc or /usr (checked at the end). Dependencies are not installed into the root
# (--force-depends); the Depends field is checked against this machine instead.
#
# Exits non-zero if any check fails; the last line is "N passed, N failed".
# The jq programs below are single-quoted on purpose ($id, $h are jq variables):
# shellcheck disable=SC2016
set -uo pipefail

top="$(cd "$(dirname "$0")/../.." && pwd)"

HOST_NAME=app.careguard.host
DEV_ID=hllknhdbcnbafllcikebpiinoenhnenl
FIREFOX_ID=careguard@careguard.app
HOST_PATH=/usr/bin/careguard-host
# Where `careguard install --system` writes on Linux (docs/DEPLOY.md); Brave uses Chrome's folder.
CHROME_DIRS="/etc/opt/chrome/native-messaging-hosts /etc/chromium/native-messaging-hosts /etc/opt/edge/native-messaging-hosts /etc/vivaldi/native-messaging-hosts"
FIREFOX_DIR=/usr/lib/mozilla/native-messaging-hosts

passed=0
failed=0
tmp="$(mktemp -d /tmp/careguard-deb-test.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/      /'; }
check() {
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc" "$out"; fi
}
finish() {
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit
}

for tool in dpkg dpkg-deb jq; do
  command -v "$tool" >/dev/null 2>&1 || fail "tool $tool is installed"
done
if [ "$(id -u)" -ne 0 ]; then
  printf 'skip  not root: dpkg --root needs it\n0 passed, 0 failed\n'
  exit 77
fi
[ "$failed" -eq 0 ] || finish

# ---------------------------------------------------------------------------------------------
# The package
arg="${1:-$top/build}"
if [ -f "$arg" ]; then
  deb="$arg"
  pass "package given: $deb"
elif [ -f "$arg/CPackConfig.cmake" ]; then
  # Into a scratch folder, so that the build tree stays as it was and parallel runs do not collide.
  if out=$(cpack -G DEB --config "$arg/CPackConfig.cmake" -B "$tmp/cpack" 2>&1); then
    deb=$(find "$tmp/cpack" -maxdepth 1 -name 'careguard_*.deb' | head -n 1)
    if [ -n "$deb" ]; then pass "cpack -G DEB built $(basename "$deb")"; else fail "cpack -G DEB built a careguard_*.deb" "$out"; finish; fi
  else
    fail "cpack -G DEB in $arg" "$out"
    finish
  fi
else
  fail "argument is a .deb or a configured build folder with CPackConfig.cmake" "$arg"
  finish
fi

field() { dpkg-deb -f "$deb" "$1"; }
check "Package: careguard" test "$(field Package)" = careguard
check "Architecture: $(dpkg --print-architecture)" test "$(field Architecture)" = "$(dpkg --print-architecture)"
check "Version is set" test -n "$(field Version)"
check "Maintainer and Description are set" test -n "$(field Maintainer)" -a -n "$(field Description)"
depends=$(field Depends)
printf '      Depends: %s\n' "$depends"
for lib in libc6 'libstdc++6' libhyperscan libsodium libicu; do
  check "Depends names $lib (from dpkg-shlibdeps)" grep -q "\\b$lib" <<<"$depends"
done
check "Depends names no -dev package" bash -c "! grep -q -- '-dev' <<<'$depends'"
# Each dependency (or one of its alternatives) is installed, or provided, here, where the programs
# were built (libspdlog1.10-fmt9 is a name libspdlog1.10 provides).
have=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Provides}\n' | awk '$1 == "ii" { $1 = ""; print }' |
  tr ',' '\n' | sed -E 's/\([^)]*\)//g' | tr -s ' ' '\n' | sort -u)
unmet=""
IFS=',' read -r -a deps <<<"$depends"
for dep in "${deps[@]}"; do
  ok=0
  IFS='|' read -r -a alts <<<"$dep"
  for alt in "${alts[@]}"; do
    name=$(sed -E 's/^ *([^ (]+).*/\1/' <<<"$alt")
    if grep -qxF -- "$name" <<<"$have"; then ok=1; fi
  done
  [ "$ok" -eq 1 ] || unmet="$unmet $dep"
done
check "every Depends entry is installed or provided on this machine" bash -c "[ -z '$unmet' ] || { echo 'unmet:$unmet'; exit 1; }"

dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
  check "control: $script is there and executable" test -x "$tmp/control/$script"
  check "control: $script is installer/debian/$script" cmp "$tmp/control/$script" "$top/installer/debian/$script"
done

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/careguard-host ./usr/bin/careguard \
         ./usr/share/careguard/packs/base/pack.json \
         ./usr/share/careguard/policies/linux/chrome/careguard.json \
         ./usr/share/careguard/policies/linux/edge/careguard.json \
         ./usr/share/careguard/policies/firefox/policies.json \
         ./usr/share/careguard/policies/host/chrome/app.careguard.host.json \
         ./usr/share/careguard/policies/host/firefox/app.careguard.host.json \
         ./usr/share/careguard/policies/windows/admx/careguard.admx \
         ./usr/share/careguard/policies/macos/app.careguard.mobileconfig \
         ./usr/share/doc/careguard/DEPLOY.md; do
  check "package holds ${f#.}" grep -qxF "$f" <<<"$contents"
done
rules_in_repo=$(find "$top/patterns/base/rules" -name '*.json' | wc -l)
rules_in_deb=$(grep -c '^\./usr/share/careguard/packs/base/rules/.*\.json$' <<<"$contents")
check "package holds every base-pack rule file ($rules_in_repo)" test "$rules_in_deb" -eq "$rules_in_repo"
check "package has nothing outside /usr (manifests come from postinst)" \
  bash -c "! grep -v -e '^\./\$' -e '^\./usr/' <<<'$contents'"
check "package does not ship the generator or build-tree files" \
  bash -c "! grep -E 'generate\.sh|CMakeFiles|_CPack_Packages|/build' <<<'$contents'"
check "files are owned by root" bash -c "! dpkg-deb -c '$deb' | awk '{print \$2}' | grep -v '^root/root$'"
modes=$(dpkg-deb -c "$deb" | awk '$6 ~ /^\.\/usr\/bin\/./ {print $1}' | sort -u)
check "programs in /usr/bin are mode 0755" test "$modes" = "-rwxr-xr-x"

# ---------------------------------------------------------------------------------------------
# This machine's own manifests, to prove the chrootless scripts never touched them.
real_state() {
  local d
  for d in $CHROME_DIRS $FIREFOX_DIR /usr/lib64/mozilla/native-messaging-hosts; do
    stat -c '%n %Y %s' "$d/$HOST_NAME.json" 2>/dev/null || echo "$d absent"
  done
}
real_before=$(real_state)

# ---------------------------------------------------------------------------------------------
# Install into a throwaway root
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log"
touch "$root/var/lib/dpkg/status"
# Another program's manifest in one of our folders: ours come and go, this one stays.
mkdir -p "$root/etc/chromium/native-messaging-hosts"
printf '{"name":"com.example.other","path":"/usr/bin/other","type":"stdio","allowed_origins":[]}\n' \
  >"$root/etc/chromium/native-messaging-hosts/com.example.other.json"

dpkg_root() {
  dpkg --root="$root" --log="$root/var/log/dpkg.log" --force-script-chrootless --force-depends "$@"
}

if out=$(dpkg_root -i "$deb" 2>&1); then pass "dpkg --root -i installs the package"; else fail "dpkg --root -i installs the package" "$out"; fi
printf '%s\n' "$out" | sed -n 's/^wrote /      postinst wrote /p'
check "dpkg status: install ok installed" bash -c \
  "dpkg --root='$root' -s careguard 2>/dev/null | grep -qx 'Status: install ok installed'"
for f in /usr/bin/careguard-host /usr/bin/careguard; do
  check "$f installed and executable" test -x "$root$f"
done
check "installed careguard runs (--version)" "$root/usr/bin/careguard" --version
check "/usr/share/careguard/packs/base/pack.json is valid JSON" jq -e . "$root/usr/share/careguard/packs/base/pack.json"
check "/usr/share/careguard/policies/linux/chrome/careguard.json is the committed template" \
  cmp "$root/usr/share/careguard/policies/linux/chrome/careguard.json" "$top/manifests/linux/chrome/careguard.json"
check "/usr/share/doc/careguard/DEPLOY.md installed" test -s "$root/usr/share/doc/careguard/DEPLOY.md"

check_manifests() {
  local when=$1 d m
  for d in $CHROME_DIRS; do
    m="$root$d/$HOST_NAME.json"
    check "$when: $d/$HOST_NAME.json (Chrome family)" jq -e \
      --arg h "$HOST_NAME" --arg p "$HOST_PATH" --arg o "chrome-extension://$DEV_ID/" '
        .name == $h and .type == "stdio" and .path == $p and (.path | startswith("/"))
        and (.allowed_origins | index($o) != null)
        and all(.allowed_origins[]; test("^chrome-extension://[a-p]{32}/$"))
        and (has("allowed_extensions") | not)' "$m"
  done
  m="$root$FIREFOX_DIR/$HOST_NAME.json"
  check "$when: $FIREFOX_DIR/$HOST_NAME.json (Firefox)" jq -e \
    --arg h "$HOST_NAME" --arg p "$HOST_PATH" --arg f "$FIREFOX_ID" '
      .name == $h and .type == "stdio" and .path == $p
      and .allowed_extensions == [$f] and (has("allowed_origins") | not)' "$m"
  check "$when: the manifests' path is the installed host" test -x "$root$HOST_PATH"
  check "$when: the other program's manifest is untouched" \
    jq -e '.name == "com.example.other"' "$root/etc/chromium/native-messaging-hosts/com.example.other.json"
}
check_manifests "after install"

# The installed CLI's doctor, pointed at the root, finds nothing wrong with the system manifests.
if out=$(HOME="$tmp/home" "$root/usr/bin/careguard" doctor --root "$root" --no-host-check --json \
           --browser chrome --browser chromium --browser edge --browser vivaldi --browser firefox 2>&1); then
  pass "careguard doctor --root accepts the installed manifests"
else
  fail "careguard doctor --root accepts the installed manifests" "$out"
fi

# Reinstalling (as an upgrade would) keeps the manifests in place.
if out=$(dpkg_root -i "$deb" 2>&1); then pass "dpkg --root -i again (reinstall)"; else fail "dpkg --root -i again (reinstall)" "$out"; fi
check_manifests "after reinstall"

# ---------------------------------------------------------------------------------------------
# Remove and purge
if out=$(dpkg_root --purge careguard 2>&1); then pass "dpkg --root --purge removes the package"; else fail "dpkg --root --purge removes the package" "$out"; fi
printf '%s\n' "$out" | sed -n 's/^removed /      prerm removed /p'
check "dpkg status: not installed" bash -c "! dpkg --root='$root' -s careguard >/dev/null 2>&1 || dpkg --root='$root' -s careguard 2>/dev/null | grep -q 'not-installed'"
for d in $CHROME_DIRS $FIREFOX_DIR; do
  check "after purge: no $d/$HOST_NAME.json" test ! -e "$root$d/$HOST_NAME.json"
done
check "after purge: the other program's manifest is still there" \
  test -f "$root/etc/chromium/native-messaging-hosts/com.example.other.json"
left=$(cd "$root" && find . -mindepth 1 \
  -not -path './var' -not -path './var/lib' -not -path './var/lib/dpkg' -not -path './var/lib/dpkg/*' \
  -not -path './var/log' -not -path './var/log/dpkg.log' \
  -not -path './etc' -not -path './etc/opt' -not -path './usr' -not -path './usr/lib' \
  -not -path './etc/chromium' -not -path './etc/chromium/native-messaging-hosts' \
  -not -path './etc/chromium/native-messaging-hosts/com.example.other.json' | sort)
check "after purge: nothing of careguard is left in the root" test -z "$left"
[ -z "$left" ] || printf '      left: %s\n' "$left"
check "after purge: no careguard files in the dpkg database" \
  bash -c "! ls '$root/var/lib/dpkg/info' | grep -q '^careguard\\.'"

check "this machine's own manifests were not touched" test "$(real_state)" = "$real_before"

finish
