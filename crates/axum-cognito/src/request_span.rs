//! The request's own log span, so the auth core can name the session in the request's log
//! line. Layers inside a request (tower-sessions) open spans of their own, so the current span
//! is not necessarily the request's: the app's request logger puts its span here.

use std::future::Future;

tokio::task_local! {
    static REQUEST_SPAN: tracing::Span;
}

/// Runs `future` (a request) with `span` as its request span; the span should declare an empty
/// `session` field.
pub async fn scope<F: Future>(span: tracing::Span, future: F) -> F::Output {
    REQUEST_SPAN.scope(span, future).await
}

/// Names the request's session in its log lines by the first characters of its refresh-lock
/// key (not the cookie, and it unlocks nothing). Does nothing outside [`scope`].
pub fn record_session(session_key: &str) {
    let short = session_key.get(..8).unwrap_or(session_key);
    let _ = REQUEST_SPAN.try_with(|span| {
        span.record("session", short);
    });
}
