//! Who is signed in, for axum handlers: [`SignedIn`] (or `Option<SignedIn>` where signing in is
//! optional), with tokens refreshed as needed. API routes use [`crate::api::ApiCaller`], which
//! also accepts a Bearer token.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use crate::{
    AuthCore,
    auth::refresh::{RefreshError, fresh_session_within},
    session::auth_session::AuthSession,
};

/// The signed-in person's session (claims, groups, scopes; the tokens stay on the server),
/// fresh for at least the refresh skew. The session layer ([`AuthCore::session_layer`]) must
/// wrap the route, and the router state must hold the core (`Arc<AuthCore>: FromRef<S>`).
#[derive(Debug, Clone)]
pub struct SignedIn(pub AuthSession);

/// Why a route that needs a signed-in person refused the request. An app maps it to its own
/// response (a redirect to `/auth/login`, a page); the default is plain text with 401 or 503.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInRequired {
    /// Nobody is signed in in this browser.
    #[error("sign in first")]
    NotSignedIn,
    /// The session ended (its refresh token was revoked or expired): sign in again.
    #[error("the session has ended; sign in again")]
    SessionEnded,
    /// The tokens need renewing and the identity provider cannot renew them now.
    #[error("the identity provider is unavailable; try again shortly")]
    ProviderUnavailable {
        /// Seconds after which trying again makes sense.
        retry_after_secs: u64,
    },
    /// The session store failed (details are logged).
    #[error("temporarily unavailable; try again shortly")]
    Unavailable,
}

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        let status = match self {
            SignInRequired::NotSignedIn | SignInRequired::SessionEnded => StatusCode::UNAUTHORIZED,
            SignInRequired::ProviderUnavailable { .. } | SignInRequired::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        let mut response = (status, self.to_string()).into_response();
        if let SignInRequired::ProviderUnavailable { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}

impl<S> FromRequestParts<S> for SignedIn
where
    Arc<AuthCore>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let core = Arc::<AuthCore>::from_ref(state);
        let skew = core.config.refresh_skew_secs;
        if let Some(auth) = SignInOfThisRequest::reuse(parts, core.clock.now(), skew) {
            return Ok(SignedIn(auth));
        }
        let session = Session::from_request_parts(parts, state).await.map_err(|_| SignInRequired::Unavailable)?;
        require_signed_in(&core, &session, skew).await.map(SignedIn)
    }
}

/// `Option<SignedIn>`: `None` when nobody is (or is any longer) signed in; outages still refuse.
impl<S> OptionalFromRequestParts<S> for SignedIn
where
    Arc<AuthCore>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        match <SignedIn as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(signed_in) => Ok(Some(signed_in)),
            Err(SignInRequired::NotSignedIn | SignInRequired::SessionEnded) => Ok(None),
            Err(refusal) => Err(refusal),
        }
    }
}

/// A signed-in session already read (and refreshed if due) by an earlier step of the same
/// request, kept in the request's extensions so later steps need not decode the session again:
/// a middleware that guards a page reads it once, and the server functions rendering the page
/// reuse it. Cloning it (as frameworks clone request parts) copies a pointer.
#[derive(Debug, Clone)]
pub struct SignInOfThisRequest {
    auth: Arc<AuthSession>,
}

impl SignInOfThisRequest {
    /// Remembers `auth`, read in this request with tokens fresh at the time.
    pub fn new(auth: AuthSession) -> Self {
        SignInOfThisRequest { auth: Arc::new(auth) }
    }

    /// Remembers `auth`, already shared with the caller (no copy of the session is made).
    pub fn shared(auth: Arc<AuthSession>) -> Self {
        SignInOfThisRequest { auth }
    }

    /// The session, if its tokens are still valid for at least `skew` seconds at `now`;
    /// otherwise `None`, and the caller reads (and refreshes) it as usual.
    pub fn fresh_within(&self, now: i64, skew: i64) -> Option<AuthSession> {
        (!crate::auth::refresh::needs_refresh(&self.auth.tokens, now, skew)).then(|| (*self.auth).clone())
    }

    /// The reading an earlier step left in `parts`, if there is one and it is
    /// [fresh enough](Self::fresh_within).
    pub fn reuse(parts: &Parts, now: i64, skew: i64) -> Option<AuthSession> {
        parts.extensions.get::<SignInOfThisRequest>()?.fresh_within(now, skew)
    }
}

/// The one reading of a request's sign-in state: the session with tokens valid for at least
/// `skew` seconds (refreshed if needed), or why there is none. Every surface (pages, API,
/// server functions) maps these same outcomes to its own response.
pub async fn require_signed_in(core: &AuthCore, session: &Session, skew: i64) -> Result<AuthSession, SignInRequired> {
    match fresh_session_within(core, session, skew).await {
        Ok(Some(auth)) => Ok(auth),
        Ok(None) => Err(SignInRequired::NotSignedIn),
        Err(RefreshError::SessionExpired) => Err(SignInRequired::SessionEnded),
        Err(RefreshError::ProviderUnavailable { retry_after_secs }) => {
            Err(SignInRequired::ProviderUnavailable { retry_after_secs })
        }
        Err(RefreshError::Store(error)) => {
            tracing::error!(%error, "session store failed");
            Err(SignInRequired::Unavailable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session_expiring_at(expires_at: i64) -> AuthSession {
        serde_json::from_value(serde_json::json!({
            "sub": "s", "username": "u", "email": null, "email_verified": null, "name": null,
            "groups": [], "auth_time": null, "id_claims": {}, "signed_in_at": 0,
            "tokens": {
                "access_token": "a", "refresh_token": null,
                "id_token_expires_at": expires_at, "access_token_expires_at": expires_at,
            },
        }))
        .unwrap()
    }

    #[test]
    fn a_reading_of_this_request_is_reused_only_while_its_tokens_are_fresh_enough() {
        let read = SignInOfThisRequest::new(session_expiring_at(1_000));
        assert_eq!(read.fresh_within(900, 60).map(|auth| auth.sub), Some("s".to_string()));
        // Due for refresh with this skew: read (and refresh) the session again.
        assert!(read.fresh_within(900, 100).is_none());
        assert!(read.fresh_within(1_000, 0).is_none());
    }

    #[test]
    fn refusals_answer_401_or_503_with_retry_after() {
        assert_eq!(SignInRequired::NotSignedIn.into_response().status(), StatusCode::UNAUTHORIZED);
        assert_eq!(SignInRequired::SessionEnded.into_response().status(), StatusCode::UNAUTHORIZED);
        let outage = SignInRequired::ProviderUnavailable { retry_after_secs: 7 }.into_response();
        assert_eq!(outage.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(outage.headers()[header::RETRY_AFTER], "7");
        assert_eq!(SignInRequired::Unavailable.into_response().status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
