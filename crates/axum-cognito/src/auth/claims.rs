//! Claims of Cognito's ID and access tokens, as Cognito issues them.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// `aud` may be a string or an array (RFC 7519 §4.1.3).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience, as Cognito sends it.
    One(String),
    /// A list of audiences.
    Many(Vec<String>),
}

impl Audience {
    /// True only when the sole audience is `client_id`: OpenID Connect Core §3.1.3.7 says to
    /// reject tokens that list audiences the client does not trust.
    pub fn is_exactly(&self, client_id: &str) -> bool {
        self.sole() == Some(client_id)
    }

    /// The audience when there is exactly one.
    pub fn sole(&self) -> Option<&str> {
        match self {
            Audience::One(aud) => Some(aud),
            Audience::Many(auds) if auds.len() == 1 => Some(&auds[0]),
            Audience::Many(_) => None,
        }
    }
}

/// The claims of a Cognito ID token this crate reads (OpenID Connect Core §2; Amazon Cognito
/// developer guide, "Understanding the identity (ID) token"). Other claims are ignored here and
/// kept in [`VerifiedIdToken::all_claims`].
#[derive(Debug, Clone, Deserialize)]
pub struct IdTokenClaims {
    /// Subject: the user's stable, unique id in the pool.
    pub sub: String,
    /// Issuer: `https://cognito-idp.{region}.amazonaws.com/{pool id}` for a Cognito user pool.
    pub iss: String,
    /// Audience: the app client the token was issued to.
    pub aud: Audience,
    /// Expiry time (Unix seconds).
    pub exp: i64,
    /// Issue time (Unix seconds).
    pub iat: i64,
    /// Not-before time (Unix seconds), when present.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// Cognito's token type: `id` in an ID token.
    pub token_use: String,
    /// `cognito:username`: the user's name in the pool.
    #[serde(rename = "cognito:username", default)]
    pub username: Option<String>,
    /// The user's `email` attribute, when the token carries it.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email address is verified; a boolean or the strings `"true"` and `"false"` are
    /// accepted.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub email_verified: Option<bool>,
    /// The user's `name` attribute, when the token carries it.
    #[serde(default)]
    pub name: Option<String>,
    /// `cognito:groups`: the user's groups in the pool; empty when none.
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    /// When the user authenticated (Unix seconds); refreshed ID tokens keep the original time.
    #[serde(default)]
    pub auth_time: Option<i64>,
    /// The nonce of the authorization request (OpenID Connect Core §3.1.2.1); absent in refreshed
    /// ID tokens.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Hash of the access token issued with this ID token (OpenID Connect Core §3.1.3.6).
    #[serde(default)]
    pub at_hash: Option<String>,
    /// Authorized party (OpenID Connect Core §2); when present it must be the app client.
    #[serde(default)]
    pub azp: Option<String>,
}

/// The claims of a Cognito access token this crate reads (Amazon Cognito developer guide,
/// "Understanding the access token").
#[derive(Debug, Clone, Deserialize)]
pub struct AccessTokenClaims {
    /// Subject: the user's stable id in the pool (the app client's id in a `client_credentials`
    /// token).
    pub sub: String,
    /// Issuer: the user pool.
    pub iss: String,
    /// Expiry time (Unix seconds).
    pub exp: i64,
    /// Issue time (Unix seconds).
    pub iat: i64,
    /// Not-before time (Unix seconds), when present.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// Cognito's token type: `access` in an access token.
    pub token_use: String,
    /// Cognito access tokens carry the client in `client_id`, not `aud` (which appears only
    /// with resource binding), so this is what identifies the client.
    pub client_id: String,
    /// The granted scopes, separated by spaces (RFC 6749 §3.3); see [`AccessTokenClaims::scopes`].
    #[serde(default)]
    pub scope: Option<String>,
    /// The user's name in the pool; absent in `client_credentials` tokens.
    #[serde(default)]
    pub username: Option<String>,
    /// `cognito:groups`: the user's groups in the pool; empty when none.
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    /// When the user authenticated (Unix seconds), when present.
    #[serde(default)]
    pub auth_time: Option<i64>,
    /// The token's unique id (RFC 7519 §4.1.7).
    #[serde(default)]
    pub jti: Option<String>,
    /// Shared by every token descending from one authentication, so that revoking a refresh token
    /// can reach the tokens minted from it.
    #[serde(default)]
    pub origin_jti: Option<String>,
}

impl AccessTokenClaims {
    /// The `scope` claim split on whitespace; empty without one.
    pub fn scopes(&self) -> Vec<String> {
        self.scope.as_deref().unwrap_or_default().split_whitespace().map(str::to_string).collect()
    }
}

/// A verified ID token: typed claims plus every claim as issued, for display.
#[derive(Debug, Clone)]
pub struct VerifiedIdToken {
    /// The claims this crate reads, typed.
    pub claims: IdTokenClaims,
    /// Every claim as issued, for a profile page to show.
    pub all_claims: Map<String, Value>,
}

/// Cognito's userInfo endpoint sends `email_verified` as the string "true"; ID tokens send a
/// boolean. Accept both.
fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => match s.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn audience_must_be_exactly_the_client() {
        assert!(Audience::One("app".into()).is_exactly("app"));
        assert!(Audience::Many(vec!["app".into()]).is_exactly("app"));
        assert!(!Audience::Many(vec!["app".into(), "evil".into()]).is_exactly("app"));
        assert!(!Audience::One("evil".into()).is_exactly("app"));
    }

    #[test]
    fn email_verified_accepts_strings_and_booleans() {
        let base = json!({"sub":"s","iss":"i","aud":"a","exp":1,"iat":1,"token_use":"id"});
        for (value, expected) in [(json!(true), Some(true)), (json!("false"), Some(false)), (json!("maybe"), None)] {
            let mut claims = base.clone();
            claims["email_verified"] = value;
            let parsed: IdTokenClaims = serde_json::from_value(claims).unwrap();
            assert_eq!(parsed.email_verified, expected);
        }
    }

    #[test]
    fn access_token_scopes_split_on_spaces() {
        let claims: AccessTokenClaims = serde_json::from_value(json!({
            "sub":"s","iss":"i","exp":1,"iat":1,"token_use":"access","client_id":"c","scope":"openid email api/read"
        }))
        .unwrap();
        assert_eq!(claims.scopes(), ["openid", "email", "api/read"]);
    }
}
