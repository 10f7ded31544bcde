//! The JSON API under `/api/v1`: session cookie or Cognito access token, never a redirect.

mod handlers;

/// Who is calling (cookie or Bearer) and the RFC 6750 errors: the auth core's API pieces.
pub use axum_cognito::api::{caller, error};

use axum::{
    Router,
    routing::{any, get},
};

pub use caller::{ApiCaller, Credential};
pub use error::{ApiError, ApiRejection};

use crate::server::state::AppState;

/// The API's routes, at their full paths under `/api/v1`. Answers depend on who asks, so no
/// shared cache may keep them (RFC 9111 §5.2.2.5): the app's response headers
/// (`http::response_headers`) give them `no-store`, as every response but the hashed bundle,
/// without a layer of their own per route.
///
/// Full paths rather than a router nested at `/api/v1`: axum's `nest` rewrites each request's
/// URI (a new path, an allocation and a copy) before routing it a second time, which measured
/// (callgrind, `scripts/count-instructions.sh`) as several percent of a Bearer call.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ping", get(handlers::ping))
        .route("/api/v1/me", get(handlers::me))
        .route("/api/v1/admin/ping", get(handlers::admin_ping))
        .route("/api/v1/machine/ping", get(handlers::machine_ping))
        // Last: it applies to the routes above (axum adds the `Allow` header).
        .method_not_allowed_fallback(handlers::method_not_allowed)
}

/// Every other path under `/api` (and `/api` itself): a JSON 404, never the HTML page of the
/// site's fallback, so API clients always get an answer they can parse (the server functions
/// answer under `/fn/`, see `axum_cognito_leptos::SERVER_FN_PREFIX`). Mount it outside
/// the per-route request-log layer: these are unrouted requests (`fallback` in logs and metrics),
/// not routes of their own.
pub fn unrouted() -> Router<AppState> {
    Router::new()
        .route("/api", any(handlers::not_found))
        .route("/api/", any(handlers::not_found))
        .route("/api/{*rest}", any(handlers::not_found))
}
