//! The visitor's sign-in state, loaded once per page load and shared through context.
//!
//! Sign-in and sign-out are full page loads (redirects through the identity provider), so one
//! resource per load is always current.

use leptos::prelude::*;

pub use crate::identity::SessionInfo;

#[server]
pub async fn get_session_info() -> Result<SessionInfo, ServerFnError> {
    use crate::server::leptos_bridge::{app_state, is_sign_in_callback, session_info, signed_in};
    let state = app_state()?;
    // The callback page replaces the session with a new sign-in; reading (and perhaps
    // refreshing and saving) the previous one in the same request could write it back.
    if is_sign_in_callback().await {
        return Ok(session_info(&state, None));
    }
    let auth = signed_in(&state).await?;
    Ok(session_info(&state, auth))
}

/// Refreshes the tokens if they are due (the dashboard calls this on a timer and when the tab
/// regains focus) and returns the signed-in state with the new expiry times.
#[server]
pub async fn refresh_session() -> Result<SessionInfo, ServerFnError> {
    use crate::server::leptos_bridge::{app_state, session_info, signed_in_within};
    let state = app_state()?;
    // A few seconds of extra lead absorb timer jitter in the browser.
    let auth = signed_in_within(&state, state.config.refresh_skew_secs + 5).await?;
    Ok(session_info(&state, auth))
}

pub type SessionResource = Resource<Result<SessionInfo, ServerFnError>>;

pub fn provide_session() {
    let resource: SessionResource = Resource::new(|| (), |_| get_session_info());
    provide_context(resource);
}

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}
