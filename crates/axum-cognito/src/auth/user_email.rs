//! The email address of a Bearer caller. A Cognito access token carries no email (Amazon
//! Cognito developer guide, "Understanding the access token"), so the provider is asked, with
//! the token itself as the credential:
//!
//! - `/oauth2/userInfo` for tokens with the `openid` scope (OpenID Connect Core §5.3; Cognito
//!   releases every attribute for `openid` alone, and the email beside other OpenID scopes
//!   only with `email`: Amazon Cognito developer guide, "The user attributes endpoint");
//! - the user pools API's `GetUser` for tokens with `aws.cognito.signin.user.admin`, which
//!   `InitiateAuth` issues and userInfo refuses (user pools API reference, "GetUser").
//!
//! A machine token (`client_credentials`) has no user, and no email. The answer is kept with
//! the verified token ([`super::access_token_cache`]), so a caller costs the provider one call
//! per token (and instance, while the token stays in that cache), not one per request.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::{
    claims::AccessTokenClaims,
    initiate_auth::api_endpoint,
    oauth_client::{CognitoOAuthClient, read_limited},
};
use crate::metrics;

/// The scope of tokens from the user pools API (`InitiateAuth`), which `GetUser` requires.
pub const USER_POOLS_API_SCOPE: &str = "aws.cognito.signin.user.admin";

/// An API caller waits at most this long for the provider; without an answer it gets no email,
/// not an error.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// Where the provider tells a token's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailSource {
    /// `GET /oauth2/userInfo` on the user pool domain.
    UserInfo,
    /// `GetUser` of the user pools API, at the issuer's origin.
    GetUser,
}

impl EmailSource {
    /// Which endpoint accepts `claims`'s token, by its scopes; `None` for a token without a
    /// user (a `client_credentials` token) or without a scope either endpoint accepts.
    pub fn for_token(claims: &AccessTokenClaims) -> Option<Self> {
        claims.username.as_ref()?;
        let scopes = claims.scope.as_deref().unwrap_or_default();
        if scopes.split_whitespace().any(|scope| scope == "openid") {
            Some(EmailSource::UserInfo)
        } else if scopes.split_whitespace().any(|scope| scope == USER_POOLS_API_SCOPE) {
            Some(EmailSource::GetUser)
        } else {
            None
        }
    }

    fn metric_name(self) -> &'static str {
        match self {
            EmailSource::UserInfo => "userinfo",
            EmailSource::GetUser => "get_user",
        }
    }
}

/// Why the provider did not tell the email.
#[derive(Debug, thiserror::Error)]
pub enum EmailLookupError {
    /// The provider refused the token (revoked, the user signed out globally, the scope is
    /// missing): it will refuse it again, so the token is known to have no email to show.
    #[error("the provider refused the access token: {0}")]
    Refused(String),
    /// The provider could not answer now (network error, 5xx, throttling, an answer that does
    /// not parse, or an error this client does not know): ask again later.
    #[error("the provider could not answer: {0}")]
    Unavailable(String),
    /// Not asked: the provider failed a moment ago and is left alone for a while
    /// ([`crate::AuthCore::user_lookup_backoff`]).
    #[error("the provider is left alone after a failure")]
    BackingOff,
}

/// Asks the provider for the email of `access_token`'s user, at `source`; `Ok(None)` when the
/// user has none or the token's scopes do not release it.
pub async fn fetch_email(
    oauth: &CognitoOAuthClient,
    source: EmailSource,
    access_token: &str,
) -> Result<Option<String>, EmailLookupError> {
    let request = match source {
        EmailSource::UserInfo => oauth.http().get(oauth.endpoint("oauth2/userInfo")).bearer_auth(access_token),
        EmailSource::GetUser => {
            let endpoint =
                api_endpoint(oauth.settings()).map_err(|error| EmailLookupError::Unavailable(error.to_string()))?;
            oauth
                .http()
                .post(endpoint)
                .header("content-type", "application/x-amz-json-1.1")
                .header("x-amz-target", "AWSCognitoIdentityProviderService.GetUser")
                .body(json!({ "AccessToken": access_token }).to_string())
        }
    };
    let started = Instant::now();
    let response = request.timeout(LOOKUP_TIMEOUT).send().await;
    metrics::provider_call(
        source.metric_name(),
        response.as_ref().ok().map(|r| r.status().as_u16()),
        started.elapsed(),
    );
    let response = response.map_err(|error| EmailLookupError::Unavailable(error.without_url().to_string()))?;
    let status = response.status();
    let error_type = response.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = read_limited(response).await.map_err(|error| EmailLookupError::Unavailable(error.to_string()))?;
    if !status.is_success() {
        return Err(classify_error(source, status, error_type.as_deref()));
    }
    match source {
        EmailSource::UserInfo => {
            let answer: UserInfoAnswer = serde_json::from_slice(&body)
                .map_err(|error| EmailLookupError::Unavailable(format!("userInfo answer: {error}")))?;
            Ok(answer.email)
        }
        EmailSource::GetUser => email_of_get_user_answer(&body),
    }
}

/// The `email` attribute of a `GetUser` answer, if it has one with a value.
fn email_of_get_user_answer(body: &[u8]) -> Result<Option<String>, EmailLookupError> {
    let answer: GetUserAnswer = serde_json::from_slice(body)
        .map_err(|error| EmailLookupError::Unavailable(format!("GetUser answer: {error}")))?;
    Ok(answer.user_attributes.into_iter().find(|attribute| attribute.name == "email").and_then(|a| a.value))
}

/// Only the answers that refuse this token refuse it for good: userInfo's `400`/`401` (its
/// `invalid_request` and `invalid_token`), and `GetUser`'s errors about the token or its user
/// (user pools API reference, "GetUser", Errors). Anything else (throttling, `429` or
/// `TooManyRequestsException`; a 5xx; a `403` of a firewall in front; an error of a
/// misconfigured endpoint) may pass, so the lookup is tried again later.
fn classify_error(source: EmailSource, status: reqwest::StatusCode, error_type: Option<&str>) -> EmailLookupError {
    // `x-amzn-ErrorType` may carry a suffix: `NotAuthorizedException:http://internal.amazon.com/…`.
    let kind = error_type.and_then(|kind| kind.split([':', '#']).find(|part| part.ends_with("Exception")));
    let refused = match source {
        EmailSource::UserInfo => matches!(status.as_u16(), 400 | 401),
        EmailSource::GetUser => {
            status == reqwest::StatusCode::BAD_REQUEST
                && matches!(
                    kind,
                    Some(
                        "NotAuthorizedException"
                            | "UserNotFoundException"
                            | "UserNotConfirmedException"
                            | "PasswordResetRequiredException"
                            | "InvalidParameterException"
                    )
                )
        }
    };
    let detail = format!("{status} {}", kind.unwrap_or_default()).trim_end().to_string();
    if refused { EmailLookupError::Refused(detail) } else { EmailLookupError::Unavailable(detail) }
}

#[derive(Deserialize)]
struct UserInfoAnswer {
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetUserAnswer {
    #[serde(default)]
    user_attributes: Vec<UserAttribute>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserAttribute {
    name: String,
    /// Optional in the user pools API's `AttributeType`: an attribute without a value must not
    /// make the whole answer unreadable.
    #[serde(default)]
    value: Option<String>,
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use serde_json::json;

    use super::*;

    fn claims(scope: Option<&str>, username: Option<&str>) -> AccessTokenClaims {
        serde_json::from_value(json!({
            "sub": "s", "iss": "i", "exp": 2, "iat": 1, "token_use": "access", "client_id": "c",
            "scope": scope, "username": username,
        }))
        .expect("claims")
    }

    #[test]
    fn the_scopes_choose_where_to_ask() {
        let user = Some("ada");
        assert_eq!(EmailSource::for_token(&claims(Some("openid email"), user)), Some(EmailSource::UserInfo));
        assert_eq!(
            EmailSource::for_token(&claims(Some("aws.cognito.signin.user.admin"), user)),
            Some(EmailSource::GetUser)
        );
        assert_eq!(
            EmailSource::for_token(&claims(Some("openid aws.cognito.signin.user.admin"), user)),
            Some(EmailSource::UserInfo)
        );
        assert_eq!(EmailSource::for_token(&claims(Some("api/read"), user)), None, "no endpoint accepts it");
        assert_eq!(EmailSource::for_token(&claims(Some("api/read openid"), None)), None, "a machine token");
    }

    #[test]
    fn a_get_user_attribute_without_a_value_leaves_the_answer_readable() {
        let answer = |attributes: serde_json::Value| {
            email_of_get_user_answer(json!({ "Username": "ada", "UserAttributes": attributes }).to_string().as_bytes())
        };
        let with_email = json!([{ "Name": "nickname" }, { "Name": "email", "Value": "ada@example.com" }]);
        assert_eq!(answer(with_email).expect("readable"), Some("ada@example.com".into()));
        assert_eq!(answer(json!([{ "Name": "email" }])).expect("readable"), None);
        assert!(matches!(email_of_get_user_answer(b"{"), Err(EmailLookupError::Unavailable(_))));
    }

    #[test]
    fn only_errors_about_the_token_refuse_it() {
        let refused =
            |source, status, kind| matches!(classify_error(source, status, kind), EmailLookupError::Refused(_));
        let (user_info, get_user) = (EmailSource::UserInfo, EmailSource::GetUser);
        assert!(refused(user_info, StatusCode::UNAUTHORIZED, None));
        assert!(refused(user_info, StatusCode::BAD_REQUEST, None));
        assert!(!refused(user_info, StatusCode::TOO_MANY_REQUESTS, None));
        assert!(!refused(user_info, StatusCode::FORBIDDEN, None), "a firewall's refusal passes");
        assert!(!refused(user_info, StatusCode::NOT_FOUND, None));
        assert!(refused(get_user, StatusCode::BAD_REQUEST, Some("NotAuthorizedException")));
        assert!(refused(get_user, StatusCode::BAD_REQUEST, Some("NotAuthorizedException:http://internal.amazon.com/")));
        assert!(!refused(get_user, StatusCode::BAD_REQUEST, Some("TooManyRequestsException")));
        assert!(!refused(get_user, StatusCode::BAD_REQUEST, Some("UnknownOperationException")));
        assert!(!refused(get_user, StatusCode::BAD_REQUEST, None));
        assert!(!refused(get_user, StatusCode::INTERNAL_SERVER_ERROR, Some("InternalErrorException")));
    }
}
