#!/usr/bin/env bash
# Instructions a request, counted by valgrind's callgrind: /healthz, Bearer and cookie
# /api/v1/me, / and /dashboard (signed in), on the release build with the embedded provider.
#
# A benchmark, not a timed test. Unlike req/s on a shared VM (which drifts by up to 40 % from
# minute to minute), an instruction count is the same from run to run for the same binary and
# requests, so two builds can be compared one after the other. It counts user space only (not
# the kernel's TCP work), and valgrind hides SHA extensions from the program, so the SHA-256 of
# a Bearer token's cache key costs ~35,000 instructions here against ~1 µs on the real CPU.
#
# Usage: scripts/count-instructions.sh [SERVER_BINARY]   (default: the release build; run
# `cargo leptos build --release` first). Leaves one callgrind.out.<route> per route in
# $CALLGRIND_DIR (default: a temporary directory) for callgrind_annotate.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
if ! command -v valgrind >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1; then
  say "installing valgrind and wrk (Debian)"
  apt_install valgrind wrk
fi

server="${1:-$CARGO_TARGET_DIR/release/leptos-cognito}"
[ -x "$server" ] || { echo "no server binary at $server: run cargo leptos build --release first" >&2; exit 1; }
out="${CALLGRIND_DIR:-$(mktemp -d)}"
mkdir -p "$out"
port="$(free_port)"
idp_port="$(free_port)"
export LEPTOS_SITE_ADDR="127.0.0.1:$port" APP_URL="http://127.0.0.1:$port"
export LOCAL_IDP=on LOCAL_IDP_ADDR="127.0.0.1:$idp_port"
export LOCAL_IDP_KEYS_FILE="$HOME/.cache/leptos-cognito/callgrind-local-idp-keys.json"
export RUST_LOG=warn LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=leptos-cognito LEPTOS_HASH_FILES=true

# Instrumentation starts off: start-up and sign-in are not counted.
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.out.%p" \
  "$server" serve >"$out/server.log" 2>&1 &
valgrind_pid=$!
trap 'kill $valgrind_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -fs "$APP_URL/healthz" >/dev/null && break; sleep 0.2; done

token="$("$server" token --username user@example.com --password User-Passw0rd! --access-token)"
session="$(sign_in_with_curl "$APP_URL" "$LOCAL_IDP_ADDR" "$out/cookies")"
[ -n "$session" ] || { echo "could not sign in" >&2; exit 1; }

# count NAME PATH [HEADER]: runs wrk for a few seconds with instrumentation on, then divides
# the instructions counted by the requests served.
count() {
  local name=$1 path=$2 header=${3:-}
  # Warm-up (first-use allocations, caches) outside the count.
  wrk -t1 -c4 -d2s ${header:+-H "$header"} "$APP_URL$path" >/dev/null
  callgrind_control --zero "$valgrind_pid" >/dev/null 2>&1
  callgrind_control --instr=on "$valgrind_pid" >/dev/null 2>&1
  local served
  served="$(wrk -t1 -c4 -d"${COUNT_SECS:-5}"s ${header:+-H "$header"} "$APP_URL$path" | awk '/requests in/ { print $1 }')"
  callgrind_control --instr=off "$valgrind_pid" >/dev/null 2>&1
  callgrind_control --dump="$name" "$valgrind_pid" >/dev/null 2>&1
  local dump
  dump="$(ls -t "$out"/callgrind.out.* | head -n 1)"
  mv "$dump" "$out/callgrind.out.$name"
  local total
  total="$(callgrind_annotate "$out/callgrind.out.$name" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')"
  printf '%-28s %8s requests %10s instructions a request\n' "$name" "$served" "$((total / served))"
}

say "instructions a request (callgrind; dumps in $out)"
count healthz /healthz
count api-me-bearer /api/v1/me "Authorization: Bearer $token"
count api-me-cookie /api/v1/me "Cookie: lc_session=$session"
count home /
count dashboard /dashboard "Cookie: lc_session=$session"
