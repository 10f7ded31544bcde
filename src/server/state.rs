//! Shared application state, handed to axum handlers and (as context) to server functions.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::server::{
    auth::{
        access_token_cache::AccessTokenCache, jwks::JwksCache, oauth_client::CognitoOAuthClient,
        provider_backoff::ProviderBackoff, verify::TokenVerifier,
    },
    clock::{SharedClock, SystemClock},
    config::AppConfig,
    http::client_limit::ClientLimiter,
    session::{
        directory::{Lifetimes, SessionDirectory},
        login_transactions::LoginTransactions,
        refresh_lock::RefreshLocks,
        store::AppSessionStore,
    },
};

/// Cloned for every request (axum's `State`, each middleware, server-function context), so it
/// is one reference count: everything it shares sits behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// `leptos_axum` reads the Leptos options from the router state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<AppConfig>,
    pub clock: SharedClock,
    pub oauth: Arc<CognitoOAuthClient>,
    pub verifier: Arc<TokenVerifier>,
    /// The session store itself, for ending sessions other than the request's own.
    pub sessions: AppSessionStore,
    pub login_transactions: Arc<LoginTransactions>,
    pub refresh_locks: Arc<RefreshLocks>,
    pub directory: SessionDirectory,
    pub refresh_backoff: Arc<ProviderBackoff>,
    /// How many sign-ins one client may start: each one is kept for ten minutes.
    pub sign_in_limiter: Arc<ClientLimiter>,
    pub access_tokens: Arc<AccessTokenCache>,
}

impl AppState {
    pub async fn new(
        config: AppConfig,
        leptos_options: LeptosOptions,
        sessions: AppSessionStore,
    ) -> anyhow::Result<Self> {
        Self::with_clock(config, leptos_options, sessions, Arc::new(SystemClock)).await
    }

    pub async fn with_clock(
        config: AppConfig,
        leptos_options: LeptosOptions,
        sessions: AppSessionStore,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let http = provider_http_client()?;
        let jwks = Arc::new(JwksCache::new(http.clone(), config.cognito.jwks_uri(), clock.clone()));
        let verifier = Arc::new(TokenVerifier::new(
            config.cognito.accepted_issuers.clone(),
            config.cognito.client_id.clone(),
            jwks,
            clock.clone(),
        ));
        let oauth = Arc::new(CognitoOAuthClient::new(http, config.cognito.clone()));
        Ok(AppState(Arc::new(SharedState {
            leptos_options,
            sign_in_limiter: Arc::new(ClientLimiter::per_minute(config.sign_in_rate_per_minute)),
            config: Arc::new(config),
            login_transactions: Arc::new(sessions.login_transactions()),
            refresh_locks: Arc::new(sessions.refresh_locks()),
            directory: sessions.directory().await?,
            sessions,
            refresh_backoff: Arc::default(),
            access_tokens: Arc::new(AccessTokenCache::new(clock.clone())),
            clock,
            oauth,
            verifier,
        })))
    }
}

impl AppState {
    /// When listed sessions stop counting as active.
    pub fn session_lifetimes(&self) -> Lifetimes {
        Lifetimes {
            idle_secs: self.config.session.idle_timeout.as_secs() as i64,
            max_age_secs: self.config.session.max_age.as_secs() as i64,
        }
    }

    /// Sweeps what expires in memory (expired sessions, their list entries, published refresh
    /// results, per-client counters) once a minute, for as long as the server runs.
    pub fn spawn_sweeper(&self) {
        self.sessions.spawn_expired_deletion();
        let state = self.clone();
        tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                state.refresh_locks.prune();
                state.sign_in_limiter.forget_idle_clients();
                if let Err(error) = state.directory.sweep(state.session_lifetimes(), state.clock.now()).await {
                    tracing::warn!(%error, "could not sweep the session lists");
                }
            }
        });
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
