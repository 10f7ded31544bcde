#!/usr/bin/env bash
# Runs every check and test: formatting, clippy for both builds, unit and integration tests,
# a release build (wasm-opt included) and the end-to-end tests in Chromium.
# Installs what it needs first.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
# A full run builds each crate once, so incremental compilation saves nothing here; its caches
# grew by gigabytes a run (tens of gigabytes over a few days filled this machine's disk).
export CARGO_INCREMENTAL=0
ensure_build_tools
ensure_chromium
ensure_redis_server
ensure_cfn_lint

started=$SECONDS
step() {
  say "$1"
  shift
  "$@"
}

step "formatting (cargo fmt --check)" cargo fmt --all -- --check
step "the user pool template (cfn-lint infra/cognito-pool.yaml)" "$CFN_LINT_VENV/bin/cfn-lint" infra/cognito-pool.yaml
step "clippy, server build and library crates" cargo clippy --locked --workspace --features ssr --all-targets -- -D warnings
step "clippy, WASM build" cargo clippy --locked --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
if cargo nextest --version >/dev/null 2>&1; then
  # One process per test: a test that hangs is stopped and retried (see .config/nextest.toml).
  step "unit and integration tests (cargo-nextest)" cargo nextest run --locked --workspace --features ssr --profile ci
  step "doc tests" cargo test --locked --workspace --features ssr --doc
else
  step "unit and integration tests" cargo test --locked --workspace --features ssr
fi

# Ports of their own, so a running `scripts/dev.sh` does not get in the way.
step "library crates: documentation builds without warnings" \
  env RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p cognito-local-idp -p axum-cognito \
  -p axum-cognito-leptos --features axum-cognito-leptos/ssr
step "the whole workspace's documentation builds without warnings" \
  env RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --workspace
step "auth core without its store backends (memory only)" cargo test --locked -p axum-cognito --no-default-features --lib
step "library crates: ready to publish (cargo package --list)" cargo package --locked --list -p cognito-local-idp -p axum-cognito -p axum-cognito-leptos

export LEPTOS_SITE_ADDR=127.0.0.1:3400
export LEPTOS_RELOAD_PORT=3401
export APP_URL=http://localhost:3400
export LOCAL_IDP=on
export LOCAL_IDP_ADDR=127.0.0.1:9329
# Short tokens, so the end-to-end tests see the dashboard refresh them live.
export LOCAL_IDP_ID_TOKEN_SECS=8
export LOCAL_IDP_ACCESS_TOKEN_SECS=8
export TOKEN_REFRESH_SKEW_SECS=3
# Keys of the end-to-end provider stay out of the developer's own .local/.
export LOCAL_IDP_KEYS_FILE="$HOME/.cache/leptos-cognito/e2e-local-idp-keys.json"
step "release build and end-to-end tests in Chromium" cargo_leptos_release end-to-end
step "deploy: the release directory runs from another directory, with its CSS, and hydrates" scripts/dist-check.sh

# The size README.md promises (Leptos islands: only what changes in the browser is in the bundle).
report="$(scripts/wasm-size.sh --max-brotli-kib 150)"
say "$report"
say "all checks passed in $((SECONDS - started)) s (after tool setup)"
