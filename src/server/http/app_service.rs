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
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    Router,
    body::{Bytes, HttpBody},
    http::Request,
    response::Response,
};
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
                    let Ok(response) = answer.await;
                    session_store_outage::explain(is_api, response)
                })
                .await;
            header_policy.apply(hashed_asset, &mut response);
            Ok(response)
        })
    }
}
