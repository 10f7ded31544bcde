//! Turns the session layer's bare 500 into an explained 503.
//!
//! tower-sessions saves the session after the handler has answered; when that save fails (the
//! store went away mid-request, e.g. Redis restarting) it can only replace the answer with an
//! empty 500. An outage of the store is temporary and the person did nothing wrong, so they get
//! a 503 that says so: an HTML page, or the API's JSON error under `/api`.

use axum::{
    body::HttpBody,
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::error_page::PageError;
use crate::server::api::error::ApiError;

/// `response` as it is, or, when it is the session layer's bare 500, the explained 503: the
/// API's JSON error when the request was for the API (`is_api`), otherwise an HTML page.
pub fn explain(is_api: bool, response: Response) -> Response {
    let bare_server_error =
        response.status() == StatusCode::INTERNAL_SERVER_ERROR && response.body().size_hint().exact() == Some(0);
    if !bare_server_error {
        return response;
    }
    tracing::warn!("the session store failed; answering 503");
    if is_api { ApiError::Unavailable.into_response() } else { PageError::SessionsCannotBeStored.into_response() }
}

/// Whether a request for `path` gets the API's JSON errors rather than HTML pages: the API's, and
/// the server functions' (called by the page's code, not shown as a page).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with(axum_cognito_leptos::SERVER_FN_PREFIX)
}
