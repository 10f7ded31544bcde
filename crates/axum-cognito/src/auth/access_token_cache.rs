//! Bearer tokens already verified, so a client that sends the same access token on every call
//! pays for one RSA signature check, not one per request.
//!
//! Keyed by a SHA-256 of the token's signature, the third part of the JWT (RFC 7515 §7.1); an
//! entry keeps the token's signed part (header and payload, which its holder could decode anyway)
//! and is served only to a token whose signed part is the same, byte for byte. Equal signatures
//! (by SHA-256's collision resistance) and equal signed parts make equal tokens, so a hit is
//! exactly the token verified before, while the cache never holds a usable credential: the
//! signature is kept only as its digest. Hashing the 342-character RS256 signature instead of the
//! whole token (about 1 KB for Cognito's access tokens) is a third of the work, which was the
//! largest single cost of a Bearer call served from the cache (`perf`, docs/benchmarks.md).
//!
//! The cache is bounded in size, and an entry is only ever served while its token is unexpired:
//! expiry is re-checked on every hit against the injected clock. Revocation is not: like any local JWT check (and like
//! aws-jwt-verify), a revoked access token passes until it expires. An entry also keeps what the
//! provider said about the token's user once asked ([`VerifiedAccessToken::email`]).

use std::{future::Future, sync::Arc, time::Duration};

use aws_lc_rs::digest;
use moka::sync::Cache;

use super::{
    claims::AccessTokenClaims,
    jwks::TokenSource,
    user_email::EmailLookupError,
    verify::{LEEWAY_SECS, TokenVerifier, VerifyError},
};
use crate::clock::SharedClock;

const MAX_ENTRIES: u64 = 10_000;
/// Cognito access tokens live at most one day.
const MAX_ENTRY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// An access token that passed verification: its claims, and its user's email once the provider
/// has been asked.
#[derive(Debug)]
pub struct VerifiedAccessToken {
    /// The token's claims.
    pub claims: AccessTokenClaims,
    email: tokio::sync::OnceCell<Option<String>>,
}

impl VerifiedAccessToken {
    /// A token verified just now; nobody has asked for its email yet.
    pub fn new(claims: AccessTokenClaims) -> Self {
        Self { claims, email: tokio::sync::OnceCell::new() }
    }

    /// The email known for this token's user, if the provider has been asked: `Some(None)` when
    /// it has none (or refused the token).
    pub fn known_email(&self) -> Option<Option<&str>> {
        self.email.get().map(Option::as_deref)
    }

    /// The user's email: what `fetch` answers the first time, kept for as long as the entry. One
    /// `fetch` at a time: concurrent first asks wait for it and share its answer. A refusal is
    /// kept as "no email"; any other error is not kept, and the next ask (a waiting one
    /// included) calls its own `fetch`.
    pub async fn email<F, Fut>(&self, fetch: F) -> Result<Option<&str>, EmailLookupError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<String>, EmailLookupError>>,
    {
        let email = self
            .email
            .get_or_try_init(|| async {
                match fetch().await {
                    Err(EmailLookupError::Refused(reason)) => {
                        tracing::info!(%reason, "the provider refused a Bearer token's user lookup");
                        Ok(None)
                    }
                    answer => answer,
                }
            })
            .await?;
        Ok(email.as_deref())
    }
}

/// Verified access tokens by the SHA-256 of their signature, so a Bearer token sent again costs
/// no signature check (see the module notes).
pub struct AccessTokenCache {
    entries: Cache<[u8; 32], Arc<CachedToken>>,
    clock: SharedClock,
}

impl AccessTokenCache {
    /// An empty cache of at most 10 000 tokens, each kept at most a day; `clock` decides on every
    /// hit whether the token has expired.
    pub fn new(clock: SharedClock) -> Self {
        Self { entries: Cache::builder().max_capacity(MAX_ENTRIES).time_to_live(MAX_ENTRY_LIFETIME).build(), clock }
    }

    /// Verifies `token` (or finds it verified before) for one of `allowed_clients`.
    pub async fn verify(
        &self,
        verifier: &TokenVerifier,
        token: &str,
        allowed_clients: &[String],
    ) -> Result<Arc<VerifiedAccessToken>, VerifyError> {
        let Some((signed_part, key)) = split_signature(token) else {
            // Not a JWS in compact form: the verifier says why, and nothing is cached.
            crate::metrics::verified_token_cache(false);
            let claims = verifier.verify_access_token(token, allowed_clients, TokenSource::Caller).await?;
            return Ok(Arc::new(VerifiedAccessToken::new(claims)));
        };
        let cached = self.entries.get(&key).filter(|entry| *entry.signed_part == *signed_part);
        crate::metrics::verified_token_cache(cached.is_some());
        if let Some(CachedToken { verified, .. }) = cached.as_deref() {
            if verified.claims.exp.saturating_add(LEEWAY_SECS) <= self.clock.now() {
                self.entries.invalidate(&key);
                return Err(VerifyError::Expired);
            }
            if !allowed_clients.contains(&verified.claims.client_id) {
                return Err(VerifyError::WrongClient);
            }
            return Ok(verified.clone());
        }
        let claims = verifier.verify_access_token(token, allowed_clients, TokenSource::Caller).await?;
        let verified = Arc::new(VerifiedAccessToken::new(claims));
        self.entries.insert(key, Arc::new(CachedToken { signed_part: signed_part.into(), verified: verified.clone() }));
        Ok(verified)
    }
}

/// A verified token as the cache keeps it: no usable credential (see the module notes).
struct CachedToken {
    /// `header.payload` of the token, compared on every hit.
    signed_part: Box<str>,
    verified: Arc<VerifiedAccessToken>,
}

/// A compact JWS's signed part (`header.payload`) and the SHA-256 of its signature; `None` for
/// anything without a signature after a dot.
fn split_signature(token: &str) -> Option<(&str, [u8; 32])> {
    let (signed_part, signature) = token.rsplit_once('.')?;
    if signature.is_empty() {
        return None;
    }
    let digest = digest::digest(&digest::SHA256, signature.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    Some((signed_part, key))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use serde_json::json;

    use super::*;

    fn verified() -> VerifiedAccessToken {
        let claims = json!({ "sub": "s", "iss": "i", "exp": 2, "iat": 1, "token_use": "access", "client_id": "c" });
        VerifiedAccessToken::new(serde_json::from_value(claims).expect("claims"))
    }

    #[test]
    fn only_a_compact_jws_with_a_signature_has_a_cache_key() {
        let (signed_part, key) = split_signature("h.p.sig").expect("a key");
        assert_eq!(signed_part, "h.p");
        assert_eq!(Some(key), split_signature("h2.p2.sig").map(|(_, key)| key), "the key is the signature's alone");
        assert_ne!(Some(key), split_signature("h.p.sig2").map(|(_, key)| key));
        assert!(split_signature("h.p.").is_none(), "no signature");
        assert!(split_signature("no-dots").is_none());
        // Four parts: the signed part keeps the extra dot, so it never equals a real token's.
        assert_eq!(split_signature("a.b.c.d").map(|(signed_part, _)| signed_part), Some("a.b.c"));
    }

    #[tokio::test]
    async fn an_email_is_fetched_once_and_shared_by_concurrent_asks() {
        let token = verified();
        let fetches = AtomicU32::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(Some("ada@example.com".to_string()))
        };
        let (first, second) = tokio::join!(token.email(fetch), token.email(fetch));
        assert_eq!(
            (first.expect("first"), second.expect("second")),
            (Some("ada@example.com"), Some("ada@example.com"))
        );
        assert_eq!(token.email(fetch).await.expect("third"), Some("ada@example.com"));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(token.known_email(), Some(Some("ada@example.com")));
    }

    #[tokio::test]
    async fn a_refusal_is_kept_as_no_email_and_an_outage_is_not_kept() {
        let token = verified();
        let outage = token.email(|| async { Err(EmailLookupError::Unavailable("503".into())) }).await;
        assert!(matches!(outage, Err(EmailLookupError::Unavailable(_))));
        assert_eq!(token.known_email(), None, "asked again next time");
        let refused = token.email(|| async { Err(EmailLookupError::Refused("401".into())) }).await;
        assert_eq!(refused.expect("a refusal is an answer"), None);
        let fetched_again = AtomicU32::new(0);
        let later = token
            .email(|| async {
                fetched_again.fetch_add(1, Ordering::SeqCst);
                Ok(Some("x".to_string()))
            })
            .await;
        assert_eq!((later.expect("kept"), fetched_again.load(Ordering::SeqCst)), (None, 0));
    }
}
