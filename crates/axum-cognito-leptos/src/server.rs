//! What server functions need from the request they run in (feature `ssr`): the auth core, the
//! session, the signed-in person, and control over the response's status and headers.
//!
//! Server functions run during server rendering and as HTTP endpoints; both paths provide the
//! request parts and `ResponseOptions` as Leptos context, and the app provides the core.

use std::sync::Arc;

use axum_cognito::{
    AuthCore,
    auth::refresh::seconds_until_refresh,
    extract::{SignInOfThisRequest, SignInRequired, require_signed_in},
    session::auth_session::AuthSession,
};
use leptos::prelude::*;
use tower_sessions::Session;

/// Control over the response being built: status, headers, a `303 See Other`.
pub use crate::response::{see_other, set_header, set_status};
use crate::{
    error::AuthError,
    identity::{SessionInfo, SignedInUser},
};

/// The auth core the app provided as context.
pub fn auth_core() -> Result<Arc<AuthCore>, AuthError> {
    use_context::<Arc<AuthCore>>().ok_or_else(|| missing("the auth core (provide_context(core))"))
}

/// The request's session (the route must sit inside `AuthCore::session_layer`).
pub async fn session() -> Result<Session, AuthError> {
    leptos_axum::extract::<Session>().await.map_err(|_| missing("the session layer"))
}

fn missing(what: &str) -> AuthError {
    AuthError::ServerFn(leptos::server_fn::error::ServerFnErrorErr::ServerError(format!("{what} is missing")))
}

/// Whether this server function runs while rendering the sign-in callback page (the path of
/// the configured redirect URI).
pub async fn is_sign_in_callback(core: &AuthCore) -> bool {
    let callback = core.config.cognito.redirect_uri.path();
    leptos_axum::extract::<axum::http::Uri>().await.is_ok_and(|uri| uri.path() == callback)
}

/// The signed-in session, if any, with its tokens refreshed when they are about to expire. A
/// provider or store outage is an error (503 set on the response); an ended session is `None`.
pub async fn signed_in(core: &AuthCore) -> Result<Option<AuthSession>, AuthError> {
    signed_in_within(core, core.config.refresh_skew_secs).await
}

/// Like [`signed_in`], refreshing when the tokens expire within `skew` seconds.
pub async fn signed_in_within(core: &AuthCore, skew: i64) -> Result<Option<AuthSession>, AuthError> {
    // A guard in front of the page may have read the session already in this request (read in
    // place: cloning the request parts would copy every header).
    let now = core.clock.now();
    let read_earlier =
        with_context::<axum::http::request::Parts, _>(|parts| SignInOfThisRequest::reuse(parts, now, skew)).flatten();
    if let Some(auth) = read_earlier {
        return Ok(Some(auth));
    }
    let session = session().await?;
    match require_signed_in(core, &session, skew).await {
        Ok(auth) => Ok(Some(auth)),
        Err(SignInRequired::NotSignedIn | SignInRequired::SessionEnded) => Ok(None),
        Err(SignInRequired::ProviderUnavailable { retry_after_secs }) => {
            Err(AuthError::ProviderUnavailable { retry_after_secs }.respond())
        }
        Err(SignInRequired::Unavailable) => Err(AuthError::Unavailable("the session store".into()).respond()),
    }
}

/// The signed-in session, or [`AuthError::SignInRequired`] (401 set on the response): the first
/// line of a server function that only signed-in people may call.
pub async fn require_user(core: &AuthCore) -> Result<AuthSession, AuthError> {
    signed_in(core).await?.ok_or_else(|| AuthError::SignInRequired.respond())
}

/// Like [`require_user`], and [`AuthError::Forbidden`] (403) unless the person is in `group`.
pub async fn require_group(core: &AuthCore, group: &str) -> Result<AuthSession, AuthError> {
    let auth = require_user(core).await?;
    if auth.is_member_of(group) { Ok(auth) } else { Err(AuthError::Forbidden.respond()) }
}

/// What the browser may know about the session.
pub fn session_info(core: &AuthCore, auth: Option<AuthSession>) -> SessionInfo {
    let now = core.clock.now();
    SessionInfo {
        refresh_in_secs: auth
            .as_ref()
            .map(|auth| seconds_until_refresh(&auth.tokens, now, core.config.refresh_skew_secs)),
        user: auth.map(|auth| signed_in_user(&auth, &core.config.admin_group)),
        identity_providers: core.config.cognito.identity_providers.clone(),
    }
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
    }
}
