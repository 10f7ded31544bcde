//! API errors, mapped to responses in one place: RFC 6750 `WWW-Authenticate` challenges and
//! an OAuth-style JSON body `{"error", "error_description"}`.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::sync::Arc;

use serde_json::json;

/// The realm of challenges sent without a configured one ([`crate::config::Names::api_realm`]'s
/// default).
pub const DEFAULT_REALM: &str = "leptos-cognito";

/// Why an API request was refused. As a response: the status, an OAuth-style JSON body `{"error",
/// "error_description"}`, for credential problems a `WWW-Authenticate: Bearer` challenge (RFC 6750
/// §3) and, when the provider is unavailable, `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// No credential at all (RFC 6750 §3.1: the challenge then carries no error code).
    MissingCredential,
    /// An `Authorization` header that is not `Bearer <token>`.
    MalformedCredential(&'static str),
    /// A Bearer token or session that is not (or no longer) valid.
    InvalidToken(String),
    /// Authenticated, but without the required scope.
    InsufficientScope(String),
    /// Authenticated, but not in the required group.
    Forbidden(String),
    /// No API route matches the request (404 `not_found`).
    NotFound,
    /// The route exists but does not answer this method (405 `method_not_allowed`; the router
    /// adds the `Allow` header).
    MethodNotAllowed(String),
    /// The session store or identity provider failed; details are logged, not sent.
    Unavailable,
    /// The server failed while answering (a handler panicked, say); details are logged, not sent.
    Internal,
    /// The session's tokens need renewing and the identity provider cannot renew them now.
    ProviderUnavailable {
        /// Seconds to wait before trying again, sent as `Retry-After`.
        retry_after_secs: u64,
    },
    /// The pool's signing keys have not been loaded (its key set cannot be fetched), so a Bearer
    /// token cannot be checked either way: 503, not a 401 that would tell a client with a good
    /// token to throw it away.
    SigningKeysUnavailable {
        /// Seconds to wait before trying again, sent as `Retry-After`.
        retry_after_secs: u64,
    },
}

/// A session that cannot serve an API call, in the API's terms.
impl From<crate::extract::SignInRequired> for ApiError {
    fn from(refusal: crate::extract::SignInRequired) -> Self {
        use crate::extract::SignInRequired;
        match refusal {
            SignInRequired::NotSignedIn => ApiError::MissingCredential,
            SignInRequired::SessionEnded => ApiError::InvalidToken("The session has expired; sign in again".into()),
            SignInRequired::ProviderUnavailable { retry_after_secs } => {
                ApiError::ProviderUnavailable { retry_after_secs }
            }
            SignInRequired::Unavailable => ApiError::Unavailable,
        }
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::MissingCredential => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Sign in, or send a Cognito access token as a Bearer token".into(),
            ),
            ApiError::MalformedCredential(what) => (StatusCode::UNAUTHORIZED, "invalid_request", (*what).into()),
            ApiError::InvalidToken(why) => (StatusCode::UNAUTHORIZED, "invalid_token", why.clone()),
            ApiError::InsufficientScope(scope) => {
                (StatusCode::FORBIDDEN, "insufficient_scope", format!("This route requires the scope {scope}"))
            }
            ApiError::Forbidden(group) => {
                (StatusCode::FORBIDDEN, "forbidden", format!("This route is only for members of the {group} group"))
            }
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "No such API route".into()),
            ApiError::MethodNotAllowed(method) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("This API route does not answer {method}; the Allow header lists the methods it does"),
            ),
            ApiError::Unavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "Please try again shortly".into())
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The server failed to answer this request; the failure is logged".into(),
            ),
            ApiError::SigningKeysUnavailable { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "The identity provider's signing keys cannot be loaded right now, so the token cannot be checked; try again shortly"
                    .into(),
            ),
            ApiError::ProviderUnavailable { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "The session needs renewing and the identity provider cannot renew it right now; try again shortly"
                    .into(),
            ),
        }
    }

    fn challenge(&self, realm: &str, description: &str) -> Option<String> {
        // Quotes and backslashes cannot appear inside the quoted-string we build.
        let description = description.replace(['"', '\\'], "'");
        match self {
            ApiError::MissingCredential => Some(format!("Bearer realm=\"{realm}\"")),
            ApiError::MalformedCredential(_) => Some(format!(
                "Bearer realm=\"{realm}\", error=\"invalid_request\", error_description=\"{description}\""
            )),
            ApiError::InvalidToken(_) => {
                Some(format!("Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{description}\""))
            }
            ApiError::InsufficientScope(scope) => Some(format!(
                "Bearer realm=\"{realm}\", error=\"insufficient_scope\", error_description=\"{description}\", scope=\"{scope}\""
            )),
            _ => None,
        }
    }
}

impl ApiError {
    /// The response, its `WWW-Authenticate` challenge naming `realm`.
    pub fn into_response_in(self, realm: &str) -> Response {
        let (status, error, description) = self.parts();
        let mut response = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
        if let Some(challenge) = self.challenge(realm, &description)
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        if let ApiError::ProviderUnavailable { retry_after_secs }
        | ApiError::SigningKeysUnavailable { retry_after_secs } = self
        {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// The response with a challenge in [`DEFAULT_REALM`]; extractors answer with
/// [`ApiRejection`], which names the configured realm.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_in(DEFAULT_REALM)
    }
}

/// An [`ApiError`] and the realm its challenge names ([`crate::config::Names::api_realm`]):
/// what [`crate::ApiCaller`] refuses with, and what its `require_*` checks return. Map
/// `error` to a response of your own, or return it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRejection {
    /// Why the request was refused.
    pub error: ApiError,
    /// The realm of the `WWW-Authenticate` challenge.
    pub realm: Arc<str>,
}

impl IntoResponse for ApiRejection {
    fn into_response(self) -> Response {
        self.error.into_response_in(&self.realm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_follow_rfc_6750() {
        assert_eq!(
            ApiError::MissingCredential.challenge("leptos-cognito", "x").unwrap(),
            "Bearer realm=\"leptos-cognito\""
        );
        assert_eq!(
            ApiError::InvalidToken("expired".into()).challenge("leptos-cognito", "the \"token\" expired").unwrap(),
            "Bearer realm=\"leptos-cognito\", error=\"invalid_token\", error_description=\"the 'token' expired\""
        );
        assert!(ApiError::Forbidden("admin".into()).challenge("leptos-cognito", "x").is_none());
        let rejection = ApiRejection { error: ApiError::MissingCredential, realm: "orders".into() };
        let response = rejection.into_response();
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer realm=\"orders\"", "the configured realm");
        let response = ApiError::MissingCredential.into_response();
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer realm=\"leptos-cognito\"", "the default");
    }

    #[test]
    fn statuses() {
        assert_eq!(ApiError::MissingCredential.parts().0, StatusCode::UNAUTHORIZED);
        assert_eq!(ApiError::MalformedCredential("x").parts().0, StatusCode::UNAUTHORIZED);
        assert_eq!(ApiError::Forbidden("admin".into()).parts().0, StatusCode::FORBIDDEN);
        assert_eq!(ApiError::InsufficientScope("api/read".into()).parts().0, StatusCode::FORBIDDEN);
    }
}
