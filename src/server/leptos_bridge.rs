//! What server functions need from the request they run in: app state, the session, the
//! signed-in person, and control over the response status and headers.
//!
//! Server functions run during server rendering and as HTTP endpoints; both paths provide
//! the request parts and `ResponseOptions` as Leptos context.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum_cognito::extract::{SignInRequired, require_signed_in};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::identity::{SessionInfo, SignedInUser};
use crate::server::{auth::refresh::seconds_until_refresh, session::auth_session::AuthSession, state::AppState};

pub fn app_state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::new("application state is missing"))
}

pub async fn session() -> Result<Session, ServerFnError> {
    leptos_axum::extract::<Session>().await.map_err(|_| ServerFnError::new("session layer is missing"))
}

/// Whether this server function runs while rendering `/auth/callback`.
pub async fn is_sign_in_callback() -> bool {
    leptos_axum::extract::<axum::http::Uri>().await.is_ok_and(|uri| uri.path() == "/auth/callback")
}

/// The signed-in session, if any, with its tokens refreshed when they are about to expire.
pub async fn signed_in(state: &AppState) -> Result<Option<AuthSession>, ServerFnError> {
    signed_in_within(state, state.config.refresh_skew_secs).await
}

/// Like [`signed_in`], refreshing when the tokens expire within `skew` seconds.
pub async fn signed_in_within(state: &AppState, skew: i64) -> Result<Option<AuthSession>, ServerFnError> {
    let session = session().await?;
    match require_signed_in(state, &session, skew).await {
        Ok(auth) => Ok(Some(auth)),
        Err(SignInRequired::NotSignedIn | SignInRequired::SessionEnded) => Ok(None),
        Err(SignInRequired::ProviderUnavailable { retry_after_secs }) => {
            set_status(503);
            set_header(header::RETRY_AFTER, &retry_after_secs.to_string());
            Err(ServerFnError::new("the identity provider is unreachable"))
        }
        Err(SignInRequired::Unavailable) => {
            set_status(503);
            Err(ServerFnError::new("the session store is unavailable"))
        }
    }
}

/// What the browser may know about the session.
pub fn session_info(state: &AppState, auth: Option<AuthSession>) -> SessionInfo {
    let now = state.clock.now();
    SessionInfo {
        refresh_in_secs: auth
            .as_ref()
            .map(|auth| seconds_until_refresh(&auth.tokens, now, state.config.refresh_skew_secs)),
        user: auth.map(|auth| signed_in_user(&auth, &state.config.admin_group)),
        identity_providers: state.config.cognito.identity_providers.clone(),
    }
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

/// The view of a session the browser may have: claims, no tokens.
pub fn signed_in_user(auth: &AuthSession, admin_group: &str) -> SignedInUser {
    SignedInUser {
        sub: auth.sub.clone(),
        username: auth.username.clone(),
        email: auth.email.clone(),
        email_verified: auth.email_verified,
        name: auth.name.clone(),
        groups: auth.groups.clone(),
        is_admin: auth.is_member_of(admin_group),
        auth_time: auth.auth_time,
        id_token_expires_at: auth.tokens.id_token_expires_at,
        access_token_expires_at: auth.tokens.access_token_expires_at,
        claims: auth.displayed_claims(),
    }
}
