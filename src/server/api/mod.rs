//! The JSON API under `/api/v1`: session cookie or Cognito access token, never a redirect.

mod handlers;

/// Who is calling (cookie or Bearer) and the RFC 6750 errors: the auth core's API pieces.
pub use axum_cognito::api::{caller, error};

use axum::{
    Router,
    http::{HeaderValue, header},
    routing::get,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub use caller::{ApiCaller, Credential};
pub use error::{ApiError, ApiRejection};

use crate::server::state::AppState;

/// Mounted at `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ping", get(handlers::ping))
        .route("/me", get(handlers::me))
        .route("/admin/ping", get(handlers::admin_ping))
        .route("/machine/ping", get(handlers::machine_ping))
        .fallback(handlers::not_found)
        // Answers depend on who asks: no shared cache may keep them (RFC 9111 §5.2.2.5).
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}
