//! The response a server function runs in (feature `ssr`): its status and headers, through
//! Leptos's `ResponseOptions`.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Sets the status of the response being built (ignored outside a request, or for a status
/// that does not exist).
pub fn set_status(status: u16) {
    if let (Some(response), Ok(status)) = (use_context::<ResponseOptions>(), StatusCode::from_u16(status)) {
        response.set_status(status);
    }
}

/// Sets a header of the response being built (ignored outside a request, or for a value that
/// is not a valid header value).
pub fn set_header(name: HeaderName, value: &str) {
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
        response.insert_header(name, value);
    }
}

/// A real `303 See Other`, whatever the request's `Accept` header (leptos_axum's own
/// `redirect` answers 302 only to requests that accept HTML).
pub fn see_other(path: &str) {
    set_status(303);
    set_header(header::LOCATION, path);
}
