//! Where concurrent refreshes of one session meet, so that only one of them asks the provider.
//!
//! Within one process a mutex per session is enough. Instances that share sessions in Redis must
//! share the lock too, or two of them refresh the same session at once: a second grant against
//! Cognito's per-account quota and, with rotation, an `invalid_grant` for the loser that would
//! sign the person out. In Redis the lock is a key set with `NX` and an expiry (a crashed holder
//! cannot block a session for longer than that), and the refreshed session is published under a
//! second key for the requests that waited, on whichever instance they run.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

#[cfg(feature = "redis")]
use fred::{
    prelude::{KeysInterface, LuaInterface, Pool},
    types::{Expiration, SetOptions},
};
use tokio::sync::OwnedMutexGuard;

use super::auth_session::{AuthSession, SessionStoreError};
#[cfg(feature = "redis")]
use crate::auth::random::random_urlsafe;

/// How long a Redis lock outlives a holder that never releases it: well beyond what a refresh
/// can take (the provider client's 10 s timeout, plus a JWKS fetch with the same limit), since
/// a lock expiring under a slow holder lets a second instance refresh with the same token.
#[cfg(feature = "redis")]
const REDIS_LOCK_TTL: Duration = Duration::from_secs(60);
/// How long a request waits for another instance's refresh before giving up, when it has no
/// usable tokens without that refresh. Requests whose access token still works wait far less
/// (see `auth::refresh`): a crashed holder must not stall them for the lock's whole expiry.
pub const LONGEST_WAIT: Duration = Duration::from_secs(65);
/// How often a waiting request looks at a lock held by another instance.
#[cfg(feature = "redis")]
const REDIS_POLL_INTERVAL: Duration = Duration::from_millis(20);
/// Deletes the lock only if this holder still owns it, so a holder whose lock expired cannot
/// release the next holder's.
#[cfg(feature = "redis")]
const RELEASE_IF_OWNED: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// The refresh locks of every session, of this process or shared through Redis.
pub enum RefreshLocks {
    /// A mutex per session, in this process.
    InProcess(InProcessLocks),
    /// Keys in Redis, shared by every instance.
    #[cfg(feature = "redis")]
    Redis(RedisLocks),
}

/// The right to refresh one session, held until dropped or [`RefreshTurn::publish`]ed.
pub enum RefreshTurn {
    /// The session's mutex, held.
    InProcess(OwnedMutexGuard<Option<Published>>),
    /// The session's lock in Redis, held.
    #[cfg(feature = "redis")]
    Redis(Box<RedisTurn>),
}

impl RefreshLocks {
    /// Locks in this process, for the `memory` and `sqlite://` stores (one instance).
    pub fn in_process() -> Self {
        RefreshLocks::InProcess(InProcessLocks::default())
    }

    /// Locks in Redis, under keys starting with `{prefix}refresh:`.
    #[cfg(feature = "redis")]
    pub fn redis(pool: Pool, prefix: &str) -> Self {
        RefreshLocks::Redis(RedisLocks { pool, prefix: format!("{prefix}refresh:") })
    }

    /// The newest refreshed state of the session, if another request has published one.
    /// Never waits for a refresh in progress.
    pub async fn latest(&self, session_key: &str) -> Result<Option<AuthSession>, SessionStoreError> {
        match self {
            RefreshLocks::InProcess(locks) => Ok(locks.latest(session_key)),
            #[cfg(feature = "redis")]
            RefreshLocks::Redis(locks) => locks.latest(session_key).await,
        }
    }

    /// Waits until no other request, of this instance or another, is refreshing the session
    /// (at most [`LONGEST_WAIT`]).
    pub async fn take_turn(&self, session_key: &str) -> Result<RefreshTurn, SessionStoreError> {
        self.take_turn_within(session_key, LONGEST_WAIT)
            .await?
            .ok_or_else(|| SessionStoreError::new("another request holds the refresh lock too long"))
    }

    /// Like [`RefreshLocks::take_turn`], but gives up after `limit`: `Ok(None)`.
    pub async fn take_turn_within(
        &self,
        session_key: &str,
        limit: Duration,
    ) -> Result<Option<RefreshTurn>, SessionStoreError> {
        match self {
            RefreshLocks::InProcess(locks) => {
                let slot = locks.slot(session_key);
                Ok(tokio::time::timeout(limit, slot.lock_owned()).await.ok().map(RefreshTurn::InProcess))
            }
            #[cfg(feature = "redis")]
            RefreshLocks::Redis(locks) => {
                Ok(locks.take_turn(session_key, limit).await?.map(|turn| RefreshTurn::Redis(Box::new(turn))))
            }
        }
    }

    /// Bounds the memory of in-process locks: drops published states past their time and
    /// idle slots. Redis expires its keys itself.
    pub fn prune(&self) {
        #[allow(irrefutable_let_patterns, reason = "one variant without the redis feature")]
        if let RefreshLocks::InProcess(locks) = self {
            locks.prune();
        }
    }

    /// Drops what is kept for a session that has ended.
    pub async fn forget(&self, session_key: &str) {
        match self {
            RefreshLocks::InProcess(locks) => locks.forget(session_key),
            #[cfg(feature = "redis")]
            RefreshLocks::Redis(locks) => locks.forget(session_key).await,
        }
    }
}

impl RefreshTurn {
    /// The newest refreshed state published before this turn began.
    pub fn latest(&self) -> Option<&AuthSession> {
        match self {
            RefreshTurn::InProcess(guard) => guard.as_ref().map(|published| &published.auth),
            #[cfg(feature = "redis")]
            RefreshTurn::Redis(turn) => turn.latest.as_ref(),
        }
    }

    /// Makes `refreshed` the state every request of the session continues with, and ends the
    /// turn. `keep_for`: how long the session can live, after which nobody needs it.
    pub async fn publish(self, refreshed: &AuthSession, keep_for: Duration) -> Result<(), SessionStoreError> {
        match self {
            RefreshTurn::InProcess(mut guard) => {
                let keep_until = std::time::Instant::now() + keep_for;
                *guard = Some(Published { auth: refreshed.clone(), keep_until });
                Ok(())
            }
            #[cfg(feature = "redis")]
            RefreshTurn::Redis(turn) => turn.publish(refreshed, keep_for).await,
        }
    }
}

/// A refreshed state and how long it matters.
pub struct Published {
    auth: AuthSession,
    keep_until: std::time::Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Published>>>;

/// One mutex per session, holding that session's newest refreshed state.
#[derive(Default)]
pub struct InProcessLocks {
    sessions: Mutex<HashMap<String, Slot>>,
}

impl InProcessLocks {
    fn slot(&self, key: &str) -> Slot {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.entry(key.to_string()).or_default().clone()
    }

    fn latest(&self, key: &str) -> Option<AuthSession> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        // A slot locked right now is being refreshed; the caller will wait for it if it must.
        let now = std::time::Instant::now();
        sessions.get(key).and_then(|slot| {
            let published = slot.try_lock().ok()?;
            published.as_ref().filter(|p| p.keep_until > now).map(|p| p.auth.clone())
        })
    }

    fn forget(&self, key: &str) {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Drops published states past their time, and slots nobody holds or waits for.
    fn prune(&self) {
        let now = std::time::Instant::now();
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, slot| {
            // Held, or waited for by another request: keep.
            if Arc::strong_count(slot) > 1 {
                return true;
            }
            match slot.try_lock() {
                Ok(published) => published.as_ref().is_some_and(|p| p.keep_until > now),
                Err(_) => true,
            }
        });
    }
}

#[cfg(feature = "redis")]
/// Refresh locks in Redis: `{prefix}{session key}:lock`, with the published refresh under
/// `{prefix}{session key}:latest`.
pub struct RedisLocks {
    pool: Pool,
    prefix: String,
}

#[cfg(feature = "redis")]
fn redis_error(error: impl std::fmt::Display) -> SessionStoreError {
    SessionStoreError::new(format!("redis refresh lock: {error}"))
}

#[cfg(feature = "redis")]
impl RedisLocks {
    fn lock_key(&self, session_key: &str) -> String {
        format!("{}{session_key}:lock", self.prefix)
    }

    fn latest_key(&self, session_key: &str) -> String {
        format!("{}{session_key}:latest", self.prefix)
    }

    async fn latest(&self, session_key: &str) -> Result<Option<AuthSession>, SessionStoreError> {
        let stored: Option<String> = self.pool.get(self.latest_key(session_key)).await.map_err(redis_error)?;
        Ok(stored.and_then(|json| match serde_json::from_str(&json) {
            Ok(auth) => Some(auth),
            Err(error) => {
                // Written by another version of the app: ignore it; a refresh will replace it.
                tracing::warn!(%error, "unreadable refreshed session in redis");
                None
            }
        }))
    }

    async fn take_turn(&self, session_key: &str, limit: Duration) -> Result<Option<RedisTurn>, SessionStoreError> {
        // The turn exists before the lock is asked for: a request cancelled while `SET` is in
        // flight still releases what Redis may have granted it (the release only ever deletes
        // this owner's lock, so releasing one never taken is harmless).
        let mut turn = RedisTurn {
            pool: self.pool.clone(),
            lock_key: self.lock_key(session_key),
            latest_key: self.latest_key(session_key),
            owner: Some(random_urlsafe(16)),
            latest: None,
        };
        let owner = turn.owner.clone().unwrap_or_default();
        let give_up = tokio::time::Instant::now() + limit;
        loop {
            let taken: Option<String> = self
                .pool
                .set(
                    &turn.lock_key,
                    owner.as_str(),
                    Some(Expiration::PX(REDIS_LOCK_TTL.as_millis() as i64)),
                    Some(SetOptions::NX),
                    false,
                )
                .await
                .map_err(redis_error)?;
            if taken.is_some() {
                turn.latest = self.latest(session_key).await?;
                return Ok(Some(turn));
            }
            if tokio::time::Instant::now() >= give_up {
                return Ok(None);
            }
            tokio::time::sleep(REDIS_POLL_INTERVAL).await;
        }
    }

    async fn forget(&self, session_key: &str) {
        let deleted: Result<i64, _> = self.pool.del(self.latest_key(session_key)).await;
        if let Err(error) = deleted {
            // The key expires on its own; nothing is lost by leaving it.
            tracing::warn!(%error, "could not delete a refreshed session from redis");
        }
    }
}

#[cfg(feature = "redis")]
/// A refresh lock held in Redis; released when the refresh is published or the turn dropped.
pub struct RedisTurn {
    pool: Pool,
    lock_key: String,
    latest_key: String,
    /// `None` once released.
    owner: Option<String>,
    latest: Option<AuthSession>,
}

#[cfg(feature = "redis")]
impl RedisTurn {
    async fn publish(mut self, refreshed: &AuthSession, keep_for: Duration) -> Result<(), SessionStoreError> {
        let json = serde_json::to_string(refreshed).map_err(redis_error)?;
        let keep_for_ms = keep_for.as_millis().clamp(1, i64::MAX as u128) as i64;
        let stored: Result<(), _> =
            self.pool.set(&self.latest_key, json, Some(Expiration::PX(keep_for_ms)), None, false).await;
        if let Some(owner) = &self.owner {
            release(&self.pool, &self.lock_key, owner).await;
        }
        // Only now: a request cancelled during the release leaves it to `Drop`.
        self.owner = None;
        stored.map_err(redis_error)
    }
}

#[cfg(feature = "redis")]
impl Drop for RedisTurn {
    /// A turn that ends without publishing (a failed refresh, an early return) still frees the
    /// lock at once rather than after its expiry.
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let pool = self.pool.clone();
            let lock_key = std::mem::take(&mut self.lock_key);
            runtime.spawn(async move { release(&pool, &lock_key, &owner).await });
        }
    }
}

#[cfg(feature = "redis")]
async fn release(pool: &Pool, lock_key: &str, owner: &str) {
    let released: Result<i64, _> = pool.eval(RELEASE_IF_OWNED, vec![lock_key], vec![owner]).await;
    if let Err(error) = released {
        // The lock expires on its own after REDIS_LOCK_TTL.
        tracing::warn!(%error, "could not release a refresh lock in redis");
    }
}
