//! A sign-in in flight: the `state`, nonce and PKCE verifier sent to `/oauth2/authorize`,
//! kept on the server (in the session store's backend, see `session::login_transactions`) until
//! the callback comes back.
//!
//! Transactions are keyed by `state`, so several tabs can sign in at once, and each is bound
//! to the browser that started it through a separate random cookie: a `state` replayed from
//! another browser (login CSRF, RFC 9700 §4.7) finds no matching binding.

use serde::{Deserialize, Serialize};

use super::{pkce, random::random_urlsafe, token_string::TokenString};

/// How long a person may spend at the hosted UI before the attempt is forgotten.
pub const TRANSACTION_TTL_SECS: i64 = 600;

/// One sign-in in flight (see the module notes), stored until its callback or for at most
/// [`TRANSACTION_TTL_SECS`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginTransaction {
    /// The OAuth `state` (RFC 6749 §4.1.1), 256 random bits: the transaction's key.
    pub state: String,
    /// The OpenID Connect nonce the ID token must carry back (OpenID Connect Core §3.1.2.1).
    pub nonce: TokenString,
    /// The PKCE code verifier (RFC 7636 §4.1); only its challenge goes to `/oauth2/authorize`, the
    /// verifier itself only to the token endpoint.
    pub pkce_verifier: TokenString,
    /// The same-origin path to send the browser to after sign-in.
    pub return_to: String,
    /// The value of the browser's binding cookie, which the callback must bring back.
    pub browser_binding: String,
    /// When the sign-in started (Unix seconds).
    pub created_at: i64,
    /// Asked with `prompt=none`: a `login_required` answer means "not signed in", not a failure.
    #[serde(default)]
    pub silent: bool,
}

impl LoginTransaction {
    /// A new attempt for this browser (its binding cookie value, new or reused).
    pub fn begin(browser_binding: &str, return_to: String, now: i64) -> Self {
        LoginTransaction {
            // 256 bits, well above the 128 RFC 6749 §10.10 asks of unguessable values.
            state: random_urlsafe(32),
            nonce: TokenString::new(random_urlsafe(32)),
            pkce_verifier: TokenString::new(pkce::new_verifier()),
            return_to,
            browser_binding: browser_binding.to_string(),
            created_at: now,
            silent: false,
        }
    }

    /// The `S256` code challenge of the verifier (RFC 7636 §4.2).
    pub fn code_challenge(&self) -> String {
        pkce::s256_challenge(self.pkce_verifier.expose())
    }

    /// Whether, at `now`, more than [`TRANSACTION_TTL_SECS`] have passed since the sign-in started.
    pub fn is_expired(&self, now: i64) -> bool {
        now - self.created_at > TRANSACTION_TTL_SECS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_unguessable_and_distinct() {
        let first = LoginTransaction::begin("browser", "/a".into(), 0);
        let second = LoginTransaction::begin("browser", "/b".into(), 0);
        // 32 random bytes in unpadded base64url: 43 characters, 256 bits.
        assert_eq!(first.state.len(), 43, "256 bits");
        assert_eq!(first.nonce.expose().len(), 43, "256 bits");
        assert_ne!(first.state, second.state);
        assert_ne!(first.nonce, second.nonce);
        assert_ne!(first.pkce_verifier, second.pkce_verifier);
    }

    #[test]
    fn attempts_expire_after_ten_minutes() {
        let tx = LoginTransaction::begin("browser", "/".into(), 1_000);
        assert!(!tx.is_expired(1_000 + TRANSACTION_TTL_SECS));
        assert!(tx.is_expired(1_000 + TRANSACTION_TTL_SECS + 1));
    }

    #[test]
    fn the_challenge_is_derived_from_the_verifier() {
        let tx = LoginTransaction::begin("browser", "/".into(), 0);
        assert_eq!(tx.code_challenge(), pkce::s256_challenge(tx.pkce_verifier.expose()));
    }
}
