#!/usr/bin/env bash
# Runs every test of the portal:
#   1. domain unit tests (plain Rust, no database);
#   2. integration tests over HTTP against a real PostgreSQL, a fresh database each;
#   2b. the fault run (scripts/faults.sh): SIGKILL, database restart and outage, several
#      server processes, on a PostgreSQL cluster of its own;
#   3. Playwright in a real Chromium, phone and desktop, each with JavaScript off (plain
#      server-rendered forms) and hydrated, against the real server binary.
# Installs what is missing first (scripts/setup.sh) and starts a local PostgreSQL when
# DATABASE_URL is not set (scripts/database.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

scripts/setup.sh
# shellcheck source=scripts/database.sh
source scripts/database.sh
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# cargo-leptos builds dev code with this flag; giving cargo test the same one lets both
# share one build instead of compiling every crate twice. (run.sh sets it too: in the
# release wasm, type-erased components are smaller.)
export RUSTFLAGS="--cfg erase_components"
# Leptos bakes this name into the page's script tags at compile time; cargo-leptos sets
# it, and so must cargo test, or it rebuilds leptos and a server that asks for
# `border-gate_bg.wasm`.
export LEPTOS_OUTPUT_NAME=border-gate
# A test run builds once: incremental caches would only add gigabytes to a clean build.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== build: server and hydrate wasm (cargo leptos build)"
cargo leptos build

echo "== unit and integration tests (cargo test)"
cargo test -p app -p server --features app/ssr

echo "== fault run: SIGKILL, database restart and outage, several processes (scripts/faults.sh)"
FAULTS_SKIP_SETUP=1 scripts/faults.sh

echo "== end-to-end tests (Playwright, Chromium)"
e2e_database="border_gate_e2e_$$"
e2e_url="${DATABASE_URL%/*}/$e2e_database"
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -c "create database $e2e_database"
cleanup() { psql "$DATABASE_URL" -q -c "drop database if exists $e2e_database with (force)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
(cd end2end && E2E_DATABASE_URL="$e2e_url" npx playwright test)

echo "== all tests passed"
