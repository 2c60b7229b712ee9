#!/usr/bin/env bash
# Start a throwaway PostgreSQL on a loopback port for the test suite and print its URL.
# Usage: scripts/start-postgres.sh [DATA_DIR] [PORT]   (needs Debian's postgresql package)
set -euo pipefail
DATA_DIR=${1:-${TMPDIR:-/tmp}/callcredit-pg}
PORT=${2:-54329}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

run_as() {
  # PostgreSQL refuses to run as root; use the postgres account Debian's package creates.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
  mkdir -p "$DATA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DATA_DIR"
  run_as "$BIN/initdb" -D "$DATA_DIR" -U callcredit --auth=trust -E UTF8 >/dev/null
fi
if ! run_as "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
  run_as "$BIN/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA_DIR -c max_connections=200 -c fsync=off" start >/dev/null
fi
run_as "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U callcredit -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='callcredit_test'" | grep -q 1 \
  || run_as "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U callcredit callcredit_test
echo "postgresql+psycopg://callcredit@127.0.0.1:$PORT/callcredit_test"
