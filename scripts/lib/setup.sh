# Sourced by scripts/dev.sh and scripts/test.sh: installs what is missing, idempotently,
# and says what it does. Nothing here downloads from GitHub: every tool comes from crates.io,
# npm or Debian, which is all a machine of this kind can reach.

CARGO_LEPTOS_VERSION=0.3.10
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

# Keep build output between runs (and between fresh clones, as CI makes) without polluting
# the checkout; override CARGO_TARGET_DIR to build elsewhere.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leptos-cognito/target}"
# cargo-leptos takes wasm-opt from PATH; npm's binaryen is the one that produces working WASM.
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm32-unknown-unknown target: present"
  else
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
    say "cargo-leptos $CARGO_LEPTOS_VERSION: present"
  else
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
}

ensure_wasm_bindgen() {
  local wanted
  wanted="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
  if [ -z "$wanted" ]; then
    echo "cannot find the wasm-bindgen version in Cargo.lock" >&2
    return 1
  fi
  if wasm-bindgen --version 2>/dev/null | grep -q " $wanted\$"; then
    say "wasm-bindgen-cli $wanted: present"
  else
    # No --locked: its lockfile names a crate version this registry does not have.
    say "installing wasm-bindgen-cli $wanted (must equal the wasm-bindgen crate in Cargo.lock)"
    cargo install wasm-bindgen-cli --version "$wanted" --force
  fi
}

ensure_npm_packages() {
  local stamp="end2end/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ ! "end2end/package-lock.json" -nt "$stamp" ]; then
    say "end2end npm packages (Playwright, binaryen): present"
  else
    say "installing end2end npm packages (Playwright, binaryen for wasm-opt)"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
}

# Installs Debian packages (as root, or with sudo), refreshing the package lists only if needed.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
    || { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

# A C compiler and make: aws-lc (token signatures) and jemalloc (the server's allocator) are
# built from their C sources by their crates' build scripts.
ensure_c_toolchain() {
  if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
    say "C compiler and make: present"
  else
    say "installing a C compiler and make (Debian)"
    apt_install gcc libc6-dev make
  fi
}

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then
    say "chromium: present ($(chromium --version 2>/dev/null | head -n 1))"
    return
  fi
  say "installing Debian's chromium for the end-to-end tests"
  apt_install chromium
}

ensure_redis_server() {
  # openssl: the rediss:// test makes a throwaway CA and server certificate for its TLS Redis.
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 \
    && command -v openssl >/dev/null 2>&1; then
    say "redis-server, redis-cli, openssl: present"
    return
  fi
  say "installing Debian's redis-server, redis-tools and openssl (the Redis session store tests start their own on loopback)"
  apt_install redis-server redis-tools openssl
}

# cfn-lint (PyPI) checks infra/cognito-pool.yaml; a virtual environment of its own keeps it
# off the system Python, pinned so the test command gives the same verdict on every machine.
CFN_LINT_VERSION=1.58.0
CFN_LINT_VENV="$HOME/.cache/leptos-cognito/cfn-lint"
ensure_cfn_lint() {
  if "$CFN_LINT_VENV/bin/cfn-lint" --version 2>/dev/null | grep -q " $CFN_LINT_VERSION\$"; then
    say "cfn-lint $CFN_LINT_VERSION: present"
  else
    say "installing cfn-lint $CFN_LINT_VERSION from PyPI into $CFN_LINT_VENV"
    python3 -m venv "$CFN_LINT_VENV"
    "$CFN_LINT_VENV/bin/pip" install --quiet "cfn-lint==$CFN_LINT_VERSION"
  fi
}

# The standard library's sources, which the release WASM build compiles (cargo_leptos_release).
ensure_rust_src() {
  if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]; then
    say "rust-src (the standard library's sources): present"
  else
    say "installing rust-src (the standard library's sources, for the release WASM build)"
    rustup component add rust-src
  fi
}

ensure_build_tools() {
  ensure_c_toolchain
  ensure_wasm_target
  ensure_rust_src
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_npm_packages
}

# `cargo leptos COMMAND --release --precompress ARGS...` with the WASM bundle built for size:
# the standard library is compiled with the bundle (cargo's -Zbuild-std), so LTO and
# opt-level "z" reach it too, and a panic in the browser aborts at once (-Cpanic=immediate-abort)
# instead of linking the code that formats panic messages, which nobody reads in a release
# build. 726 -> 658 KiB raw, 221 -> 205 KiB brotli (docs/benchmarks.md). Both are unstable
# options of this stable toolchain; RUSTC_BOOTSTRAP=1 unlocks them, as the Rust for Linux and
# Firefox builds do for theirs. The server is built exactly as before (its crates check for
# RUSTC_BOOTSTRAP but enable only what compiles). A plain `cargo leptos build --release` still
# works and makes the larger bundle.
# https://doc.rust-lang.org/cargo/reference/unstable.html#build-std and
# https://github.com/johnthagen/min-sized-rust (build-std, immediate abort).
#
# cargo-leptos 0.3.10 exits 0 when the server fails to compile (after building the front end),
# and when end-to-end tests fail, so a red build or test run would pass, or a stale binary be
# shipped: its output is read for cargo's "could not compile", and for `end-to-end` the
# Playwright JSON report (end2end/test-results/results.json) must show tests run and none failed.
cargo_leptos_release() {
  local command=$1
  shift
  local log results="$ROOT/end2end/test-results/results.json"
  log="$(mktemp)"
  rm -f "$results"
  local status=0
  { RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
      cargo leptos "$command" --release --precompress --lib-cargo-args=-Zbuild-std=std,panic_abort "$@" 2>&1 \
      | tee "$log"
    status=${PIPESTATUS[0]}; } || true
  if grep -q "error: could not compile" "$log"; then
    echo "cargo leptos $command: the build failed (see above), though cargo-leptos exited $status" >&2
    status=1
  fi
  rm -f "$log"
  if [ "$status" = 0 ] && [ "$command" = end-to-end ]; then
    python3 - "$results" <<'PY' || status=1
import json, sys
try:
    stats = json.load(open(sys.argv[1]))["stats"]
except (OSError, ValueError, KeyError) as error:
    sys.exit(f"end-to-end: no Playwright report ({error}): the tests did not run")
if stats.get("expected", 0) == 0 or stats.get("unexpected", 0) or stats.get("flaky", 0):
    sys.exit(f"end-to-end: {stats.get('unexpected', 0)} failed, {stats.get('flaky', 0)} flaky, {stats.get('expected', 0)} passed")
PY
  fi
  return "$status"
}

# A TCP port on loopback that nothing listens on right now (the kernel picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A browser sign-in with curl against the embedded provider: app (/auth/login) -> hosted UI
# form (with its CSRF token) -> callback. Prints the session cookie's value.
# Usage: sign_in_with_curl APP_URL IDP_ADDR COOKIE_JAR [USERNAME] [PASSWORD]
sign_in_with_curl() {
  local app_url=$1 idp_addr=$2 jar=$3 username=${4:-user@example.com} password=${5:-User-Passw0rd!}
  local login_page action csrf
  rm -f "$jar"
  login_page="$(curl -fsL -c "$jar" -b "$jar" "$app_url/auth/login")"
  action="$(printf '%s' "$login_page" | sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')"
  csrf="$(printf '%s' "$login_page" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p')"
  curl -fsL -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$csrf" \
    --data-urlencode "username=$username" --data-urlencode "password=$password" "http://$idp_addr$action"
  awk '$6 == "lc_session" { print $7 }' "$jar"
}

# wrk_at_once LOAD_CORE SECS ROUND OUT_A URL_A HEADER_A OUT_B URL_B HEADER_B: loads two servers
# at the same time, one wrk each (1 thread, 32 keep-alive connections, both on LOAD_CORE), and
# leaves each wrk's report in OUT_A and OUT_B. HEADER_*: one request header, or empty. Which
# load starts first alternates with ROUND's parity, so neither side always has the head start.
#
# Why at once: on this shared VM the speed drifts by up to 40 % from minute to minute, so runs
# taken in turn cannot separate differences of a few percent. Two busy processes pinned to one
# core get half of it each (Linux's fair scheduler), so with both servers on the server core
# each one's req/s is inverse to the CPU a request costs it, measured in the same seconds, and
# the ratio of the two is the ratio of their costs.
wrk_at_once() {
  local core=$1 secs=$2 round=$3
  local -a side_a=("$4" "$5" "$6") side_b=("$7" "$8" "$9") first second
  if [ $((round % 2)) = 1 ]; then
    first=("${side_a[@]}") second=("${side_b[@]}")
  else
    first=("${side_b[@]}") second=("${side_a[@]}")
  fi
  taskset -c "$core" wrk -t1 -c32 -d"$secs"s ${first[2]:+-H "${first[2]}"} "${first[1]}" >"${first[0]}" &
  local first_pid=$!
  taskset -c "$core" wrk -t1 -c32 -d"$secs"s ${second[2]:+-H "${second[2]}"} "${second[1]}" >"${second[0]}"
  wait "$first_pid"
}

# wrk_rps FILE: the requests per second of a wrk report.
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }

# median_of_numbers: the median of the numbers on standard input, one a line (the lower middle
# one of an even count).
median_of_numbers() { sort -n | awk '{ v[NR] = $1 } END { printf "%s\n", v[int((NR + 1) / 2)] }'; }
