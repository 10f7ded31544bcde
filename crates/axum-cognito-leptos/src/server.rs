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
    session::auth_session::{self, AuthSession},
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

/// The sign-in state a page shows, read by [`read_sign_in_for_page`] and kept in the request's
/// extensions until [`crate::provide_session`] picks it up. Cloning it (as Leptos clones the
/// request parts into context) copies a pointer.
#[derive(Clone, Debug)]
pub(crate) struct PageSignIn(pub(crate) Arc<SessionInfo>);

/// Reads the visitor's sign-in state for the page `request` asks for, before Leptos renders it,
/// and leaves it in the request for [`crate::provide_session`]: call it in a middleware in front
/// of the Leptos routes (inside the session layer). Server functions that render with the page
/// reuse the signed-in session instead of reading it again.
///
/// Returns that session (its tokens refreshed if due), or why there is none. Nobody signed in
/// and an ended session leave a signed-out state behind, so the middleware can show a public
/// page or redirect a protected one; an outage of the store or the provider leaves nothing,
/// and the middleware answers 503 itself: a status set once Leptos has begun to send the page
/// would be lost.
///
/// The sign-in callback page (`AuthConfig::is_callback_path`) is shown as signed
/// out without a read: it replaces the session with a new sign-in, and reading (perhaps
/// refreshing and saving) the previous one in the same request could write it back.
pub async fn read_sign_in_for_page(
    core: &AuthCore,
    session: &Session,
    request: &mut axum::extract::Request,
) -> Result<Arc<AuthSession>, SignInRequired> {
    let is_callback = core.config.is_callback_path(request.uri().path());
    let reading = if is_callback {
        // Still a read of the store, so an outage answers 503 here too.
        match auth_session::check_readable(session).await {
            Ok(()) => Err(SignInRequired::NotSignedIn),
            Err(error) => {
                tracing::error!(%error, "session store failed");
                Err(SignInRequired::Unavailable)
            }
        }
    } else {
        require_signed_in(core, session, core.config.refresh_skew_secs).await.map(Arc::new)
    };
    let shown = match &reading {
        Ok(auth) => session_info(core, Some(auth)),
        Err(SignInRequired::NotSignedIn | SignInRequired::SessionEnded) => session_info(core, None),
        Err(SignInRequired::ProviderUnavailable { .. } | SignInRequired::Unavailable) => return reading,
    };
    if let Ok(auth) = &reading {
        // Shared, not copied: the page's server functions reuse it.
        request.extensions_mut().insert(SignInOfThisRequest::shared(Arc::clone(auth)));
    }
    request.extensions_mut().insert(PageSignIn(Arc::new(shown)));
    reading
}

/// Leaves a signed-out state for a request that may render a page without the session being
/// read: a static file's path, say, whose 404 page is rendered by Leptos only when the file is
/// missing (reading the session for every file served would cost more than the file).
pub fn show_signed_out(core: &AuthCore, request: &mut axum::extract::Request) {
    request.extensions_mut().insert(PageSignIn(Arc::new(session_info(core, None))));
}

/// The state [`read_sign_in_for_page`] left for the page being rendered. Without one in a
/// request that passed the session layer (the middleware is missing) the page shows nobody
/// signed in, and the error log says what to add. Outside one nobody is signed in either, and
/// that is no error: Leptos renders the app once at start-up, with stand-in request parts, to
/// list its routes.
pub(crate) fn sign_in_for_page() -> SessionInfo {
    let read = with_context::<axum::http::request::Parts, _>(|parts| {
        (parts.extensions.get::<PageSignIn>().cloned(), parts.extensions.get::<Session>().is_some())
    });
    match read {
        Some((Some(PageSignIn(info)), _)) => (*info).clone(),
        Some((None, true)) => {
            tracing::error!(
                "no sign-in state for this page: call axum_cognito_leptos::server::read_sign_in_for_page \
                 in a middleware in front of the Leptos routes"
            );
            SessionInfo::default()
        }
        Some((None, false)) | None => SessionInfo::default(),
    }
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
pub fn session_info(core: &AuthCore, auth: Option<&AuthSession>) -> SessionInfo {
    let now = core.clock.now();
    SessionInfo {
        refresh_in_secs: auth.map(|auth| seconds_until_refresh(&auth.tokens, now, core.config.refresh_skew_secs)),
        user: auth.map(|auth| signed_in_user(auth, &core.config.admin_group)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::reactive::owner::Owner;

    fn signed_in_info() -> SessionInfo {
        SessionInfo { identity_providers: vec!["Google".into()], refresh_in_secs: Some(60), ..SessionInfo::default() }
    }

    #[test]
    fn a_page_shows_what_the_middleware_read() {
        let (mut parts, ()) = axum::http::Request::new(()).into_parts();
        parts.extensions.insert(PageSignIn(Arc::new(signed_in_info())));
        Owner::new().with(|| {
            provide_context(parts);
            assert_eq!(sign_in_for_page(), signed_in_info());
        });
    }

    #[test]
    fn without_the_middleware_nobody_is_signed_in() {
        use axum_cognito::session::memory_store::SessionMemoryStore;
        // Start-up's route listing: stand-in request parts, no session layer.
        let (parts, ()) = axum::http::Request::new(()).into_parts();
        // A request inside the session layer that nobody read the sign-in state for.
        let (mut unread, ()) = axum::http::Request::new(()).into_parts();
        unread.extensions.insert(Session::new(None, Arc::new(SessionMemoryStore::default()), None));
        Owner::new().with(|| {
            assert_eq!(sign_in_for_page(), SessionInfo::default());
            provide_context(parts);
            assert_eq!(sign_in_for_page(), SessionInfo::default());
            provide_context(unread);
            assert_eq!(sign_in_for_page(), SessionInfo::default());
        });
    }
}
