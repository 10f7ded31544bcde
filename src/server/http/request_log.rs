//! One log line and one metrics sample per request: request id, method, route template,
//! status, latency, and (once read) the session's short id.
//!
//! Only the route template is logged and labelled, never the path or the query:
//! `/auth/callback?code=...&state=...` carries one-time secrets that must not reach the logs,
//! and raw paths would give metrics unbounded label values. The session is named by the first
//! characters of its refresh-lock key, which is not the cookie and unlocks nothing.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::server::{metrics, request_span};

pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // A clone of the matched path is a reference count, not a copy of the string.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("fallback", MatchedPath::as_str);
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        method = %request.method(),
        route = %route,
        session = tracing::field::Empty,
    );
    let mut response = request_span::scope(span.clone(), next.run(request).instrument(span.clone())).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(status, latency_ms = format_args!("{:.2}", latency.as_secs_f64() * 1000.0), "served");
    });
    metrics::http_request(route, status, latency);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
