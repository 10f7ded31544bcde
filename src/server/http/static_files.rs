//! Static files (the bundle under `/pkg/`, the favicon) answer GET and HEAD only.
//!
//! Leptos's file handler fetches each file with a GET request of its own, whatever the method of
//! the request it serves, so without this a `POST` or `DELETE` of a stylesheet answered 200 with
//! the file. A method a resource does not support gets 405 with `Allow` (RFC 9110 §15.5.6).

use axum::{
    http::{Method, StatusCode},
    response::Response,
};

use super::error_page;

/// The methods static files answer, for the `Allow` header.
const FILE_METHODS: &str = "GET,HEAD";

/// `served` unchanged for GET and HEAD, and for anything that is not a file (the 404 page); a
/// 405 page instead of a file sent for any other method.
pub fn refuse_other_methods(method: &Method, served: Response) -> Response {
    let is_file = served.status() == StatusCode::OK;
    if is_file && method != Method::GET && method != Method::HEAD {
        error_page::method_not_allowed_with(method.clone(), FILE_METHODS)
    } else {
        served
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header;

    use super::*;

    fn file() -> Response {
        Response::builder().header(header::CONTENT_TYPE, "text/css").body("body{}".into()).expect("response")
    }

    #[tokio::test]
    async fn a_file_is_served_to_get_and_head_and_refused_to_other_methods() {
        for method in [Method::GET, Method::HEAD] {
            assert_eq!(refuse_other_methods(&method, file()).status(), StatusCode::OK, "{method}");
        }
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS] {
            let refused = refuse_other_methods(&method, file());
            assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(refused.headers()[header::ALLOW], "GET,HEAD", "{method}");
            assert!(refused.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
            let body = axum::body::to_bytes(refused.into_body(), 1 << 16).await.expect("body");
            let body = String::from_utf8(body.to_vec()).expect("text");
            assert!(body.contains("Method not allowed") && body.contains(method.as_str()), "{body}");
        }
    }

    #[test]
    fn what_is_not_a_file_keeps_its_answer() {
        let not_found = Response::builder().status(StatusCode::NOT_FOUND).body("Not found".into()).expect("response");
        assert_eq!(refuse_other_methods(&Method::POST, not_found).status(), StatusCode::NOT_FOUND);
    }
}
