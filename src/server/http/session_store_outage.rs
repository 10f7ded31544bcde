//! Turns the session layer's bare 500 into an explained 503.
//!
//! tower-sessions saves the session after the handler has answered; when that save fails (the
//! store went away mid-request, e.g. Redis restarting) it can only replace the answer with an
//! empty 500. An outage of the store is temporary and the person did nothing wrong, so they get
//! a 503 that says so: an HTML page, or the API's JSON error under `/api`.

use axum::{
    body::HttpBody,
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error_page::error_page;
use crate::server::api::error::ApiError;

pub async fn explain_session_store_outage(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let bare_server_error =
        response.status() == StatusCode::INTERNAL_SERVER_ERROR && response.body().size_hint().exact() == Some(0);
    if !bare_server_error {
        return response;
    }
    tracing::warn!("the session store failed; answering 503");
    if is_api {
        ApiError::Unavailable.into_response()
    } else {
        error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "Sessions cannot be stored right now. Please try again shortly.",
        )
    }
}
