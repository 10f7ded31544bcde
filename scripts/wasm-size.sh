#!/usr/bin/env bash
# Prints the size of the release WASM bundle, raw and brotli-compressed.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm="$(ls -t target/site/pkg/*.wasm 2>/dev/null | head -n 1)"
if [ -z "$wasm" ]; then
  echo "no WASM bundle in target/site/pkg: build first" >&2
  exit 1
fi
raw=$(stat -c %s "$wasm")
if [ -f "$wasm.br" ]; then
  brotli=$(stat -c %s "$wasm.br")
  echo "WASM bundle $(basename "$wasm"): $((raw / 1024)) KiB raw, $((brotli / 1024)) KiB brotli"
else
  echo "WASM bundle $(basename "$wasm"): $((raw / 1024)) KiB raw (no .br file: build with --precompress)"
fi
