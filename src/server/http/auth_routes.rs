//! `/auth/login` and `POST /auth/logout`: plain axum routes, because both answer with nothing
//! but a redirect and cookies, which must be set before any byte of a page is streamed.

use std::net::SocketAddr;

use axum::{
    Extension, Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use tower_sessions::Session;

use super::{client_limit::client_address, error_page::error_page};
use crate::server::{
    auth::{
        login_transaction::{LoginTransaction, TRANSACTION_TTL_SECS},
        oauth_client::AuthorizeRequest,
        provider_backoff::retry_after_secs,
        random::random_urlsafe,
        return_to::return_to_or_default,
        sign_in_options::{Prompt, SignInOptionError, SignInOptions, SignInQuery},
        sign_out::{Scope, end_other_session, sign_out},
    },
    session::{auth_session, cookies::login_binding_cookie_name},
    state::AppState,
};

pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    jar: CookieJar,
    query: Result<Query<SignInQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // Each sign-in started is kept for ten minutes: one client may only start so many.
    let client = client_address(peer.map(|Extension(ConnectInfo(addr))| addr), &headers, &state.config.trusted_proxies);
    if let Err(wait) = state.sign_in_limiter.check(client) {
        let mut response = error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts",
            "This browser or network started too many sign-ins in a short time. Please wait a moment and try again.",
        );
        if let Ok(value) = retry_after_secs(wait).to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let Ok(Query(query)) = query else {
        return error_page(StatusCode::BAD_REQUEST, "Sign-in refused", "The sign-in link is malformed.");
    };
    let return_to = return_to_or_default(query.return_to.as_deref());
    let options = match SignInOptions::from_query(&query, &state.config.cognito.identity_providers) {
        Ok(options) => options,
        Err(SignInOptionError::UnknownProvider) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Unknown sign-in provider",
                "This app does not offer sign-in with that provider.",
            );
        }
        Err(error) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                &format!("The sign-in link is not valid: {error}."),
            );
        }
    };

    let https = state.config.uses_https();
    let cookie_name = login_binding_cookie_name(https);
    // Reuse the browser's binding so sign-ins started in other tabs stay valid.
    let binding = jar
        .get(cookie_name)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 43 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or_else(|| random_urlsafe(32));

    let mut transaction = LoginTransaction::begin(&binding, return_to, state.clock.now());
    transaction.silent = options.prompt == Some(Prompt::None);
    if let Err(error) = state.login_transactions.put(&transaction).await {
        tracing::error!(%error, "could not store a sign-in in flight");
        return error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "Sign-in cannot start right now. Please try again shortly.",
        );
    }
    let authorize_url = state.oauth.authorize_url(&AuthorizeRequest {
        state: &transaction.state,
        nonce: transaction.nonce.expose(),
        code_challenge: &transaction.code_challenge(),
        options: &options,
    });

    let cookie = Cookie::build((cookie_name, binding))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(https)
        .max_age(tower_sessions::cookie::time::Duration::seconds(TRANSACTION_TTL_SECS))
        .build();
    (jar.add(cookie), [(header::CACHE_CONTROL, "no-store")], Redirect::to(authorize_url.as_str())).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    /// `true`: end every session of the signed-in person, not only this browser's.
    #[serde(default)]
    everywhere: Option<String>,
}

pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    // No form at all (a plain POST) means this session.
    form: Result<Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse_foreign_origin(&state, &headers) {
        return refused;
    }
    let scope = match form.ok().and_then(|Form(form)| form.everywhere).as_deref() {
        Some("true" | "on" | "1") => Scope::Everywhere,
        None | Some("" | "false" | "off" | "0") => Scope::ThisSession,
        Some(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Sign-out refused",
                "The field everywhere must be true or false.",
            );
        }
    };
    let logout_url = sign_out(&state, &session, scope).await;
    ([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct EndSessionForm {
    /// The `session_key` of one of the signed-in person's other sessions.
    session: String,
}

/// `POST /auth/sessions/end`: ends one of the signed-in person's other sessions (the list on
/// the dashboard), then goes back to the dashboard.
pub async fn end_session(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    form: Result<Form<EndSessionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = refuse_foreign_origin(&state, &headers) {
        return refused;
    }
    let Ok(Form(form)) = form else {
        return error_page(StatusCode::BAD_REQUEST, "No session named", "Choose a session to sign out.");
    };
    let now = state.clock.now();
    let max_age = state.config.session.max_age.as_secs() as i64;
    let auth = match auth_session::load(&session, now, max_age).await {
        Ok(Some(auth)) => auth,
        Ok(None) => return Redirect::to("/auth/login?return_to=%2Fdashboard").into_response(),
        Err(error) => {
            tracing::error!(%error, "session store failed");
            return error_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again shortly.");
        }
    };
    if form.session == auth.session_key {
        // This browser's own session: that is a plain sign-out.
        let logout_url = sign_out(&state, &session, Scope::ThisSession).await;
        return ([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response();
    }
    match end_other_session(&state, &auth.sub, &form.session).await {
        Ok(true) => ([(header::CACHE_CONTROL, "no-store")], Redirect::to("/dashboard")).into_response(),
        Ok(false) => error_page(
            StatusCode::NOT_FOUND,
            "No such session",
            "That session has already ended, or is not one of yours.",
        ),
        Err(error) => {
            tracing::error!(%error, "could not end a session");
            error_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again shortly.")
        }
    }
}

fn refuse_foreign_origin(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    (!is_same_origin_request(headers, &state.config.app_origin())).then(|| {
        error_page(StatusCode::FORBIDDEN, "Sign-out refused", "The sign-out request did not come from this site.")
    })
}

/// CSRF defence for the sign-out form: a browser always sends `Origin` on a cross-site POST,
/// so a foreign `Origin` (or, without it, a foreign `Referer`) is refused. A request with
/// neither comes from a non-browser client, which cannot be tricked into sending our
/// `SameSite=Lax` session cookie anyway.
fn is_same_origin_request(headers: &HeaderMap, app_origin: &str) -> bool {
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
