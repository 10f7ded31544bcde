//! Settings of the auth core, built in code or by an app's own configuration loader.

use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;
use url::Url;

/// The user pool the app signs people in with, and how to reach its endpoints.
#[derive(Debug, Clone)]
pub struct CognitoSettings {
    pub region: Option<String>,
    pub user_pool_id: Option<String>,
    /// The pool's issuer; the JWKS lives under it.
    pub issuer: String,
    /// Every `iss` value tokens may carry: the issuer, and the pool's other issuer host
    /// (`https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`, which Cognito also emits),
    /// or exactly `COGNITO_ISSUERS` when set.
    pub accepted_issuers: Vec<String>,
    /// Base URL of the hosted UI / managed login domain, without a trailing slash.
    pub domain: Url,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub scopes: Vec<String>,
    pub redirect_uri: Url,
    pub logout_uri: Url,
    pub identity_providers: Vec<String>,
}

impl CognitoSettings {
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer)
    }

    /// An endpoint on the hosted UI domain, e.g. `oauth2/token`.
    pub fn domain_endpoint(&self, path: &str) -> String {
        format!("{}/{}", self.domain.as_str().trim_end_matches('/'), path.trim_start_matches('/'))
    }
}

impl CognitoSettings {
    /// An Amazon Cognito user pool app client, with the defaults Cognito's documentation uses:
    /// issuer `https://cognito-idp.{region}.amazonaws.com/{pool}` (and its
    /// `issuer-cognito-idp` form accepted too), scopes `openid email profile`, the callback at
    /// `{app_url}auth/callback` and sign-out back to `app_url`. Set `client_secret` (and any other
    /// field) on the result.
    pub fn user_pool(
        region: &str,
        user_pool_id: &str,
        domain: Url,
        client_id: impl Into<String>,
        app_url: &Url,
    ) -> Self {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");
        let mut settings = CognitoSettings::with_issuer(issuer, domain, client_id, app_url);
        settings.region = Some(region.to_string());
        settings.user_pool_id = Some(user_pool_id.to_string());
        settings.accepted_issuers.push(format!("https://issuer-cognito-idp.{region}.amazonaws.com/{user_pool_id}"));
        settings
    }

    /// A provider named by its issuer alone (a Cognito-compatible one such as
    /// `cognito-local-idp`, whose issuer is `{domain}/{pool id}`), with the same defaults as
    /// [`CognitoSettings::user_pool`]; only `issuer` is accepted in tokens.
    pub fn with_issuer(issuer: String, domain: Url, client_id: impl Into<String>, app_url: &Url) -> Self {
        CognitoSettings {
            region: None,
            user_pool_id: None,
            accepted_issuers: vec![issuer.clone()],
            issuer,
            domain,
            client_id: client_id.into(),
            client_secret: None,
            scopes: ["openid", "email", "profile"].map(str::to_string).to_vec(),
            redirect_uri: app_url.join("auth/callback").unwrap_or_else(|_| app_url.clone()),
            logout_uri: app_url.clone(),
            identity_providers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStoreSetting {
    Memory,
    Sqlite(PathBuf),
    Redis { host: String, port: u16 },
}

#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub store: SessionStoreSetting,
    pub idle_timeout: Duration,
    pub max_age: Duration,
}
