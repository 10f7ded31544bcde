//! The JSON API under `/api/v1`: session cookie or Cognito access token, never a redirect.

mod handlers;

/// Who is calling (cookie or Bearer) and the RFC 6750 errors: the auth core's API pieces.
pub use axum_cognito::api::{caller, error};

use axum::{Router, routing::get};

pub use caller::{ApiCaller, Credential};
pub use error::{ApiError, ApiRejection};

use crate::server::state::AppState;

/// Mounted at `/api/v1`. Answers depend on who asks, so no shared cache may keep them (RFC 9111
/// §5.2.2.5): the app's response headers (`http::response_headers`) give them `no-store`, as
/// every response but the hashed bundle, without a layer of their own per route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ping", get(handlers::ping))
        .route("/me", get(handlers::me))
        .route("/admin/ping", get(handlers::admin_ping))
        .route("/machine/ping", get(handlers::machine_ping))
        .fallback(handlers::not_found)
}
