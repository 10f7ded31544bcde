#!/usr/bin/env bash
# A soak run, not part of the test command: 200 simulated people for two minutes, across three
# instances on one Redis behind a round-robin proxy, with 5-second tokens and refresh-token
# rotation. Prints sessions lost (must be 0), refresh grants per session per token lifetime
# (must be 1) and latency percentiles. SOAK_USERS and SOAK_SECS change the size.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
ensure_redis_server
say "soak: ${SOAK_USERS:-200} people for ${SOAK_SECS:-120} s"
cargo test --locked --features ssr --test soak -- --ignored --nocapture 2>&1 | grep -E "^soak:|panicked|answered"
