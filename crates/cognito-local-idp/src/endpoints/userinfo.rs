//! `GET|POST /oauth2/userInfo` (Amazon Cognito developer guide, "UserInfo endpoint").

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use crate::{
    error::{UserInfoError, oauth_json},
    identity::Identity,
    pool::{Counters, Pool},
    tokens::verify_access_token,
    users::STANDARD_ATTRIBUTES,
};

pub async fn userinfo(State(pool): State<Arc<Pool>>, headers: HeaderMap) -> Response {
    Counters::bump(&pool.counters.user_info);
    match attributes(&pool, &headers) {
        Ok(body) => oauth_json(StatusCode::OK, &body),
        Err(error) => error.into_response(),
    }
}

fn attributes(pool: &Pool, headers: &HeaderMap) -> Result<Value, UserInfoError> {
    let token = bearer(headers).ok_or(UserInfoError::InvalidRequest)?;
    let claims =
        verify_access_token(&pool.keys(), &pool.issuer, token, pool.now()).ok_or(UserInfoError::InvalidToken)?;
    let origin_revoked =
        claims.get("origin_jti").and_then(Value::as_str).is_some_and(|origin| pool.store().is_origin_revoked(origin));
    let scopes: Vec<&str> = claims.get("scope").and_then(Value::as_str).unwrap_or_default().split(' ').collect();
    // Tokens from the user pools API carry no `openid` and are refused here, as Cognito does.
    if origin_revoked || !scopes.contains(&"openid") {
        return Err(UserInfoError::InvalidToken);
    }
    let identity = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|sub| pool.identity_by_sub(sub))
        .ok_or(UserInfoError::InvalidToken)?;
    Ok(Value::Object(released(&identity, &scopes)))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The attributes the token's scopes release (Amazon Cognito developer guide, "The user
/// attributes endpoint"): `openid` alone releases every attribute; with `email`, `phone` or
/// `profile` beside it, only those groups. `aws.cognito.signin.user.admin` changes nothing.
/// Cognito's quirk: `*_verified` are STRINGS here.
fn released(identity: &Identity, scopes: &[&str]) -> Map<String, Value> {
    let only_openid = !scopes.iter().any(|scope| matches!(*scope, "email" | "phone" | "profile"));
    let allows = |group: &str| only_openid || scopes.contains(&group);
    let mut body = Map::new();
    body.insert("sub".into(), json!(identity.sub));
    if allows("email") {
        body.insert("email_verified".into(), json!(identity.email_verified.to_string()));
        body.insert("email".into(), json!(identity.email));
    }
    for (name, value) in &identity.attributes {
        let phone = name.starts_with("phone_number");
        let profile =
            !phone && (name == "name" || name.starts_with("custom:") || STANDARD_ATTRIBUTES.contains(&name.as_str()));
        if (phone && allows("phone")) || (profile && allows("profile")) {
            body.insert(name.clone(), json!(value));
        }
    }
    if let Some(identities) = identity.identities.as_ref().filter(|_| allows("profile")) {
        // userInfo sends `identities` as a JSON string, unlike the ID token.
        body.insert("identities".into(), json!(identities.to_string()));
    }
    body.insert("username".into(), json!(identity.username));
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_decide_which_attributes_are_released() {
        let identity = crate::identity::ada();
        let only_openid = released(&identity, &["openid", "aws.cognito.signin.user.admin"]);
        assert_eq!(
            only_openid.keys().collect::<Vec<_>>(),
            ["email", "email_verified", "name", "phone_number", "sub", "username"],
            "openid alone releases everything"
        );
        let profile = released(&identity, &["openid", "profile"]);
        assert_eq!(profile.keys().collect::<Vec<_>>(), ["name", "sub", "username"]);
        let all = released(&identity, &["openid", "email", "profile", "phone"]);
        assert_eq!(all["email_verified"], json!("true"));
        assert_eq!(all["name"], json!("Ada"));
        assert_eq!(all["phone_number"], json!("+15555550100"));
    }
}
