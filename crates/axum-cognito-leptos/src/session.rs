//! The visitor's sign-in state, loaded once per page load and shared through context.
//!
//! Sign-in and sign-out are full page loads (redirects through the identity provider), so one
//! resource per load is always current.

use leptos::prelude::*;

use crate::{error::AuthError, identity::SessionInfo};

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
