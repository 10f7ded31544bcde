//! Ending sign-ins, in the order Cognito needs: destroy the local session, revoke the refresh
//! token (Cognito's `/logout` does not), then send the browser to `/logout` to clear the hosted
//! UI's own session cookie.
//!
//! Sign-out is final whatever is in flight: every store's save only updates an existing
//! session, so a request of the session that ends after the sign-out cannot store it again, and
//! the newest refresh token (a refresh in flight is waited for) is the one revoked, so a request
//! that refreshes afterwards gets `invalid_grant`.
//!
//! A slow or hung revocation endpoint does not hold the sign-out: the sessions are gone locally
//! before any revocation starts, and the answer waits at most 2 s for the provider (the
//! revocations of a sign-out everywhere run side by side); what has not finished by then goes
//! on in the background.

use std::time::Duration;

use tokio::task::JoinSet;
use tower_sessions::{SessionStore, session::Id};
use tracing::Instrument;
use url::Url;

use super::core::AuthCore;

use crate::{
    metrics,
    session::{
        auth_session::{self, AuthSession, SessionStoreError},
        directory::SessionEntry,
        refresh_lock::RefreshTurn,
    },
};

/// Longer than a refresh normally takes, short enough that a hung provider does not hold the
/// sign-out button for long.
const REFRESH_WAIT_LIMIT: Duration = Duration::from_secs(15);

/// How long a sign-out's answer waits for the provider to confirm its revocations (see the
/// module notes): Cognito answers `/oauth2/revoke` in well under a second when it is well.
const REVOCATION_WAIT: Duration = Duration::from_secs(2);

/// The revocations that ending sessions started, each a task of its own so that one left to the
/// background still finishes.
#[derive(Default)]
struct Revocations(JoinSet<()>);

impl Revocations {
    /// Waits for every revocation, or [`REVOCATION_WAIT`], whichever is first.
    async fn settle(mut self) {
        let all_done = async { while self.0.join_next().await.is_some() {} };
        if tokio::time::timeout(REVOCATION_WAIT, all_done).await.is_err() {
            tracing::warn!(left = self.0.len(), "the provider is slow to revoke; answering without waiting for it");
            self.0.detach_all();
        }
    }
}

/// Which sessions a sign-out ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The session of this browser.
    ThisSession,
    /// Every session of the signed-in person, on every instance sharing the store.
    Everywhere,
}

impl Scope {
    /// The sign-out form's `everywhere` field: absent, empty or false-like is this session,
    /// true-like is every session; anything else is `None` (a bad request).
    pub fn from_everywhere_field(value: Option<&str>) -> Option<Scope> {
        match value {
            Some("true" | "on" | "1") => Some(Scope::Everywhere),
            None | Some("" | "false" | "off" | "0") => Some(Scope::ThisSession),
            Some(_) => None,
        }
    }
}

/// Ends the request's session (and, with [`Scope::Everywhere`], the person's others); returns
/// the provider's logout URL to redirect to.
///
/// A store that fails is an error, never a quiet partial sign-out: a person who pressed "sign out
/// everywhere" for a lost phone must learn that it did not happen. The others are ended first and
/// this browser's session last, so after an error the person is still signed in here and can
/// try again; the sessions already ended stay ended.
pub async fn sign_out(
    core: &AuthCore,
    session: &tower_sessions::Session,
    scope: Scope,
) -> Result<Url, SessionStoreError> {
    let now = core.clock.now();
    let auth = match auth_session::load(session, core.read_rules(now)).await {
        Ok(auth) => auth,
        // This browser's session is deleted below whatever it holds; every session needs it read.
        Err(error) if scope == Scope::Everywhere => return Err(error),
        Err(error) => {
            tracing::warn!(%error, "could not read the session being signed out");
            None
        }
    };
    let Some(auth) = auth else {
        auth_session::end(session).await.map_err(|e| SessionStoreError::new(e.to_string()))?;
        return Ok(core.oauth.logout_url());
    };
    let mut revocations = Revocations::default();
    let ended = end_sessions(core, session, auth, scope, &mut revocations).await;
    revocations.settle().await;
    ended?;
    metrics::sign_out(if scope == Scope::Everywhere { "everywhere" } else { "this_session" });
    metrics::session_ended(if scope == Scope::Everywhere { "sign_out_everywhere" } else { "sign_out" });
    Ok(core.oauth.logout_url())
}

/// What [`sign_out`] ends once it has read this browser's session (`auth`).
async fn end_sessions(
    core: &AuthCore,
    session: &tower_sessions::Session,
    auth: AuthSession,
    scope: Scope,
    revocations: &mut Revocations,
) -> Result<(), SessionStoreError> {
    if scope == Scope::Everywhere {
        let client_id = &core.config.cognito.client_id;
        let entries = core.directory.all(&auth.sub).await?;
        let others =
            entries.into_iter().filter(|entry| entry.session_key != auth.session_key && entry.belongs_to(client_id));
        for entry in others {
            end_listed_session(core, &auth.sub, &entry, "sign_out_everywhere", revocations).await?;
        }
    }
    let delete_own = async { auth_session::end(session).await.map_err(|e| SessionStoreError::new(e.to_string())) };
    end_session(core, auth, delete_own, revocations).await
}

/// Ends another session of `sub`, found in the person's list (the dashboard's per-session
/// sign-out, and sign out everywhere). Returns false when the list has no such session.
pub async fn end_other_session(core: &AuthCore, sub: &str, session_key: &str) -> Result<bool, SessionStoreError> {
    let listed = core.directory.get(sub, session_key).await?;
    let Some(entry) = listed.filter(|entry| entry.belongs_to(&core.config.cognito.client_id)) else {
        return Ok(false);
    };
    let mut revocations = Revocations::default();
    let ended = end_listed_session(core, sub, &entry, "ended_by_owner", &mut revocations).await;
    revocations.settle().await;
    ended.map(|()| true)
}

/// Ends the session that a new sign-in in the same browser replaced, as a sign-out would end
/// it, so its refresh token does not outlive it. Call it after [`auth_session::start`], which
/// deleted its record: deleted before revoked, as every sign-out here orders it.
pub(crate) async fn end_replaced_session(core: &AuthCore, previous: AuthSession) {
    let mut revocations = Revocations::default();
    // Nothing to delete, so nothing to fail: the record went with the new sign-in.
    let _ = end_session(core, previous, async { Ok(()) }, &mut revocations).await;
    metrics::session_ended("replaced");
    revocations.settle().await;
}

/// `reason`: the metrics label of why the session ended. An error leaves the list entry in
/// place: it is how a second try finds the session.
async fn end_listed_session(
    core: &AuthCore,
    sub: &str,
    entry: &SessionEntry,
    reason: &'static str,
    revocations: &mut Revocations,
) -> Result<(), SessionStoreError> {
    let Ok(id) = entry.session_id.parse::<Id>() else {
        // Not a session id this app writes: only the entry is there to remove.
        remove_gone_session(core, sub, entry).await;
        return Ok(());
    };
    let record = core.sessions.load(&id).await.map_err(|e| SessionStoreError::new(e.to_string()))?;
    match record.and_then(|record| auth_session::from_record(&record)) {
        // Only a session of this person and this app: the list entry names it, the record
        // must agree.
        Some(auth) if auth.sub == sub && auth.belongs_to(&core.config.cognito.client_id) => {
            let sessions = core.sessions.clone();
            let delete = async move { sessions.delete(&id).await.map_err(|e| SessionStoreError::new(e.to_string())) };
            end_session(core, auth, delete, revocations).await?;
            metrics::session_ended(reason);
        }
        // The person's session at another app client that shares the store: its app's to end.
        Some(auth) if auth.sub == sub => {}
        // Gone already (idled out, or ended elsewhere): only the entry is left.
        _ => remove_gone_session(core, sub, entry).await,
    }
    Ok(())
}

async fn remove_gone_session(core: &AuthCore, sub: &str, entry: &SessionEntry) {
    if let Err(error) = core.directory.prune(sub, entry, core.session_lifetimes()).await {
        tracing::warn!(%error, "could not remove an ended session from the list");
    }
}

/// Ends one session: waits for a refresh in flight, deletes the record (`delete`), forgets the
/// published refresh result and the list entry, and starts revoking the newest refresh token
/// (in `revocations`). When the record cannot be deleted, the refresh token is revoked all the
/// same (the session then lasts at most as long as its access token) and the error returned.
async fn end_session(
    core: &AuthCore,
    auth: AuthSession,
    delete: impl std::future::Future<Output = Result<(), SessionStoreError>>,
    revocations: &mut Revocations,
) -> Result<(), SessionStoreError> {
    // With rotation, a refresh by another request (of any instance) may have replaced, or be
    // about to replace, the stored refresh token: the newest one is the one to revoke. Holding
    // the session's refresh turn until the revocation also keeps new refreshes out meanwhile.
    let turn = wait_for_refreshes(core, &auth.session_key).await;
    let auth = newest(auth, turn.as_ref().and_then(|turn| turn.latest()));
    let deleted = delete.await;
    match &deleted {
        Ok(()) => {
            core.refresh_locks.forget(&auth.session_key).await;
            if let Err(error) = core.directory.remove(&auth.sub, &auth.session_key).await {
                tracing::warn!(%error, "could not remove the session from the list");
            }
            tracing::info!(sub = %auth.sub, "signed out");
        }
        // The list entry stays, so that trying again finds the session.
        Err(error) => tracing::error!(%error, "could not delete the session; revoking its refresh token all the same"),
    }
    let Some(refresh_token) = auth.tokens.refresh_token else {
        return deleted;
    };
    let oauth = core.oauth.clone();
    let revocation = async move {
        // A failed revocation must not keep the person signed in locally; it is logged.
        match oauth.revoke(&refresh_token).await {
            Ok(()) => tracing::info!("refresh token revoked"),
            Err(error) => tracing::warn!(%error, "refresh token revocation failed"),
        }
        // Held until the revocation is done: no refresh of this session starts meanwhile.
        drop(turn);
    };
    revocations.0.spawn(revocation.instrument(tracing::Span::current()));
    deleted
}

/// The session's refresh turn, once no refresh of it is in flight; `None` (signing out anyway)
/// when that takes too long or the lock cannot be read.
async fn wait_for_refreshes(core: &AuthCore, session_key: &str) -> Option<RefreshTurn> {
    match core.refresh_locks.take_turn_within(session_key, REFRESH_WAIT_LIMIT).await {
        Ok(Some(turn)) => Some(turn),
        Ok(None) => {
            tracing::warn!("a refresh is still running; signing out without waiting for it");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "signing out without the refresh lock");
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
