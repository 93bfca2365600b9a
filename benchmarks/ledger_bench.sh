#!/usr/bin/env bash
# Usage ledger write rate: `openai-gateway ledger-bench` on SQLite (a temporary DATA_DIR) and on PostgreSQL
# (TEST_DATABASE_URL, else a throw-away server started with scripts/postgres.sh on a free loopback port,
# stopped afterwards). Prints rows/s for each; the target is >= 20,000 rows/s.
#
#   benchmarks/ledger_bench.sh [--binary PATH] [--rows N] [--runs R]
#
# Builds nothing: pass a release binary (default .build/release/openai-gateway;
# `swift build -c release --product openai-gateway`). LEDGER_BATCH_ROWS / LEDGER_FLUSH_MS are honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/openai-gateway
rows=100000
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--rows N] [--runs R]" >&2; exit 2 ;;
  esac
done
[ -x "$binary" ] || { echo "no binary at $binary (swift build -c release --product openai-gateway)" >&2; exit 1; }

data=$(mktemp -d /tmp/ledger-bench-XXXXXX)
pgdir=""
cleanup() {
  if [ -n "$pgdir" ]; then scripts/postgres.sh stop "$pgdir" || true; rm -rf "$pgdir"; fi
  rm -rf "$data"
}
trap cleanup EXIT

echo "== SQLite (DATA_DIR=$data)"
for _ in $(seq "$runs"); do
  env -u DATABASE_URL DATA_DIR="$data" "$binary" ledger-bench --rows "$rows"
done

url=${TEST_DATABASE_URL:-}
if [ -z "$url" ]; then
  pgdir=$(mktemp -d /tmp/ledger-bench-pg-XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  url=$(scripts/postgres.sh start "$pgdir" "$port")
fi
echo "== PostgreSQL (${url%%\?*})"
for _ in $(seq "$runs"); do
  DATA_DIR="$data" DATABASE_URL="$url" "$binary" ledger-bench --rows "$rows"
done
