#!/usr/bin/env bash
# Backs up the portal's whole database into one file (pg_dump's custom format), for a
# small site; docs/backups.md has the procedure for a real one (base backups and WAL
# archiving, point-in-time recovery).
#
#   scripts/backup.sh FILE
#
# DATABASE_URL names the database, as for the server (unset: the local cluster of
# scripts/database.sh). The dump holds everything, `server_secrets` (the session and
# gate-pass signing keys) and `vapid_keys` (the push key pair) included: restored, passes
# issued before still verify and browsers' push subscriptions keep working. It is
# therefore a secret: it is written readable by its owner only; store it encrypted.
# scripts/restore.sh restores it into a fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: scripts/backup.sh FILE" >&2
  exit 2
fi
file="$1"

# shellcheck source=scripts/database.sh
source scripts/database.sh

# PostgreSQL's own tools, the newest installed (pg_dump must be at least the server's
# version), else whatever is on PATH.
pg_tool() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$bin" ] && [ -x "$bin/$1" ]; then echo "$bin/$1"; else command -v "$1"; fi
}
pg_dump="$(pg_tool pg_dump)"
pg_restore="$(pg_tool pg_restore)"

umask 077
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
# A consistent snapshot of the whole database (one transaction), compressed. Owners and
# grants are left to the restoring site (restore.sh restores without them).
"$pg_dump" --format=custom --no-owner --no-privileges --file="$partial" "$DATABASE_URL"

# The keys must come along: refuse a dump without them rather than find out on restore.
contents="$("$pg_restore" --list "$partial")"
for table in server_secrets vapid_keys _sqlx_migrations; do
  if ! grep -Eq "TABLE DATA public $table " <<<"$contents"; then
    echo "backup: the dump lacks the data of $table; not kept" >&2
    exit 1
  fi
done
mv "$partial" "$file"
trap - EXIT
echo "backup: $file ($(du -h "$file" | cut -f1)); it holds the signing and push keys: store it encrypted"
