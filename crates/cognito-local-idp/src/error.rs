//! Every error the provider can give, and how each protocol spells it on the wire.
//!
//! Cognito uses three error dialects: OAuth JSON (`{"error": ...}`) at the OAuth endpoints, AWS
//! JSON (`{"__type", "message"}` plus `x-amzn-ErrorType`) at the user pools API, and HTML pages
//! when a browser cannot safely be sent back to the app. They are turned into responses here only.

use std::path::{Path, PathBuf};

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::pages;

/// Problems setting the provider up; these stop start-up, so each names the file and the fault.
#[derive(Debug, thiserror::Error)]
pub enum LocalIdpError {
    /// The users file cannot be read or parsed, or describes invalid users.
    #[error("LOCAL_IDP_USERS file {}: {problem}", path.display())]
    UsersFile {
        /// The users file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The users given in the options are invalid (none, empty fields, clashing names or emails).
    #[error("local identity provider users: {0}")]
    Users(String),
    /// The keys file cannot be read, parsed, encoded or written.
    #[error("local identity provider keys file {}: {problem}", path.display())]
    KeysFile {
        /// The keys file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A signing key could not be generated or encoded.
    #[error("local identity provider signing keys: {0}")]
    Keys(String),
    /// The options are inconsistent (bad domain or pool id, no or duplicate clients, zero lifetimes).
    #[error("local identity provider options: {0}")]
    Options(String),
}

impl LocalIdpError {
    pub(crate) fn users_file(path: &Path, problem: impl Into<String>) -> Self {
        Self::UsersFile { path: path.to_path_buf(), problem: problem.into() }
    }

    pub(crate) fn keys_file(path: &Path, problem: impl Into<String>) -> Self {
        Self::KeysFile { path: path.to_path_buf(), problem: problem.into() }
    }
}

/// An OAuth 2.0 error from the token or revocation endpoint (RFC 6749 §5.2, RFC 7009 §2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: Option<&'static str>,
}

impl OAuthError {
    pub fn new(error: &'static str) -> Self {
        Self { status: StatusCode::BAD_REQUEST, error, description: None }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn described(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    pub fn invalid_request() -> Self {
        Self::new("invalid_request")
    }

    pub fn invalid_client() -> Self {
        Self::new("invalid_client")
    }

    pub fn invalid_grant() -> Self {
        Self::new("invalid_grant")
    }

    pub fn unauthorized_client() -> Self {
        Self::new("unauthorized_client")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = match self.description {
            Some(description) => json!({ "error": self.error, "error_description": description }),
            None => json!({ "error": self.error }),
        };
        oauth_json(self.status, &body)
    }
}

/// JSON the way Cognito's OAuth endpoints send it: that exact content type, never cached (RFC 6749 §5.1),
/// and open to any origin because Cognito allows no CORS configuration there.
pub fn oauth_json(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ],
        body.to_string(),
    )
        .into_response()
}

/// An error of the user pools API (AWS JSON 1.1 protocol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmzError {
    pub kind: &'static str,
    pub message: String,
}

impl AmzError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new("NotAuthorizedException", message)
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }
}

impl IntoResponse for AmzError {
    fn into_response(self) -> Response {
        let body = json!({ "__type": self.kind, "message": self.message });
        let mut response = amz_json(StatusCode::BAD_REQUEST, &body);
        response.headers_mut().insert("x-amzn-errortype", HeaderValue::from_static(self.kind));
        response
    }
}

pub fn amz_json(status: StatusCode, body: &serde_json::Value) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.1"))], body.to_string())
            .into_response();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

/// The two failures of `/oauth2/userInfo`, with the exact `WWW-Authenticate` texts Cognito sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserInfoError {
    InvalidRequest,
    InvalidToken,
}

impl IntoResponse for UserInfoError {
    fn into_response(self) -> Response {
        let (status, error, description) = match self {
            Self::InvalidRequest => {
                (StatusCode::BAD_REQUEST, "invalid_request", "Bad OAuth2 request at UserInfo Endpoint")
            }
            Self::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Access token is expired, disabled, or deleted, or the user has globally signed out.",
            ),
        };
        let mut response = oauth_json(status, &json!({ "error": error, "error_description": description }));
        let challenge = format!("error=\"{error}\", error_description=\"{description}\"");
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// A request the browser made that cannot go back to the app: an unknown client or an unregistered
/// redirect URI must never cause a redirect (RFC 6749 §4.1.2.1), so the user sees a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        pages::html(self.status, pages::error_page(&self.message))
    }
}
