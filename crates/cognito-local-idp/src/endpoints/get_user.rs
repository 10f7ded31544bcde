//! `GetUser` of the user pools API (Amazon Cognito user pools API reference, "GetUser"): the
//! attributes of the user an access token was issued to. Cognito authorizes it with the token
//! alone, which must carry the `aws.cognito.signin.user.admin` scope (tokens of `InitiateAuth`
//! always do; tokens of the hosted UI only when the client asked for that scope).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::{clients::ADMIN_SCOPE, error::AmzError, identity::Identity, pool::Pool, tokens::verify_access_token};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserRequest {
    access_token: Option<String>,
}

pub fn get_user(pool: &Pool, request: GetUserRequest) -> Result<Value, AmzError> {
    let token = request.access_token.filter(|token| !token.is_empty()).ok_or_else(|| {
        AmzError::invalid_parameter(
            "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null",
        )
    })?;
    let claims = verify_access_token(&pool.keys(), &pool.issuer, &token, pool.now())
        .ok_or_else(|| AmzError::not_authorized("Invalid Access Token"))?;
    if claims.get("origin_jti").and_then(Value::as_str).is_some_and(|origin| pool.store().is_origin_revoked(origin)) {
        return Err(AmzError::not_authorized("Access Token has been revoked"));
    }
    let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or_default();
    if !scopes.split(' ').any(|scope| scope == ADMIN_SCOPE) {
        return Err(AmzError::not_authorized("Access Token does not have required scopes"));
    }
    let identity = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|sub| pool.identity_by_sub(sub))
        .ok_or_else(|| AmzError::new("UserNotFoundException", "User does not exist."))?;
    Ok(answer(&identity))
}

/// `Username` and every attribute as `{Name, Value}` text pairs (`email_verified` is `"true"`,
/// as everywhere in the user pools API), with the empty MFA settings of a user without MFA.
fn answer(identity: &Identity) -> Value {
    let mut attributes = vec![
        json!({ "Name": "sub", "Value": identity.sub }),
        json!({ "Name": "email", "Value": identity.email }),
        json!({ "Name": "email_verified", "Value": identity.email_verified.to_string() }),
    ];
    attributes.extend(identity.attributes.iter().map(|(name, value)| json!({ "Name": name, "Value": value })));
    json!({ "Username": identity.username, "UserAttributes": attributes, "UserMFASettingList": [] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_a_name_and_a_text_value() {
        let answer = answer(&crate::identity::ada());
        assert_eq!(answer["Username"], "ada");
        let pairs: Vec<(&str, &str)> = answer["UserAttributes"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|pair| (pair["Name"].as_str().expect("a name"), pair["Value"].as_str().expect("a text")))
            .collect();
        assert_eq!(
            pairs,
            [
                ("sub", "s"),
                ("email", "a@x"),
                ("email_verified", "true"),
                ("name", "Ada"),
                ("phone_number", "+15555550100")
            ]
        );
    }
}
