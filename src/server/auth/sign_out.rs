//! Ending a sign-in, in the order Cognito needs: destroy the local session, revoke the refresh
//! token (Cognito's `/logout` does not), then send the browser to `/logout` to clear the hosted
//! UI's own session cookie.

use std::time::Duration;

use tower_sessions::Session;
use url::Url;

use crate::server::{
    session::{
        auth_session::{self, AuthSession},
        refresh_lock::RefreshTurn,
    },
    state::AppState,
};

/// Longer than a refresh normally takes, short enough that a hung provider does not hold the
/// sign-out button for long.
const REFRESH_WAIT_LIMIT: Duration = Duration::from_secs(15);

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
    // With rotation, a refresh by another request (of any instance) may have replaced, or be
    // about to replace, the stored refresh token: the newest one is the one to revoke. Holding
    // the session's refresh turn until the revocation also keeps new refreshes out meanwhile.
    let turn = match &auth {
        Some(auth) => wait_for_refreshes(state, &auth.session_key).await,
        None => None,
    };
    let auth = auth.map(|auth| newest(auth, turn.as_ref().and_then(|turn| turn.latest())));
    if let Err(error) = auth_session::end(session).await {
        tracing::warn!(%error, "could not delete the session");
    }
    if let Some(auth) = &auth {
        state.refresh_locks.forget(&auth.session_key).await;
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
    drop(turn);
    state.oauth.logout_url()
}

/// The session's refresh turn, once no refresh of it is in flight; `None` (signing out anyway)
/// when that takes too long or the lock cannot be read.
async fn wait_for_refreshes(state: &AppState, session_key: &str) -> Option<RefreshTurn> {
    match tokio::time::timeout(REFRESH_WAIT_LIMIT, state.refresh_locks.take_turn(session_key)).await {
        Ok(Ok(turn)) => Some(turn),
        Ok(Err(error)) => {
            tracing::warn!(%error, "signing out without the refresh lock");
            None
        }
        Err(_) => {
            tracing::warn!("a refresh is still running; signing out without waiting for it");
            None
        }
    }
}

fn newest(auth: AuthSession, latest: Option<&AuthSession>) -> AuthSession {
    match latest {
        Some(latest) if latest.is_newer_than(&auth) => latest.clone(),
        _ => auth,
    }
}
