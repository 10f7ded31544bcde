//! A small standalone HTML error page for plain axum routes (the Leptos pages render their
//! own errors inside the app frame).

use axum::{
    http::{Method, StatusCode, header},
    response::{IntoResponse, Response},
};

pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let title = html_escape::encode_text(title);
    let message = html_escape::encode_text(message);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · leptos-cognito</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}}</style>\
         </head><body><main><h1>{title}</h1><p>{message}</p><p><a href=\"/\">Go to the home page</a></p></main></body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

/// 405 for a path that exists but does not answer the request's method; axum adds the `Allow`
/// header listing the methods it does answer (RFC 9110 §15.5.6).
pub async fn method_not_allowed(method: Method) -> Response {
    let message = format!("This address does not answer {method} requests; the Allow header lists those it does.");
    error_page(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", &message)
}
