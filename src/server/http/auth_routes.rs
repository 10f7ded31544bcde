//! `POST /auth/sessions/end`: a plain axum route beside the library's sign-in and sign-out
//! (`axum_cognito::routes`), because it answers with nothing but a redirect, which must be set
//! before any byte of a page is streamed.

use axum::{
    Form,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_cognito::routes::is_same_origin_request;
use serde::Deserialize;
use tower_sessions::Session;

use super::error_page::PageError;
use crate::server::{
    auth::sign_out::{Scope, end_other_session, sign_out},
    session::auth_session,
    state::AppState,
};

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
