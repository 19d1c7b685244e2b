#!/usr/bin/env bash
# Browser tests: the portal and the console in Chromium, driven by Playwright for Python.
# Playwright uses the system's Chromium (Debian's `chromium`, at /usr/bin/chromium or
# $PCSANDBOX_CHROMIUM); it never downloads a browser. Screenshots go to tests/browser/screenshots.
# Usage: ./run.sh [extra pytest args...]; set PCSANDBOX_BIN to use an already-built binary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
here="$(pwd)"

chromium="${PCSANDBOX_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "Chromium is missing at $chromium (apt-get install chromium fonts-noto-cjk)" >&2
    exit 1
  fi
fi
export PCSANDBOX_CHROMIUM="$chromium"
# Japanese text needs a CJK font, or every character is drawn as an empty box (the screenshots
# and the glyph check of test_portal.py tell).
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ja)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null
  else
    echo "No Japanese font (apt-get install fonts-noto-cjk): Japanese text would render as boxes" >&2
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install -q -r requirements.txt

if [[ -z "${PCSANDBOX_BIN:-}" ]]; then
  (cd ../.. && cargo build -q -p pcsandbox)
  target_dir="${CARGO_TARGET_DIR:-$here/../../target}"
  PCSANDBOX_BIN="$(cd "$target_dir" && pwd)/debug/pcsandbox"
fi
export PCSANDBOX_BIN

exec .venv/bin/python -m pytest -q "$@"
