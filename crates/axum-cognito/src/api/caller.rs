//! Who is calling the API: from `Authorization: Bearer <access token>` or, without that
//! header, from the session cookie.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderValue, header, request::Parts},
};
use tower_sessions::Session;

use super::error::{ApiError, ApiRejection};
use crate::{
    AuthCore,
    auth::{
        access_token_cache::VerifiedAccessToken,
        jwks::REFETCH_INTERVAL_SECS,
        user_email::{EmailLookupError, EmailSource, fetch_email},
        verify::VerifyError,
    },
    extract::require_signed_in,
    metrics,
};

/// How an [`ApiCaller`] proved who it is; serialized in snake_case (`session`, `bearer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// The session cookie of a browser signed in through `/auth/login`.
    Session,
    /// A Cognito access token sent as `Authorization: Bearer` (RFC 6750 §2.1).
    Bearer,
}

/// Who calls a JSON API route, and with what rights. As an extractor it reads `Authorization:
/// Bearer <access token>` or, without that header, the session cookie, and refuses with
/// [`ApiRejection`] (an [`ApiError`] in the configured realm): 401 with an RFC 6750 challenge for a missing or bad credential, 503 when the
/// session store or the identity provider is unavailable.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The token's `sub`: the user's stable id in the pool (in a `client_credentials` token, the
    /// app client's id).
    pub sub: String,
    /// The user's name in the pool (`cognito:username` of the ID token, `username` of the access
    /// token), or `sub` when the token has none.
    pub username: String,
    /// The user's email address from the ID token; `None` for Bearer callers, since access tokens
    /// carry none: [`ApiCaller::lookup_email`] asks the provider for theirs.
    pub email: Option<String>,
    /// The user's Cognito groups (`cognito:groups`).
    pub groups: Vec<String>,
    /// Scopes of the access token (RFC 6749 §3.3), e.g. `openid`, `email` or a custom `api/read`.
    pub scopes: Vec<String>,
    /// The app client the access token was issued to; for session callers, the app's own client.
    pub client_id: String,
    /// Which credential the caller presented.
    pub credential: Credential,
    /// The realm of challenges for this caller's refusals ([`crate::config::Names::api_realm`]).
    realm: Arc<str>,
    /// A Bearer caller's verified token, and the header it came in (to ask the provider with).
    bearer: Option<BearerToken>,
}

#[derive(Clone)]
struct BearerToken {
    verified: Arc<VerifiedAccessToken>,
    /// `Bearer <token>`, as sent; a clone shares the request's bytes.
    authorization: HeaderValue,
}

impl std::fmt::Debug for BearerToken {
    // The header is a credential: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerToken").field("claims", &self.verified.claims).finish_non_exhaustive()
    }
}

impl ApiCaller {
    /// `Ok` when the caller is in the Cognito group `group`, otherwise [`ApiError::Forbidden`]
    /// (403).
    pub fn require_group(&self, group: &str) -> Result<(), ApiRejection> {
        if self.groups.iter().any(|g| g == group) {
            Ok(())
        } else {
            Err(self.refuse(ApiError::Forbidden(group.to_string())))
        }
    }

    /// For routes meant for machine clients (`client_credentials` tokens carry custom scopes
    /// such as `api/read`): `caller.require_scope("api/read")?`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiRejection> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(self.refuse(ApiError::InsufficientScope(scope.to_string())))
        }
    }

    /// The caller's email address. For a session, the ID token's ([`ApiCaller::email`]). For a
    /// Bearer caller, the provider's answer for the token (userInfo, or `GetUser` for a token of
    /// the user pools API; see [`crate::auth::user_email`]), asked once per token and kept with
    /// it. `None` for a machine token, a user without one, and while the provider cannot answer
    /// (asked again on a later call, after a back-off): the email adds to an answer, it never
    /// fails one.
    pub async fn lookup_email(&self, core: &AuthCore) -> Option<String> {
        let Some(bearer) = &self.bearer else { return self.email.clone() };
        if let Some(known) = bearer.verified.known_email() {
            return known.map(str::to_owned);
        }
        let source = EmailSource::for_token(&bearer.verified.claims)?;
        if core.user_lookup_backoff.remaining().is_some() {
            return None;
        }
        let token = bearer_token(bearer.authorization.to_str().ok()).ok()?;
        let lookup = || async {
            // Checked again here: callers that waited for a lookup that failed try in turn,
            // and must not each wait for the provider in trouble.
            if core.user_lookup_backoff.remaining().is_some() {
                return Err(EmailLookupError::BackingOff);
            }
            let answer = fetch_email(&core.oauth, source, token).await;
            if !matches!(answer, Err(EmailLookupError::Unavailable(_))) {
                core.user_lookup_backoff.succeeded();
            }
            answer
        };
        match bearer.verified.email(lookup).await {
            Ok(email) => email.map(str::to_owned),
            Err(EmailLookupError::BackingOff) => None,
            Err(error) => {
                let wait = core.user_lookup_backoff.failed();
                tracing::warn!(%error, retry_in_ms = wait.as_millis(), "could not look up a Bearer caller's email");
                None
            }
        }
    }

    fn refuse(&self, error: ApiError) -> ApiRejection {
        ApiRejection { error, realm: self.realm.clone() }
    }
}

/// Any router state that holds the auth core (`Arc<AuthCore>` itself, or an app state with a
/// `FromRef` to it) can extract the caller; the session layer must wrap the route.
impl<S> FromRequestParts<S> for ApiCaller
where
    Arc<AuthCore>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let core = Arc::<AuthCore>::from_ref(state);
        let caller = match parts.headers.get(header::AUTHORIZATION) {
            Some(value) if is_bearer_attempt(value) => from_bearer(value, &core).await,
            // Another scheme (a staging site's `Basic`, say) is not for us: the session cookie
            // decides, and only without a session is the header the refused credential.
            Some(_) => from_session(parts, &core).await.map_err(|error| match error {
                ApiError::MissingCredential => ApiError::MalformedCredential("Only the Bearer scheme is accepted"),
                error => error,
            }),
            None => from_session(parts, &core).await,
        };
        caller.map_err(|error| ApiRejection { error, realm: core.api_realm.clone() })
    }
}

/// Whether an `Authorization` value is meant as a Bearer credential: its scheme (the text up to
/// the first space) is `Bearer` in any case (RFC 9110 §11.1), a bare `Bearer` included. Values
/// that are not text count too, and are refused as malformed.
pub fn is_bearer_attempt(value: &header::HeaderValue) -> bool {
    let bytes = value.as_bytes();
    let scheme = bytes.split(|b| *b == b' ').next().unwrap_or_default();
    scheme.eq_ignore_ascii_case(b"bearer") || value.to_str().is_err()
}

/// Parses `Bearer <token>` (the scheme is case-insensitive, RFC 9110 §11.1).
fn bearer_token(header: Option<&str>) -> Result<&str, ApiError> {
    let header = header.ok_or(ApiError::MalformedCredential("The Authorization header is not valid text"))?;
    let (scheme, token) = header.split_once(' ').ok_or(ApiError::MalformedCredential("Expected: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::MalformedCredential("Only the Bearer scheme is accepted"));
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(ApiError::MalformedCredential("Expected: Bearer <token>"));
    }
    Ok(token)
}

async fn from_bearer(header: &HeaderValue, state: &AuthCore) -> Result<ApiCaller, ApiError> {
    let token = bearer_token(header.to_str().ok())
        .inspect_err(|_| metrics::bearer_verification("rejected", "malformed_header"))?;
    let verified =
        state.access_tokens.verify(&state.verifier, token, &state.config.api_allowed_clients).await.map_err(
            |error| {
                metrics::bearer_verification("rejected", error.kind());
                match error {
                    // No key set loaded at all: the token may well be good (RFC 6750 §3.1 keeps
                    // invalid_token for tokens that are not). The key set is asked for again at
                    // most this often for callers' tokens.
                    VerifyError::KeysUnavailable => {
                        ApiError::SigningKeysUnavailable { retry_after_secs: REFETCH_INTERVAL_SECS.unsigned_abs() }
                    }
                    error => ApiError::InvalidToken(error.to_string()),
                }
            },
        )?;
    metrics::bearer_verification("ok", "none");
    let claims = &verified.claims;
    Ok(ApiCaller {
        username: claims.username.clone().unwrap_or_else(|| claims.sub.clone()),
        sub: claims.sub.clone(),
        email: None,
        groups: claims.groups.clone(),
        scopes: claims.scopes(),
        client_id: claims.client_id.clone(),
        credential: Credential::Bearer,
        realm: state.api_realm.clone(),
        bearer: Some(BearerToken { verified: verified.clone(), authorization: header.clone() }),
    })
}

async fn from_session(parts: &mut Parts, state: &AuthCore) -> Result<ApiCaller, ApiError> {
    let session = Session::from_request_parts(parts, &()).await.map_err(|_| ApiError::Unavailable)?;
    let auth = require_signed_in(state, &session, state.config.refresh_skew_secs).await?;
    Ok(ApiCaller {
        sub: auth.sub,
        username: auth.username,
        email: auth.email,
        groups: auth.groups,
        scopes: auth.scopes,
        client_id: state.config.cognito.client_id.clone(),
        credential: Credential::Session,
        realm: state.api_realm.clone(),
        bearer: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token(Some("Bearer abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(bearer_token(Some("bearer abc")), Ok("abc"));
        for bad in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "abc"] {
            assert!(matches!(bearer_token(Some(bad)), Err(ApiError::MalformedCredential(_))), "{bad}");
        }
        assert!(bearer_token(None).is_err());
    }

    #[test]
    fn which_authorization_values_are_bearer_attempts() {
        let value = |text: &'static str| header::HeaderValue::from_static(text);
        for bearer in ["Bearer abc", "bearer abc", "BEARER", "Bearer"] {
            assert!(is_bearer_attempt(&value(bearer)), "{bearer}");
        }
        for other in ["Basic dXNlcjpwYXNz", "Digest x", "Bearerish abc", "abc"] {
            assert!(!is_bearer_attempt(&value(other)), "{other}");
        }
        assert!(is_bearer_attempt(&header::HeaderValue::from_bytes(b"\xffBearer").unwrap()));
    }
}
