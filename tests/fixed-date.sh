#!/bin/sh
# Runs a test binary with the real-time clock set to $PCSANDBOX_FAKE_NOW (libfaketime, Debian's
# faketime package), so that CI proves the suite does not depend on today's weekday or month.
# The monotonic clock is left alone: timeouts and tokio's timers keep real durations.
# Used as cargo's target runner by .ci/run: CARGO_TARGET_<triple>_RUNNER=tests/fixed-date.sh.
set -eu
: "${PCSANDBOX_FAKE_NOW:?set PCSANDBOX_FAKE_NOW, e.g. '2027-01-10 12:00:00'}"
export FAKETIME_DONT_FAKE_MONOTONIC=1 TZ=UTC
exec faketime -f "@$PCSANDBOX_FAKE_NOW" "$@"
