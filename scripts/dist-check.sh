#!/usr/bin/env bash
# The deploy test (part of scripts/test.sh): assembles the release directory from the release
# build that the end-to-end step made, copies it to a temporary directory, starts it from yet
# another working directory with no LEPTOS_* variables, and checks in Chromium that the page
# loads its CSS and hydrates. Also that the WASM in it is the one built for size
# (cargo_leptos_release in scripts/lib/setup.sh): it aborts on a panic without formatting a
# message, so std's "panicked at" text is not in it.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

work="$(mktemp -d)"
scripts/dist.sh --no-build "$work/leptos-cognito" >/dev/null
for wasm in "$work"/leptos-cognito/site/pkg/*.wasm; do
  if grep -q "panicked at" "$wasm"; then
    echo "dist-check: $wasm formats panic messages: not built with cargo_leptos_release (scripts/lib/setup.sh)" >&2
    exit 1
  fi
done
mkdir -p "$work/elsewhere"
port_app=3600
port_idp=9529
log="$work/server.log"
(
  cd "$work/elsewhere"
  env -u LEPTOS_SITE_ROOT -u LEPTOS_HASH_FILES -u LEPTOS_OUTPUT_NAME -u LEPTOS_SITE_PKG_DIR -u LEPTOS_ENV \
    LEPTOS_SITE_ADDR="127.0.0.1:$port_app" APP_URL="http://localhost:$port_app" \
    LOCAL_IDP=on LOCAL_IDP_ADDR="127.0.0.1:$port_idp" LOCAL_IDP_KEYS_FILE="$work/keys.json" \
    "$work/leptos-cognito/leptos-cognito" >"$log" 2>&1
) &
server=$!
trap 'kill $server 2>/dev/null; pkill -f "$work/leptos-cognito/leptos-cognito" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port_app/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port_app/healthz" >/dev/null || { cat "$log"; echo "dist-check: the server did not start" >&2; exit 1; }
# Static files answer GET and HEAD, and 405 with Allow to any other method.
stylesheet="/pkg/$(basename "$(ls "$work"/leptos-cognito/site/pkg/*.css | head -n 1)")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port_app$stylesheet")" = 200 ] \
  || { echo "dist-check: GET $stylesheet is not 200" >&2; exit 1; }
refused="$(curl -s -o /dev/null -w '%{http_code} %header{allow}' -X POST "http://127.0.0.1:$port_app$stylesheet")"
[ "$refused" = "405 GET,HEAD" ] || { echo "dist-check: POST $stylesheet answered '$refused', not '405 GET,HEAD'" >&2; exit 1; }
(cd end2end && DIST_URL="http://localhost:$port_app" node dist-check.mjs)
