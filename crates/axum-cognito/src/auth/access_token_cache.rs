//! Bearer tokens already verified, so a client that sends the same access token on every call
//! pays for one RSA signature check, not one per request.
//!
//! Keyed by a SHA-256 of the token (the cache never holds a usable credential), bounded in size,
//! and an entry is only ever served while its token is unexpired: expiry is re-checked on every
//! hit against the injected clock. Revocation is not: like any local JWT check (and like
//! aws-jwt-verify), a revoked access token passes until it expires.

use std::{sync::Arc, time::Duration};

use aws_lc_rs::digest;
use moka::sync::Cache;

use super::{
    claims::AccessTokenClaims,
    jwks::TokenSource,
    verify::{LEEWAY_SECS, TokenVerifier, VerifyError},
};
use crate::clock::SharedClock;

const MAX_ENTRIES: u64 = 10_000;
/// Cognito access tokens live at most one day.
const MAX_ENTRY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Verified access tokens by the SHA-256 of the token, so a Bearer token sent again costs no
/// signature check (see the module notes).
pub struct AccessTokenCache {
    entries: Cache<[u8; 32], Arc<AccessTokenClaims>>,
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
    ) -> Result<Arc<AccessTokenClaims>, VerifyError> {
        let key = fingerprint(token);
        let cached = self.entries.get(&key);
        crate::metrics::verified_token_cache(cached.is_some());
        if let Some(claims) = cached {
            if claims.exp + LEEWAY_SECS <= self.clock.now() {
                self.entries.invalidate(&key);
                return Err(VerifyError::Expired);
            }
            if !allowed_clients.contains(&claims.client_id) {
                return Err(VerifyError::WrongClient);
            }
            return Ok(claims);
        }
        let claims = Arc::new(verifier.verify_access_token(token, allowed_clients, TokenSource::Caller).await?);
        self.entries.insert(key, claims.clone());
        Ok(claims)
    }
}

fn fingerprint(token: &str) -> [u8; 32] {
    let digest = digest::digest(&digest::SHA256, token.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}
