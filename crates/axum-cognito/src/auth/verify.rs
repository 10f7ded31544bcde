//! Token verification as AWS's own aws-jwt-verify does it, plus OpenID Connect Core §3.1.3.7
//! for ID tokens: RS256 only, key by `kid` from the pool's JWKS, signature, exact `iss`,
//! `aud` (ID) or `client_id` (access), `token_use`, `exp`/`nbf`/`iat` with a small leeway,
//! `nonce` and `at_hash`.

use std::sync::Arc;

use aws_lc_rs::digest;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::{
    claims::{AccessTokenClaims, IdTokenClaims, VerifiedIdToken},
    jwks::{JwksCache, JwksError, TokenSource},
};
use crate::clock::SharedClock;

/// Clock skew tolerated between us and the provider.
pub const LEEWAY_SECS: i64 = 60;

/// Why a token failed verification; [`VerifyError::kind`] names each case for metrics.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a well-formed JWT (RFC 7519): not three parts, or a header or payload that cannot be
    /// read.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// Signed with an algorithm other than RS256 (named here).
    #[error("the token is signed with {0}, but only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    /// The header has no `kid`, so no key can be chosen.
    #[error("the token has no key id (kid)")]
    MissingKeyId,
    /// The pool publishes no key with the token's `kid`.
    #[error("the token was signed with a key the user pool does not publish")]
    UnknownKey,
    /// The pool's key set could not be loaded.
    #[error("the user pool's signing keys are unavailable")]
    KeysUnavailable,
    /// The signature does not verify with the pool's key.
    #[error("the token signature is invalid")]
    BadSignature,
    /// `exp` has passed, by more than [`LEEWAY_SECS`].
    #[error("the token has expired")]
    Expired,
    /// `nbf` or `iat` lies in the future, by more than [`LEEWAY_SECS`].
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` is none of the accepted issuers (named here).
    #[error("the token was issued by {0}, not by the configured user pool")]
    WrongIssuer(String),
    /// An ID token whose `aud` is not exactly the app client, or whose `azp` is another client
    /// (OpenID Connect Core §3.1.3.7).
    #[error("the token is not meant for this app (audience)")]
    WrongAudience,
    /// An access token whose `client_id` is not among the allowed clients.
    #[error("the token belongs to another app client")]
    WrongClient,
    /// Cognito's `token_use` claim names the other kind of token (an access token offered as an ID
    /// token, or the reverse).
    #[error("the token is an {found} token where an {expected} token is required")]
    WrongTokenUse {
        /// The `token_use` required: `id` or `access`.
        expected: &'static str,
        /// The `token_use` the token carries.
        found: String,
    },
    /// `sub` is empty.
    #[error("the token has no subject")]
    MissingSubject,
    /// The ID token's `nonce` is not the login transaction's (OpenID Connect Core §3.1.3.7).
    #[error("the ID token's nonce does not match this sign-in")]
    NonceMismatch,
    /// The ID token's `at_hash` does not match the access token issued with it (OpenID Connect Core
    /// §3.1.3.8).
    #[error("the ID token's at_hash does not match the access token")]
    AtHashMismatch,
    /// Claims missing or of the wrong type, or a further rule broken (an ID token issued more than
    /// a day ago, a refreshed one about someone else); the detail is here.
    #[error("the token's claims are malformed: {0}")]
    BadClaims(String),
}

impl VerifyError {
    /// A fixed name for each kind of failure, for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            VerifyError::Malformed => "malformed",
            VerifyError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            VerifyError::MissingKeyId => "missing_kid",
            VerifyError::UnknownKey => "unknown_key",
            VerifyError::KeysUnavailable => "keys_unavailable",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::Expired => "expired",
            VerifyError::NotYetValid => "not_yet_valid",
            VerifyError::WrongIssuer(_) => "wrong_issuer",
            VerifyError::WrongAudience => "wrong_audience",
            VerifyError::WrongClient => "wrong_client",
            VerifyError::WrongTokenUse { .. } => "wrong_token_use",
            VerifyError::MissingSubject => "missing_subject",
            VerifyError::NonceMismatch => "nonce_mismatch",
            VerifyError::AtHashMismatch => "at_hash_mismatch",
            VerifyError::BadClaims(_) => "bad_claims",
        }
    }

    /// Whether the token may verify later without changing: the signing keys could not be
    /// loaded, or (for a token straight from the provider) name a key not published yet. Such a
    /// failure says nothing against the token, so it must not end a session.
    pub fn is_temporary(&self) -> bool {
        matches!(self, VerifyError::KeysUnavailable | VerifyError::UnknownKey)
    }
}

/// Verifies Cognito ID and access tokens for one app client (see the module notes), against the
/// accepted issuers and the pool's keys.
pub struct TokenVerifier {
    /// Every `iss` a token may carry: the pool's issuer in each form Cognito emits.
    issuers: Vec<String>,
    client_id: String,
    jwks: Arc<JwksCache>,
    clock: SharedClock,
}

impl TokenVerifier {
    /// A verifier accepting tokens from `issuers`, ID tokens for `client_id` only, with keys from
    /// `jwks` and the time from `clock`.
    pub fn new(issuers: Vec<String>, client_id: String, jwks: Arc<JwksCache>, clock: SharedClock) -> Self {
        Self { issuers, client_id, jwks, clock }
    }

    /// The key cache it takes keys from (to preload it, or count its keys for readiness).
    pub fn jwks(&self) -> &Arc<JwksCache> {
        &self.jwks
    }

    /// Verifies an ID token from our own sign-in. `expected_nonce` is the login transaction's
    /// nonce (None on refresh, where Cognito sends no nonce); `access_token` is checked
    /// against `at_hash` when the token carries one.
    pub async fn verify_id_token(
        &self,
        token: &str,
        expected_nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<VerifiedIdToken, VerifyError> {
        // ID tokens only ever come from the token endpoint, in answer to our own request.
        let all_claims = self.verified_claims(token, TokenSource::TokenEndpoint).await?;
        check_token_use_claim(&all_claims, "id")?;
        let claims: IdTokenClaims = from_claims(&all_claims)?;
        self.check_common(&claims.iss, &claims.sub, claims.exp, claims.nbf, claims.iat)?;
        check_token_use(&claims.token_use, "id")?;
        if !claims.aud.is_exactly(&self.client_id) {
            return Err(VerifyError::WrongAudience);
        }
        if claims.azp.as_deref().is_some_and(|azp| azp != self.client_id) {
            return Err(VerifyError::WrongAudience);
        }
        if let Some(expected) = expected_nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(VerifyError::NonceMismatch);
        }
        if let (Some(at_hash), Some(access_token)) = (&claims.at_hash, access_token)
            && *at_hash != access_token_hash(access_token)
        {
            return Err(VerifyError::AtHashMismatch);
        }
        Ok(VerifiedIdToken { claims, all_claims })
    }

    /// Verifies an access token issued to one of `allowed_clients`.
    pub async fn verify_access_token(
        &self,
        token: &str,
        allowed_clients: &[String],
        source: TokenSource,
    ) -> Result<AccessTokenClaims, VerifyError> {
        let all_claims = self.verified_claims(token, source).await?;
        check_token_use_claim(&all_claims, "access")?;
        let claims: AccessTokenClaims = from_claims(&all_claims)?;
        self.check_common(&claims.iss, &claims.sub, claims.exp, claims.nbf, claims.iat)?;
        check_token_use(&claims.token_use, "access")?;
        if !allowed_clients.contains(&claims.client_id) {
            return Err(VerifyError::WrongClient);
        }
        Ok(claims)
    }

    /// The app's own client id, the one ID tokens must be issued to.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Header checks and the signature; returns the payload.
    async fn verified_claims(&self, token: &str, source: TokenSource) -> Result<Map<String, Value>, VerifyError> {
        if token.split('.').count() != 3 {
            return Err(VerifyError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        // Pinning the algorithm defeats `alg: none` and the RS256→HS256 key-confusion attack.
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::UnsupportedAlgorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(VerifyError::MissingKeyId)?;
        let key = self.jwks.key_for(&kid, source).await.map_err(|error| match error {
            JwksError::UnknownKid => VerifyError::UnknownKey,
            JwksError::Fetch(_) => VerifyError::KeysUnavailable,
        })?;

        // Time and audience rules are checked below with our own clock; jsonwebtoken checks
        // only the algorithm and the signature here.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|error| match error
            .kind()
        {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => VerifyError::BadSignature,
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => {
                VerifyError::UnsupportedAlgorithm("a mismatched algorithm".into())
            }
            _ => VerifyError::Malformed,
        })?;
        Ok(data.claims)
    }

    fn check_common(&self, iss: &str, sub: &str, exp: i64, nbf: Option<i64>, iat: i64) -> Result<(), VerifyError> {
        if !self.issuers.iter().any(|issuer| issuer == iss) {
            return Err(VerifyError::WrongIssuer(iss.to_string()));
        }
        if sub.is_empty() {
            return Err(VerifyError::MissingSubject);
        }
        let now = self.clock.now();
        // Saturating: the times are the token's own numbers, and an `exp` near `i64::MAX` must
        // read as far in the future, not overflow.
        if exp.saturating_add(LEEWAY_SECS) <= now {
            return Err(VerifyError::Expired);
        }
        if nbf.is_some_and(|nbf| nbf.saturating_sub(LEEWAY_SECS) > now) || iat.saturating_sub(LEEWAY_SECS) > now {
            return Err(VerifyError::NotYetValid);
        }
        Ok(())
    }
}

fn from_claims<T: serde::de::DeserializeOwned>(claims: &Map<String, Value>) -> Result<T, VerifyError> {
    serde_json::from_value(Value::Object(claims.clone())).map_err(|e| VerifyError::BadClaims(e.to_string()))
}

/// `token_use` checked before the claims are read into their type: an ID token offered as an
/// access token is refused as such, not for the `client_id` an ID token has no reason to carry.
fn check_token_use_claim(claims: &Map<String, Value>, expected: &'static str) -> Result<(), VerifyError> {
    match claims.get("token_use").and_then(Value::as_str) {
        Some(found) => check_token_use(found, expected),
        // Missing: reading the claims names it.
        None => Ok(()),
    }
}

fn check_token_use(found: &str, expected: &'static str) -> Result<(), VerifyError> {
    if found == expected { Ok(()) } else { Err(VerifyError::WrongTokenUse { expected, found: found.to_string() }) }
}

/// OpenID Connect Core §3.1.3.6: base64url of the left half of SHA-256 of the access token.
pub fn access_token_hash(access_token: &str) -> String {
    let digest = digest::digest(&digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_openid_example() {
        // OpenID Connect Core, Appendix A.3 (RS256).
        assert_eq!(access_token_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn times_at_the_ends_of_the_range_are_compared_without_overflow() {
        let clock: SharedClock = Arc::new(crate::clock::ManualClock::starting_at(1_000));
        let jwks = Arc::new(JwksCache::new(reqwest::Client::new(), "http://127.0.0.1:9/jwks".into(), clock.clone()));
        let verifier = TokenVerifier::new(vec!["iss".into()], "client".into(), jwks, clock);
        let check = |exp, nbf, iat| verifier.check_common("iss", "sub", exp, nbf, iat);
        assert_eq!(check(i64::MAX, Some(i64::MIN), i64::MIN), Ok(()), "far future expiry, far past start");
        assert_eq!(check(i64::MIN, None, 900), Err(VerifyError::Expired));
        assert_eq!(check(2_000, Some(i64::MAX), 900), Err(VerifyError::NotYetValid));
        assert_eq!(check(2_000, None, i64::MAX), Err(VerifyError::NotYetValid));
    }

    #[test]
    fn token_use_must_match() {
        assert!(check_token_use("id", "id").is_ok());
        assert_eq!(
            check_token_use("access", "id"),
            Err(VerifyError::WrongTokenUse { expected: "id", found: "access".into() })
        );
    }
}
