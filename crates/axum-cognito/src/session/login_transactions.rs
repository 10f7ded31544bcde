//! Where sign-ins in flight wait for their callback: in this process (`memory`, `sqlite://`:
//! one instance) or in Redis (`redis://`), so that `/auth/login` on one instance and
//! `/auth/callback` on another are one sign-in.
//!
//! A transaction can be taken once: Redis `GETDEL` and the cache's `remove` are atomic, so two
//! callbacks racing with one `state` cannot both succeed.

use std::time::Duration;

#[cfg(feature = "redis")]
use fred::{
    prelude::{KeysInterface, Pool},
    types::Expiration,
};
use moka::{policy::EvictionPolicy, sync::Cache};

use super::auth_session::SessionStoreError;
use crate::auth::login_transaction::{LoginTransaction, TRANSACTION_TTL_SECS};

/// Upper bound on transactions kept in memory. Each client's rate is limited separately (see
/// [`crate::client_limit`]); past this bound the oldest attempts make room (LRU) rather than new
/// sign-ins being refused.
const MAX_IN_MEMORY: u64 = 100_000;

/// Where login transactions wait for their callback, by `state` (see the module notes).
pub enum LoginTransactions {
    /// A bounded cache in this process, each entry kept ten minutes.
    InProcess(Cache<String, LoginTransaction>),
    /// Redis keys `{prefix}{state}` that expire with the transaction.
    #[cfg(feature = "redis")]
    Redis {
        /// The Redis connections.
        pool: Pool,
        /// The start of every key, ending in `login:`.
        prefix: String,
    },
}

impl LoginTransactions {
    /// Transactions in this process: at most 100 000, the least recently used making room for new
    /// ones.
    pub fn in_process() -> Self {
        Self::in_process_with_capacity(MAX_IN_MEMORY)
    }

    fn in_process_with_capacity(capacity: u64) -> Self {
        LoginTransactions::InProcess(
            Cache::builder()
                .max_capacity(capacity)
                .eviction_policy(EvictionPolicy::lru())
                .time_to_live(Duration::from_secs(TRANSACTION_TTL_SECS as u64))
                .build(),
        )
    }

    /// Transactions in Redis, under keys starting with `{prefix}login:`.
    #[cfg(feature = "redis")]
    pub fn redis(pool: Pool, prefix: &str) -> Self {
        LoginTransactions::Redis { pool, prefix: format!("{prefix}login:") }
    }

    /// Stores a transaction under its `state` for [`TRANSACTION_TTL_SECS`].
    pub async fn put(&self, transaction: &LoginTransaction) -> Result<(), SessionStoreError> {
        match self {
            LoginTransactions::InProcess(cache) => {
                cache.insert(transaction.state.clone(), transaction.clone());
                Ok(())
            }
            #[cfg(feature = "redis")]
            LoginTransactions::Redis { pool, prefix } => {
                let json = serde_json::to_string(transaction).map_err(redis_error)?;
                pool.set::<(), _, _>(
                    format!("{prefix}{}", transaction.state),
                    json,
                    Some(Expiration::EX(TRANSACTION_TTL_SECS)),
                    None,
                    false,
                )
                .await
                .map_err(redis_error)
            }
        }
    }

    /// Whether a transaction for `state` is waiting for its callback, without taking it.
    pub async fn is_pending(&self, state: &str, now: i64) -> Result<bool, SessionStoreError> {
        let transaction = match self {
            LoginTransactions::InProcess(cache) => cache.get(state),
            #[cfg(feature = "redis")]
            LoginTransactions::Redis { pool, prefix } => {
                let stored: Option<String> = pool.get(format!("{prefix}{state}")).await.map_err(redis_error)?;
                stored.and_then(|json| serde_json::from_str(&json).ok())
            }
        };
        Ok(transaction.is_some_and(|t: LoginTransaction| !t.is_expired(now)))
    }

    /// Removes and returns the transaction for `state`: a `state` is good for one callback.
    /// Expired transactions are treated as missing.
    pub async fn take(&self, state: &str, now: i64) -> Result<Option<LoginTransaction>, SessionStoreError> {
        let transaction = match self {
            LoginTransactions::InProcess(cache) => cache.remove(state),
            #[cfg(feature = "redis")]
            LoginTransactions::Redis { pool, prefix } => {
                let stored: Option<String> = pool.getdel(format!("{prefix}{state}")).await.map_err(redis_error)?;
                stored.and_then(|json| serde_json::from_str(&json).ok())
            }
        };
        Ok(transaction.filter(|t| !t.is_expired(now)))
    }
}

#[cfg(feature = "redis")]
fn redis_error(error: impl std::fmt::Display) -> SessionStoreError {
    SessionStoreError::new(format!("login transactions: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_state_can_be_taken_once_and_tabs_do_not_interfere() {
        let store = LoginTransactions::in_process();
        let first = LoginTransaction::begin("browser", "/a".into(), 100);
        let second = LoginTransaction::begin("browser", "/b".into(), 100);
        store.put(&first).await.unwrap();
        store.put(&second).await.unwrap();
        assert_eq!(store.take(&second.state, 100).await.unwrap().unwrap().return_to, "/b");
        assert_eq!(store.take(&first.state, 100).await.unwrap().unwrap().return_to, "/a");
        assert!(store.take(&first.state, 100).await.unwrap().is_none(), "replay finds nothing");
    }

    #[tokio::test]
    async fn a_pending_state_is_seen_without_being_taken() {
        let store = LoginTransactions::in_process();
        let transaction = LoginTransaction::begin("browser", "/a".into(), 100);
        store.put(&transaction).await.unwrap();
        assert!(store.is_pending(&transaction.state, 100).await.unwrap());
        assert!(store.is_pending(&transaction.state, 100).await.unwrap(), "still there");
        assert!(!store.is_pending(&transaction.state, 100 + TRANSACTION_TTL_SECS + 1).await.unwrap(), "expired");
        assert!(!store.is_pending("made-up", 100).await.unwrap());
        store.take(&transaction.state, 100).await.unwrap();
        assert!(!store.is_pending(&transaction.state, 100).await.unwrap(), "taken");
    }

    #[test]
    fn memory_holds_a_hundred_thousand_sign_ins() {
        // The README's bound; at about 300 bytes an attempt, some 30 MB at most.
        assert_eq!(MAX_IN_MEMORY, 100_000);
    }

    #[tokio::test]
    async fn past_the_bound_the_oldest_attempts_make_room() {
        let store = LoginTransactions::in_process_with_capacity(10);
        let attempts: Vec<_> = (0..11).map(|n| LoginTransaction::begin("browser", format!("/{n}"), 100)).collect();
        for attempt in &attempts {
            store.put(attempt).await.unwrap();
            #[allow(irrefutable_let_patterns, reason = "one variant without the redis feature")]
            if let LoginTransactions::InProcess(cache) = &store {
                cache.run_pending_tasks();
            }
        }
        let newest = attempts.last().unwrap();
        assert!(store.take(&newest.state, 100).await.unwrap().is_some(), "a new sign-in is never refused");
        assert!(store.take(&attempts[0].state, 100).await.unwrap().is_none(), "the oldest made room");
    }

    #[tokio::test]
    async fn an_expired_state_is_missing() {
        let store = LoginTransactions::in_process();
        let tx = LoginTransaction::begin("browser", "/".into(), 100);
        store.put(&tx).await.unwrap();
        assert!(store.take(&tx.state, 100 + TRANSACTION_TTL_SECS + 1).await.unwrap().is_none());
    }
}
