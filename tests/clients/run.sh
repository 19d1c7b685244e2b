#!/usr/bin/env bash
# Runs the real-client (MSAL Python, msal-node, the Partner Center and Graph Python SDKs) tests
# against a pcsandbox binary.
# Usage: ./run.sh [extra pytest args...]
# Set PCSANDBOX_BIN to use an already-built binary; otherwise it is built with cargo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
here="$(pwd)"

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements.txt

if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

if [[ -z "${PCSANDBOX_BIN:-}" ]]; then
  (cd ../.. && cargo build -q -p pcsandbox)
  target_dir="${CARGO_TARGET_DIR:-$here/../../target}"
  PCSANDBOX_BIN="$(cd "$target_dir" && pwd)/debug/pcsandbox"
fi
if [[ ! -x "$PCSANDBOX_BIN" ]]; then
  echo "pcsandbox binary not found or not executable: $PCSANDBOX_BIN" >&2
  exit 1
fi
export PCSANDBOX_BIN

# MSAL Python builds its own requests session: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
# from the caller's environment would override the sandbox CA the tests install.
unset CURL_CA_BUNDLE
exec env -u REQUESTS_CA_BUNDLE .venv/bin/python -m pytest -q "$@"
