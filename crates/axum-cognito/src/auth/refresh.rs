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

use std::{sync::Arc, time::Duration};

use tower_sessions::Session;
use tracing::Instrument;

use super::{
    core::AuthCore,
    jwks::TokenSource,
    oauth_client::{CognitoOAuthClient, TokenEndpointError},
    provider_backoff::{ProviderBackoff, retry_after_secs},
    token_string::TokenString,
    verify::{TokenVerifier, VerifyError},
};
use crate::{
    metrics,
    session::{
        auth_session::{self, AuthSession, SessionStoreError, SessionTokens},
        directory::SessionDirectory,
        refresh_lock::{LONGEST_WAIT, RefreshLocks, RefreshTurn},
    },
};

/// How long a request whose access token still works waits for another request's refresh
/// before going on with the tokens it has (a refresh takes well under a second; a holder that
/// crashed keeps the lock until it expires, and nobody should wait for that).
const WAIT_WHILE_VALID: Duration = Duration::from_secs(2);
/// How long a published refresh result is kept beyond the idle timeout: enough for requests
/// that loaded the session before the refresh to have ended.
const PUBLISHED_MARGIN_SECS: i64 = 300;

/// Why a session's tokens could not be made fresh.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The refresh token is expired or revoked (`invalid_grant`), or the provider's answer
    /// failed verification: the session is over.
    #[error("the session has expired")]
    SessionExpired,
    /// The tokens have expired and the provider cannot refresh them right now (unreachable,
    /// throttling, refusing the client, answering nonsense, keys not loadable): try again later.
    #[error("the identity provider is unavailable")]
    ProviderUnavailable {
        /// Seconds after which trying again makes sense (for `Retry-After`).
        retry_after_secs: u64,
    },
    /// The session store, or the backend of the refresh lock, failed.
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
pub async fn fresh_session(core: &AuthCore, session: &Session) -> Result<Option<AuthSession>, RefreshError> {
    fresh_session_within(core, session, core.config.refresh_skew_secs).await
}

/// Like [`fresh_session`], but refreshes tokens that expire within `skew` seconds instead of the
/// configured refresh skew.
pub async fn fresh_session_within(
    core: &AuthCore,
    session: &Session,
    skew: i64,
) -> Result<Option<AuthSession>, RefreshError> {
    // Boxed: with the SQLite and Redis backends compiled in, the store calls below are futures
    // of several kilobytes (an enum's future is as large as its largest backend's), and inlined
    // they would make every caller's future that large. Leptos moves a resource's future several
    // times before polling it; those copies were a tenth of a signed-in page's CPU (perf,
    // callgrind). One allocation that never moves is cheaper.
    Box::pin(read_fresh_session(core, session, skew)).await
}

async fn read_fresh_session(
    core: &AuthCore,
    session: &Session,
    skew: i64,
) -> Result<Option<AuthSession>, RefreshError> {
    let now = core.clock.now();
    let Some(mut auth) = auth_session::load(session, core.read_rules(now)).await? else {
        return Ok(None);
    };
    crate::request_span::record_session(&auth.session_key);
    let locks = &core.refresh_locks;
    // Another request may have refreshed after this one loaded the session; this one must
    // continue with (and save) the newer tokens, not write the older ones back.
    if let Some(newer) = newer_than(locks.latest(&auth.session_key).await?, &auth) {
        auth = newer;
        auth_session::update(session, &auth).await?;
    }
    if auth_session::touch(session, now, auth_session::touch_interval(core.config.session.idle_timeout.as_secs()))
        .await?
        && let Err(error) = core.directory.touch(&auth.sub, &auth.session_key, now).await
    {
        // Only the "last active" of the session list is behind; the request goes on.
        tracing::warn!(%error, "could not record the session's activity");
    }
    if !needs_refresh(&auth.tokens, now, skew) {
        return Ok(Some(auth));
    }
    // Boxed: the refresh (lock, token endpoint, publication) is the largest part of this
    // future, and most requests never reach it.
    Box::pin(refresh_due(core, session, auth, now, skew)).await
}

/// The second half of [`fresh_session_within`]: the tokens are due, refresh them once for all
/// the session's requests.
async fn refresh_due(
    core: &AuthCore,
    session: &Session,
    mut auth: AuthSession,
    now: i64,
    skew: i64,
) -> Result<Option<AuthSession>, RefreshError> {
    let locks = &core.refresh_locks;
    let still_valid = auth.tokens.access_token_expires_at > now;
    // After a failure that may pass, the provider is left alone for a while; meanwhile
    // requests go on with a still-valid access token.
    if let Some(wait) = core.refresh_backoff.remaining() {
        return go_on_or_unavailable(auth, still_valid, wait);
    }

    let wait_limit = if still_valid { WAIT_WHILE_VALID } else { LONGEST_WAIT };
    let waiting = std::time::Instant::now();
    let turn = locks.take_turn_within(&auth.session_key, wait_limit).await;
    metrics::refresh_lock_wait(waiting.elapsed());
    let turn = match turn {
        Ok(Some(turn)) => turn,
        // Another request is refreshing (or a holder crashed): these tokens still work.
        Ok(None) if still_valid => return Ok(Some(auth)),
        Ok(None) => return Err(RefreshError::ProviderUnavailable { retry_after_secs: 1 }),
        // Like an unreachable provider: no reason to fail a request whose tokens still work.
        Err(error) if still_valid => {
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
    // The turn before this one may have failed while this request waited for it: leave the
    // provider alone as the requests that came after the failure do.
    if let Some(wait) = core.refresh_backoff.remaining() {
        drop(turn);
        return go_on_or_unavailable(auth, still_valid, wait);
    }
    // From here the provider may replace the session's tokens, and with rotation it retires the
    // refresh token it is given: the grant and the storing of its outcome run as a task of their
    // own, which a request cancelled meanwhile (its client went away, a page navigated on)
    // cannot stop half-way and so lose the new refresh token.
    let grant = Grant { core: GrantCore::of(core), session: session.clone(), turn, auth, now, still_valid };
    // In the request's span: its log lines keep the request id and the session's short id.
    match tokio::spawn(grant.run().instrument(tracing::Span::current())).await {
        Ok(outcome) => outcome,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => Err(RefreshError::ProviderUnavailable { retry_after_secs: 1 }),
    }
}

/// While the provider is left alone for `wait`: a request whose access token still works goes on
/// with `auth`; one without usable tokens is told when to retry.
fn go_on_or_unavailable(
    auth: AuthSession,
    still_valid: bool,
    wait: Duration,
) -> Result<Option<AuthSession>, RefreshError> {
    if still_valid {
        Ok(Some(auth))
    } else {
        Err(RefreshError::ProviderUnavailable { retry_after_secs: retry_after_secs(wait) })
    }
}

/// What a refresh grant needs from the [`AuthCore`], owned, for [`Grant`]'s task.
struct GrantCore {
    oauth: Arc<CognitoOAuthClient>,
    verifier: Arc<TokenVerifier>,
    client_id: String,
    backoff: Arc<ProviderBackoff>,
    locks: Arc<RefreshLocks>,
    directory: SessionDirectory,
    max_age_secs: i64,
    idle_timeout_secs: i64,
}

impl GrantCore {
    fn of(core: &AuthCore) -> Self {
        GrantCore {
            oauth: core.oauth.clone(),
            verifier: core.verifier.clone(),
            client_id: core.config.cognito.client_id.clone(),
            backoff: core.refresh_backoff.clone(),
            locks: core.refresh_locks.clone(),
            directory: core.directory.clone(),
            max_age_secs: core.config.session.max_age_secs(),
            idle_timeout_secs: core.config.session.idle_timeout_secs(),
        }
    }

    /// A published refresh matters to requests that loaded the session before it and may save
    /// their copy back; such copies are corrected by the next request, which comes within the
    /// idle timeout or never (the session then expires). So it is kept that long, and never past
    /// the session's maximum age.
    fn published_lifetime(&self, refreshed: &AuthSession, now: i64) -> Duration {
        keep_published_for(self.max_age_secs, self.idle_timeout_secs, refreshed.signed_in_at, now)
    }
}

/// One refresh grant for a session whose turn this request holds, and the storing of its
/// outcome: published for the session's other requests, saved in the session, the back-off
/// moved, or the session ended.
struct Grant {
    core: GrantCore,
    session: Session,
    turn: RefreshTurn,
    auth: AuthSession,
    now: i64,
    still_valid: bool,
}

impl Grant {
    async fn run(self) -> Result<Option<AuthSession>, RefreshError> {
        let Grant { core, session, turn, mut auth, now, still_valid } = self;
        let started = std::time::Instant::now();
        let outcome = refresh(&core, &auth).await;
        metrics::refresh_grant(outcome.as_ref().map_or_else(Failure::outcome, |_| "ok"), started.elapsed());
        match outcome {
            Ok(refreshed) => {
                core.backoff.succeeded();
                if let Err(error) = turn.publish(&refreshed, core.published_lifetime(&refreshed, now)).await {
                    // This request has the new tokens; others of the session will refresh again.
                    tracing::warn!(%error, "could not publish a refreshed session");
                }
                auth_session::update(&session, &refreshed).await?;
                core.locks.prune();
                Ok(Some(refreshed))
            }
            Err(failure @ (Failure::Temporary(..) | Failure::KeysUnavailable { .. })) => {
                // Before the turn ends: a request waiting for it checks the back-off first.
                let wait = core.backoff.failed();
                let reason = failure.reason().to_owned();
                if let Failure::KeysUnavailable { rotated_refresh_token: Some(rotated), .. } = failure {
                    auth = auth.with_rotated_refresh_token(rotated);
                    // Published (requests of the session that loaded it before hold the retired
                    // refresh token), then saved now, as this request may well answer 503.
                    if let Err(error) = turn.publish(&auth, core.published_lifetime(&auth, now)).await {
                        tracing::warn!(%error, "could not publish a rotated refresh token");
                    }
                    auth_session::update_now(&session, &auth).await?;
                } else {
                    drop(turn);
                }
                tracing::warn!(%reason, retry_in_ms = wait.as_millis() as u64, "token refresh failed; will retry");
                go_on_or_unavailable(auth, still_valid, wait)
            }
            Err(Failure::Ended(outcome, reason)) => {
                tracing::info!(%reason, sub = %auth.sub, "session ended at refresh");
                metrics::session_ended(outcome);
                drop(turn);
                core.locks.forget(&auth.session_key).await;
                if let Err(error) = core.directory.remove(&auth.sub, &auth.session_key).await {
                    tracing::warn!(%error, "could not remove an ended session from the list");
                }
                auth_session::end(&session).await?;
                Err(RefreshError::SessionExpired)
            }
        }
    }
}

fn keep_published_for(max_age: i64, idle: i64, signed_in_at: i64, now: i64) -> Duration {
    let lifetime_left = max_age.saturating_sub(now - signed_in_at);
    Duration::from_secs(lifetime_left.min(idle.saturating_add(PUBLISHED_MARGIN_SECS)).max(1) as u64)
}

fn newer_than(latest: Option<AuthSession>, current: &AuthSession) -> Option<AuthSession> {
    latest.filter(|latest| latest.is_newer_than(current))
}

/// Why a refresh did not succeed. Only two things end a session: the provider saying the
/// refresh token is no good (`invalid_grant`, RFC 6749 §5.2), and tokens that fail
/// verification. Everything else may pass by itself and keeps the session.
/// Each carries its metrics label and the reason for the log.
enum Failure {
    Temporary(&'static str, String),
    Ended(&'static str, String),
    /// The provider answered, but its tokens name signing keys that cannot be loaded yet. With
    /// rotation the answer also replaced the refresh token, and the provider has retired the
    /// one the session holds: the new one is kept (it proves nothing about anyone; only the ID
    /// token does, and the next refresh verifies one), or the next attempt would be answered
    /// `invalid_grant` and the outage would end the session after all.
    KeysUnavailable {
        reason: String,
        rotated_refresh_token: Option<TokenString>,
    },
}

impl Failure {
    /// The refresh grant's outcome, as its metric labels it.
    fn outcome(&self) -> &'static str {
        match self {
            Failure::Temporary(outcome, _) | Failure::Ended(outcome, _) => outcome,
            Failure::KeysUnavailable { .. } => "keys_unavailable",
        }
    }

    /// Why, for the log.
    fn reason(&self) -> &str {
        match self {
            Failure::Temporary(_, reason) | Failure::Ended(_, reason) | Failure::KeysUnavailable { reason, .. } => {
                reason
            }
        }
    }
}

async fn refresh(core: &GrantCore, auth: &AuthSession) -> Result<AuthSession, Failure> {
    let Some(refresh_token) = &auth.tokens.refresh_token else {
        return Err(Failure::Ended("invalid_grant", "no refresh token".into()));
    };
    let response = match core.oauth.refresh(refresh_token).await {
        Ok(response) => response,
        Err(error) if error.is_invalid_grant() => return Err(Failure::Ended("invalid_grant", error.to_string())),
        // Throttling, `invalid_client` (a secret being rotated), other refusals, network
        // errors, 5xx and answers that do not parse.
        Err(error @ TokenEndpointError::Refused { .. }) => {
            tracing::error!(%error, "the identity provider refused a refresh grant (is the client configured right?)");
            return Err(Failure::Temporary("refused", error.to_string()));
        }
        Err(error @ TokenEndpointError::Throttled) => return Err(Failure::Temporary("throttled", error.to_string())),
        Err(error @ TokenEndpointError::Malformed(_)) => {
            return Err(Failure::Temporary("malformed", error.to_string()));
        }
        Err(error @ TokenEndpointError::Unavailable(_)) => {
            return Err(Failure::Temporary("provider_unavailable", error.to_string()));
        }
    };
    let Some(id_token) = response.id_token else {
        return Err(Failure::Temporary("malformed", "the refresh answer has no ID token".into()));
    };
    let rejected = |what: &str, error: VerifyError| {
        let reason = format!("refreshed {what}: {error}");
        if error.is_temporary() {
            Failure::KeysUnavailable { reason, rotated_refresh_token: response.refresh_token.clone() }
        } else {
            Failure::Ended("rejected_token", reason)
        }
    };
    let verified = core
        .verifier
        .verify_id_token(id_token.expose(), None, Some(response.access_token.expose()))
        .await
        .map_err(|e| rejected("ID token", e))?;
    check_same_identity(auth, &verified.claims).map_err(|e| Failure::Ended("rejected_token", e.to_string()))?;
    let access = core
        .verifier
        .verify_access_token(
            response.access_token.expose(),
            std::slice::from_ref(&core.client_id),
            TokenSource::TokenEndpoint,
        )
        .await
        .map_err(|e| rejected("access token", e))?;
    let tokens = SessionTokens {
        id_token_expires_at: verified.claims.exp,
        access_token_expires_at: access.exp,
        access_token: response.access_token,
        // Without rotation Cognito sends no refresh token: keep the one we have.
        refresh_token: response.refresh_token.or_else(|| auth.tokens.refresh_token.clone()),
    };
    Ok(auth.refreshed(verified, access.scopes(), tokens))
}

/// OpenID Connect Core §12.2: a refreshed ID token must be about the same person, from the same
/// issuer, for the same client (checked by the verifier), with the original `auth_time`.
///
/// The verifier accepts every issuer the pool may emit (`COGNITO_ISSUERS`); a session keeps the
/// one its sign-in had, read from the claims it stored.
fn check_same_identity(auth: &AuthSession, claims: &super::claims::IdTokenClaims) -> Result<(), VerifyError> {
    if claims.sub != auth.sub {
        return Err(VerifyError::BadClaims("the refreshed ID token is about someone else".into()));
    }
    if let Some(serde_json::Value::String(original)) = auth.id_claims.to_map().get("iss")
        && *original != claims.iss
    {
        return Err(VerifyError::BadClaims("the refreshed ID token is from another issuer".into()));
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

    fn tokens(access_exp: i64, id_exp: i64) -> SessionTokens {
        SessionTokens {
            access_token: TokenString::new("access"),
            refresh_token: None,
            id_token_expires_at: id_exp,
            access_token_expires_at: access_exp,
        }
    }

    #[test]
    fn a_published_refresh_lives_as_long_as_the_session_can() {
        // Idle timeout plus the margin, while the maximum age is far.
        assert_eq!(
            keep_published_for(30 * 86_400, 3_600, 0, 100),
            Duration::from_secs(3_600 + PUBLISHED_MARGIN_SECS as u64)
        );
        // Never past the maximum age.
        assert_eq!(keep_published_for(1_000, 3_600, 0, 900), Duration::from_secs(100));
        assert_eq!(keep_published_for(1_000, 3_600, 0, 5_000), Duration::from_secs(1));
        // Lifetimes set in code as "forever" are capped at 100 years rather than wrapping.
        let forever = crate::config::SessionSettings {
            store: crate::config::SessionStoreSetting::Memory,
            idle_timeout: Duration::MAX,
            max_age: Duration::MAX,
        };
        let hundred_years = crate::config::env::MAX_SECONDS as i64;
        assert_eq!((forever.idle_timeout_secs(), forever.max_age_secs()), (hundred_years, hundred_years));
        let kept = keep_published_for(forever.max_age_secs(), forever.idle_timeout_secs(), 0, 100);
        assert_eq!(kept, Duration::from_secs(hundred_years as u64 - 100));
    }

    #[test]
    fn refresh_is_due_within_the_skew_of_the_earliest_expiry() {
        assert!(!needs_refresh(&tokens(1_000, 1_000), 900, 60));
        assert!(needs_refresh(&tokens(1_000, 1_000), 940, 60));
        assert!(needs_refresh(&tokens(2_000, 950), 900, 60), "the ID token counts too");
        assert!(needs_refresh(&tokens(1_000, 1_000), 2_000, 60));
    }
}
