//! Cognito's OAuth 2.0 endpoints on the user pool domain: `/oauth2/authorize` (URL only),
//! `/oauth2/token`, `/oauth2/revoke` and `/logout`.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::token_string::TokenString;
use crate::{config::CognitoSettings, metrics};

/// Largest token response we accept; real ones are a few KiB.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A successful `/oauth2/token` answer.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: TokenString,
    /// The ID token: present when `openid` is among the scopes, absent for `client_credentials`.
    #[serde(default)]
    pub id_token: Option<TokenString>,
    /// Absent on refresh unless the client rotates refresh tokens: keep the old one then.
    #[serde(default)]
    pub refresh_token: Option<TokenString>,
    /// The token type; only `Bearer` (any case) is accepted.
    pub token_type: String,
    /// RFC 6749 §5.1 only recommends it; the tokens' own `exp` decides.
    #[serde(default)]
    pub expires_in: Option<i64>,
}

/// Why a call to `/oauth2/token` or `/oauth2/revoke` failed, classified so that callers know
/// whether trying again later may help.
#[derive(Debug, thiserror::Error)]
pub enum TokenEndpointError {
    /// The provider answered with an OAuth error (`invalid_grant`, `invalid_client`, ...).
    #[error("the identity provider refused the request: {error}")]
    Refused {
        /// The OAuth error code (RFC 6749 §5.2).
        error: String,
        /// The `error_description`, when the provider sent one.
        description: Option<String>,
    },
    /// Network failure, timeout or 5xx: the request may succeed later.
    #[error("the identity provider is unreachable: {0}")]
    Unavailable(String),
    /// 429, or Cognito's `TooManyRequestsException`: the account's request quota is spent for
    /// now (refresh grants count against it).
    #[error("the identity provider is throttling requests")]
    Throttled,
    /// The answer is not what the protocol promises (a body that does not parse or is too large, an
    /// error without an OAuth error body, a token type other than `Bearer`); holds the detail.
    #[error("the identity provider sent an unexpected response: {0}")]
    Malformed(String),
}

impl TokenEndpointError {
    /// Whether the provider answered `invalid_grant` (RFC 6749 §5.2): the code or refresh token is
    /// invalid, expired or revoked.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, TokenEndpointError::Refused { error, .. } if error == "invalid_grant")
    }
}

#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The parameters of one authorization request.
pub struct AuthorizeRequest<'a> {
    /// The login transaction's `state`.
    pub state: &'a str,
    /// The nonce the ID token must carry back.
    pub nonce: &'a str,
    /// The PKCE `S256` code challenge (RFC 7636 §4.2).
    pub code_challenge: &'a str,
    /// The checked extra parameters (`prompt`, `login_hint`, `lang`, provider).
    pub options: &'a super::sign_in_options::SignInOptions,
}

/// The client of Cognito's OAuth 2.0 endpoints on the user pool domain (Amazon Cognito developer
/// guide: "Authorize endpoint", "Token endpoint", "Revoke endpoint", "Logout endpoint"). A client
/// with a secret authenticates with HTTP Basic (RFC 6749 §2.3.1); one without sends its `client_id`
/// in the form.
pub struct CognitoOAuthClient {
    http: reqwest::Client,
    settings: CognitoSettings,
}

impl CognitoOAuthClient {
    /// A client for the pool and app client of `settings`, sending its requests with `http` (whose
    /// timeouts apply).
    pub fn new(http: reqwest::Client, settings: CognitoSettings) -> Self {
        Self { http, settings }
    }

    /// The settings the client was built with.
    pub fn settings(&self) -> &CognitoSettings {
        &self.settings
    }

    /// The `/oauth2/authorize` URL of an authorization code request (RFC 6749 §4.1.1) with the
    /// configured scopes and redirect URI, `state`, nonce, the PKCE `S256` challenge (RFC 7636
    /// §4.3) and the options of `request`.
    pub fn authorize_url(&self, request: &AuthorizeRequest<'_>) -> Url {
        let mut url = self.endpoint("oauth2/authorize");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.settings.client_id)
                .append_pair("redirect_uri", self.settings.redirect_uri.as_str())
                .append_pair("scope", &self.settings.scopes.join(" "))
                .append_pair("state", request.state)
                .append_pair("nonce", request.nonce)
                .append_pair("code_challenge", request.code_challenge)
                .append_pair("code_challenge_method", "S256");
            let options = request.options;
            if let Some(provider) = &options.identity_provider {
                query.append_pair("identity_provider", provider);
            }
            if let Some(identifier) = &options.idp_identifier {
                query.append_pair("idp_identifier", identifier);
            }
            if let Some(prompt) = options.prompt {
                query.append_pair("prompt", prompt.as_str());
            }
            if let Some(hint) = &options.login_hint {
                query.append_pair("login_hint", hint);
            }
            if let Some(lang) = &options.lang {
                query.append_pair("lang", lang);
            }
        }
        url
    }

    /// Cognito's `/logout` takes `client_id` and `logout_uri`, not OIDC's
    /// `id_token_hint`/`post_logout_redirect_uri`.
    pub fn logout_url(&self) -> Url {
        let mut url = self.endpoint("logout");
        url.query_pairs_mut()
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("logout_uri", self.settings.logout_uri.as_str());
        url
    }

    /// Exchanges an authorization code for tokens (`grant_type=authorization_code`, RFC 6749
    /// §4.1.3), proving the sign-in with the PKCE verifier (RFC 7636 §4.5).
    pub async fn exchange_code(&self, code: &str, pkce_verifier: &str) -> Result<TokenResponse, TokenEndpointError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_uri.as_str()),
            ("code_verifier", pkce_verifier),
        ];
        self.token_request(&form).await
    }

    /// A machine token (RFC 6749 §4.4): Cognito issues only an access token, with the custom
    /// scopes asked for (all the client's when none are).
    pub async fn client_credentials(&self, scopes: &[String]) -> Result<TokenResponse, TokenEndpointError> {
        let scope = scopes.join(" ");
        let mut form = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        self.token_request(&form).await
    }

    /// Redeems a refresh token (`grant_type=refresh_token`, RFC 6749 §6) for new ID and access
    /// tokens; Cognito sends a new refresh token too only when the app client rotates them (Amazon
    /// Cognito developer guide, "Refresh tokens").
    pub async fn refresh(&self, refresh_token: &TokenString) -> Result<TokenResponse, TokenEndpointError> {
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())];
        self.token_request(&form).await
    }

    /// Revokes a refresh token and every token minted from it. Cognito answers 200 with an
    /// empty body, also for tokens that were already revoked.
    pub async fn revoke(&self, refresh_token: &TokenString) -> Result<(), TokenEndpointError> {
        let request = self.authenticated(self.http.post(self.endpoint("oauth2/revoke")));
        let mut form = vec![("token", refresh_token.expose())];
        if self.settings.client_secret.is_none() {
            form.push(("client_id", &self.settings.client_id));
        }
        let started = std::time::Instant::now();
        let response = request.form(&form).send().await;
        metrics::provider_call("revoke", response.as_ref().ok().map(|r| r.status().as_u16()), started.elapsed());
        let response = response.map_err(unavailable)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_limited(response).await?;
        Err(classify_error(status, &body))
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenResponse, TokenEndpointError> {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        if self.settings.client_secret.is_none() {
            form.push(("client_id", &self.settings.client_id));
        }
        let request = self.authenticated(self.http.post(self.endpoint("oauth2/token")));
        let started = std::time::Instant::now();
        let response = request.form(&form).send().await;
        metrics::provider_call("token", response.as_ref().ok().map(|r| r.status().as_u16()), started.elapsed());
        let response = response.map_err(unavailable)?;
        let status = response.status();
        let body = read_limited(response).await?;
        if !status.is_success() {
            return Err(classify_error(status, &body));
        }
        let tokens: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| TokenEndpointError::Malformed(format!("token response: {e}")))?;
        if !tokens.token_type.eq_ignore_ascii_case("bearer") {
            return Err(TokenEndpointError::Malformed(format!("token_type {:?}", tokens.token_type)));
        }
        Ok(tokens)
    }

    /// `client_secret_basic` when the client has a secret (RFC 6749 §2.3.1 prefers it).
    fn authenticated(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.settings.client_secret {
            Some(secret) => request.basic_auth(&self.settings.client_id, Some(expose(secret))),
            None => request,
        }
    }

    /// The HTTP client every call to the provider goes through (its timeouts, no redirects).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn endpoint(&self, path: &str) -> Url {
        // The domain was validated as an absolute http(s) URL at start-up.
        Url::parse(&self.settings.domain_endpoint(path)).unwrap_or_else(|_| self.settings.domain.clone())
    }
}

fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

fn unavailable(error: reqwest::Error) -> TokenEndpointError {
    // `without_url`: the URL is harmless here, but keeping error text free of request data is
    // a habit worth having next to tokens.
    TokenEndpointError::Unavailable(error.without_url().to_string())
}

pub(crate) async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, TokenEndpointError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(TokenEndpointError::Malformed("response too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn classify_error(status: reqwest::StatusCode, body: &[u8]) -> TokenEndpointError {
    if status.is_server_error() {
        return TokenEndpointError::Unavailable(format!("status {status}"));
    }
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return TokenEndpointError::Throttled;
    }
    match serde_json::from_slice::<OAuthErrorBody>(body) {
        Ok(error) if error.error.contains("TooManyRequests") => TokenEndpointError::Throttled,
        Ok(error) => TokenEndpointError::Refused { error: error.error, description: error.error_description },
        Err(_) => TokenEndpointError::Malformed(format!("status {status} without an OAuth error body")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CognitoSettings;

    fn client() -> CognitoOAuthClient {
        let mut cognito = CognitoSettings::user_pool(
            "eu-west-1",
            "eu-west-1_Pool1",
            "https://auth.example.com".parse().unwrap(),
            "client123",
            &"http://localhost:3000/".parse().unwrap(),
        );
        cognito.identity_providers = vec!["Google".into()];
        CognitoOAuthClient::new(reqwest::Client::new(), cognito)
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let options = crate::auth::sign_in_options::SignInOptions {
            identity_provider: Some("Google".into()),
            prompt: Some(crate::auth::sign_in_options::Prompt::SelectAccount),
            login_hint: Some("ada@example.com".into()),
            lang: Some("fr".into()),
            idp_identifier: None,
        };
        let url = client().authorize_url(&AuthorizeRequest {
            state: "st",
            nonce: "no",
            code_challenge: "ch",
            options: &options,
        });
        assert_eq!(url.path(), "/oauth2/authorize");
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "client123");
        assert_eq!(query["redirect_uri"], "http://localhost:3000/auth/callback");
        assert_eq!(query["scope"], "openid email profile");
        assert_eq!(query["state"], "st");
        assert_eq!(query["nonce"], "no");
        assert_eq!(query["code_challenge"], "ch");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["identity_provider"], "Google");
        assert_eq!(query["prompt"], "select_account");
        assert_eq!(query["login_hint"], "ada@example.com");
        assert_eq!(query["lang"], "fr");
    }

    #[test]
    fn logout_url_uses_cognito_parameters() {
        assert_eq!(
            client().logout_url().as_str(),
            "https://auth.example.com/logout?client_id=client123&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F"
        );
    }

    #[test]
    fn errors_are_classified() {
        let refused = classify_error(reqwest::StatusCode::BAD_REQUEST, br#"{"error":"invalid_grant"}"#);
        assert!(refused.is_invalid_grant());
        assert!(matches!(
            classify_error(reqwest::StatusCode::BAD_GATEWAY, b"<html>"),
            TokenEndpointError::Unavailable(_)
        ));
        assert!(matches!(classify_error(reqwest::StatusCode::BAD_REQUEST, b"nope"), TokenEndpointError::Malformed(_)));
        assert!(matches!(classify_error(reqwest::StatusCode::TOO_MANY_REQUESTS, b""), TokenEndpointError::Throttled));
        assert!(matches!(
            classify_error(reqwest::StatusCode::BAD_REQUEST, br#"{"error":"TooManyRequestsException"}"#),
            TokenEndpointError::Throttled
        ));
    }
}
