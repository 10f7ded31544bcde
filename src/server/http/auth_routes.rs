//! `/auth/login` and `POST /auth/logout`: plain axum routes, because both answer with nothing
//! but a redirect and cookies, which must be set before any byte of a page is streamed.

use std::net::SocketAddr;

use axum::{
    Extension, Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_cognito::routes::is_same_origin_request;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use tower_sessions::Session;

use super::{client_limit::client_address, error_page::PageError};
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
) -> Result<Response, PageError> {
    // Each sign-in started is kept for ten minutes: one client may only start so many.
    let client = client_address(peer.map(|Extension(ConnectInfo(addr))| addr), &headers, &state.config.trusted_proxies);
    state
        .sign_in_limiter
        .check(client)
        .map_err(|wait| PageError::TooManySignIns { retry_after_secs: retry_after_secs(wait) })?;
    let Ok(Query(query)) = query else {
        return Err(PageError::MalformedSignInLink);
    };
    let return_to = return_to_or_default(query.return_to.as_deref());
    let options = SignInOptions::from_query(&query, &state.config.auth.cognito.identity_providers).map_err(
        |error| match error {
            SignInOptionError::UnknownProvider => PageError::UnknownProvider,
            other => PageError::InvalidSignInOption(other),
        },
    )?;

    let existing_binding = jar.get(&state.auth.config.login_cookie_name()).map(|c| c.value().to_string());
    let started = sign_in::begin(&state, existing_binding.as_deref(), return_to, &options).await.map_err(|error| {
        tracing::error!(%error, "could not store a sign-in in flight");
        PageError::SignInCannotStart
    })?;
    let cookie = sign_in::binding_cookie(started.binding, &state.auth.config);
    Ok((jar.add(cookie), [(header::CACHE_CONTROL, "no-store")], Redirect::to(started.authorize_url.as_str()))
        .into_response())
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
) -> Result<Response, PageError> {
    refuse_foreign_origin(&state, &headers)?;
    let everywhere = form.ok().and_then(|Form(form)| form.everywhere);
    let scope = Scope::from_everywhere_field(everywhere.as_deref()).ok_or(PageError::InvalidEverywhereField)?;
    let logout_url = sign_out(&state, &session, scope).await;
    Ok(([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response())
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
) -> Result<Response, PageError> {
    refuse_foreign_origin(&state, &headers)?;
    let Ok(Form(form)) = form else {
        return Err(PageError::NoSessionNamed);
    };
    let now = state.clock.now();
    let max_age = state.config.auth.session.max_age.as_secs() as i64;
    let loaded = auth_session::load(&session, now, max_age).await.map_err(|error| {
        tracing::error!(%error, "session store failed");
        PageError::TryAgainShortly
    })?;
    let Some(auth) = loaded else {
        return Ok(Redirect::to("/auth/login?return_to=%2Fdashboard").into_response());
    };
    if form.session == auth.session_key {
        // This browser's own session: that is a plain sign-out.
        let logout_url = sign_out(&state, &session, Scope::ThisSession).await;
        return Ok(([(header::CACHE_CONTROL, "no-store")], Redirect::to(logout_url.as_str())).into_response());
    }
    let ended = end_other_session(&state, &auth.sub, &form.session).await.map_err(|error| {
        tracing::error!(%error, "could not end a session");
        PageError::TryAgainShortly
    })?;
    if !ended {
        return Err(PageError::NoSuchSession);
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Redirect::to("/dashboard")).into_response())
}

fn refuse_foreign_origin(state: &AppState, headers: &HeaderMap) -> Result<(), PageError> {
    if is_same_origin_request(headers, &state.config.app_origin()) { Ok(()) } else { Err(PageError::ForeignOrigin) }
}
