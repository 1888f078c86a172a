#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh into a fresh database, for a small site (see
# docs/backups.md).
#
#   scripts/restore.sh FILE TARGET_DATABASE_URL
#
# The target database is created when it does not exist (the role needs CREATEDB) and
# must be empty when it does: a restore never writes over a portal's data. Everything
# comes back in one transaction (all or nothing), with the applied migrations, the
# signing keys and the push keys; then the planner's statistics are rebuilt. Start the
# portal with DATABASE_URL=TARGET_DATABASE_URL: it applies only migrations newer than
# the dump.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
  echo "usage: scripts/restore.sh FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
file="$1"
target="$2"
if [ ! -r "$file" ]; then
  echo "restore: cannot read $file" >&2
  exit 1
fi

pg_tool() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$bin" ] && [ -x "$bin/$1" ]; then echo "$bin/$1"; else command -v "$1"; fi
}
pg_restore="$(pg_tool pg_restore)"
psql="$(pg_tool psql)"

# postgres://user:password@host:port/name?options: the name, and the same server's
# maintenance database to create it from.
base="${target%%\?*}"
options="${target#"$base"}"
name="${base##*/}"
if ! [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "restore: use a database name of lower-case letters, digits and _ (not '$name')" >&2
  exit 1
fi
maintenance="${base%/*}/postgres$options"

exists="$("$psql" "$maintenance" -XAtq -v ON_ERROR_STOP=1 \
  -c "select count(*) from pg_database where datname = '$name'")"
if [ "$exists" = 0 ]; then
  echo "restore: creating database $name"
  "$psql" "$maintenance" -Xq -v ON_ERROR_STOP=1 -c "create database $name"
else
  tables="$("$psql" "$target" -XAtq -v ON_ERROR_STOP=1 \
    -c "select count(*) from pg_tables where schemaname = 'public'")"
  if [ "$tables" != 0 ]; then
    echo "restore: $name already holds $tables tables; restore into a fresh database" >&2
    exit 1
  fi
fi

"$pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$target" "$file"
"$psql" "$target" -Xq -v ON_ERROR_STOP=1 -c "analyze"
echo "restore: $file restored into $name; start the portal with DATABASE_URL set to it"
