#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `eval "$(tests/postgres/cluster.sh start)"` prints
# `export PCSANDBOX_TEST_DATABASE=postgres://…` for a fresh cluster in a temporary directory on a
# free port; `tests/postgres/cluster.sh stop DIR` stops and removes it. Run as root, the cluster
# belongs to the `postgres` user (initdb refuses root). Installs postgresql-15 with apt if the
# machine lacks it.
set -euo pipefail

bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
    for d in /usr/lib/postgresql/*/bin; do
      [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
  fi
  echo "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  # Tests trade durability for speed (no fsync at all); `start --bench` keeps fsync and full
  # page writes and only lets commits return before their WAL is flushed (synchronous_commit=off),
  # which is what SQLite's WAL mode with synchronous=NORMAL (a file database) promises.
  if [ "${2:-}" = "--bench" ]; then
    durability="-c synchronous_commit=off"
  else
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  bin=$(bindir)
  dir=$(mktemp -d /tmp/pcsandbox-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U pcsandbox --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=400 $durability" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U pcsandbox pcsandbox
  echo "export PCSANDBOX_TEST_DATABASE=postgres://pcsandbox@127.0.0.1:$port/pcsandbox PCSANDBOX_TEST_CLUSTER=$dir"
  ;;
stop)
  dir=${2:?give the cluster directory}
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start [--bench] | stop DIR" >&2
  exit 2
  ;;
esac
