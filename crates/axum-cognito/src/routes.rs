//! `/auth/login`, `/auth/callback` and `POST /auth/logout` for any axum app whose router state
//! holds the core: merge [`router`] into the app and wrap it in [`AuthCore::session_layer`].
//! Refusals are plain text with the status the case calls for; an app that wants its own pages
//! writes its own handlers on [`crate::auth::sign_in`] and [`crate::auth::sign_out`].

use std::sync::Arc;

use axum::{
    Form, Router,
    extract::{
        FromRef, Query, State,
        rejection::{FormRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use tower_sessions::Session;

use crate::{
    AuthCore,
    auth::{
        return_to::return_to_or_default,
        sign_in::{self, CallbackParams},
        sign_in_options::{SignInOptions, SignInQuery},
        sign_out::{Scope, sign_out},
    },
    config::AuthConfig,
};

/// The sign-in routes, for a router whose state `S` holds the core: sign-in and sign-out at
/// `config.paths` (`/auth/login`, `POST /auth/logout` by default), the callback at the path of
/// `config.cognito.redirect_uri` (`/auth/callback`).
pub fn router<S>(config: &AuthConfig) -> Router<S>
where
    Arc<AuthCore>: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(&config.paths.login, get(login))
        .route(config.cognito.redirect_uri.path(), get(callback))
        .route(&config.paths.logout, post(logout))
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], message.into()).into_response()
}

async fn login(
    State(core): State<Arc<AuthCore>>,
    jar: CookieJar,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else { return refuse(StatusCode::BAD_REQUEST, "The sign-in link is malformed.") };
    let options = match SignInOptions::from_query(&query, &core.config.cognito.identity_providers) {
        Ok(options) => options,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, format!("The sign-in link is not valid: {error}.")),
    };
    let return_to = return_to_or_default(query.return_to.as_deref());
    let binding = jar.get(&core.config.login_cookie_name()).map(|c| c.value().to_string());
    match sign_in::begin(&core, binding.as_deref(), return_to, &options).await {
        Ok(started) => {
            let jar = jar.add(sign_in::binding_cookie(started.binding, &core.config));
            (jar, [(header::CACHE_CONTROL, "no-store")], Redirect::to(started.authorize_url.as_str())).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "could not store a sign-in in flight");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "Sign-in cannot start right now. Please try again shortly.")
        }
    }
}

async fn callback(
    State(core): State<Arc<AuthCore>>,
    session: Session,
    jar: CookieJar,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let binding = jar.get(&core.config.login_cookie_name()).map(|c| c.value().to_string());
    let user_agent = headers.get(header::USER_AGENT).and_then(|value| value.to_str().ok());
    match sign_in::complete(&core, &session, binding.as_deref(), user_agent, params).await {
        // The callback URL carries a one-time code: it must not leak through the Referer.
        Ok(return_to) => ([(header::REFERRER_POLICY, "no-referrer")], Redirect::to(&return_to)).into_response(),
        Err(error) => {
            tracing::warn!(%error, "sign-in failed");
            let failure = error.to_failure();
            let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST);
            refuse(status, format!("{}: {}", failure.title, failure.message))
        }
    }
}

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
    // No form at all (a plain POST) means this session.
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    if !is_same_origin_request(&headers, &core.config.app_origin) {
        return refuse(StatusCode::FORBIDDEN, "The sign-out request did not come from this site.");
    }
    let everywhere = form.ok().and_then(|Form(form)| form.everywhere);
    let Some(scope) = Scope::from_everywhere_field(everywhere.as_deref()) else {
        return refuse(StatusCode::BAD_REQUEST, "The field everywhere must be true or false.");
    };
    let logout_url = sign_out(&core, &session, scope).await;
    ([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response()
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
    use axum::http::HeaderValue;

    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
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
