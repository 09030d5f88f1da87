#!/usr/bin/env bash
# The main job: set up, build, check the sample posts in examples/ with `careguard scan`, then open
# the demo composer in Chromium with the extension (headless without a display: it saves a
# screenshot of the live warning to build/demo-warning.png).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"

echo
echo "== careguard scan: the sample posts in examples/posts"
for post in "$ROOT"/examples/posts/*.txt; do
  status=0
  "$ROOT/build/host/careguard" scan "$post" || status=$?
  case $status in
    0) echo "$(basename "$post"): clean" ;;
    1) ;;  # findings, printed above
    *) echo "$(basename "$post"): error ($status)"; exit "$status" ;;
  esac
done

echo
echo "== with the sample organisation's pack (named service users)"
"$ROOT/build/host/careguard" org build --profile "$ROOT/examples/org/profile.json" \
  --service-users "$ROOT/examples/org/service-users.csv" --colleagues "$ROOT/examples/org/colleagues.csv" \
  --id example-care --version 1.0.0 -o "$ROOT/build/example-org.cgpack.json"
"$ROOT/build/host/careguard" scan --org "$ROOT/build/example-org.cgpack.json" "$ROOT/examples/posts/named-client.txt" || true

echo
echo "== the demo composer in Chromium"
bash "$ROOT/scripts/demo.sh"
