#!/usr/bin/env bash
# Prints the size of the release WASM bundle, raw and brotli-compressed.
# With `--max-brotli-kib N`, also fails when the brotli-compressed bundle is larger than N KiB
# (the test command holds the bundle to the size README.md promises).
set -euo pipefail
cd "$(dirname "$0")/.."
max_brotli_kib=""
if [ "${1:-}" = "--max-brotli-kib" ]; then
  max_brotli_kib="${2:?--max-brotli-kib needs a number}"
fi
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
  if [ -n "$max_brotli_kib" ]; then
    echo "cannot check the brotli size without the .br file" >&2
    exit 1
  fi
fi
if [ -n "$max_brotli_kib" ] && [ "$brotli" -gt $((max_brotli_kib * 1024)) ]; then
  echo "the WASM bundle is $((brotli / 1024)) KiB brotli, over the $max_brotli_kib KiB it must stay within" >&2
  exit 1
fi
