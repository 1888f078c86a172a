#!/usr/bin/env bash
# Sourced by run.sh and test.sh. When DATABASE_URL is set, uses that server as it is.
# Otherwise starts (creating on first use) a PostgreSQL of our own whose data lives in
# .data/postgres (ignored by git), listening on 127.0.0.1:${LOCAL_PG_PORT:-55432}, and
# exports DATABASE_URL for a role that may create databases (each test makes its own).
# When that port is taken (another checkout's PostgreSQL on the same machine), the next
# free one is used and remembered in .data/postgres.port for this checkout.

# Whether something listens on 127.0.0.1:$1.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

local_postgres() {
  local root data port bin run
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  data="$root/.data/postgres"
  local port_file="$root/.data/postgres.port"
  if [ -n "${LOCAL_PG_PORT:-}" ]; then
    port="$LOCAL_PG_PORT"
  elif [ -f "$port_file" ]; then
    port="$(cat "$port_file")"
  else
    port=55432
  fi
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
    if [ -z "${LOCAL_PG_PORT:-}" ]; then
      while port_taken "$port"; do
        echo "database: port $port is taken (another checkout's PostgreSQL?); trying $((port + 1))"
        port=$((port + 1))
      done
    fi
    echo "$port" >"$port_file"
    echo "database: starting PostgreSQL on 127.0.0.1:$port"
    if ! "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/../postgres.log" -w \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null; then
      echo "database: PostgreSQL did not start; the end of .data/postgres.log says why:" >&2
      tail -n 5 "$data/../postgres.log" >&2
      echo "database: set LOCAL_PG_PORT to a free port, or DATABASE_URL to a server you have" >&2
      return 1
    fi
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
