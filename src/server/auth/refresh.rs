//! Keeping a signed-in session's tokens fresh: refresh on the server shortly before expiry,
//! one refresh per session at a time, Cognito's refresh rules.
//!
//! Two requests of one session that both find the tokens near expiry must not both refresh:
//! Cognito counts refresh grants against a per-account quota, and with rotation the loser of
//! the race gets `invalid_grant` and would sign the person out. So refreshes go through a
//! per-session lock (shared by all instances when sessions live in Redis, see
//! `session::refresh_lock`), and its result is published so that every request of that
//! session, including ones that loaded the session before the refresh, continues with the new
//! tokens.

use std::time::Duration;

use tower_sessions::Session;

use super::{oauth_client::TokenEndpointError, verify::VerifyError};
use crate::server::{
    session::auth_session::{self, AuthSession, SessionStoreError, SessionTokens},
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The refresh token is expired or revoked (`invalid_grant`), or the provider's answer
    /// failed verification: the session is over.
    #[error("the session has expired")]
    SessionExpired,
    /// The provider is unreachable and the tokens have expired: try again later.
    #[error("the identity provider is unreachable")]
    ProviderUnavailable,
    #[error(transparent)]
    Store(#[from] SessionStoreError),
}

/// Whether the tokens expire within `skew` seconds.
pub fn needs_refresh(tokens: &SessionTokens, now: i64, skew: i64) -> bool {
    tokens.access_token_expires_at.min(tokens.id_token_expires_at) - skew <= now
}

/// Seconds until [`needs_refresh`] turns true, never negative.
pub fn seconds_until_refresh(tokens: &SessionTokens, now: i64, skew: i64) -> i64 {
    (tokens.access_token_expires_at.min(tokens.id_token_expires_at) - skew - now).max(0)
}

/// The signed-in session with tokens valid for at least the refresh skew, refreshing them if
/// needed. `Ok(None)`: not signed in.
pub async fn fresh_session(state: &AppState, session: &Session) -> Result<Option<AuthSession>, RefreshError> {
    fresh_session_within(state, session, state.config.refresh_skew_secs).await
}

pub async fn fresh_session_within(
    state: &AppState,
    session: &Session,
    skew: i64,
) -> Result<Option<AuthSession>, RefreshError> {
    let now = state.clock.now();
    let max_age = state.config.session.max_age.as_secs() as i64;
    let Some(mut auth) = auth_session::load(session, now, max_age).await? else {
        return Ok(None);
    };
    let locks = &state.refresh_locks;
    // Another request may have refreshed after this one loaded the session; this one must
    // continue with (and save) the newer tokens, not write the older ones back.
    if let Some(newer) = newer_than(locks.latest(&auth.session_key).await?, &auth) {
        auth = newer;
        auth_session::update(session, &auth).await?;
    }
    if !needs_refresh(&auth.tokens, now, skew) {
        return Ok(Some(auth));
    }

    let turn = match locks.take_turn(&auth.session_key).await {
        Ok(turn) => turn,
        // Like an unreachable provider: no reason to fail a request whose tokens still work.
        Err(error) if auth.tokens.access_token_expires_at > now => {
            tracing::warn!(%error, "could not take the refresh lock; will retry");
            return Ok(Some(auth));
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(newer) = newer_than(turn.latest().cloned(), &auth) {
        auth_session::update(session, &newer).await?;
        if !needs_refresh(&newer.tokens, now, skew) {
            return Ok(Some(newer));
        }
        auth = newer;
    }
    match refresh(state, &auth).await {
        Ok(refreshed) => {
            auth_session::update(session, &refreshed).await?;
            let lifetime_left = (max_age - (now - refreshed.signed_in_at)).max(1) as u64;
            if let Err(error) = turn.publish(&refreshed, Duration::from_secs(lifetime_left)).await {
                // This request has the new tokens; others of the session will refresh again.
                tracing::warn!(%error, "could not publish a refreshed session");
            }
            locks.prune(now, max_age);
            Ok(Some(refreshed))
        }
        Err(Failure::Unavailable(reason)) => {
            drop(turn);
            tracing::warn!(%reason, "token refresh failed; will retry");
            // Requests go on while the access token is still valid.
            if auth.tokens.access_token_expires_at > now {
                Ok(Some(auth))
            } else {
                Err(RefreshError::ProviderUnavailable)
            }
        }
        Err(Failure::Ended(reason)) => {
            tracing::info!(%reason, sub = %auth.sub, "session ended at refresh");
            drop(turn);
            locks.forget(&auth.session_key).await;
            auth_session::end(session).await?;
            Err(RefreshError::SessionExpired)
        }
    }
}

fn newer_than(latest: Option<AuthSession>, current: &AuthSession) -> Option<AuthSession> {
    latest.filter(|latest| latest.is_newer_than(current))
}

enum Failure {
    Unavailable(String),
    Ended(String),
}

async fn refresh(state: &AppState, auth: &AuthSession) -> Result<AuthSession, Failure> {
    let Some(refresh_token) = &auth.tokens.refresh_token else {
        return Err(Failure::Ended("no refresh token".into()));
    };
    let response = match state.oauth.refresh(refresh_token).await {
        Ok(response) => response,
        Err(TokenEndpointError::Unavailable(reason)) => return Err(Failure::Unavailable(reason)),
        Err(error) => return Err(Failure::Ended(error.to_string())),
    };
    let Some(id_token) = response.id_token else {
        return Err(Failure::Ended("the refresh answer has no ID token".into()));
    };
    let verified = state
        .verifier
        .verify_id_token(id_token.expose(), None, Some(response.access_token.expose()))
        .await
        .map_err(|e| Failure::Ended(format!("refreshed ID token: {e}")))?;
    check_same_identity(auth, &verified.claims).map_err(|e| Failure::Ended(e.to_string()))?;
    let access = state
        .verifier
        .verify_access_token(response.access_token.expose(), std::slice::from_ref(&state.config.cognito.client_id))
        .await
        .map_err(|e| Failure::Ended(format!("refreshed access token: {e}")))?;
    let tokens = SessionTokens {
        id_token_expires_at: verified.claims.exp,
        access_token_expires_at: access.exp,
        id_token,
        access_token: response.access_token,
        // Without rotation Cognito sends no refresh token: keep the one we have.
        refresh_token: response.refresh_token.or_else(|| auth.tokens.refresh_token.clone()),
    };
    Ok(auth.refreshed(verified, access.scopes(), tokens))
}

/// OpenID Connect Core §12.2: a refreshed ID token must be about the same person, from the same
/// issuer (checked by the verifier), for the same client, with the original `auth_time`.
fn check_same_identity(auth: &AuthSession, claims: &super::claims::IdTokenClaims) -> Result<(), VerifyError> {
    if claims.sub != auth.sub {
        return Err(VerifyError::BadClaims("the refreshed ID token is about someone else".into()));
    }
    if let (Some(original), Some(refreshed)) = (auth.auth_time, claims.auth_time)
        && original != refreshed
    {
        return Err(VerifyError::BadClaims("the refreshed ID token changed auth_time".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::auth::token_string::TokenString;

    fn tokens(access_exp: i64, id_exp: i64) -> SessionTokens {
        SessionTokens {
            id_token: TokenString::new("id"),
            access_token: TokenString::new("access"),
            refresh_token: None,
            id_token_expires_at: id_exp,
            access_token_expires_at: access_exp,
        }
    }

    #[test]
    fn refresh_is_due_within_the_skew_of_the_earliest_expiry() {
        assert!(!needs_refresh(&tokens(1_000, 1_000), 900, 60));
        assert!(needs_refresh(&tokens(1_000, 1_000), 940, 60));
        assert!(needs_refresh(&tokens(2_000, 950), 900, 60), "the ID token counts too");
        assert!(needs_refresh(&tokens(1_000, 1_000), 2_000, 60));
    }
}
