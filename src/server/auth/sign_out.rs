//! Ending a sign-in, in the order Cognito needs: destroy the local session, revoke the refresh
//! token (Cognito's `/logout` does not), then send the browser to `/logout` to clear the hosted
//! UI's own session cookie.

use tower_sessions::Session;
use url::Url;

use crate::server::{session::auth_session, state::AppState};

/// Returns the provider's logout URL to redirect to.
pub async fn sign_out(state: &AppState, session: &Session) -> Url {
    let now = state.clock.now();
    let max_age = state.config.session.max_age.as_secs() as i64;
    let auth = match auth_session::load(session, now, max_age).await {
        Ok(auth) => auth,
        Err(error) => {
            tracing::warn!(%error, "could not read the session being signed out");
            None
        }
    };
    if let Err(error) = auth_session::end(session).await {
        tracing::warn!(%error, "could not delete the session");
    }
    if let Some(refresh_token) = auth.as_ref().and_then(|a| a.tokens.refresh_token.as_ref()) {
        // A failed revocation must not keep the person signed in locally; it is logged.
        match state.oauth.revoke(refresh_token).await {
            Ok(()) => tracing::info!("refresh token revoked"),
            Err(error) => tracing::warn!(%error, "refresh token revocation failed"),
        }
    }
    if let Some(auth) = &auth {
        tracing::info!(sub = %auth.sub, "signed out");
    }
    state.oauth.logout_url()
}
