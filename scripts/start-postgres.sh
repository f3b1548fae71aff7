#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback for the cross-engine tests and benchmarks,
# and prints `export SEGMENTS_PG_URL=...`. Idempotent: a running server is reused.
#   eval "$(scripts/start-postgres.sh)"
# Needs Debian's `postgresql` package (apt-get install -y postgresql). Settings:
#   SEGMENTS_PG_DATA (default /tmp/segments-pg), SEGMENTS_PG_PORT (default 5433).
set -euo pipefail
DATA="${SEGMENTS_PG_DATA:-/tmp/segments-pg}"
PORT="${SEGMENTS_PG_PORT:-5433}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "start-postgres: PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
fi
# The server refuses to run as root: run it as the postgres user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ ! -s "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2
fi
if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >&2
fi
for _ in $(seq 1 30); do
  "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q && break
  sleep 1
done
EXISTS="$("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'segments'")"
[ "$EXISTS" = 1 ] || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres segments
echo "export SEGMENTS_PG_URL=postgres://postgres@127.0.0.1:$PORT/segments"
