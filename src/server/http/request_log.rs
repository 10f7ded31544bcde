//! One log line and one metrics sample per request: request id, method, route template,
//! status, latency, and (once read) the session's short id.
//!
//! Only the route template is logged and labelled, never the path or the query:
//! `/auth/callback?code=...&state=...` carries one-time secrets that must not reach the logs,
//! and raw paths would give metrics unbounded label values. The session is named by the first
//! characters of its refresh-lock key, which is not the cookie and unlocks nothing.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    response::Response,
};
use tracing::Instrument;

use crate::server::{metrics, request_span};

/// Where a route leaves its template for the request log. The log wraps the router once
/// instead of every route (axum's `Router::layer` wraps each route, see `http::app_service`), so
/// the template, which only the router knows, comes back through this slot.
#[derive(Clone, Default)]
struct RouteOfRequest(Arc<OnceLock<MatchedPath>>);

/// Per route, before its handler: hands the matched route template to the request log.
pub fn record_route(request: Request) -> Request {
    let extensions = request.extensions();
    if let (Some(slot), Some(matched)) = (extensions.get::<RouteOfRequest>(), extensions.get::<MatchedPath>()) {
        // A clone of the matched path is a reference count, not a copy of the string.
        let _ = slot.0.set(matched.clone());
    }
    request
}

/// One request's log line and metrics sample, begun when the request arrives and written when
/// its answer is ready.
pub struct RequestLog {
    started: Instant,
    id: String,
    span: tracing::Span,
    route: RouteOfRequest,
}

impl RequestLog {
    /// Begins the log of `request`: its id, its span, and the slot where its route leaves its
    /// template (see [`record_route`]).
    pub fn begin<B>(request: &mut axum::http::Request<B>) -> Self {
        let started = Instant::now();
        let route = RouteOfRequest::default();
        request.extensions_mut().insert(route.clone());
        let id = uuid::Uuid::new_v4().simple().to_string();
        let span = tracing::info_span!(
            "request",
            id = %id,
            method = %request.method(),
            route = tracing::field::Empty,
            session = tracing::field::Empty,
        );
        RequestLog { started, id, span, route }
    }

    /// Waits for `answer` inside the request's span, then writes the log line and the metrics
    /// sample, and names the request in the answer's `x-request-id`.
    pub async fn finish(self, answer: impl Future<Output = Response>) -> Response {
        let RequestLog { started, id, span, route } = self;
        let mut response = request_span::scope(span.clone(), answer.instrument(span.clone())).await;
        let latency = started.elapsed();
        let status = response.status().as_u16();
        let route = route.0.get().map_or("fallback", MatchedPath::as_str);
        span.record("route", route);
        span.in_scope(|| {
            tracing::info!(status, latency_ms = format_args!("{:.2}", latency.as_secs_f64() * 1000.0), "served");
        });
        metrics::http_request(route, status, latency);
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-request-id", value);
        }
        response
    }
}
