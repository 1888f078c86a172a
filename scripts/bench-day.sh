#!/usr/bin/env bash
# A day at the gate (server/benches/day_at_the_gate/): builds the release server, then
# starts it on a fresh database and drives whole trips through every step over HTTP, as
# firms, the gate's cameras and officers do (declare, book, yard check-in, call forward,
# each agency's decision, exit). Prints trips per second end to end, each step's
# p50/p95/p99, errors by step and answer, the machine's load and CPU split, and the check
# of every trip's final state and timeline. A benchmark, not a test: it never fails on a
# timing. Settings are BENCH_* environment variables (see the top of
# server/benches/day_at_the_gate/main.rs), e.g. BENCH_TRIPS=42000 scripts/bench-day.sh;
# DATABASE_POOL_SIZE is passed on to the server.
#
# The server, PostgreSQL and the clients share this machine's cores: the figures are
# low while anything else runs (a build, the tests). Look at `uptime` first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# shellcheck source=scripts/database.sh
source scripts/database.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The same flags as run.sh and test.sh, so that all of them share one build.
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=border-gate

# One build for the benchmark and the server it starts (see bench-booking.sh).
echo "== build: release server and benchmark (cargo bench --no-run)"
cargo bench -p server --bench day_at_the_gate --no-run

echo "== machine: $(nproc) cores; $(uptime)"
echo "== a day at the gate (cargo bench -p server --bench day_at_the_gate)"
cargo bench -p server --bench day_at_the_gate
