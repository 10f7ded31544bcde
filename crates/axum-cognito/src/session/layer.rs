//! The session middleware, configured from the contract: `HttpOnly`, `SameSite=Lax`,
//! `Path=/`, `Secure` and `__Host-` under https, expiry after `SESSION_IDLE_TIMEOUT_SECS`
//! without a request.

use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite, cookie::time};

use super::store::AppSessionStore;
use crate::config::AuthConfig;

/// The tower-sessions layer over `store` with the cookie and expiry rules of the module notes; what
/// [`AuthCore::session_layer`](crate::AuthCore::session_layer) returns.
pub fn session_layer(store: AppSessionStore, config: &AuthConfig) -> SessionLayer {
    let idle = time::Duration::seconds(config.session.idle_timeout_secs());
    // The configured key prefix, whatever the store was opened with: the core's copy of the
    // store must find the records this layer writes.
    let sessions = SessionManagerLayer::new(store.with_key_prefix(&config.names.redis_key_prefix))
        .with_name(config.session_cookie_name())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(config.https)
        .with_expiry(Expiry::OnInactivity(idle))
        // Saved when changed; `auth_session::touch` changes it at most once a minute (every
        // tenth of the timeout for timeouts under ten minutes), which is what moves the idle
        // timeout forward (a save on every request would cost a store write per page).
        .with_always_save(false);
    CookieHygiene(sessions)
}

/// The session layer [`session_layer`] builds.
pub type SessionLayer = CookieHygiene<SessionManagerLayer<AppSessionStore>>;

/// Wraps a layer (the session layer) to keep its cookies working in two cases tower-cookies gets
/// wrong:
///
/// * A `Cookie` header that is not all ASCII (another app on the domain set a cookie with a
///   Latin-1 value, say) is ignored whole by tower-cookies, session cookie included, so the
///   person looks signed out and cannot sign in. Such a header keeps its well-formed pairs and
///   loses the others before the layer reads it (RFC 6265 §4.1.1: a cookie's value is ASCII).
/// * tower-sessions builds the cookie that removes the session cookie (at sign-out) from the
///   request's cookie, with the path but without `Secure`; a browser ignores a `__Host-` cookie
///   set without `Secure` (RFC 6265bis §4.1.3.2), so under https the removal would be dropped
///   and the cookie of an ended session kept. Such a cookie is invalid without `Secure`
///   whatever else it says, so every `__Host-` cookie a response sets gets the attribute.
///   A removal (`Max-Age=0`) also gets `HttpOnly`, and `SameSite=Lax` when it names no
///   `SameSite` at all: the session layer's removal carries neither, unlike the cookie it
///   removes, and a security scanner reports any `Set-Cookie` without them. `HttpOnly` changes
///   nothing for a deleted cookie, and browsers already treat a cookie without `SameSite` as
///   `Lax` (RFC 6265bis §5.6.7), so the attribute only says what they assume; a removal that
///   names its `SameSite` keeps it.
#[derive(Clone, Debug)]
pub struct CookieHygiene<L>(pub L);

impl<L: tower_layer::Layer<S>, S> tower_layer::Layer<S> for CookieHygiene<L> {
    type Service = CookieHygieneService<L::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        CookieHygieneService(self.0.layer(inner))
    }
}

/// The service of [`CookieHygiene`].
#[derive(Clone, Debug)]
pub struct CookieHygieneService<S>(S);

impl<S, ReqBody, B> tower_service::Service<axum::http::Request<ReqBody>> for CookieHygieneService<S>
where
    S: tower_service::Service<axum::http::Request<ReqBody>, Response = axum::http::Response<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures_util::future::MapOk<S::Future, fn(axum::http::Response<B>) -> axum::http::Response<B>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<ReqBody>) -> Self::Future {
        use futures_util::TryFutureExt;
        keep_ascii_cookies(request.headers_mut());
        self.0.call(request).map_ok(secure_host_cookies::<B>)
    }
}

/// Rewrites each `Cookie` header that is not all visible ASCII to its pairs that are, in order.
fn keep_ascii_cookies(headers: &mut axum::http::HeaderMap) {
    use axum::http::{HeaderValue, header::COOKIE};
    if headers.get_all(COOKIE).iter().all(|value| value.to_str().is_ok()) {
        return;
    }
    let cleaned: Vec<HeaderValue> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| {
            if value.to_str().is_ok() {
                return Some(value.clone());
            }
            let pairs: Vec<&[u8]> = value
                .as_bytes()
                .split(|byte| *byte == b';')
                .map(<[u8]>::trim_ascii)
                .filter(|pair| !pair.is_empty() && pair.iter().all(|byte| byte.is_ascii_graphic() || *byte == b' '))
                .collect();
            HeaderValue::from_bytes(&pairs.join(&b"; "[..])).ok().filter(|value| !value.is_empty())
        })
        .collect();
    headers.remove(COOKIE);
    for value in cleaned {
        headers.append(COOKIE, value);
    }
}

fn secure_host_cookies<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    use axum::http::{HeaderValue, header::SET_COOKIE};
    let headers = response.headers_mut();
    // One look at each cookie: what it needs appended, if anything.
    let fixes: Vec<Option<String>> = headers.get_all(SET_COOKIE).iter().map(cookie_fix).collect();
    if fixes.iter().all(Option::is_none) {
        return response;
    }
    let fixed: Vec<HeaderValue> = headers
        .get_all(SET_COOKIE)
        .iter()
        .zip(fixes)
        .map(|(value, fix)| {
            fix.and_then(|suffix| HeaderValue::from_str(&format!("{}{suffix}", value.to_str().ok()?)).ok())
                .unwrap_or_else(|| value.clone())
        })
        .collect();
    headers.remove(SET_COOKIE);
    for value in fixed {
        headers.append(SET_COOKIE, value);
    }
    response
}

/// The attributes to append to a `Set-Cookie` value (see [`CookieHygiene`]), if any.
fn cookie_fix(value: &axum::http::HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let (mut secure, mut http_only, mut same_site, mut removal) = (false, false, false, false);
    for attribute in text.split(';').skip(1).map(str::trim) {
        let name = attribute.split('=').next().unwrap_or_default().trim();
        secure |= name.eq_ignore_ascii_case("Secure");
        http_only |= name.eq_ignore_ascii_case("HttpOnly");
        same_site |= name.eq_ignore_ascii_case("SameSite");
        removal |= attribute.eq_ignore_ascii_case("Max-Age=0");
    }
    let is_host = text.get(..7).is_some_and(|prefix| prefix.eq_ignore_ascii_case("__Host-"));
    let mut suffix = String::new();
    if is_host && !secure {
        suffix.push_str("; Secure");
    }
    if removal && !http_only {
        suffix.push_str("; HttpOnly");
    }
    if removal && !same_site {
        suffix.push_str("; SameSite=Lax");
    }
    (!suffix.is_empty()).then_some(suffix)
}

/// Applies a layer (the session layer) to every request but those with a Bearer `Authorization`
/// header, which go straight to the inner service.
///
/// An [`ApiCaller`](crate::api::ApiCaller) with that header is a Bearer caller (RFC 6750 §2.1)
/// and never reads the session (another scheme, such as a staging site's `Basic`, still goes
/// through the layer: such a caller is read from its session cookie), so for such requests the layer's work (parsing cookies, setting
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
        let bearer =
            request.headers().get(axum::http::header::AUTHORIZATION).is_some_and(crate::api::is_bearer_attempt);
        if bearer { Either::Right(self.inner.call(request)) } else { Either::Left(self.layered.call(request)) }
    }
}

#[cfg(test)]
mod tests {
    use axum::{Extension, Router, body::Body, http::Request, routing::get};
    use tower::ServiceExt;

    use super::SkipWhenAuthorized;

    #[derive(Clone)]
    struct Layered;

    async fn answer(request: Request<Body>, authorization: Option<&str>) -> String {
        let app = Router::new()
            .route("/", get(|layered: Option<Extension<Layered>>| async move { layered.is_some().to_string() }))
            .layer(SkipWhenAuthorized(Extension(Layered)));
        let mut request = request;
        if let Some(authorization) = authorization {
            request.headers_mut().insert("authorization", authorization.parse().unwrap());
        }
        let response = app.oneshot(request).await.unwrap();
        String::from_utf8(axum::body::to_bytes(response.into_body(), 64).await.unwrap().to_vec()).unwrap()
    }

    #[test]
    fn cookie_headers_keep_their_ascii_pairs() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append("cookie", axum::http::HeaderValue::from_bytes(b"x=caf\xe9; lc_session=abc; y=1").unwrap());
        headers.append("cookie", "lc_login=def".parse().unwrap());
        headers.append("cookie", axum::http::HeaderValue::from_bytes(b"only=\xff").unwrap());
        super::keep_ascii_cookies(&mut headers);
        let cookies: Vec<&str> = headers.get_all("cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(cookies, ["lc_session=abc; y=1", "lc_login=def"]);
    }

    #[test]
    fn host_cookies_set_without_secure_get_it_and_removals_look_like_the_cookie() {
        let mut response = axum::http::Response::new(());
        for cookie in [
            "__Host-lc_session=; Path=/; Max-Age=0",
            "__Host-lc_login=x; Path=/; Secure; HttpOnly",
            "lc_theme=dark; Path=/",
            "lc_session=; Path=/; max-age=0; httponly; samesite=Strict",
            "lc_session=; Path=/; Max-Age=0",
        ] {
            response.headers_mut().append("set-cookie", cookie.parse().unwrap());
        }
        let response = super::secure_host_cookies(response);
        let cookies: Vec<&str> = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(
            cookies,
            [
                "__Host-lc_session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax",
                "__Host-lc_login=x; Path=/; Secure; HttpOnly",
                "lc_theme=dark; Path=/",
                "lc_session=; Path=/; max-age=0; httponly; samesite=Strict",
                "lc_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
    }

    #[tokio::test]
    async fn requests_with_a_bearer_authorization_header_skip_the_layer() {
        assert_eq!(answer(Request::new(Body::empty()), Some("Bearer a.b.c")).await, "false");
    }

    #[tokio::test]
    async fn other_requests_go_through_the_layer() {
        assert_eq!(answer(Request::new(Body::empty()), None).await, "true");
        assert_eq!(answer(Request::new(Body::empty()), Some("Basic dXNlcjpwYXNz")).await, "true");
    }
}
