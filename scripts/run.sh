#!/usr/bin/env bash
# Runs the portal: installs what is missing (scripts/setup.sh), starts a local
# PostgreSQL when DATABASE_URL is not set (scripts/database.sh), builds the release
# server and wasm, then serves on http://127.0.0.1:3000 (LEPTOS_SITE_ADDR to change it).
# The server applies the migrations and, with DEMO_DATA=1 (the default here), loads the
# demo firms and officers listed in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

scripts/setup.sh
# shellcheck source=scripts/database.sh
source scripts/database.sh
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Type-erased components: a smaller hydrate wasm (see README, Performance), and the same
# flags as the test build.
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=border-gate

cargo leptos build --release

export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export DEMO_DATA="${DEMO_DATA:-1}"
echo "== the portal: http://$LEPTOS_SITE_ADDR"
exec "$root/target/release/server"
