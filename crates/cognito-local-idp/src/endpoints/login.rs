//! `GET|POST /login`: the managed-login page (Amazon Cognito developer guide, "Login endpoint").

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::{RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::authorization::{self, AuthorizationRequest, with_query};
use crate::{
    cookies, defaults,
    identity::Identity,
    lockout::PASSWORD_ATTEMPTS_EXCEEDED,
    pages::{self, LoginForm},
    params::Params,
    pool::Pool,
    tokens::random_token,
};

/// Cognito's own messages, so tests and users read the same words as against AWS.
const INCORRECT: &str = "Incorrect username or password.";
const NOT_CONFIRMED: &str = "User is not confirmed.";
const EXPIRED_FORM: &str = "This sign-in page has expired. Please try again.";

pub async fn show(State(pool): State<Arc<Pool>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let request = match authorization::validate(&pool, query.as_deref()) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    if let Some(session) = authorization::reusable_session(&pool, &request, &headers) {
        return authorization::complete(&pool, &request, &session.identity, session.auth_time, false);
    }
    let username = request.login_hint.clone().unwrap_or_default();
    form(&pool, &request, StatusCode::OK, &username, None)
}

pub async fn submit(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match authorization::validate(&pool, query.as_deref()) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let fields = match Params::from_form(&headers, body) {
        Ok(fields) => fields,
        // Not the expired-page message: reloading the page would not help a form this page
        // never sends (another content type, repeated or too many fields), so it says what is
        // wrong with the request.
        Err(problem) => {
            let message = format!("The sign-in form could not be read: {}", problem.describe());
            return form(&pool, &request, StatusCode::BAD_REQUEST, "", Some(&message));
        }
    };
    let username = fields.get("username").unwrap_or_default().trim();
    if !csrf_holds(&pool, &headers, &fields) {
        return form(&pool, &request, StatusCode::BAD_REQUEST, username, Some(EXPIRED_FORM));
    }
    let password = fields.get("password").unwrap_or_default();
    let Some(user) = pool.user(username) else {
        tracing::info!(client_id = %request.client.client_id, "local IdP sign-in refused: incorrect username or password");
        return form(&pool, &request, StatusCode::BAD_REQUEST, username, Some(INCORRECT));
    };
    let now = pool.now();
    if pool.lockouts.admit(&user.username, now).is_err() {
        tracing::info!(client_id = %request.client.client_id, "local IdP sign-in refused: password attempts exceeded");
        return form(&pool, &request, StatusCode::BAD_REQUEST, username, Some(PASSWORD_ATTEMPTS_EXCEEDED));
    }
    if !user.password_matches(password) {
        pool.lockouts.failed(&user.username, now);
        tracing::info!(client_id = %request.client.client_id, "local IdP sign-in refused: incorrect username or password");
        return form(&pool, &request, StatusCode::BAD_REQUEST, username, Some(INCORRECT));
    }
    pool.lockouts.succeeded(&user.username);
    // Like Cognito, reveal that the account is unconfirmed only to someone who knows its password.
    if !user.confirmed {
        return form(&pool, &request, StatusCode::BAD_REQUEST, username, Some(NOT_CONFIRMED));
    }
    let identity = Identity::local(user, &pool.pool_id);
    authorization::complete(&pool, &request, &identity, pool.now_seconds(), true)
}

/// Double-submit check: the hidden field must equal the cookie, and be a form this provider
/// issued that has not been used or expired.
pub fn csrf_holds(pool: &Pool, headers: &HeaderMap, fields: &Params) -> bool {
    let (Some(field), Some(cookie)) = (fields.get("_csrf"), cookies::read(headers, cookies::CSRF)) else {
        return false;
    };
    field == cookie && pool.store().take_form(field, pool.now())
}

/// Issues a fresh CSRF token: stored server-side and set as a cookie on the response.
pub fn new_form_token(pool: &Pool) -> String {
    let token = random_token(32);
    let now = pool.now();
    pool.store().insert_form(token.clone(), now + Duration::from_secs(defaults::FORM_LIFETIME_SECS), now);
    token
}

pub fn with_csrf_cookie(pool: &Pool, mut response: Response, token: &str) -> Response {
    if let Some(cookie) = cookies::set(cookies::CSRF, token, None, pool.secure_cookies()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn form(
    pool: &Pool,
    request: &AuthorizationRequest,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let csrf = new_form_token(pool);
    let query = request.params.without(&["prompt"]).to_query();
    let authorize_base =
        format!("/oauth2/authorize?{}", request.params.without(&["identity_provider", "prompt"]).to_query());
    let providers: Vec<(String, String)> = request
        .client
        .identity_providers
        .iter()
        .map(|name| (name.clone(), with_query(&authorize_base, &[("identity_provider", name)])))
        .collect();
    let page = pages::login_page(&LoginForm { query: &query, csrf: &csrf, username, error, providers: &providers });
    with_csrf_cookie(pool, pages::html(status, page), &csrf)
}
