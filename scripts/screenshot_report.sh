#!/usr/bin/env bash
# Screenshot a run's report.html with headless Chromium (Debian package `chromium`).
# usage: scripts/screenshot_report.sh RUN_DIR [OUT.png] [WIDTHxHEIGHT]
# Writes OUT.png (default RUN_DIR/report.png). Flags: no sandbox (root in containers), no GPU, and no
# background networking (the page is self-contained; a closed network would otherwise stall startup).
set -euo pipefail
run="${1:?usage: scripts/screenshot_report.sh RUN_DIR [OUT.png] [WIDTHxHEIGHT]}"
out="${2:-$run/report.png}"
size="${3:-1280x4000}"
html="$run/report.html"
[[ -f "$html" ]] || { echo "error: $html does not exist: run bin/ldm4j report --run $run first" >&2; exit 2; }
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[[ -n "$browser" ]] || { echo "error: no Chromium found: install it (sudo apt-get install chromium)" >&2; exit 2; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" "file://$(realpath "$html")" >/dev/null 2>&1
[[ -s "$out" ]] || { echo "error: Chromium wrote no screenshot to $out" >&2; exit 1; }
echo "wrote $out"
