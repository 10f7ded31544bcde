//! `/auth/login`, `/auth/callback`, `POST /auth/logout` and `POST /auth/sessions/end` for any
//! axum app whose router state holds the core: merge [`router`] into the app and wrap it in
//! [`AuthCore::session_layer`].
//! Refusals are a [`RouteRefusal`], plain text by default; [`Routes::refusals`] renders them
//! as the app's own pages, and [`Routes::without_callback`] leaves the callback to an app that
//! completes sign-in on a page of its own (with [`crate::auth::sign_in::complete`]).
//!
//! `/auth/login` needs no session and keeps a login transaction for ten minutes, so each client
//! may start only so many ([`crate::config::SignInLimit`], [`crate::client_limit`]). Clients are
//! told apart by their address: serve the app with
//! `into_make_service_with_connect_info::<SocketAddr>()`, or sign-ins are not limited.

use std::{
    net::SocketAddr,
    sync::{Arc, Once},
};

use axum::{
    Extension, Form, Router,
    extract::{
        ConnectInfo, FromRef, Query, State,
        rejection::{FormRejection, QueryRejection},
    },
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use tower_sessions::Session;

use crate::{
    AuthCore,
    auth::{
        provider_backoff::retry_after_secs,
        return_to::return_to_or_default,
        sign_in::{self, CallbackParams, SignInFailure},
        sign_in_options::{SignInOptionError, SignInOptions, SignInQuery},
        sign_out::{Scope, end_other_session, sign_out},
    },
    client_limit::client_address,
    config::AuthConfig,
    session::auth_session::{self, SessionStoreError},
};

/// Why a sign-in route refuses a request. As a response (the default rendering): plain text
/// with the status of [`RouteRefusal::status`], `Cache-Control: no-store`, and `Retry-After`
/// where waiting helps.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteRefusal {
    /// This client started too many sign-ins lately (429).
    #[error("Too many sign-in attempts: please wait a moment and try again.")]
    TooManySignIns {
        /// Seconds until the client may start another.
        retry_after_secs: u64,
    },
    /// `/auth/login`'s query could not be read at all (400).
    #[error("The sign-in link is malformed.")]
    MalformedSignInLink,
    /// A sign-in option (`prompt`, `login_hint`, `identity_provider`, ...) is not valid (400).
    #[error("The sign-in link is not valid: {0}.")]
    InvalidSignInOption(SignInOptionError),
    /// The login transaction could not be stored (503).
    #[error("Sign-in cannot start right now. Please try again shortly.")]
    SignInCannotStart,
    /// The callback could not complete the sign-in (4xx, [`SignInFailure::status`]).
    #[error("{}: {}", .0.title, .0.message)]
    SignInFailed(SignInFailure),
    /// A sign-out form posted from another site (403).
    #[error("The sign-out request did not come from this site.")]
    ForeignOrigin,
    /// A sign-out form whose `everywhere` is neither `true` nor `false` (400).
    #[error("The field everywhere must be true or false.")]
    InvalidEverywhereField,
    /// `POST /auth/sessions/end` without the session to end (400).
    #[error("Choose a session to sign out.")]
    NoSessionNamed,
    /// The session to end has ended already, or is someone else's (404).
    #[error("That session has already ended, or is not one of yours.")]
    NoSuchSession,
    /// The session store failed while reading or ending a session (503).
    #[error("Please try again shortly.")]
    StoreUnavailable,
    /// A sign-out request with a body that is not a URL-encoded form (`multipart/form-data`,
    /// JSON, text): its `everywhere` cannot be read, and ending only this session would be
    /// less than it may have asked for (415, RFC 9110 §15.5.16).
    #[error("The sign-out form must be sent as application/x-www-form-urlencoded.")]
    UnsupportedFormType,
    /// A sign-out form's body could not be read: larger than the body limit (413), or cut
    /// off (400).
    #[error("The form could not be read: {reason}.")]
    UnreadableForm {
        /// The rejection's status.
        status: StatusCode,
        /// What went wrong, in a few words.
        reason: &'static str,
    },
}

impl RouteRefusal {
    /// The response's status.
    pub fn status(&self) -> StatusCode {
        match self {
            RouteRefusal::TooManySignIns { .. } => StatusCode::TOO_MANY_REQUESTS,
            RouteRefusal::MalformedSignInLink
            | RouteRefusal::InvalidSignInOption(_)
            | RouteRefusal::InvalidEverywhereField
            | RouteRefusal::NoSessionNamed => StatusCode::BAD_REQUEST,
            RouteRefusal::NoSuchSession => StatusCode::NOT_FOUND,
            RouteRefusal::SignInCannotStart | RouteRefusal::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            RouteRefusal::SignInFailed(failure) => {
                StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            RouteRefusal::ForeignOrigin => StatusCode::FORBIDDEN,
            RouteRefusal::UnsupportedFormType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RouteRefusal::UnreadableForm { status, .. } => *status,
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`), where waiting helps.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            RouteRefusal::TooManySignIns { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl IntoResponse for RouteRefusal {
    fn into_response(self) -> Response {
        let mut response = (self.status(), [(header::CACHE_CONTROL, "no-store")], self.to_string()).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// How refusals become responses: [`RouteRefusal`]'s own plain text, or the app's pages.
pub type RenderRefusal = fn(RouteRefusal) -> Response;

/// The sign-in routes, configurable: `Routes::new().refusals(my_page).build(&config)`.
#[derive(Clone, Copy, Debug)]
pub struct Routes {
    render: RenderRefusal,
    callback: bool,
}

impl Default for Routes {
    fn default() -> Self {
        Routes { render: IntoResponse::into_response, callback: true }
    }
}

impl Routes {
    /// Sign-in, the callback, sign-out and the ending of one session, refusing in plain text.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renders every refusal with `render` (an app's error page, say).
    pub fn refusals(self, render: RenderRefusal) -> Self {
        Routes { render, ..self }
    }

    /// Leaves out the callback route, for an app that serves the callback's path itself.
    pub fn without_callback(self) -> Self {
        Routes { callback: false, ..self }
    }

    /// The routes, for a router whose state `S` holds the core: sign-in, sign-out and ending one
    /// of the person's other sessions at `config.paths` (`/auth/login`, `POST /auth/logout`,
    /// `POST /auth/sessions/end` by default), the callback at `config.paths.callback`
    /// (`/auth/callback`) and at the path of `config.cognito.redirect_uri` when that differs.
    pub fn build<S>(self, config: &AuthConfig) -> Router<S>
    where
        Arc<AuthCore>: FromRef<S>,
        S: Clone + Send + Sync + 'static,
    {
        let render = self.render;
        let router = Router::new()
            .route(
                &config.paths.login,
                get(
                    move |core: State<Arc<AuthCore>>,
                          peer: Option<Extension<ConnectInfo<SocketAddr>>>,
                          headers: HeaderMap,
                          jar: CookieJar,
                          query: Result<Query<SignInQuery>, QueryRejection>| async move {
                        login(core, peer, headers, jar, query).await.unwrap_or_else(render)
                    },
                ),
            )
            .route(
                &config.paths.logout,
                post(
                    move |core: State<Arc<AuthCore>>,
                          session: Session,
                          headers: HeaderMap,
                          form: Result<Form<LogoutForm>, FormRejection>| async move {
                        logout(core, session, headers, form).await.unwrap_or_else(render)
                    },
                ),
            )
            .route(
                &config.paths.end_session,
                post(
                    move |core: State<Arc<AuthCore>>,
                          session: Session,
                          headers: HeaderMap,
                          form: Result<Form<EndSessionForm>, FormRejection>| async move {
                        end_session(core, session, headers, form).await.unwrap_or_else(render)
                    },
                ),
            );
        if !self.callback {
            return router;
        }
        let callback_route = get(
            move |core: State<Arc<AuthCore>>,
                  session: Session,
                  jar: CookieJar,
                  headers: HeaderMap,
                  params: Result<Query<CallbackParams>, QueryRejection>| async move {
                let mut answer = callback(core, session, jar, headers, params).await.unwrap_or_else(render);
                // The callback's URL carries a one-time code, on a redirect and on an error
                // page alike: it must not leak through the Referer (RFC 9700 §4.2.4), and the
                // answer is for this one request.
                let headers = answer.headers_mut();
                headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                answer
            },
        )
        // HEAD is safe (RFC 9110 §9.2.1): a link checker's HEAD must not spend the one-time
        // code and state that the browser's GET comes with.
        .head(|| async {
            (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET"), (header::CACHE_CONTROL, "no-store")])
        });
        // The redirect URI's path is where the provider sends the browser. The callback path
        // answers as well: it is the documented one, and a reverse proxy that strips a path
        // prefix (`APP_URL` `https://example.com/app`, the redirect URI under it) forwards
        // `/app/auth/callback` to it.
        let redirect_path = config.cognito.redirect_uri.path();
        let router = router.route(&config.paths.callback, callback_route.clone());
        if redirect_path == config.paths.callback { router } else { router.route(redirect_path, callback_route) }
    }
}

/// [`Routes::new`]'s routes: sign-in, the callback, sign-out and the ending of one session,
/// refusing in plain text.
pub fn router<S>(config: &AuthConfig) -> Router<S>
where
    Arc<AuthCore>: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Routes::new().build(config)
}

async fn login(
    State(core): State<Arc<AuthCore>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    jar: CookieJar,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Result<Response, RouteRefusal> {
    // Checked first: a flood of malformed links spends the budget too.
    match peer {
        Some(Extension(ConnectInfo(peer))) => {
            let client = client_address(Some(peer), &headers, &core.config.sign_in_limit.trusted_proxies);
            core.sign_in_limiter
                .check(client)
                .map_err(|wait| RouteRefusal::TooManySignIns { retry_after_secs: retry_after_secs(wait) })?;
        }
        None => warn_unlimited(),
    }
    let Ok(Query(query)) = query else { return Err(RouteRefusal::MalformedSignInLink) };
    let return_to = return_to_or_default(query.return_to.as_deref());
    let options = SignInOptions::from_query(&query, &core.config.cognito.identity_providers)
        .map_err(RouteRefusal::InvalidSignInOption)?;
    let binding = jar.get(&core.config.login_cookie_name()).map(|c| c.value().to_string());
    let started = sign_in::begin(&core, binding.as_deref(), return_to, &options).await.map_err(|error| {
        tracing::error!(%error, "could not store a sign-in in flight");
        RouteRefusal::SignInCannotStart
    })?;
    let jar = jar.add(sign_in::binding_cookie(started.binding, &core.config));
    Ok((jar, [(header::CACHE_CONTROL, "no-store")], Redirect::to(started.authorize_url.as_str())).into_response())
}

/// Once per process: sign-ins cannot be limited per client without the peer's address.
fn warn_unlimited() {
    static WARNED: Once = Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "sign-ins are not limited per client: serve the app with \
             into_make_service_with_connect_info::<SocketAddr>() so that the peer's address is known"
        );
    });
}

async fn callback(
    State(core): State<Arc<AuthCore>>,
    session: Session,
    jar: CookieJar,
    headers: HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Result<Response, RouteRefusal> {
    let binding = jar.get(&core.config.login_cookie_name()).map(|c| c.value().to_string());
    let user_agent = headers.get(header::USER_AGENT).and_then(|value| value.to_str().ok());
    let outcome = match params {
        Ok(Query(params)) => sign_in::complete(&core, &session, binding.as_deref(), user_agent, params).await,
        // Refused like any failed sign-in (the app's page), not with axum's plain-text rejection.
        Err(_) => Err(sign_in::malformed_callback()),
    };
    match outcome {
        // `Routes::build` adds the headers that keep the code in the URL private.
        Ok(return_to) => Ok(Redirect::to(&return_to).into_response()),
        Err(error) => {
            tracing::warn!(%error, "sign-in failed");
            Err(RouteRefusal::SignInFailed(error.to_failure()))
        }
    }
}

/// The sign-out form: `everywhere=true` ends every session of the person.
#[derive(Debug, Default, serde::Deserialize)]
struct LogoutForm {
    everywhere: Option<String>,
}

/// Ends this browser's session (or, with `everywhere=true`, every session of the person),
/// revokes the refresh token and sends the browser to the provider's `/logout`. A form posted
/// from another origin is refused.
async fn logout(
    State(core): State<Arc<AuthCore>>,
    session: Session,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, RouteRefusal> {
    refuse_foreign_origin(&headers, &core)?;
    let everywhere = match form {
        Ok(Form(form)) => form.everywhere,
        // No form at all (a plain POST, no `Content-Type`) means this session; a body of
        // another type may hold `everywhere=true`, so it is refused, not read as less.
        Err(FormRejection::InvalidFormContentType(_)) if !headers.contains_key(header::CONTENT_TYPE) => None,
        Err(FormRejection::InvalidFormContentType(_)) => return Err(RouteRefusal::UnsupportedFormType),
        Err(FormRejection::BytesRejection(rejection)) => return Err(unreadable_form(&rejection)),
        // A form that cannot be read (`everywhere` twice, say) is refused rather than taken
        // for less than it may have asked for.
        Err(_) => return Err(RouteRefusal::InvalidEverywhereField),
    };
    let scope = Scope::from_everywhere_field(everywhere.as_deref()).ok_or(RouteRefusal::InvalidEverywhereField)?;
    signed_out(sign_out(&core, &session, scope).await)
}

/// A form body that could not be read at all: over the body limit (axum's 2 MiB by default;
/// 413, RFC 9110 §15.5.14), or broken off.
fn unreadable_form(rejection: &axum::extract::rejection::BytesRejection) -> RouteRefusal {
    let status = rejection.status();
    let reason = if status == StatusCode::PAYLOAD_TOO_LARGE { "it is too large" } else { "it was cut off" };
    RouteRefusal::UnreadableForm { status, reason }
}

/// The redirect to the provider's `/logout` once a sign-out has ended its sessions, or a 503
/// when the store failed (so the person knows to try again).
fn signed_out(result: Result<url::Url, SessionStoreError>) -> Result<Response, RouteRefusal> {
    result.map(to_provider_logout).map_err(|error| {
        tracing::error!(%error, "the sign-out could not end every session");
        RouteRefusal::StoreUnavailable
    })
}

/// The redirect to the provider's `/logout` that ends a sign-out.
fn to_provider_logout(logout_url: url::Url) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response()
}

fn refuse_foreign_origin(headers: &HeaderMap, core: &AuthCore) -> Result<(), RouteRefusal> {
    if is_same_origin_request(headers, &core.config.app_origin) { Ok(()) } else { Err(RouteRefusal::ForeignOrigin) }
}

/// Which of the person's sessions to end (its `session_key`, as [`crate::session::directory`]
/// lists it), and where to go afterwards (a path of this site; the default return path
/// otherwise).
#[derive(Debug, serde::Deserialize)]
struct EndSessionForm {
    session: String,
    return_to: Option<String>,
}

/// Ends one of the signed-in person's sessions, say a lost phone's, from a list of them: its
/// record and list entry go and its refresh token is revoked, on every instance. Naming this
/// browser's own session is a plain sign-out. A form posted from another origin is refused,
/// and a session that is not the person's is as unknown as one that ended (404).
async fn end_session(
    State(core): State<Arc<AuthCore>>,
    session: Session,
    headers: HeaderMap,
    form: Result<Form<EndSessionForm>, FormRejection>,
) -> Result<Response, RouteRefusal> {
    refuse_foreign_origin(&headers, &core)?;
    let form = match form {
        Ok(Form(form)) => form,
        Err(FormRejection::BytesRejection(rejection)) => return Err(unreadable_form(&rejection)),
        Err(_) => return Err(RouteRefusal::NoSessionNamed),
    };
    let return_to = return_to_or_default(form.return_to.as_deref());
    let loaded = auth_session::load(&session, core.read_rules(core.clock.now())).await.map_err(|error| {
        tracing::error!(%error, "session store failed");
        RouteRefusal::StoreUnavailable
    })?;
    let Some(auth) = loaded else {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("return_to", &return_to).finish();
        return Ok(Redirect::to(&format!("{}?{query}", core.config.paths.login)).into_response());
    };
    if form.session == auth.session_key {
        return signed_out(sign_out(&core, &session, Scope::ThisSession).await);
    }
    let ended = end_other_session(&core, &auth.sub, &form.session).await.map_err(|error| {
        tracing::error!(%error, "could not end a session");
        RouteRefusal::StoreUnavailable
    })?;
    if !ended {
        return Err(RouteRefusal::NoSuchSession);
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Redirect::to(&return_to)).into_response())
}

/// CSRF defence for the sign-out form: a browser always sends `Origin` on a cross-site POST,
/// so a foreign `Origin` (or, without it, a foreign `Referer`) is refused. A request with
/// neither comes from a non-browser client, which cannot be tricked into sending our
/// `SameSite=Lax` session cookie anyway.
pub fn is_same_origin_request(headers: &HeaderMap, app_origin: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(|o| o == app_origin);
    }
    if let Some(referer) = headers.get(header::REFERER) {
        return referer
            .to_str()
            .ok()
            .and_then(|r| url::Url::parse(r).ok())
            .is_some_and(|r| r.origin().ascii_serialization() == app_origin);
    }
    true
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;
    use crate::{clock::SystemClock, config::CognitoSettings, session::store::AppSessionStore};

    async fn core(per_minute: u32) -> Arc<AuthCore> {
        let app = "http://localhost:3000/".parse().expect("a URL");
        let domain = "https://auth.example.com".parse().expect("a URL");
        let mut config =
            AuthConfig::new(CognitoSettings::user_pool("eu-west-1", "eu-west-1_AbC123", domain, "c", &app));
        config.sign_in_limit.per_minute = per_minute;
        let sessions = AppSessionStore::open(&config.session.store).await.expect("memory store");
        Arc::new(AuthCore::new(config, sessions, Arc::new(SystemClock)).await.expect("core"))
    }

    fn login_from(peer: Option<&str>, query: &str) -> Request<Body> {
        let mut request = Request::get(format!("/auth/login{query}")).body(Body::empty()).expect("a request");
        if let Some(peer) = peer {
            request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().expect("an address")));
        }
        request
    }

    fn teapot(refusal: RouteRefusal) -> Response {
        (StatusCode::IM_A_TEAPOT, format!("app page: {} ({})", refusal, refusal.status().as_u16())).into_response()
    }

    #[tokio::test]
    async fn each_client_may_start_so_many_sign_ins_and_refusals_are_the_apps_pages() {
        let core = core(2).await;
        let router = Routes::new().refusals(teapot).build::<Arc<AuthCore>>(&core.config).with_state(core.clone());
        for _ in 0..2 {
            let started = router.clone().oneshot(login_from(Some("198.51.100.1:5000"), "")).await.expect("answers");
            assert_eq!(started.status(), StatusCode::SEE_OTHER);
        }
        let refused = router.clone().oneshot(login_from(Some("198.51.100.1:5001"), "")).await.expect("answers");
        assert_eq!(refused.status(), StatusCode::IM_A_TEAPOT, "rendered by the app");
        let body = axum::body::to_bytes(refused.into_body(), 1 << 16).await.expect("a body");
        assert!(String::from_utf8_lossy(&body).contains("(429)"), "{body:?}");
        let other = router.clone().oneshot(login_from(Some("198.51.100.2:5000"), "")).await.expect("answers");
        assert_eq!(other.status(), StatusCode::SEE_OTHER, "another client has its own budget");
        let bad = router.clone().oneshot(login_from(Some("198.51.100.3:5000"), "?prompt=sometimes")).await;
        assert_eq!(bad.expect("answers").status(), StatusCode::IM_A_TEAPOT);

        // Plain text by default, with Retry-After.
        let plain = super::router::<Arc<AuthCore>>(&core.config).with_state(core.clone());
        let refused = plain.oneshot(login_from(Some("198.51.100.1:5002"), "")).await.expect("answers");
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.headers()[header::RETRY_AFTER].to_str().expect("text").parse::<u64>().expect("seconds") >= 1);
    }

    #[tokio::test]
    async fn without_the_peer_address_sign_ins_are_not_limited() {
        let core = core(1).await;
        let router = router::<Arc<AuthCore>>(&core.config).with_state(core);
        for _ in 0..3 {
            let started = router.clone().oneshot(login_from(None, "")).await.expect("answers");
            assert_eq!(started.status(), StatusCode::SEE_OTHER);
        }
    }

    fn form_post(path: &str, origin: &str, body: &'static str) -> Request<Body> {
        Request::post(path)
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("a request")
    }

    #[tokio::test]
    async fn ending_a_session_needs_this_site_a_session_named_and_a_sign_in() {
        let core = core(5).await;
        let router = super::router::<Arc<AuthCore>>(&core.config).layer(core.session_layer()).with_state(core);
        let here = "http://localhost:3000";
        let foreign =
            router.clone().oneshot(form_post("/auth/sessions/end", "https://evil.example", "session=k")).await;
        assert_eq!(foreign.expect("answers").status(), StatusCode::FORBIDDEN);
        let unnamed = router.clone().oneshot(form_post("/auth/sessions/end", here, "")).await.expect("answers");
        assert_eq!(unnamed.status(), StatusCode::BAD_REQUEST);
        // Nobody signed in: sign in first, then come back where the form said.
        let signed_out = router.oneshot(form_post("/auth/sessions/end", here, "session=k&return_to=%2Fsettings")).await;
        let signed_out = signed_out.expect("answers");
        assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
        assert_eq!(signed_out.headers()[header::LOCATION], "/auth/login?return_to=%2Fsettings");
    }

    #[tokio::test]
    async fn sign_out_reads_its_form_or_refuses_it() {
        let core = core(5).await;
        let router = super::router::<Arc<AuthCore>>(&core.config).layer(core.session_layer()).with_state(core);
        // A plain POST, no form at all: this session.
        let plain = Request::post("/auth/logout").header(header::ORIGIN, "http://localhost:3000");
        let answer = router.clone().oneshot(plain.body(Body::empty()).expect("a request")).await.expect("answers");
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let forms = [
            ("", StatusCode::SEE_OTHER),
            ("everywhere=true", StatusCode::SEE_OTHER),
            ("everywhere=false", StatusCode::SEE_OTHER),
            ("everywhere=maybe", StatusCode::BAD_REQUEST),
            ("everywhere=true&everywhere=true", StatusCode::BAD_REQUEST),
        ];
        for (body, status) in forms {
            let answer = router.clone().oneshot(form_post("/auth/logout", "http://localhost:3000", body)).await;
            assert_eq!(answer.expect("answers").status(), status, "{body:?}: 303 to the provider's /logout, or 400");
        }
    }

    #[tokio::test]
    async fn without_the_callback_route_its_path_is_the_apps() {
        let core = core(5).await;
        let router = Routes::new().without_callback().build::<Arc<AuthCore>>(&core.config).with_state(core);
        let callback = Request::get("/auth/callback?code=c&state=s").body(Body::empty()).expect("a request");
        assert_eq!(router.oneshot(callback).await.expect("answers").status(), StatusCode::NOT_FOUND);
    }

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        use axum::http::HeaderValue;
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn origin_rules() {
        let app = "http://localhost:3000";
        assert!(is_same_origin_request(&headers(header::ORIGIN, app), app));
        assert!(!is_same_origin_request(&headers(header::ORIGIN, "https://evil.example"), app));
        assert!(!is_same_origin_request(&headers(header::ORIGIN, "null"), app));
        assert!(is_same_origin_request(&headers(header::REFERER, "http://localhost:3000/dashboard"), app));
        assert!(!is_same_origin_request(&headers(header::REFERER, "http://localhost:3001/"), app));
        assert!(is_same_origin_request(&HeaderMap::new(), app));
    }
}
