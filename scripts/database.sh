#!/usr/bin/env bash
# Sourced by run.sh and test.sh. When DATABASE_URL is set, uses that server as it is.
# Otherwise starts (creating on first use) a PostgreSQL of our own whose data lives in
# .data/postgres (ignored by git), listening on 127.0.0.1:${LOCAL_PG_PORT:-55432}, and
# exports DATABASE_URL for a role that may create databases (each test makes its own).

local_postgres() {
  local root data port bin run
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  data="$root/.data/postgres"
  port="${LOCAL_PG_PORT:-55432}"
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$bin" ]; then
    echo "database: no PostgreSQL server found under /usr/lib/postgresql (run scripts/setup.sh)" >&2
    return 1
  fi
  # PostgreSQL refuses to run as root: run it as the postgres user when we are root.
  if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); else run=(); fi

  if [ ! -f "$data/PG_VERSION" ]; then
    echo "database: creating a local cluster in .data/postgres"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$root/.data"
    "${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! "${run[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "database: starting PostgreSQL on 127.0.0.1:$port"
    "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/../postgres.log" -w \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  fi
  "${run[@]}" "$bin/psql" -h /tmp -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<'SQL'
select 'create role border_gate login createdb password ''border_gate'''
where not exists (select from pg_roles where rolname = 'border_gate') \gexec
select 'create database border_gate owner border_gate'
where not exists (select from pg_database where datname = 'border_gate') \gexec
SQL
  export DATABASE_URL="postgres://border_gate:border_gate@127.0.0.1:$port/border_gate"
}

if [ -z "${DATABASE_URL:-}" ]; then
  local_postgres
fi
