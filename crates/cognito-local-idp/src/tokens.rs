//! Minting and checking JWTs with exactly the claims Cognito puts in them (Amazon Cognito
//! developer guide, "Understanding the identity (ID) token" and "Understanding the access
//! token").

use std::time::{Duration, SystemTime};

use aws_lc_rs::{digest, rand};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde_json::{Map, Value, json};

use super::{
    clock::epoch_seconds,
    identity::Identity,
    keys::{KeyPurpose, KeyRing},
};

/// How long each kind of token lives; Cognito's defaults are 1 hour, 1 hour and 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetimes {
    /// Lifetime of ID tokens.
    pub id: Duration,
    /// Lifetime of access tokens (also the `expires_in` of token responses).
    pub access: Duration,
    /// Lifetime of refresh tokens.
    pub refresh: Duration,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            id: Duration::from_secs(3_600),
            access: Duration::from_secs(3_600),
            refresh: Duration::from_secs(2_592_000),
        }
    }
}

/// Signing failed: a fault of the provider's keys, never of the request.
#[derive(Debug, thiserror::Error)]
#[error("signing a token failed: {0}")]
pub struct MintError(String);

/// What a user's tokens say, whichever grant produced them.
pub struct UserGrant<'a> {
    pub identity: &'a Identity,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    /// When the user really authenticated; refreshed tokens keep it (OpenID Connect Core
    /// 1.0 §2; Amazon Cognito developer guide, "Understanding the identity (ID) token").
    pub auth_time: u64,
    /// Shared by every token descending from one sign-in, so revocation can find them all.
    pub origin_jti: &'a str,
    pub nonce: Option<&'a str>,
    pub with_id_token: bool,
}

pub struct MintedTokens {
    pub access_token: String,
    pub id_token: Option<String>,
}

pub struct TokenMint<'a> {
    pub keys: &'a KeyRing,
    pub issuer: &'a str,
    pub lifetimes: TokenLifetimes,
    pub now: SystemTime,
}

impl TokenMint<'_> {
    pub fn user_tokens(&self, grant: &UserGrant<'_>) -> Result<MintedTokens, MintError> {
        let iat = epoch_seconds(self.now);
        let event_id = uuid::Uuid::new_v4().to_string();
        let identity = grant.identity;

        let mut access = Map::new();
        access.insert("sub".into(), json!(identity.sub));
        if !identity.groups.is_empty() {
            access.insert("cognito:groups".into(), json!(identity.groups));
        }
        access.insert("iss".into(), json!(self.issuer));
        access.insert("version".into(), json!(2));
        access.insert("client_id".into(), json!(grant.client_id));
        access.insert("origin_jti".into(), json!(grant.origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        access.insert("scope".into(), json!(grant.scopes.join(" ")));
        access.insert("auth_time".into(), json!(grant.auth_time));
        access.insert("exp".into(), json!(iat + self.lifetimes.access.as_secs()));
        access.insert("iat".into(), json!(iat));
        access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        access.insert("username".into(), json!(identity.username));
        let access_token = self.sign(KeyPurpose::Access, &Value::Object(access))?;

        if !grant.with_id_token {
            return Ok(MintedTokens { access_token, id_token: None });
        }
        let mut id = Map::new();
        id.insert("sub".into(), json!(identity.sub));
        if !identity.groups.is_empty() {
            id.insert("cognito:groups".into(), json!(identity.groups));
        }
        id.insert("email_verified".into(), json!(identity.email_verified));
        id.insert("iss".into(), json!(self.issuer));
        id.insert("cognito:username".into(), json!(identity.username));
        if let Some(nonce) = grant.nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        id.insert("origin_jti".into(), json!(grant.origin_jti));
        id.insert("aud".into(), json!(grant.client_id));
        if let Some(identities) = &identity.identities {
            id.insert("identities".into(), identities.clone());
        }
        id.insert("event_id".into(), json!(event_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(grant.auth_time));
        id.insert("exp".into(), json!(iat + self.lifetimes.id.as_secs()));
        id.insert("iat".into(), json!(iat));
        id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        id.insert("email".into(), json!(identity.email));
        id.insert("at_hash".into(), json!(at_hash(&access_token)));
        // Cognito's `openid` scope puts every attribute the client can read into the ID token.
        for (name, value) in &identity.attributes {
            id.insert(name.clone(), attribute_claim(name, value));
        }
        let id_token = self.sign(KeyPurpose::Id, &Value::Object(id))?;
        Ok(MintedTokens { access_token, id_token: Some(id_token) })
    }

    /// A client-credentials access token: the client is its own subject and there is no user.
    pub fn machine_token(&self, client_id: &str, scopes: &[String]) -> Result<String, MintError> {
        let iat = epoch_seconds(self.now);
        let claims = json!({
            "sub": client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": iat,
            "iss": self.issuer,
            "exp": iat + self.lifetimes.access.as_secs(),
            "iat": iat,
            "version": 2,
            "jti": uuid::Uuid::new_v4().to_string(),
            "client_id": client_id,
        });
        self.sign(KeyPurpose::Access, &claims)
    }

    fn sign(&self, purpose: KeyPurpose, claims: &Value) -> Result<String, MintError> {
        let key = self.keys.signing_key(purpose).ok_or_else(|| MintError(format!("no {purpose:?} key")))?;
        let mut header = Header::new(Algorithm::RS256);
        // Cognito's header is exactly {kid, alg}; no `typ`.
        header.typ = None;
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).map_err(|error| MintError(error.to_string()))
    }
}

/// Cognito stores every attribute as a string; `phone_number_verified` alone is a boolean in tokens.
fn attribute_claim(name: &str, value: &str) -> Value {
    match (name, value) {
        ("phone_number_verified", "true") => json!(true),
        ("phone_number_verified", "false") => json!(false),
        _ => json!(value),
    }
}

/// OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token's ASCII.
pub fn at_hash(access_token: &str) -> String {
    let digest = digest::digest(&digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

/// An unguessable opaque value (refresh tokens, sessions, CSRF tokens), base64url.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // The system RNG only fails when the OS has none at all; a UUID's randomness is the fallback.
    if rand::fill(&mut buffer).is_err() {
        for chunk in buffer.chunks_mut(16) {
            let random = uuid::Uuid::new_v4();
            chunk.copy_from_slice(&random.as_bytes()[..chunk.len()]);
        }
    }
    URL_SAFE_NO_PAD.encode(buffer)
}

/// Whether the string is shaped like a JWT whose header names a key of ours.
pub fn is_our_jwt(keys: &KeyRing, token: &str) -> bool {
    token.split('.').count() == 3
        && jsonwebtoken::decode_header(token)
            .ok()
            .and_then(|header| header.kid)
            .is_some_and(|kid| keys.decoding_key(&kid).is_some())
}

/// Verifies one of our access tokens: signature by kid, RS256, issuer, `token_use`, expiry by
/// the provider's clock (not the wall clock, so tests can expire tokens).
pub fn verify_access_token(keys: &KeyRing, issuer: &str, token: &str, now: SystemTime) -> Option<Map<String, Value>> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let key = keys.decoding_key(&kid)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[issuer]);
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation).ok()?.claims;
    let unexpired = claims.get("exp").and_then(Value::as_u64).is_some_and(|exp| exp > epoch_seconds(now));
    let is_access = claims.get("token_use").and_then(Value::as_str) == Some("access");
    (unexpired && is_access).then_some(claims)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn identity(groups: &[&str]) -> Identity {
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), "Ada".to_string());
        attributes.insert("custom:team".to_string(), "red".to_string());
        Identity {
            username: "ada".into(),
            sub: "5b0d1bd3-1a4c-4c4f-9a63-3f0c2e5b8a11".into(),
            email: "ada@example.com".into(),
            email_verified: true,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            attributes,
            identities: None,
        }
    }

    fn payload(token: &str) -> Map<String, Value> {
        let part = token.split('.').nth(1).unwrap_or_default();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(
            at_hash("abc"),
            URL_SAFE_NO_PAD.encode([
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23
            ])
        );
    }

    #[test]
    fn user_tokens_carry_cognitos_claims() {
        let keys = KeyRing::open(None).expect("keys");
        let mint = TokenMint {
            keys: &keys,
            issuer: "http://idp/pool",
            lifetimes: TokenLifetimes::default(),
            now: SystemTime::now(),
        };
        let scopes = vec!["openid".to_string(), "email".to_string()];
        let who = identity(&["admin"]);
        let grant = UserGrant {
            identity: &who,
            client_id: "client",
            scopes: &scopes,
            auth_time: 1_000,
            origin_jti: "origin",
            nonce: Some("n-1"),
            with_id_token: true,
        };
        let tokens = mint.user_tokens(&grant).expect("minted");
        let id_token = tokens.id_token.expect("id token");
        let id = payload(&id_token);
        let access = payload(&tokens.access_token);

        assert_eq!(id["token_use"], "id");
        assert_eq!(id["aud"], "client");
        assert_eq!(id["cognito:username"], "ada");
        assert_eq!(id["cognito:groups"], json!(["admin"]));
        assert_eq!(id["email_verified"], json!(true));
        assert_eq!(id["nonce"], "n-1");
        assert_eq!(id["auth_time"], 1_000);
        assert_eq!(id["custom:team"], "red");
        assert_eq!(id["at_hash"], json!(at_hash(&tokens.access_token)));
        assert_eq!(id["origin_jti"], access["origin_jti"]);
        assert_eq!(id["event_id"], access["event_id"]);
        assert_ne!(id["jti"], access["jti"]);

        assert_eq!(access["token_use"], "access");
        assert_eq!(access["client_id"], "client");
        assert_eq!(access["scope"], "openid email");
        assert_eq!(access["version"], 2);
        assert_eq!(access["username"], "ada");
        assert!(access.get("aud").is_none());
        assert!(access.get("custom:team").is_none());

        let id_kid = jsonwebtoken::decode_header(&id_token).ok().and_then(|h| h.kid);
        let access_kid = jsonwebtoken::decode_header(&tokens.access_token).ok().and_then(|h| h.kid);
        assert_ne!(id_kid, access_kid, "ID and access tokens use different keys");
        assert!(verify_access_token(&keys, "http://idp/pool", &tokens.access_token, SystemTime::now()).is_some());
        assert!(verify_access_token(&keys, "http://idp/pool", &id_token, SystemTime::now()).is_none());
        assert!(verify_access_token(&keys, "http://other/pool", &tokens.access_token, SystemTime::now()).is_none());
        let later = SystemTime::now() + Duration::from_secs(3_601);
        assert!(verify_access_token(&keys, "http://idp/pool", &tokens.access_token, later).is_none());
    }

    #[test]
    fn groups_claim_is_absent_without_groups() {
        let keys = KeyRing::open(None).expect("keys");
        let mint = TokenMint { keys: &keys, issuer: "i", lifetimes: TokenLifetimes::default(), now: SystemTime::now() };
        let who = identity(&[]);
        let scopes = vec!["openid".to_string()];
        let grant = UserGrant {
            identity: &who,
            client_id: "c",
            scopes: &scopes,
            auth_time: 1,
            origin_jti: "o",
            nonce: None,
            with_id_token: true,
        };
        let tokens = mint.user_tokens(&grant).expect("minted");
        let id = payload(&tokens.id_token.unwrap_or_default());
        assert!(id.get("cognito:groups").is_none());
        assert!(id.get("nonce").is_none());
        assert!(payload(&tokens.access_token).get("cognito:groups").is_none());
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32));
        assert!(!a.contains('.'));
    }
}
