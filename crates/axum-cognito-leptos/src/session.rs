//! The visitor's sign-in state, read once per page load and shared through context.
//!
//! The server reads it before Leptos renders the page (`server::read_sign_in_for_page`
//! in a middleware in front of the pages) and sends it to the browser with the page, where
//! hydration picks it up: it is there from the first render on both sides, with no resource to
//! wait for and no `<Suspense>` around what shows it. Sign-in and sign-out are full page loads
//! (redirects through the identity provider), so one reading per load is always current; the
//! [`keep_alive`](crate::keep_alive()) updates the person on screen between loads.
//!
//! In an app built with Leptos's `islands` feature, components outside islands render on the
//! server alone and nothing of this is sent; an island that needs the person takes it as a prop
//! ([`SignedIn`](crate::SignedIn) is serializable), since an island sees no context from the
//! page around it in the browser.

use leptos::prelude::*;

use crate::{
    error::AuthError,
    identity::{IdTokenClaims, SessionInfo},
};

/// Refreshes the tokens if they are due (the [`keep_alive`](crate::keep_alive()) calls this on a
/// timer and when the tab regains focus) and returns the signed-in state with the new expiry
/// times.
#[server(prefix = "/fn")]
pub async fn refresh_session() -> Result<SessionInfo, AuthError> {
    use crate::server::{auth_core, session_info, signed_in_within};
    let core = auth_core()?;
    // A few seconds of extra lead absorb timer jitter in the browser.
    let auth = signed_in_within(&core, core.config.refresh_skew_secs + 5).await?;
    Ok(session_info(&core, auth.as_ref()))
}

/// The visitor's sign-in state for this page load, as [`provide_session`] shares it: copied
/// freely, read with [`crate::visitor`] and [`crate::is_admin`].
#[derive(Clone, Copy, Debug)]
pub struct SignInState(StoredValue<SessionInfo>);

impl SignInState {
    /// Calls `f` with the state, borrowed.
    pub fn with<R>(&self, f: impl FnOnce(&SessionInfo) -> R) -> R {
        self.0.with_value(f)
    }
}

/// Shares the sign-in state of this page load with every component below. On the server it is
/// what `server::read_sign_in_for_page` left in the request; in the browser, what the
/// server sent with the page (Leptos's `SharedValue`), so both render the same HTML.
pub fn provide_session() {
    let info = SharedValue::new(read_on_server).into_inner();
    provide_context(SignInState(StoredValue::new(info)));
}

#[cfg(feature = "ssr")]
fn read_on_server() -> SessionInfo {
    crate::server::sign_in_for_page()
}

/// Only runs in the browser when the page came without the server's reading (rendered in the
/// browser alone): nobody is signed in as far as this page knows.
#[cfg(not(feature = "ssr"))]
fn read_on_server() -> SessionInfo {
    SessionInfo::default()
}

/// The sign-in state [`provide_session`] shares.
///
/// # Panics
///
/// When no ancestor called [`provide_session`] (a mistake in the app's code, not in a request).
pub fn use_session() -> SignInState {
    expect_context::<SignInState>()
}

/// Every claim of the signed-in person's verified ID token, sorted by name;
/// [`AuthError::SignInRequired`] (401) for anyone else.
#[server(prefix = "/fn")]
pub async fn get_id_token_claims() -> Result<IdTokenClaims, AuthError> {
    use crate::server::{auth_core, require_user};
    let core = auth_core()?;
    let claims = require_user(&core).await?.displayed_claims();
    // One a page: what shows that the page created its resource once (see below).
    tracing::debug!(claims = claims.len(), "read the ID token's claims");
    Ok(claims)
}

/// The resource [`load_id_token_claims`] returns.
pub type ClaimsResource = OnceResource<Result<IdTokenClaims, AuthError>>;

/// Starts loading the ID token's claims for a page that lists them, once per page (a
/// `OnceResource`: nothing to refetch it on). Call it in the page's own component and read it
/// inside a `<Suspense>`: a resource created inside a suspense's children is created again, and
/// its server function called again, each time Leptos walks them while rendering on the server
/// (leptos-rs/leptos#4866).
pub fn load_id_token_claims() -> ClaimsResource {
    OnceResource::new(get_id_token_claims())
}
