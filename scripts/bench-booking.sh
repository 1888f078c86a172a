#!/usr/bin/env bash
# The booking storm (server/benches/booking_storm.rs): builds the release server, then
# starts it on a fresh database and storms POST /api/book_slot with a thousand virtual
# bookers; prints rates, latency percentiles per outcome, the CPU split and the
# database's overbooking and duplicate checks next to the targets. A benchmark, not a
# test: it never fails on a timing. Settings are BENCH_* environment variables (see the
# top of the benchmark), e.g. BENCH_SECONDS=60 BENCH_RATE=2000 scripts/bench-booking.sh;
# DATABASE_POOL_SIZE is passed on to the server; so are the booking limits, which the
# benchmark sets itself (BENCH_BOOKING_CHANGES_PER_FIRM / _PER_ADDRESS) where they
# count every change and refuse none.
#
# The server, PostgreSQL and the load generator share this machine's cores: the figures
# are low while anything else runs (a build, the tests). Look at `uptime` first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# shellcheck source=scripts/database.sh
source scripts/database.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The same flags as run.sh and test.sh, so that all of them share one build.
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=border-gate

# A thousand keep-alive connections on each side of the loopback need file descriptors.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 8192 ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 8192 2>/dev/null || true
fi

# One build for the benchmark and the server it starts: a separate `cargo build
# --release -p server` has other features (no dev-dependencies), and the two would
# rebuild the app crate in turn at every run.
echo "== build: release server and benchmark (cargo bench --no-run)"
cargo bench -p server --bench booking_storm --no-run

echo "== machine: $(nproc) cores; $(uptime)"
echo "== booking storm (cargo bench -p server --bench booking_storm)"
cargo bench -p server --bench booking_storm
