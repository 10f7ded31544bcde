#!/usr/bin/env bash
# Two server builds side by side, in req/s: a benchmark, not a timed test.
#
# Both binaries serve on the same core (0) and wrk runs on the other (1), as in bench.sh. Each
# route runs on both at the same time, one wrk per build: the scheduler gives each server half
# of the core, so each build's req/s is inverse to the CPU a request costs it, measured in the
# same seconds (the VM's speed drifts by up to 40 % within a minute here, which taking turns
# cannot separate from a difference of a few percent; two identical builds measured this way
# agree within 2 %). Several rounds; each build reports its median, and each route the median
# of the rounds' ratios (req/s are those of half a core). Both use one standalone embedded
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

# url ROUTE PORT: the URL of a route on one build; header ROUTE SESSION: its request header.
url() {
  case "$1" in
    healthz) echo "http://127.0.0.1:$2/healthz" ;;
    bearer_me | cookie_me) echo "http://127.0.0.1:$2/api/v1/me" ;;
    page_home) echo "http://127.0.0.1:$2/" ;;
    page_dashboard) echo "http://127.0.0.1:$2/dashboard" ;;
  esac
}
header() {
  case "$1" in
    bearer_me) echo "Authorization: Bearer $token" ;;
    cookie_me | page_dashboard) echo "Cookie: lc_session=$2" ;;
  esac
}
# together ROUTE ROUND: the route on both builds at once; prints "side route req/s round" for each.
together() {
  local route=$1 round=$2
  wrk_at_once 1 "${SECS:-8}" "$round" \
    "$work/wrk_a" "$(url "$route" "$port_a")" "$(header "$route" "$session_a")" \
    "$work/wrk_b" "$(url "$route" "$port_b")" "$(header "$route" "$session_b")"
  echo "a $route $(wrk_rps "$work/wrk_a") $round"
  echo "b $route $(wrk_rps "$work/wrk_b") $round"
}
routes="healthz bearer_me cookie_me page_home page_dashboard"
say "side by side: $rounds rounds of ${SECS:-8} s per route, both builds at once (servers on core 0, wrk on core 1)"
for round in $(seq 1 "$rounds"); do
  for route in $routes; do together "$route" "$round"; done
done >"$work/rounds"
median() { awk -v s="$1" -v r="$2" '$1 == s && $2 == r { print $3 }' "$work/rounds" | median_of_numbers; }
# The median over rounds of B/A within each round's pair.
median_ratio() {
  awk -v r="$1" '$2 == r { v[$4, $1] = $3; n[$4] = 1 } END { for (k in n) if (v[k, "a"] > 0) print v[k, "b"] / v[k, "a"] }' "$work/rounds" |
    median_of_numbers
}
printf '%-16s %12s %12s %8s %12s   (req/s on half a core each, medians; every run below)\n' route A B "B/A" "paired B/A"
for route in $routes; do
  ma="$(median a "$route")"
  mb="$(median b "$route")"
  mr="$(median_ratio "$route")"
  awk -v r="$route" -v a="$ma" -v b="$mb" -v p="$mr" 'BEGIN { printf "%-16s %12.0f %12.0f %8.2f %12.2f\n", r, a, b, b / a, p }'
done
cat "$work/rounds"
