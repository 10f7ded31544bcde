//! What server functions need from the request they run in: app state, the session, the
//! signed-in person, and control over the response status and headers.
//!
//! Server functions run during server rendering and as HTTP endpoints; both paths provide
//! the request parts and `ResponseOptions` as Leptos context.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::server::{
    session::auth_session::{self, AuthSession},
    state::AppState,
};

pub fn app_state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::new("application state is missing"))
}

pub async fn session() -> Result<Session, ServerFnError> {
    leptos_axum::extract::<Session>().await.map_err(|_| ServerFnError::new("session layer is missing"))
}

/// The signed-in session, if any, after the absolute-lifetime check.
pub async fn signed_in(state: &AppState) -> Result<Option<AuthSession>, ServerFnError> {
    let session = session().await?;
    let max_age = state.config.session.max_age.as_secs() as i64;
    auth_session::load(&session, state.clock.now(), max_age).await.map_err(|error| {
        tracing::error!(%error, "session store failed");
        ServerFnError::new("the session store is unavailable")
    })
}

pub fn set_status(status: u16) {
    if let (Some(response), Ok(status)) = (use_context::<ResponseOptions>(), StatusCode::from_u16(status)) {
        response.set_status(status);
    }
}

pub fn set_header(name: HeaderName, value: &str) {
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
        response.insert_header(name, value);
    }
}

/// A real `303 See Other`, whatever the request's `Accept` header (leptos_axum's own
/// `redirect` answers 302 only to requests that accept HTML).
pub fn see_other(path: &str) {
    set_status(303);
    set_header(header::LOCATION, path);
}
