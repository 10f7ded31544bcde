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

/// The tokens of a successful `InitiateAuth` (its `AuthenticationResult`).
#[derive(Debug, Serialize, Deserialize)]
pub struct IssuedTokens {
    /// The access token.
    pub access_token: String,
    /// The ID token, when the answer carries one.
    pub id_token: Option<String>,
    /// The refresh token, when the answer carries one.
    pub refresh_token: Option<String>,
    /// Lifetime of the access and ID tokens, in seconds.
    pub expires_in: i64,
    /// The token type Cognito reports (`Bearer`).
    pub token_type: String,
}

/// Why a password sign-in through `InitiateAuth` failed.
#[derive(Debug, thiserror::Error)]
pub enum InitiateAuthError {
    /// `NotAuthorizedException`: wrong username or password, or the flow is not enabled for the app
    /// client; holds Cognito's message.
    #[error("incorrect username or password ({0})")]
    NotAuthorized(String),
    /// `UserNotConfirmedException`: the account exists but is not confirmed.
    #[error("the user is not confirmed yet; confirm the account first")]
    UserNotConfirmed,
    /// Cognito asked for a further step (a challenge such as `NEW_PASSWORD_REQUIRED` or an MFA
    /// code) instead of issuing tokens; holds its name.
    #[error("sign-in needs a further step ({0}), which this command does not support")]
    Challenge(String),
    /// The API endpoint could not be reached.
    #[error("the identity provider at {url} is unreachable: {reason}")]
    Unreachable {
        /// The endpoint called.
        url: String,
        /// The transport error, without the URL.
        reason: String,
    },
    /// Any other error Cognito answered with.
    #[error("the identity provider refused: {kind}: {message}")]
    Refused {
        /// The exception's name, from `__type` (e.g. `InvalidParameterException`).
        kind: String,
        /// Cognito's message.
        message: String,
    },
    /// The answer could not be read, or the issuer is not a URL; holds the detail.
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

/// Signs `username` in with `password` through `InitiateAuth` with `USER_PASSWORD_AUTH` (Amazon
/// Cognito user pools API reference, "InitiateAuth"), adding `SECRET_HASH` when the app client has
/// a secret. The app client must allow that flow.
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
