//! A sign-in in flight: the `state`, nonce and PKCE verifier sent to `/oauth2/authorize`,
//! kept on the server until the callback comes back.
//!
//! Transactions are keyed by `state`, so several tabs can sign in at once, and each is bound
//! to the browser that started it through a separate random cookie: a `state` replayed from
//! another browser (login CSRF, RFC 9700 §4.7) finds no matching binding.

use std::{collections::HashMap, sync::Mutex};

use super::{pkce, random::random_urlsafe, token_string::TokenString};
use crate::server::clock::SharedClock;

/// How long a person may spend at the hosted UI before the attempt is forgotten.
pub const TRANSACTION_TTL_SECS: i64 = 600;
/// Upper bound on transactions in flight, so unauthenticated requests cannot exhaust memory.
const MAX_TRANSACTIONS: usize = 100_000;

#[derive(Clone, Debug)]
pub struct LoginTransaction {
    pub state: String,
    pub nonce: TokenString,
    pub pkce_verifier: TokenString,
    pub return_to: String,
    pub browser_binding: String,
    pub created_at: i64,
}

impl LoginTransaction {
    pub fn code_challenge(&self) -> String {
        pkce::s256_challenge(self.pkce_verifier.expose())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransactionError {
    #[error("too many sign-ins are in progress; try again in a few minutes")]
    TooMany,
}

pub struct LoginTransactionStore {
    clock: SharedClock,
    transactions: Mutex<HashMap<String, LoginTransaction>>,
}

impl LoginTransactionStore {
    pub fn new(clock: SharedClock) -> Self {
        Self { clock, transactions: Mutex::new(HashMap::new()) }
    }

    /// Starts a transaction for this browser (its binding cookie value, new or reused).
    pub fn begin(&self, browser_binding: &str, return_to: String) -> Result<LoginTransaction, TransactionError> {
        let now = self.clock.now();
        let transaction = LoginTransaction {
            // 256 bits: well above the 128 the issue asks for.
            state: random_urlsafe(32),
            nonce: TokenString::new(random_urlsafe(32)),
            pkce_verifier: TokenString::new(pkce::new_verifier()),
            return_to,
            browser_binding: browser_binding.to_string(),
            created_at: now,
        };
        let mut transactions = self.lock();
        if transactions.len() >= MAX_TRANSACTIONS {
            transactions.retain(|_, t| !is_expired(t, now));
            if transactions.len() >= MAX_TRANSACTIONS {
                return Err(TransactionError::TooMany);
            }
        }
        transactions.insert(transaction.state.clone(), transaction.clone());
        Ok(transaction)
    }

    /// Removes and returns the transaction for `state`, whatever happens next: a `state` can
    /// be used once. Expired transactions are treated as missing.
    pub fn take(&self, state: &str) -> Option<LoginTransaction> {
        let now = self.clock.now();
        let mut transactions = self.lock();
        let transaction = transactions.remove(state)?;
        (!is_expired(&transaction, now)).then_some(transaction)
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LoginTransaction>> {
        // A panic while holding the lock leaves the map consistent (single inserts/removes).
        self.transactions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn is_expired(transaction: &LoginTransaction, now: i64) -> bool {
    now - transaction.created_at > TRANSACTION_TTL_SECS
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::server::clock::ManualClock;

    fn store() -> (LoginTransactionStore, ManualClock) {
        let clock = ManualClock::starting_at(1_700_000_000);
        (LoginTransactionStore::new(Arc::new(clock.clone())), clock)
    }

    #[test]
    fn a_state_can_be_taken_once() {
        let (store, _) = store();
        let tx = store.begin("browser", "/profile".into()).unwrap();
        assert!(tx.state.len() >= 22, "at least 128 bits");
        let taken = store.take(&tx.state).unwrap();
        assert_eq!(taken.return_to, "/profile");
        assert!(store.take(&tx.state).is_none(), "replay finds nothing");
    }

    #[test]
    fn tabs_do_not_interfere() {
        let (store, _) = store();
        let first = store.begin("browser", "/a".into()).unwrap();
        let second = store.begin("browser", "/b".into()).unwrap();
        assert_ne!(first.state, second.state);
        assert_ne!(first.nonce, second.nonce);
        assert_eq!(store.take(&second.state).unwrap().return_to, "/b");
        assert_eq!(store.take(&first.state).unwrap().return_to, "/a");
    }

    #[test]
    fn transactions_expire_after_ten_minutes() {
        let (store, clock) = store();
        let tx = store.begin("browser", "/".into()).unwrap();
        clock.advance(TRANSACTION_TTL_SECS + 1);
        assert!(store.take(&tx.state).is_none());
    }

    #[test]
    fn the_challenge_is_derived_from_the_verifier() {
        let (store, _) = store();
        let tx = store.begin("browser", "/".into()).unwrap();
        assert_eq!(tx.code_challenge(), pkce::s256_challenge(tx.pkce_verifier.expose()));
    }
}
