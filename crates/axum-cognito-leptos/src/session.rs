//! The visitor's sign-in state, loaded once per page load and shared through context.
//!
//! Sign-in and sign-out are full page loads (redirects through the identity provider), so one
//! resource per load is always current.

use leptos::prelude::*;

use crate::{
    error::AuthError,
    identity::{IdTokenClaims, SessionInfo},
};

/// The sign-in state of the visitor, with tokens refreshed if they are due.
#[server]
pub async fn get_session_info() -> Result<SessionInfo, AuthError> {
    use crate::server::{auth_core, is_sign_in_callback, session_info, signed_in};
    let core = auth_core()?;
    // The callback page replaces the session with a new sign-in; reading (and perhaps
    // refreshing and saving) the previous one in the same request could write it back.
    if is_sign_in_callback(&core).await {
        return Ok(session_info(&core, None));
    }
    let auth = signed_in(&core).await?;
    Ok(session_info(&core, auth))
}

/// Refreshes the tokens if they are due (the [`keep_alive`](crate::keep_alive()) calls this on a
/// timer and when the tab regains focus) and returns the signed-in state with the new expiry
/// times.
#[server]
pub async fn refresh_session() -> Result<SessionInfo, AuthError> {
    use crate::server::{auth_core, session_info, signed_in_within};
    let core = auth_core()?;
    // A few seconds of extra lead absorb timer jitter in the browser.
    let auth = signed_in_within(&core, core.config.refresh_skew_secs + 5).await?;
    Ok(session_info(&core, auth))
}

/// The resource [`provide_session`] shares.
pub type SessionResource = Resource<Result<SessionInfo, AuthError>>;

/// Loads the sign-in state once for the page and shares it with every component below.
pub fn provide_session() {
    let resource: SessionResource = Resource::new(|| (), |_| get_session_info());
    provide_context(resource);
}

/// The sign-in state [`provide_session`] shares.
///
/// # Panics
///
/// When no ancestor called [`provide_session`] (a mistake in the app's code, not in a request).
pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// Every claim of the signed-in person's verified ID token, sorted by name;
/// [`AuthError::SignInRequired`] (401) for anyone else.
#[server]
pub async fn get_id_token_claims() -> Result<IdTokenClaims, AuthError> {
    use crate::server::{auth_core, require_user};
    let core = auth_core()?;
    Ok(require_user(&core).await?.displayed_claims())
}

/// The resource [`load_id_token_claims`] returns.
pub type ClaimsResource = Resource<Result<IdTokenClaims, AuthError>>;

/// Starts loading the ID token's claims for a page that lists them. Call it in the page's own
/// component, above [`crate::RequireUser`] (or any `<Transition>`) and read it inside: a
/// resource created inside a transition's children is created again, and its server function
/// called again, each time Leptos walks them while rendering on the server
/// (leptos-rs/leptos#4866).
pub fn load_id_token_claims() -> ClaimsResource {
    Resource::new(|| (), |_| get_id_token_claims())
}
