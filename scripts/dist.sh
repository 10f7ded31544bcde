#!/usr/bin/env bash
# Makes a self-contained release directory (default: dist/leptos-cognito) that runs from any
# working directory with no further flags:
#   leptos-cognito   the server binary (release build)
#   site/            the site root: CSS, JS and WASM with content-hashed names, precompressed
#   hash.txt         the hashes, read by the binary from beside itself
#   .env.example     the variables production needs
# Usage: scripts/dist.sh [--no-build] [DIR]   (--no-build reuses the last release build)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi
out="${1:-$ROOT/dist/leptos-cognito}"

if [ "$build" = 1 ]; then
  ensure_build_tools
  say "release build (cargo leptos build --release --precompress, WASM built for size)"
  cargo_leptos_release build
fi

binary="$CARGO_TARGET_DIR/release/leptos-cognito"
hashes="$CARGO_TARGET_DIR/release/hash.txt"
for needed in "$binary" "$hashes" "$ROOT/target/site/pkg"; do
  [ -e "$needed" ] || { echo "dist: $needed is missing; run without --no-build" >&2; exit 1; }
done

say "assembling $out"
rm -rf "$out"
mkdir -p "$out"
cp "$binary" "$hashes" "$out/"
cp -r "$ROOT/target/site" "$out/site"
cp "$ROOT/.env.example" "$out/.env.example"
say "done: run it with  cd $out && ./leptos-cognito   (see README.md, Deploy)"
