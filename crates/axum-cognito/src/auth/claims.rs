//! Claims of Cognito's ID and access tokens, as Cognito issues them.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// `aud` may be a string or an array (RFC 7519 §4.1.3).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    /// True only when the sole audience is `client_id`: OpenID Connect Core §3.1.3.7 says to
    /// reject tokens that list audiences the client does not trust.
    pub fn is_exactly(&self, client_id: &str) -> bool {
        match self {
            Audience::One(aud) => aud == client_id,
            Audience::Many(auds) => auds.len() == 1 && auds[0] == client_id,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdTokenClaims {
    pub sub: String,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    pub token_use: String,
    #[serde(rename = "cognito:username", default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub email_verified: Option<bool>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub auth_time: Option<i64>,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub at_hash: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccessTokenClaims {
    pub sub: String,
    pub iss: String,
    pub exp: i64,
    pub iat: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    pub token_use: String,
    /// Cognito access tokens carry the client in `client_id`, not `aud` (which appears only
    /// with resource binding), so this is what identifies the client.
    pub client_id: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub auth_time: Option<i64>,
    #[serde(default)]
    pub jti: Option<String>,
    #[serde(default)]
    pub origin_jti: Option<String>,
}

impl AccessTokenClaims {
    pub fn scopes(&self) -> Vec<String> {
        self.scope.as_deref().unwrap_or_default().split_whitespace().map(str::to_string).collect()
    }
}

/// A verified ID token: typed claims plus every claim as issued, for display.
#[derive(Debug, Clone)]
pub struct VerifiedIdToken {
    pub claims: IdTokenClaims,
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
