//! Logging: `tracing` with an `RUST_LOG`-style filter, as human-readable lines or (with
//! `LOG_FORMAT=json`) one JSON object a line.

use tracing_subscriber::{EnvFilter, fmt};

use crate::server::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (tests start several servers).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,leptos_cognito=info"));
    let _ = match format {
        LogFormat::Text => fmt().with_env_filter(filter).with_target(false).try_init(),
        // The request's span fields (request id, route, session) go into each line's `span`.
        LogFormat::Json => fmt().json().with_env_filter(filter).with_target(false).with_current_span(true).try_init(),
    };
}
