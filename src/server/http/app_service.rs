//! The service the server runs: the router, with what every request needs around it applied
//! once: the response headers, and for all but the health checks the request log and the
//! session store's outage answer.
//!
//! Written as one service rather than as `axum::middleware::from_fn` layers: each `from_fn`
//! layer clones the service below it and boxes its own future on every request, and the health
//! checks, kept out of the log, needed a router of their own in front that routed every other
//! request twice. Here a request is routed once, and what surrounds it is one boxed future.

use std::{
    convert::Infallible,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    Router,
    body::{Bytes, HttpBody},
    http::Request,
    response::{IntoResponse, Response},
};
use futures_util::FutureExt;
use tower::Service;

use super::{health, request_log::RequestLog, response_headers, response_headers::HeaderPolicy, session_store_outage};

/// The app's router with the response headers, the request log and the session store's outage
/// answer around it (see the module notes). Cheap to clone: the router is reference-counted.
#[derive(Clone)]
pub struct AppService {
    router: Router,
    header_policy: HeaderPolicy,
}

impl AppService {
    pub fn new(router: Router, header_policy: HeaderPolicy) -> Self {
        AppService { router, header_policy }
    }
}

impl<B> Service<Request<B>> for AppService
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request<B>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // `GET host:port` (the authority form): no path to route, and Leptos's handlers expect
        // one.
        if request.uri().path_and_query().is_none() {
            let mut response = super::error_page::PageError::NotAPath.into_response();
            self.header_policy.apply(false, &mut response);
            return Box::pin(std::future::ready(Ok(response)));
        }
        let path = request.uri().path();
        let hashed_asset = response_headers::is_hashed_asset(path);
        let header_policy = self.header_policy;
        if health::is_health_check(path) {
            let answer = self.router.call(request);
            return Box::pin(async move {
                let Ok(mut response) = answer.await;
                header_policy.apply(hashed_asset, &mut response);
                Ok(response)
            });
        }
        let is_api = session_store_outage::is_api(path);
        let log = RequestLog::begin(&mut request);
        let answer = self.router.call(request);
        Box::pin(async move {
            let mut response = log
                .finish(async move {
                    match AssertUnwindSafe(answer).catch_unwind().await {
                        Ok(Ok(response)) => session_store_outage::explain(is_api, response),
                        Err(panic) => answer_panic(is_api, panic.as_ref()),
                    }
                })
                .await;
            header_policy.apply(hashed_asset, &mut response);
            Ok(response)
        })
    }
}

/// A handler that panicked: without this, hyper drops the connection and the client sees no
/// answer at all. The request gets an explained 500 (the API's JSON, or an HTML page), logged
/// with the panic's message. Nothing is shared between requests that a panic could leave half
/// changed (locks are recovered from poisoning, stores write whole records), so the process
/// serves on. A panic while a page's body streams, after its status went out, still ends that
/// response.
fn answer_panic(is_api: bool, panic: &(dyn std::any::Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked; answering 500");
    if is_api {
        crate::server::api::ApiError::Internal.into_response()
    } else {
        super::error_page::PageError::Internal.into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::StatusCode, routing::get};
    use tower::ServiceExt;

    use super::*;

    async fn answer(path: &str) -> (StatusCode, String, String) {
        async fn panics() -> &'static str {
            panic!("a bug")
        }
        let router = Router::new().route("/api/v1/boom", get(panics)).route("/boom", get(panics));
        let service = AppService::new(router, HeaderPolicy::for_http());
        let request = Request::get(path).body(Body::empty()).expect("a request");
        let response = service.oneshot(request).await.expect("infallible");
        let status = response.status();
        // Still the request log's and the header policy's: logged and counted with its 500.
        assert!(response.headers().contains_key("x-request-id"), "{:?}", response.headers());
        assert_eq!(response.headers()["cache-control"], "no-store");
        let content_type = response.headers()["content-type"].to_str().expect("text").to_string();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("a body");
        (status, content_type, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_an_explained_500_not_a_dropped_connection() {
        let (status, content_type, body) = answer("/api/v1/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type.starts_with("application/json"), "{content_type}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(json["error"], "server_error", "{body}");
        assert!(!body.contains("a bug"), "the panic's message is logged, not sent: {body}");

        let (status, content_type, body) = answer("/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(body.contains("Something went wrong") && !body.contains("a bug"), "{body}");
    }
}
