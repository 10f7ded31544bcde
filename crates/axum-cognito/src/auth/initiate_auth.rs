//! Cognito's user pools API, `InitiateAuth` with `USER_PASSWORD_AUTH`: how the `token` command
//! gets tokens without a browser.
//!
//! The API lives at the issuer's origin (`https://cognito-idp.<region>.amazonaws.com/`), not on
//! the hosted UI domain; the embedded provider serves it at its own origin, which is also its
//! issuer's.

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;

use super::secret_hash::secret_hash;
use crate::config::CognitoSettings;

#[derive(Debug, Serialize, Deserialize)]
pub struct IssuedTokens {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub token_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum InitiateAuthError {
    #[error("incorrect username or password ({0})")]
    NotAuthorized(String),
    #[error("the user is not confirmed yet; confirm the account first")]
    UserNotConfirmed,
    #[error("sign-in needs a further step ({0}), which this command does not support")]
    Challenge(String),
    #[error("the identity provider at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the identity provider refused: {kind}: {message}")]
    Refused { kind: String, message: String },
    #[error("unexpected answer from the identity provider: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    authentication_result: Option<AuthenticationResult>,
    challenge_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthenticationResult {
    access_token: String,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: i64,
    token_type: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "__type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

/// The user pools API endpoint: the issuer's origin.
pub fn api_endpoint(settings: &CognitoSettings) -> Result<Url, InitiateAuthError> {
    let issuer = Url::parse(&settings.issuer).map_err(|e| InitiateAuthError::Malformed(format!("issuer: {e}")))?;
    let mut endpoint = issuer.clone();
    endpoint.set_path("/");
    endpoint.set_query(None);
    Ok(endpoint)
}

pub async fn password_sign_in(
    http: &reqwest::Client,
    settings: &CognitoSettings,
    username: &str,
    password: &str,
) -> Result<IssuedTokens, InitiateAuthError> {
    let endpoint = api_endpoint(settings)?;
    let mut parameters = json!({ "USERNAME": username, "PASSWORD": password });
    if let Some(secret) = &settings.client_secret {
        parameters["SECRET_HASH"] = json!(secret_hash(secret.expose_secret(), username, &settings.client_id));
    }
    let body =
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": settings.client_id, "AuthParameters": parameters });
    let response = http
        .post(endpoint.clone())
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| InitiateAuthError::Unreachable {
            url: endpoint.to_string(),
            reason: e.without_url().to_string(),
        })?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| InitiateAuthError::Malformed(e.without_url().to_string()))?;
    if !status.is_success() {
        let error: ErrorBody = serde_json::from_slice(&bytes)
            .map_err(|_| InitiateAuthError::Malformed(format!("status {status} without an error body")))?;
        return Err(match error.kind.rsplit('#').next().unwrap_or_default() {
            "NotAuthorizedException" => InitiateAuthError::NotAuthorized(error.message),
            "UserNotConfirmedException" => InitiateAuthError::UserNotConfirmed,
            kind => InitiateAuthError::Refused { kind: kind.to_string(), message: error.message },
        });
    }
    let answer: Answer = serde_json::from_slice(&bytes).map_err(|e| InitiateAuthError::Malformed(e.to_string()))?;
    match (answer.authentication_result, answer.challenge_name) {
        (Some(result), _) => Ok(IssuedTokens {
            access_token: result.access_token,
            id_token: result.id_token,
            refresh_token: result.refresh_token,
            expires_in: result.expires_in,
            token_type: result.token_type,
        }),
        (None, Some(challenge)) => Err(InitiateAuthError::Challenge(challenge)),
        (None, None) => Err(InitiateAuthError::Malformed("neither tokens nor a challenge".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CognitoSettings;

    #[test]
    fn the_api_lives_at_the_issuer_origin() {
        let cognito = CognitoSettings::user_pool(
            "eu-west-1",
            "eu-west-1_Pool1",
            "https://auth.example.com".parse().unwrap(),
            "client123",
            &"http://localhost:3000/".parse().unwrap(),
        );
        assert_eq!(api_endpoint(&cognito).unwrap().as_str(), "https://cognito-idp.eu-west-1.amazonaws.com/");
        // A provider whose issuer is not Cognito's host (the embedded one) serves the API at its origin.
        let local = CognitoSettings { issuer: "http://127.0.0.1:9229/us-east-1_LocalPool".into(), ..cognito };
        assert_eq!(api_endpoint(&local).unwrap().as_str(), "http://127.0.0.1:9229/");
    }
}
