#!/usr/bin/env bash
# The fault run (server/tests/faults/): the portal's server binary as its own processes
# on a PostgreSQL cluster of the run's own (a temporary directory, a free port: stopping
# it disturbs no one), through the faults a gate meets:
#   kill       the server killed with SIGKILL mid-storm, then started again;
#   restart    PostgreSQL restarted while bookings, pages and a live stream are served;
#   outage     PostgreSQL stopped for 30 s (FAULTS_OUTAGE_SECONDS) under the same;
#   processes  one, two and three server processes on one database under the storm.
# Each prints what it saw (answers by status, lost and doubled bookings, lost messages,
# the storm's figures, the server's /metrics) and the run fails when an invariant broke.
# FAULTS=kill,outage runs some only. It needs the PostgreSQL server binaries
# (scripts/setup.sh) but not DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${FAULTS_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The same flags as run.sh and test.sh, so that all of them share one build.
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=border-gate

echo "== fault run (cargo test -p server --features app/ssr --test faults)"
cargo test -p server --features app/ssr --test faults
