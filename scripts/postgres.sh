#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for plasma's tests (Debian's packaged server,
# trust auth, 127.0.0.1:54329). Tests reach it through PLASMA_PG_URL, which `start` prints:
#
#   export PLASMA_PG_URL=$(bash scripts/postgres.sh start)
#   bash scripts/postgres.sh stop
#
# Why a script: initdb refuses root, and Debian keeps initdb/pg_ctl off PATH in
# /usr/lib/postgresql/<version>/bin. The data directory is disposable (PLASMA_PG_DIR, default
# /tmp/plasma-pg); `start` on a running server only prints the URL.
set -euo pipefail

PORT="${PLASMA_PG_PORT:-54329}"
DATA="${PLASMA_PG_DIR:-/tmp/plasma-pg}"
SOCK="$DATA-sock"
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ] || [ ! -x "$dir/pg_ctl" ]; then
    echo "postgres.sh: no PostgreSQL under /usr/lib/postgresql (apt-get install -y postgresql)" >&2
    exit 1
  fi
  echo "$dir"
}

# Runs a PostgreSQL binary as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    BIN=$(bindir)
    if [ -f "$DATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "$URL"
      exit 0
    fi
    mkdir -p "$DATA" "$SOCK"
    if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$DATA" "$SOCK"; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_pg "$BIN/initdb" -D "$DATA" --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # fsync off: a test database that a crash may lose; commits are still real transactions.
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-h 127.0.0.1 -p $PORT -k $SOCK -c fsync=off -c max_connections=200" start >/dev/null
    echo "$URL"
    ;;
  stop)
    BIN=$(bindir)
    if [ -f "$DATA/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
    ;;
  url)
    echo "$URL"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|url" >&2
    exit 2
    ;;
esac
