//! Shared application state, handed to axum handlers and (as context) to server functions.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::server::{
    auth::{
        access_token_cache::AccessTokenCache, jwks::JwksCache, login_transaction::LoginTransactionStore,
        oauth_client::CognitoOAuthClient, verify::TokenVerifier,
    },
    clock::{SharedClock, SystemClock},
    config::AppConfig,
    session::refresh_lock::RefreshLocks,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<AppConfig>,
    pub clock: SharedClock,
    pub oauth: Arc<CognitoOAuthClient>,
    pub verifier: Arc<TokenVerifier>,
    pub login_transactions: Arc<LoginTransactionStore>,
    pub refresh_locks: Arc<RefreshLocks>,
    pub access_tokens: Arc<AccessTokenCache>,
}

impl AppState {
    pub fn new(config: AppConfig, leptos_options: LeptosOptions, refresh_locks: RefreshLocks) -> anyhow::Result<Self> {
        Self::with_clock(config, leptos_options, refresh_locks, Arc::new(SystemClock))
    }

    pub fn with_clock(
        config: AppConfig,
        leptos_options: LeptosOptions,
        refresh_locks: RefreshLocks,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let http = provider_http_client()?;
        let jwks = Arc::new(JwksCache::new(http.clone(), config.cognito.jwks_uri(), clock.clone()));
        let verifier = Arc::new(TokenVerifier::new(
            config.cognito.issuer.clone(),
            config.cognito.client_id.clone(),
            jwks,
            clock.clone(),
        ));
        let oauth = Arc::new(CognitoOAuthClient::new(http, config.cognito.clone()));
        Ok(AppState {
            leptos_options,
            config: Arc::new(config),
            login_transactions: Arc::new(LoginTransactionStore::new(clock.clone())),
            refresh_locks: Arc::new(refresh_locks),
            access_tokens: Arc::new(AccessTokenCache::new(clock.clone())),
            clock,
            oauth,
            verifier,
        })
    }
}

/// One HTTP client for every call to the identity provider, with timeouts so a slow
/// provider cannot hold requests forever.
fn provider_http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("leptos-cognito/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client for the identity provider")
}
