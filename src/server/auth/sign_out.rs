//! Ending a sign-in, in the order Cognito needs: destroy the local session, revoke the refresh
//! token (Cognito's `/logout` does not), then send the browser to `/logout` to clear the hosted
//! UI's own session cookie.

use tower_sessions::Session;
use url::Url;

use crate::server::{
    session::auth_session::{self, AuthSession},
    state::AppState,
};

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
    // With rotation, a refresh by another request may have replaced the stored refresh token;
    // the newest one is the one to revoke.
    let auth = match auth {
        Some(auth) => Some(newest_state(state, auth).await),
        None => None,
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

async fn newest_state(state: &AppState, auth: AuthSession) -> AuthSession {
    let latest = state.refresh_locks.latest(&auth.session_key).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "could not read the latest refresh of the session being signed out");
        None
    });
    state.refresh_locks.forget(&auth.session_key).await;
    match latest {
        Some(latest) if latest.tokens.access_token_expires_at > auth.tokens.access_token_expires_at => latest,
        _ => auth,
    }
}
