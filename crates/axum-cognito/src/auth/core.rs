//! The auth core as one value: settings, the provider's client, token verification, and the
//! stores of sessions, login transactions and refresh locks. Sign-in, refresh and sign-out take
//! it, and nothing of the web framework around them.

use std::{sync::Arc, time::Duration};

use anyhow::Context;

use super::{
    access_token_cache::AccessTokenCache, jwks::JwksCache, oauth_client::CognitoOAuthClient,
    provider_backoff::ProviderBackoff, verify::TokenVerifier,
};
use crate::{
    clock::SharedClock,
    config::{CognitoSettings, SessionSettings},
    session::{
        directory::{Lifetimes, SessionDirectory},
        login_transactions::LoginTransactions,
        refresh_lock::RefreshLocks,
        store::AppSessionStore,
    },
};

/// What the auth core needs to know, whoever configured it (environment or code).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub cognito: CognitoSettings,
    pub session: SessionSettings,
    /// Refresh tokens this long before they expire.
    pub refresh_skew_secs: i64,
    /// The app is served over https: session cookies are `Secure` and `__Host-` prefixed.
    pub https: bool,
    /// Cognito group of administrators.
    pub admin_group: String,
    /// Client ids whose access tokens API callers may present: the app's own first.
    pub api_allowed_clients: Vec<String>,
}

pub struct AuthCore {
    pub config: AuthConfig,
    pub clock: SharedClock,
    pub oauth: Arc<CognitoOAuthClient>,
    pub verifier: Arc<TokenVerifier>,
    /// The session store itself, for ending sessions other than the request's own.
    pub sessions: AppSessionStore,
    pub login_transactions: Arc<LoginTransactions>,
    pub refresh_locks: Arc<RefreshLocks>,
    pub directory: SessionDirectory,
    pub refresh_backoff: Arc<ProviderBackoff>,
    pub access_tokens: Arc<AccessTokenCache>,
}

impl AuthCore {
    /// Builds the core on an opened session store (which also holds login transactions, refresh
    /// locks and the per-person session lists).
    pub async fn new(config: AuthConfig, sessions: AppSessionStore, clock: SharedClock) -> anyhow::Result<Self> {
        let http = provider_http_client()?;
        let jwks = Arc::new(JwksCache::new(http.clone(), config.cognito.jwks_uri(), clock.clone()));
        let verifier = Arc::new(TokenVerifier::new(
            config.cognito.accepted_issuers.clone(),
            config.cognito.client_id.clone(),
            jwks,
            clock.clone(),
        ));
        let oauth = Arc::new(CognitoOAuthClient::new(http, config.cognito.clone()));
        Ok(AuthCore {
            login_transactions: Arc::new(sessions.login_transactions()),
            refresh_locks: Arc::new(sessions.refresh_locks()),
            directory: sessions.directory().await?,
            sessions,
            refresh_backoff: Arc::default(),
            access_tokens: Arc::new(AccessTokenCache::new(clock.clone())),
            config,
            clock,
            oauth,
            verifier,
        })
    }

    /// When listed sessions stop counting as active.
    pub fn session_lifetimes(&self) -> Lifetimes {
        Lifetimes {
            idle_secs: self.config.session.idle_timeout.as_secs() as i64,
            max_age_secs: self.config.session.max_age.as_secs() as i64,
        }
    }

    /// One pass of what expires in memory: published refresh results and the lists of
    /// sessions. Call it about once a minute (the app's sweeper does).
    pub async fn sweep(&self) {
        self.refresh_locks.prune();
        if let Err(error) = self.directory.sweep(self.session_lifetimes(), self.clock.now()).await {
            tracing::warn!(%error, "could not sweep the session lists");
        }
    }
}

/// One HTTP client for every call to the identity provider, with timeouts so a slow
/// provider cannot hold requests forever.
fn provider_http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("axum-cognito/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client for the identity provider")
}
