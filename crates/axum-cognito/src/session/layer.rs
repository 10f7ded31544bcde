//! The session middleware, configured from the contract: `HttpOnly`, `SameSite=Lax`,
//! `Path=/`, `Secure` and `__Host-` under https, expiry after `SESSION_IDLE_TIMEOUT_SECS`
//! without a request.

use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite, cookie::time};

use super::store::AppSessionStore;
use crate::config::AuthConfig;

/// The tower-sessions layer over `store` with the cookie and expiry rules of the module notes; what
/// [`AuthCore::session_layer`](crate::AuthCore::session_layer) returns.
pub fn session_layer(store: AppSessionStore, config: &AuthConfig) -> SessionManagerLayer<AppSessionStore> {
    let idle = time::Duration::seconds(config.session.idle_timeout.as_secs().min(i64::MAX as u64) as i64);
    // The configured key prefix, whatever the store was opened with: the core's copy of the
    // store must find the records this layer writes.
    SessionManagerLayer::new(store.with_key_prefix(&config.names.redis_key_prefix))
        .with_name(config.session_cookie_name())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(config.https)
        .with_expiry(Expiry::OnInactivity(idle))
        // Saved when changed; `auth_session::touch` changes it at most once a minute (every
        // half timeout for timeouts under two minutes), which is what moves the idle timeout
        // forward (a save on every request would cost a store write per page).
        .with_always_save(false)
}

/// Applies a layer (the session layer) to every request but those with an `Authorization`
/// header, which go straight to the inner service.
///
/// An [`ApiCaller`](crate::api::ApiCaller) with that header is a Bearer caller (RFC 6750 §2.1)
/// and never reads the session, so for such requests the layer's work (parsing cookies, setting
/// up a session, checking it after the response) buys nothing, and no `Set-Cookie` can come
/// back to a machine client. Wrap only routes that read the caller through `ApiCaller` (an API
/// router): a page would find no session for a request that carries the header.
#[derive(Clone, Debug)]
pub struct SkipWhenAuthorized<L>(pub L);

impl<L, S> tower_layer::Layer<S> for SkipWhenAuthorized<L>
where
    L: tower_layer::Layer<S>,
    S: Clone,
{
    type Service = SkipWhenAuthorizedService<L::Service, S>;

    fn layer(&self, inner: S) -> Self::Service {
        SkipWhenAuthorizedService { layered: self.0.layer(inner.clone()), inner }
    }
}

/// The service of [`SkipWhenAuthorized`].
#[derive(Clone, Debug)]
pub struct SkipWhenAuthorizedService<A, S> {
    layered: A,
    inner: S,
}

impl<A, S, B> tower_service::Service<axum::http::Request<B>> for SkipWhenAuthorizedService<A, S>
where
    A: tower_service::Service<axum::http::Request<B>>,
    S: tower_service::Service<axum::http::Request<B>, Response = A::Response, Error = A::Error>,
{
    type Response = A::Response;
    type Error = A::Error;
    type Future = futures_util::future::Either<A::Future, S::Future>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        // Which of the two serves is known only from the request, so both must be ready.
        match self.layered.poll_ready(cx) {
            std::task::Poll::Ready(Ok(())) => self.inner.poll_ready(cx),
            not_ready => not_ready,
        }
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        use futures_util::future::Either;
        if request.headers().contains_key(axum::http::header::AUTHORIZATION) {
            Either::Right(self.inner.call(request))
        } else {
            Either::Left(self.layered.call(request))
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::{Extension, Router, body::Body, http::Request, routing::get};
    use tower::ServiceExt;

    use super::SkipWhenAuthorized;

    #[derive(Clone)]
    struct Layered;

    async fn answer(request: Request<Body>, authorized: bool) -> String {
        let app = Router::new()
            .route("/", get(|layered: Option<Extension<Layered>>| async move { layered.is_some().to_string() }))
            .layer(SkipWhenAuthorized(Extension(Layered)));
        let mut request = request;
        if authorized {
            request.headers_mut().insert("authorization", "Bearer a.b.c".parse().unwrap());
        }
        let response = app.oneshot(request).await.unwrap();
        String::from_utf8(axum::body::to_bytes(response.into_body(), 64).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn requests_with_an_authorization_header_skip_the_layer() {
        assert_eq!(answer(Request::new(Body::empty()), true).await, "false");
    }

    #[tokio::test]
    async fn other_requests_go_through_the_layer() {
        assert_eq!(answer(Request::new(Body::empty()), false).await, "true");
    }
}
