//! `/auth/login` and `POST /auth/logout`: plain axum routes, because both answer with nothing
//! but a redirect and cookies, which must be set before any byte of a page is streamed.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use tower_sessions::Session;

use super::error_page::error_page;
use crate::server::{
    auth::{
        login_transaction::TRANSACTION_TTL_SECS, oauth_client::AuthorizeRequest, random::random_urlsafe,
        return_to::return_to_or_default, sign_out::sign_out,
    },
    session::cookies::login_binding_cookie_name,
    state::AppState,
};

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
    provider: Option<String>,
}

pub async fn login(State(state): State<AppState>, jar: CookieJar, Query(query): Query<LoginQuery>) -> Response {
    let return_to = return_to_or_default(query.return_to.as_deref());
    let provider = match query.provider.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(name) => match state.config.cognito.identity_providers.iter().find(|p| p.as_str() == name) {
            Some(configured) => Some(configured.clone()),
            None => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Unknown sign-in provider",
                    "This app does not offer sign-in with that provider.",
                );
            }
        },
    };

    let https = state.config.uses_https();
    let cookie_name = login_binding_cookie_name(https);
    // Reuse the browser's binding so sign-ins started in other tabs stay valid.
    let binding = jar
        .get(cookie_name)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 43 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or_else(|| random_urlsafe(32));

    let transaction = match state.login_transactions.begin(&binding, return_to) {
        Ok(transaction) => transaction,
        Err(error) => return error_page(StatusCode::SERVICE_UNAVAILABLE, "Please try again", &error.to_string()),
    };
    let authorize_url = state.oauth.authorize_url(&AuthorizeRequest {
        state: &transaction.state,
        nonce: transaction.nonce.expose(),
        code_challenge: &transaction.code_challenge(),
        identity_provider: provider.as_deref(),
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

pub async fn logout(State(state): State<AppState>, session: Session, headers: HeaderMap) -> Response {
    if !is_same_origin_request(&headers, &state.config.app_origin()) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Sign-out refused",
            "The sign-out request did not come from this site.",
        );
    }
    let logout_url = sign_out(&state, &session).await;
    ([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response()
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
