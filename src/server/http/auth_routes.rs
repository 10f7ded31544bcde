//! `/auth/login` and `POST /auth/logout`: plain axum routes, because both answer with nothing
//! but a redirect and cookies, which must be set before any byte of a page is streamed.

use std::net::SocketAddr;

use axum::{
    Extension, Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_cognito::routes::is_same_origin_request;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use tower_sessions::Session;

use super::{client_limit::client_address, error_page::error_page};
use crate::server::{
    auth::{
        provider_backoff::retry_after_secs,
        return_to::return_to_or_default,
        sign_in,
        sign_in_options::{SignInOptionError, SignInOptions, SignInQuery},
        sign_out::{Scope, end_other_session, sign_out},
    },
    session::auth_session,
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
    let options = match SignInOptions::from_query(&query, &state.config.auth.cognito.identity_providers) {
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

    let existing_binding = jar.get(&state.auth.config.login_cookie_name()).map(|c| c.value().to_string());
    let started = match sign_in::begin(&state, existing_binding.as_deref(), return_to, &options).await {
        Ok(started) => started,
        Err(error) => {
            tracing::error!(%error, "could not store a sign-in in flight");
            return error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "Sign-in cannot start right now. Please try again shortly.",
            );
        }
    };
    let cookie = sign_in::binding_cookie(started.binding, &state.auth.config);
    (jar.add(cookie), [(header::CACHE_CONTROL, "no-store")], Redirect::to(started.authorize_url.as_str()))
        .into_response()
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
    let everywhere = form.ok().and_then(|Form(form)| form.everywhere);
    let Some(scope) = Scope::from_everywhere_field(everywhere.as_deref()) else {
        return error_page(StatusCode::BAD_REQUEST, "Sign-out refused", "The field everywhere must be true or false.");
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
    let max_age = state.config.auth.session.max_age.as_secs() as i64;
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
