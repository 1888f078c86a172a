#!/usr/bin/env bash
# Builds the release site (server + size-optimised hydrate wasm through npm's wasm-opt)
# and prints what a phone downloads to hydrate a page: raw and brotli-compressed bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scripts/setup.sh >/dev/null
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=border-gate
cargo leptos build --release >/dev/null 2>&1 || cargo leptos build --release

pkg="$root/target/site/pkg"
total_raw=0
total_brotli=0
printf '%-24s %10s %10s\n' file raw brotli
for file in border-gate.wasm border-gate.js border-gate.css; do
  raw=$(stat -c %s "$pkg/$file")
  compressed=$(brotli -c -q 11 "$pkg/$file" | wc -c)
  total_raw=$((total_raw + raw))
  total_brotli=$((total_brotli + compressed))
  printf '%-24s %10d %10d\n' "$file" "$raw" "$compressed"
done
printf '%-24s %10d %10d\n' total "$total_raw" "$total_brotli"
echo "measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(rustc --version | cut -d' ' -f1-2)"
