#!/usr/bin/env bash
# Starts a throw-away sharded PostgreSQL on loopback: two shard servers and a coordinator that
# reaches them through postgres_fdw (one foreign server per shard, `shard_1` and `shard_2`), and
# prints `export SEGMENTS_PG_CLUSTER_URL=...` (the coordinator). Idempotent: running servers are
# reused. The engine's copy of a SQLite database into the coordinator (engine/postgres-copy.ts,
# `cluster`) makes each table hash-partitioned there, one partition per shard, every partition a
# foreign table whose rows live on its shard.
#   eval "$(scripts/start-postgres-cluster.sh)"
# Needs Debian's `postgresql` package (postgres_fdw and dblink ship in it). Settings:
#   SEGMENTS_PG_CLUSTER_DATA (default /tmp/segments-pg-cluster), SEGMENTS_PG_CLUSTER_PORT (default
#   5440: the coordinator; the shards listen on the next two ports).
set -euo pipefail
ROOT="${SEGMENTS_PG_CLUSTER_DATA:-/tmp/segments-pg-cluster}"
PORT="${SEGMENTS_PG_CLUSTER_PORT:-5440}"
SHARDS=2
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "start-postgres-cluster: PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
fi
if [ ! -f "$(dirname "$BIN")/lib/postgres_fdw.so" ]; then
  echo "start-postgres-cluster: postgres_fdw is missing (it ships in Debian's postgresql package)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
psql_at() { "$BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -v ON_ERROR_STOP=1 -qtA "${@:2}"; }

# One server: its own data folder and port, the same locale and session defaults everywhere, so
# an expression gives the same value on a shard as on the coordinator (postgres_fdw sends only
# built-in immutable expressions, and sets the time zone and date style of its connections).
start_server() {
  local data="$1" port="$2"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data" "$(dirname "$data")"
    as_owner "$BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2
  fi
  if ! as_owner "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB -c TimeZone=UTC -c DateStyle=ISO,YMD" start >&2
  fi
  for _ in $(seq 1 30); do
    "$BIN/pg_isready" -h 127.0.0.1 -p "$port" -q && break
    sleep 1
  done
  [ "$(psql_at "$port" -c "SELECT 1 FROM pg_database WHERE datname = 'segments'")" = 1 ] \
    || "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres segments
}

mkdir -p "$ROOT"
for i in $(seq 1 "$SHARDS"); do start_server "$ROOT/shard_$i" $((PORT + i)); done
start_server "$ROOT/coordinator" "$PORT"

# The coordinator: postgres_fdw reads and writes the shards; dblink runs the copy's DDL on them
# (through the same foreign servers). Partitionwise join and aggregation are off by default in
# PostgreSQL; without them no join or GROUP BY over partitioned tables reaches the shards.
# JIT off: a foreign table the coordinator has not analyzed is estimated at a cost that turns
# JIT on, and compiling a condition of 100,000 terms (test/language/large-inputs) takes minutes.
psql_at "$PORT" -d segments <<SQL >&2
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE EXTENSION IF NOT EXISTS dblink;
ALTER DATABASE segments SET enable_partitionwise_join = on;
ALTER DATABASE segments SET enable_partitionwise_aggregate = on;
ALTER DATABASE segments SET jit = off;
SQL
for i in $(seq 1 "$SHARDS"); do
  psql_at "$PORT" -d segments <<SQL >&2
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = 'shard_$i') THEN
    CREATE SERVER shard_$i FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host '127.0.0.1', port '$((PORT + i))', dbname 'segments', fetch_size '10000', batch_size '1000', async_capable 'true');
    CREATE USER MAPPING FOR PUBLIC SERVER shard_$i OPTIONS (user 'postgres');
  END IF;
END \$\$;
SQL
done
echo "export SEGMENTS_PG_CLUSTER_URL=postgres://postgres@127.0.0.1:$PORT/segments"
