#!/usr/bin/env bash
# The store's tests and the end-to-end suite again, on PostgreSQL: a throwaway cluster
# (tests/postgres/cluster.sh) gives every test server its own database, through the testkit's
# PCSANDBOX_TEST_DATABASE. The two-replica tests run here too: they need a PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(tests/postgres/cluster.sh start)"
trap 'tests/postgres/cluster.sh stop "$PCSANDBOX_TEST_CLUSTER"' EXIT
echo "-- PostgreSQL cluster in $PCSANDBOX_TEST_CLUSTER"
cargo test -p pcsandbox-store
cargo test --test api
