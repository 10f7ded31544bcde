//! Logging: `tracing` with an `RUST_LOG`-style filter, as human-readable lines or (with
//! `LOG_FORMAT=json`) one JSON object a line.

use tracing_subscriber::{EnvFilter, fmt};

use crate::server::config::LogFormat;

/// The filter without `RUST_LOG`.
const DEFAULT_DIRECTIVES: &str = "info,tower_http=warn,leptos_cognito=info";

/// tower-sessions warns of "possibly suspicious activity" for every cookie that names a session
/// the store does not hold, or is no session id at all. Here that is routine (a session that
/// idled out, or was ended by "sign out everywhere" on another device, leaves its cookie in the
/// browser), and any client can send such cookies at will, so each would be a WARN line an
/// attacker could repeat to bury real warnings. Only its errors (a failed save) are kept, unless
/// `RUST_LOG` says otherwise about tower-sessions.
const QUIET_SESSION_WARNINGS: &str = "tower_sessions_core::session=error,tower_sessions::service=error";

/// Installs the global subscriber. Safe to call more than once (tests start several servers).
pub fn init(format: LogFormat) {
    let rust_log = match std::env::var("RUST_LOG") {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            eprintln!("RUST_LOG is not valid UTF-8; logging with the default `{DEFAULT_DIRECTIVES}`");
            None
        }
    };
    let filter = EnvFilter::try_new(directives(rust_log.as_deref())).unwrap_or_else(|error| {
        eprintln!("RUST_LOG is not a valid log filter ({error}); logging with the default `{DEFAULT_DIRECTIVES}`");
        EnvFilter::new(directives(None))
    });
    let _ = match format {
        LogFormat::Text => fmt().with_env_filter(filter).with_target(false).try_init(),
        // The request's span fields (request id, route, session) go into each line's `span`.
        LogFormat::Json => fmt().json().with_env_filter(filter).with_target(false).with_current_span(true).try_init(),
    };
}

/// The filter's directives: `RUST_LOG` (or the default), with tower-sessions' warnings about
/// stale cookies left out unless it names tower-sessions itself.
fn directives(rust_log: Option<&str>) -> String {
    let chosen = rust_log.map(str::trim).filter(|value| !value.is_empty()).unwrap_or(DEFAULT_DIRECTIVES);
    if chosen.contains("tower_sessions") { chosen.to_string() } else { format!("{chosen},{QUIET_SESSION_WARNINGS}") }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a subscriber with `directives` writes for a warning of each target. The targets are
    /// the modules tower-sessions 0.14 warns from (`tower_sessions_core::session` for a record
    /// not in the store, `tower_sessions::service` for a malformed id).
    fn logged(directives: &str, targets_and_messages: &[(&str, &str)]) -> String {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let writer = {
            let buffer = buffer.clone();
            move || SharedWriter(buffer.clone())
        };
        let subscriber =
            fmt().with_env_filter(EnvFilter::new(directives)).with_writer(writer).with_ansi(false).finish();
        tracing::subscriber::with_default(subscriber, || {
            for (target, message) in targets_and_messages {
                match *target {
                    "tower_sessions_core::session" => {
                        tracing::warn!(target: "tower_sessions_core::session", "{message}")
                    }
                    "tower_sessions::service" => tracing::warn!(target: "tower_sessions::service", "{message}"),
                    _ => tracing::warn!(target: "leptos_cognito", "{message}"),
                }
            }
        });
        String::from_utf8(buffer.lock().expect("buffer").clone()).expect("text")
    }

    struct SharedWriter(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for SharedWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const WARNINGS: [(&str, &str); 3] = [
        ("tower_sessions_core::session", "possibly suspicious activity: record not found in store"),
        ("tower_sessions::service", "possibly suspicious activity: malformed session id"),
        ("leptos_cognito", "a warning of the app"),
    ];

    #[test]
    fn stale_session_cookies_are_not_warnings_by_default_or_with_a_plain_rust_log() {
        for rust_log in [None, Some("info"), Some("debug"), Some("warn,leptos_cognito=debug"), Some("  ")] {
            let log = logged(&directives(rust_log), &WARNINGS);
            assert!(!log.contains("suspicious"), "{rust_log:?}: {log}");
            assert!(log.contains("a warning of the app"), "{rust_log:?}: {log}");
        }
    }

    #[test]
    fn a_rust_log_that_names_tower_sessions_is_taken_as_it_is() {
        let log = logged(&directives(Some("info,tower_sessions_core=warn,tower_sessions=warn")), &WARNINGS);
        assert!(log.contains("record not found in store") && log.contains("malformed session id"), "{log}");
    }
}
