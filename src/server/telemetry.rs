//! Logging: `tracing` with an `RUST_LOG`-style filter.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber. Safe to call more than once (tests start several servers).
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,leptos_cognito=info"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
