//! The authorization request shared by `/oauth2/authorize`, `/login` and `/federated`, and the
//! last step they share: a code, a session cookie and the redirect back to the app.

use std::time::Duration;

use axum::{
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};

use super::found;
use crate::{
    clients::ClientRegistration,
    cookies, defaults,
    error::PageError,
    identity::Identity,
    params::Params,
    pkce,
    pool::Pool,
    store::{AuthorizationCode, ProviderSession},
};

#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub client: ClientRegistration,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub identity_provider: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// The request's parameters, to pass on to `/login` or `/federated` unchanged.
    pub params: Params,
}

#[derive(Debug)]
pub enum AuthorizeError {
    /// Client or redirect URI not trusted: never redirect (RFC 6749 §4.1.2.1).
    Page(PageError),
    /// Anything else goes back to the app as `?error=...&state=...`.
    Redirect { redirect_uri: String, state: Option<String>, error: &'static str, description: Option<&'static str> },
}

impl AuthorizeError {
    pub fn redirect(request: &AuthorizationRequest, error: &'static str, description: Option<&'static str>) -> Self {
        Self::Redirect { redirect_uri: request.redirect_uri.clone(), state: request.state.clone(), error, description }
    }
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            Self::Page(page) => page.into_response(),
            Self::Redirect { redirect_uri, state, error, description } => {
                let mut pairs = vec![("error", error)];
                if let Some(description) = description {
                    pairs.push(("error_description", description));
                }
                if let Some(state) = state.as_deref() {
                    pairs.push(("state", state));
                }
                found(&with_query(&redirect_uri, &pairs))
            }
        }
    }
}

/// Validates an authorization request in Cognito's order: client and redirect URI first (page
/// errors), then everything else (redirect errors).
pub fn validate(pool: &Pool, raw_query: Option<&str>) -> Result<AuthorizationRequest, AuthorizeError> {
    let page = |message: &str| AuthorizeError::Page(PageError::bad_request(message));
    let params = Params::from_query(raw_query).map_err(|problem| page(problem.describe()))?;
    let client_id = params.get("client_id").ok_or_else(|| page("Required parameter client_id is missing."))?;
    let client = pool.client(client_id).ok_or_else(|| page("invalid_client: the client_id is not registered."))?;
    let redirect_uri = params.get("redirect_uri").ok_or_else(|| page("Required parameter redirect_uri is missing."))?;
    if !client.callback_urls.iter().any(|url| url == redirect_uri) {
        return Err(page("redirect_mismatch: the redirect_uri is not registered for this client."));
    }

    let state = params.get("state").map(str::to_string);
    let fail = |error, description| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.to_string(),
        state: state.clone(),
        error,
        description,
    };

    match params.get("response_type") {
        None => return Err(fail("invalid_request", None)),
        Some("code") if client.allow_code_grant => {}
        // The implicit grant is a Cognito feature this provider does not offer: treat every client
        // as one that has not enabled it.
        Some("code" | "token") => return Err(fail("unauthorized_client", None)),
        Some(_) => return Err(fail("unsupported_response_type", None)),
    }
    let code_challenge = match (params.get("code_challenge"), params.get("code_challenge_method")) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if pkce::well_formed(challenge) => Some(challenge.to_string()),
        // `plain`, a challenge without a method, a method without a challenge, a malformed challenge.
        _ => return Err(fail("invalid_request", None)),
    };
    let scopes = client.grant_scopes(params.get("scope")).ok_or_else(|| fail("invalid_scope", None))?;

    Ok(AuthorizationRequest {
        client: client.clone(),
        redirect_uri: redirect_uri.to_string(),
        scopes,
        state,
        nonce: params.get("nonce").map(str::to_string),
        code_challenge,
        identity_provider: params.get("identity_provider").map(str::to_string),
        prompt: params.get("prompt").map(str::to_string),
        login_hint: params.get("login_hint").map(str::to_string),
        params: params.clone(),
    })
}

/// Whether the browser already has a managed-login session that `prompt` lets us reuse.
pub fn reusable_session(pool: &Pool, request: &AuthorizationRequest, headers: &HeaderMap) -> Option<ProviderSession> {
    if request.prompt.as_deref() == Some("login") {
        return None;
    }
    let id = cookies::read(headers, cookies::SESSION)?;
    pool.store().session(&id, pool.now())
}

/// Issues a code for `identity` and redirects to the app. A fresh sign-in (`new_session`) also
/// starts the 1-hour session that makes the next sign-in silent.
pub fn complete(
    pool: &Pool,
    request: &AuthorizationRequest,
    identity: &Identity,
    auth_time: u64,
    new_session: bool,
) -> Response {
    let now = pool.now();
    let code = uuid::Uuid::new_v4().to_string();
    let entry = AuthorizationCode {
        client_id: request.client.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scopes: request.scopes.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        identity: identity.clone(),
        auth_time,
        expires_at: now + Duration::from_secs(defaults::CODE_LIFETIME_SECS),
    };
    pool.store().insert_code(code.clone(), entry, now);
    pool.remember(identity);
    tracing::info!(client_id = %request.client.client_id, username = %identity.username, "local IdP issued an authorization code");

    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = request.state.as_deref() {
        pairs.push(("state", state));
    }
    let mut response = found(&with_query(&request.redirect_uri, &pairs));
    if new_session {
        let session = pool.start_session(identity, auth_time);
        let cookie =
            cookies::set(cookies::SESSION, &session, Some(defaults::SESSION_LIFETIME_SECS), pool.secure_cookies());
        if let Some(cookie) = cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// Appends parameters to a registered redirect URI, keeping any query it already has.
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    let query = serializer.finish();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_query_keeps_an_existing_query() {
        assert_eq!(with_query("http://a/cb", &[("code", "1"), ("state", "a b")]), "http://a/cb?code=1&state=a+b");
        assert_eq!(with_query("myapp://cb?x=1", &[("code", "1")]), "myapp://cb?x=1&code=1");
    }
}
