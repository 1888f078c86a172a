#!/usr/bin/env bash
# Installs what the portal needs to build, run and test, skipping whatever is already there.
# Everything comes from the package registries (Debian, rustup, crates.io, npm): these
# machines can download nothing else. See ../README.md "Toolchain".
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v brotli >/dev/null || need_apt+=(brotli)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
command -v pg_ctlcluster >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

rustup target list --installed | grep -q wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must equal the wasm-bindgen pinned in Cargo.toml.
if ! wasm-bindgen --version 2>/dev/null | grep -q '0.2.130'; then
  echo "setup: cargo install wasm-bindgen-cli 0.2.130 (a few minutes)"
  cargo install wasm-bindgen-cli --version 0.2.130
fi

# cargo-leptos 0.3.11 needs rustc 1.96; 0.3.10 builds with our 1.95 (about 18 minutes).
if ! cargo leptos --version 2>/dev/null | grep -q '0.3.10'; then
  echo "setup: cargo install cargo-leptos 0.3.10 (about 18 minutes on 2 cores)"
  cargo install cargo-leptos --locked --version 0.3.10
fi

# Playwright and npm's binaryen (wasm-opt 132; Debian's 108 breaks hydration).
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ]; then
  echo "setup: npm ci in end2end/"
  (cd end2end && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
fi
