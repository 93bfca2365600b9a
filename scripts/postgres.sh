#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the tests and benchmarks:
#   scripts/postgres.sh start [DIR] [PORT]   initdb in DIR (default /tmp/openai-gateway-pg), start on 127.0.0.1:PORT
#                                             (default 55432), create database "gateway"; prints the DATABASE_URL
#   scripts/postgres.sh stop  [DIR]          stop it (the data stays in DIR until you delete it)
# Uses Debian's postgresql package (apt-get install postgresql). As root, the server runs as the
# "postgres" user (PostgreSQL refuses to run as root).
set -euo pipefail
command=${1:-start}
dir=${2:-/tmp/openai-gateway-pg}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    fi
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='gateway'" | grep -q 1 \
      || as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres gateway
    echo "postgres://postgres@127.0.0.1:$port/gateway?sslmode=disable"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop [DIR] [PORT]" >&2
    exit 2
    ;;
esac
