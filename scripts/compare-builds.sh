#!/usr/bin/env bash
# Two server builds side by side, in req/s: a benchmark, not a timed test.
#
# Both binaries serve on the same core (0) and wrk runs on the other (1), as in bench.sh; they
# take turns route by route for several rounds and each reports its median, so the VM's drift
# (up to 40 % from minute to minute here) falls on both alike. Both use one standalone embedded
# provider (cognito-local-idp) as their pool; each signs in once with curl for the cookie routes.
#
# Usage: scripts/compare-builds.sh BINARY_A BINARY_B [ROUNDS]   (ROUNDS: default 5; SECS: the
# length of one run, default 8). Copy a release build aside (with its hash.txt beside it)
# before building the other.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
[ $# -ge 2 ] || { echo "usage: $0 BINARY_A BINARY_B [ROUNDS]" >&2; exit 2; }
a="$(realpath "$1")"
b="$(realpath "$2")"
rounds="${3:-5}"
for binary in "$a" "$b"; do
  [ -x "$binary" ] || { echo "not an executable: $binary" >&2; exit 2; }
done
command -v wrk >/dev/null 2>&1 || { say "installing wrk (Debian)"; apt_install wrk; }

say "embedded provider (cognito-local-idp)"
cargo build --release -p cognito-local-idp >/dev/null 2>&1
idp_binary="$CARGO_TARGET_DIR/release/cognito-local-idp"

idp="127.0.0.1:$(free_port)"
port_a="$(free_port)"
port_b="$(free_port)"
work="$(mktemp -d)"
pids=""
trap 'kill $pids 2>/dev/null || true; rm -rf "$work"' EXIT

LOCAL_IDP_ADDR="$idp" \
  LOCAL_IDP_CALLBACK_URLS="http://127.0.0.1:$port_a/auth/callback,http://127.0.0.1:$port_b/auth/callback" \
  LOCAL_IDP_LOGOUT_URLS="http://127.0.0.1:$port_a/,http://127.0.0.1:$port_b/" \
  RUST_LOG=warn taskset -c 1 "$idp_binary" &
pids="$!"

export RUST_LOG=warn LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=leptos-cognito LEPTOS_HASH_FILES=true
export LOCAL_IDP=off COGNITO_ISSUER="http://$idp/us-east-1_LocalPool" COGNITO_DOMAIN="http://$idp"
export COGNITO_CLIENT_ID=leptoscognitolocalclient01 COGNITO_CLIENT_SECRET=local-development-secret-not-for-production
for side in a b; do
  if [ "$side" = a ]; then binary="$a" port="$port_a"; else binary="$b" port="$port_b"; fi
  env LEPTOS_SITE_ADDR="127.0.0.1:$port" APP_URL="http://127.0.0.1:$port" taskset -c 0 "$binary" serve &
  pids="$pids $!"
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

token="$(APP_URL="http://127.0.0.1:$port_a" "$a" token --username user@example.com --password User-Passw0rd! --access-token)"
session_a="$(sign_in_with_curl "http://127.0.0.1:$port_a" "$idp" "$work/jar_a")"
session_b="$(sign_in_with_curl "http://127.0.0.1:$port_b" "$idp" "$work/jar_b")"
[ -n "$token" ] && [ -n "$session_a" ] && [ -n "$session_b" ] || { echo "sign-in failed" >&2; exit 1; }

run() { # side route url [wrk args]
  local side=$1 route=$2 url=$3
  shift 3
  taskset -c 1 wrk -t1 -c32 -d"${SECS:-8}"s "$@" "$url" | awk -v s="$side" -v r="$route" '/^Requests\/sec:/ { print s, r, $2 }'
}
say "side by side: $rounds rounds of ${SECS:-8} s per route and build (server on core 0, wrk on core 1)"
for _ in $(seq 1 "$rounds"); do
  for side in a b; do
    if [ "$side" = a ]; then port="$port_a" session="$session_a"; else port="$port_b" session="$session_b"; fi
    run "$side" healthz "http://127.0.0.1:$port/healthz"
    run "$side" bearer_me "http://127.0.0.1:$port/api/v1/me" -H "Authorization: Bearer $token"
    run "$side" cookie_me "http://127.0.0.1:$port/api/v1/me" -H "Cookie: lc_session=$session"
    run "$side" page_home "http://127.0.0.1:$port/"
    run "$side" page_dashboard "http://127.0.0.1:$port/dashboard" -H "Cookie: lc_session=$session"
  done
done >"$work/rounds"
median() { awk -v s="$1" -v r="$2" '$1 == s && $2 == r { print $3 }' "$work/rounds" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '%-16s %12s %12s %8s   (req/s, medians; every run below)\n' route A B "B/A"
for route in healthz bearer_me cookie_me page_home page_dashboard; do
  ma="$(median a "$route")"
  mb="$(median b "$route")"
  awk -v r="$route" -v a="$ma" -v b="$mb" 'BEGIN { printf "%-16s %12.0f %12.0f %8.2f\n", r, a, b, b / a }'
done
cat "$work/rounds"
