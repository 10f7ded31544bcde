//! The user pool's signing keys, fetched from its JWKS and cached.
//!
//! Cognito rotates keys rarely, so keys are fetched once and again only when a token names
//! an unknown `kid`. Like aws-jwt-verify's "penalty box", a token presented by a caller (a
//! Bearer token: anyone can send one with a made-up `kid`) may cause a refetch at most once per
//! [`REFETCH_INTERVAL_SECS`], whatever the number of concurrent requests, so a flood of such
//! tokens cannot make us flood the provider. A token that came straight from the pool's token
//! endpoint (sign-in, refresh) is trusted to name a real key: it may refetch after
//! [`TRUSTED_REFETCH_INTERVAL_SECS`], so a key rotation is picked up at once however many forged
//! `kid`s arrived just before. A failed refetch keeps the keys we have, so a provider outage
//! does not break verification.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use crate::clock::SharedClock;

/// The shortest gap between two fetches when a token from a caller names an unknown `kid` (the
/// penalty box, see the module notes), and between two loads for readiness checks.
pub const REFETCH_INTERVAL_SECS: i64 = 10;
/// The shortest gap between two fetches, whoever asks.
pub const TRUSTED_REFETCH_INTERVAL_SECS: i64 = 1;

/// Where a token to verify came from, which decides how eagerly an unknown `kid` is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// Received from the pool's token endpoint over TLS, in answer to our own request.
    TokenEndpoint,
    /// Presented by a caller (a Bearer token): it may name any `kid` at all.
    Caller,
}
/// A real JWKS is about 1 KiB; anything far larger is not a key set.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why no key was found for a token's `kid`.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// No loaded key has this `kid`, even after fetching the key set again (or while another
    /// fetch is not allowed yet).
    #[error("no signing key with this kid")]
    UnknownKid,
    /// No key set is loaded: it could not be fetched (or parsed), or a fetch was tried too
    /// recently; holds the reason.
    #[error("the key set could not be fetched: {0}")]
    Fetch(String),
}

/// One entry of a JWKS, with only the fields RS256 verification needs.
#[derive(Debug, Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    #[serde(default)]
    alg: Option<String>,
    #[serde(rename = "use", default)]
    key_use: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

/// The pool's RS256 signing keys by `kid`, from its JWKS URI, fetched again only as the module
/// notes allow.
pub struct JwksCache {
    http: reqwest::Client,
    uri: String,
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    /// Held while fetching; records when the last fetch started (Unix seconds).
    last_fetch: tokio::sync::Mutex<Option<i64>>,
    fetches: AtomicU64,
    /// Fetches finished, whatever their outcome: tells a caller that waited for the lock
    /// whether an attempt ended meanwhile.
    attempts_ended: AtomicU64,
    clock: SharedClock,
}

impl JwksCache {
    /// A cache for the key set at `uri`, fetched with `http` (nothing is fetched yet); `clock`
    /// times the gaps between fetches.
    pub fn new(http: reqwest::Client, uri: String, clock: SharedClock) -> Self {
        Self {
            http,
            uri,
            keys: RwLock::new(HashMap::new()),
            last_fetch: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
            attempts_ended: AtomicU64::new(0),
            clock,
        }
    }

    /// The key for `kid`, fetching the key set if it is not known yet and `source` may.
    pub async fn key_for(&self, kid: &str, source: TokenSource) -> Result<Arc<DecodingKey>, JwksError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        // Concurrent callers with unknown kids queue here; only the first one fetches.
        let attempts_before = self.attempts_ended.load(Ordering::Acquire);
        let mut last_fetch = self.last_fetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        // A fetch ended while this caller waited (the start-up's, another token's): its outcome
        // is this caller's answer too. Fetching again would make each queued caller wait for
        // the provider in turn, a full timeout each when it hangs.
        if self.attempts_ended.load(Ordering::Acquire) != attempts_before {
            return Err(if self.is_empty() {
                JwksError::Fetch("the key set could not be loaded just now".into())
            } else {
                JwksError::UnknownKid
            });
        }
        let now = self.clock.now();
        let interval = match source {
            TokenSource::TokenEndpoint => TRUSTED_REFETCH_INTERVAL_SECS,
            TokenSource::Caller => REFETCH_INTERVAL_SECS,
        };
        if last_fetch.is_some_and(|at| now - at < interval) {
            return Err(if self.is_empty() {
                JwksError::Fetch("the key set is not loaded yet".into())
            } else {
                JwksError::UnknownKid
            });
        }
        *last_fetch = Some(now);
        if let Err(error) = self.refresh().await {
            tracing::warn!(%error, "JWKS fetch failed; keeping the keys already known");
            if self.is_empty() {
                return Err(error);
            }
        }
        self.cached(kid).ok_or(JwksError::UnknownKid)
    }

    /// Loads the key set at start-up. Failure is logged, not fatal: the provider may come up
    /// later, and the first token will fetch again.
    pub async fn preload(&self) {
        let mut last_fetch = self.last_fetch.lock().await;
        match self.refresh().await {
            Ok(count) => {
                *last_fetch = Some(self.clock.now());
                tracing::info!(keys = count, uri = %self.uri, "signing keys loaded");
            }
            Err(error) => tracing::warn!(%error, uri = %self.uri, "signing keys not loaded yet"),
        }
    }

    /// Loads the key set if none is loaded and the last attempt is more than
    /// [`REFETCH_INTERVAL_SECS`] old (readiness probes come often; the provider must not see
    /// them all). Returns how many keys are loaded.
    pub async fn ensure_loaded(&self) -> usize {
        if self.is_empty() {
            let mut last_fetch = self.last_fetch.lock().await;
            let now = self.clock.now();
            if self.is_empty() && last_fetch.is_none_or(|at| now - at >= REFETCH_INTERVAL_SECS) {
                *last_fetch = Some(now);
                if let Err(error) = self.refresh().await {
                    tracing::warn!(%error, uri = %self.uri, "signing keys not loaded yet");
                }
            }
        }
        self.key_count()
    }

    /// How many times the key set was requested from the provider.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).get(kid).cloned()
    }

    /// How many signing keys are loaded (for `/readyz`).
    pub fn key_count(&self) -> usize {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn is_empty(&self) -> bool {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    async fn refresh(&self) -> Result<usize, JwksError> {
        let outcome = self.fetch_keys().await;
        self.attempts_ended.fetch_add(1, Ordering::Release);
        crate::metrics::jwks_fetch(if outcome.is_ok() { "ok" } else { "error" }, self.key_count());
        outcome
    }

    async fn fetch_keys(&self) -> Result<usize, JwksError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let body = self.download().await?;
        let set: JwkSet =
            serde_json::from_slice(&body).map_err(|e| JwksError::Fetch(format!("not a JSON Web Key Set: {e}")))?;
        let keys = usable_keys(set);
        if keys.is_empty() {
            return Err(JwksError::Fetch("the key set has no RS256 signing keys".into()));
        }
        let count = keys.len();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        Ok(count)
    }

    async fn download(&self) -> Result<Vec<u8>, JwksError> {
        let fetch_error = |e: reqwest::Error| JwksError::Fetch(e.without_url().to_string());
        let mut response = self.http.get(&self.uri).send().await.map_err(fetch_error)?;
        if !response.status().is_success() {
            return Err(JwksError::Fetch(format!("status {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fetch_error)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksError::Fetch(format!("larger than {MAX_JWKS_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// RSA signing keys with a `kid`; anything else (encryption keys, other algorithms) is
/// skipped rather than trusted.
fn usable_keys(set: JwkSet) -> HashMap<String, Arc<DecodingKey>> {
    set.keys
        .into_iter()
        .filter(|jwk| jwk.kty == "RSA")
        .filter(|jwk| jwk.alg.as_deref().is_none_or(|alg| alg == "RS256"))
        .filter(|jwk| jwk.key_use.as_deref().is_none_or(|u| u == "sig"))
        .filter_map(|jwk| {
            let key = DecodingKey::from_rsa_components(jwk.n.as_deref()?, jwk.e.as_deref()?).ok()?;
            Some((jwk.kid?, Arc::new(key)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn only_rs256_signing_keys_are_kept() {
        let set: JwkSet = serde_json::from_value(serde_json::json!({"keys": [
            {"kid": "good", "kty": "RSA", "alg": "RS256", "use": "sig", "n": "sXch", "e": "AQAB"},
            {"kid": "enc", "kty": "RSA", "alg": "RS256", "use": "enc", "n": "sXch", "e": "AQAB"},
            {"kid": "hs", "kty": "oct", "alg": "HS256", "k": "c2VjcmV0"},
            {"kid": "ps", "kty": "RSA", "alg": "PS256", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "alg": "RS256", "n": "sXch", "e": "AQAB"}
        ]}))
        .unwrap();
        let keys = usable_keys(set);
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["good"]);
    }

    fn key_set(kids: &[&str], padding: usize) -> String {
        let keys: Vec<_> = kids
            .iter()
            .map(|kid| serde_json::json!({"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig", "n": "sXch", "e": "AQAB"}))
            .collect();
        serde_json::json!({"keys": keys, "padding": "x".repeat(padding)}).to_string()
    }

    /// A key set server that answers each request with the next of `bodies` (the last one
    /// again once they run out), after `delay`; returns its URL and a count of requests.
    async fn serve_key_sets(bodies: Vec<String>, delay: Duration) -> (String, Arc<AtomicU64>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let served = Arc::new(AtomicU64::new(0));
        let count = served.clone();
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let n = count.fetch_add(1, Ordering::SeqCst) as usize;
                let body = bodies[n.min(bodies.len() - 1)].clone();
                async move {
                    tokio::time::sleep(delay).await;
                    body
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, served)
    }

    /// A key set over the size cap is refused; the keys already known stay in use.
    #[tokio::test]
    async fn an_oversized_key_set_is_refused_and_the_known_keys_kept() {
        let bodies = vec![key_set(&["first"], 0), key_set(&["first", "second"], MAX_JWKS_BYTES)];
        let (url, _) = serve_key_sets(bodies, Duration::ZERO).await;
        let clock = crate::clock::ManualClock::starting_at(1_000_000);
        let cache = JwksCache::new(reqwest::Client::new(), url, Arc::new(clock.clone()));
        assert!(cache.key_for("first", TokenSource::TokenEndpoint).await.is_ok());
        clock.advance(REFETCH_INTERVAL_SECS);
        let second = cache.key_for("second", TokenSource::TokenEndpoint).await;
        assert!(matches!(second, Err(JwksError::UnknownKid)), "the oversized set was not taken");
        assert_eq!(cache.fetch_count(), 2);
        assert!(cache.key_for("first", TokenSource::TokenEndpoint).await.is_ok(), "the known key stays");
    }

    /// A caller that waited for a fetch in progress (here the start-up's, which fails after
    /// 600 ms) gets that fetch's outcome, not a fetch of its own after it: with a key set that
    /// hangs, each queued sign-in would otherwise wait a full timeout more.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_queued_behind_a_failed_fetch_shares_its_failure() {
        let (url, served) = serve_key_sets(vec!["not a key set".into()], Duration::from_millis(600)).await;
        let clock = Arc::new(crate::clock::ManualClock::starting_at(1_000_000));
        let cache = Arc::new(JwksCache::new(reqwest::Client::new(), url, clock));
        let preloading = tokio::spawn({
            let cache = cache.clone();
            async move { cache.preload().await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        let answer = cache.key_for("good", TokenSource::TokenEndpoint).await;
        assert!(matches!(answer, Err(JwksError::Fetch(_))), "{answer:?}");
        assert!(started.elapsed() < Duration::from_millis(1_000), "no second fetch: {:?}", started.elapsed());
        preloading.await.unwrap();
        assert_eq!(served.load(Ordering::SeqCst), 1);
    }

    /// Callers that need the key set at once share one fetch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch() {
        let (url, served) = serve_key_sets(vec![key_set(&["good"], 0)], Duration::from_millis(200)).await;
        let cache = Arc::new(JwksCache::new(
            reqwest::Client::new(),
            url,
            Arc::new(crate::clock::ManualClock::starting_at(1_000_000)),
        ));
        let callers: Vec<_> = (0..20)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.key_for("good", TokenSource::Caller).await.is_ok() })
            })
            .collect();
        for caller in callers {
            assert!(caller.await.unwrap());
        }
        assert_eq!(served.load(Ordering::SeqCst), 1);
    }
}
