//! The auth core as one value: settings, the provider's client, token verification, and the
//! stores of sessions, login transactions and refresh locks. Sign-in, refresh and sign-out take
//! it, and nothing of the web framework around them.

use std::{sync::Arc, time::Duration};

use super::{
    access_token_cache::AccessTokenCache, jwks::JwksCache, oauth_client::CognitoOAuthClient,
    provider_backoff::ProviderBackoff, verify::TokenVerifier,
};
use crate::{
    client_limit::ClientLimiter,
    clock::SharedClock,
    config::AuthConfig,
    session::{
        auth_session::ReadRules,
        directory::{Lifetimes, SessionDirectory},
        login_transactions::LoginTransactions,
        refresh_lock::RefreshLocks,
        store::{AppSessionStore, StoreOpenError},
    },
};

/// The auth core: what sign-in, refresh and sign-out need, shared by every request.
/// [`AuthCore::start`] builds it (or [`AuthCore::new`] on an opened store); the router state holds
/// it as `Arc<AuthCore>`.
pub struct AuthCore {
    /// The settings the core was built with.
    pub config: AuthConfig,
    /// The clock every expiry rule reads (the system clock when built by [`AuthCore::start`]).
    pub clock: SharedClock,
    /// The client of Cognito's OAuth 2.0 endpoints on the user pool domain.
    pub oauth: Arc<CognitoOAuthClient>,
    /// Verifies ID and access tokens against the pool's JWKS.
    pub verifier: Arc<TokenVerifier>,
    /// The session store itself, for ending sessions other than the request's own.
    pub sessions: AppSessionStore,
    /// Sign-ins in flight, waiting for their callback, by `state`.
    pub login_transactions: Arc<LoginTransactions>,
    /// Per-session refresh locks and the refresh results published through them (one refresh per
    /// session at a time).
    pub refresh_locks: Arc<RefreshLocks>,
    /// Each person's list of sessions, for showing them and for signing out everywhere.
    pub directory: SessionDirectory,
    /// How long to leave the identity provider alone after a refresh failed for a reason that may
    /// pass.
    pub refresh_backoff: Arc<ProviderBackoff>,
    /// How long to leave the provider's userInfo and `GetUser` alone after they could not answer
    /// (their own back-off: an API caller's email lookup must not delay anyone's refresh).
    pub user_lookup_backoff: Arc<ProviderBackoff>,
    /// Bearer access tokens verified before, by fingerprint.
    pub access_tokens: Arc<AccessTokenCache>,
    /// [`crate::config::Names::api_realm`], shared by every API caller's refusals.
    pub api_realm: Arc<str>,
    /// Each client's budget of sign-ins started ([`crate::config::SignInLimit`]); kept in this
    /// process, so each instance counts on its own.
    pub sign_in_limiter: Arc<ClientLimiter>,
}

impl AuthCore {
    /// Opens the configured session store and builds the core on the system clock, with the
    /// sweeping of expired entries running: what an app puts in its router state.
    pub async fn start(config: AuthConfig) -> Result<Arc<AuthCore>, StartError> {
        let sessions = AppSessionStore::open(&config.session.store).await?;
        let core = Arc::new(AuthCore::new(config, sessions, Arc::new(crate::clock::SystemClock)).await?);
        core.spawn_sweeps();
        Ok(core)
    }

    /// Starts the background deletion of what expires: the store's expired sessions
    /// ([`AppSessionStore::spawn_expired_deletion`]) and, once a minute, [`AuthCore::sweep`], for
    /// as long as the core is in use (a weak handle: dropping the app's last reference ends the
    /// task). [`AuthCore::start`] calls it; an app that builds its core with [`AuthCore::new`]
    /// calls it once.
    pub fn spawn_sweeps(self: &Arc<Self>) {
        self.sessions.spawn_expired_deletion();
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            every_minute.tick().await;
            loop {
                every_minute.tick().await;
                let Some(core) = weak.upgrade() else { return };
                core.sweep().await;
            }
        });
    }

    /// The session middleware for routes that sign people in or read who is signed in.
    pub fn session_layer(&self) -> crate::session::layer::SessionLayer {
        crate::session::layer::session_layer(self.sessions.clone(), &self.config)
    }

    /// Builds the core on an opened session store (which also holds login transactions, refresh
    /// locks and the per-person session lists).
    pub async fn new(config: AuthConfig, sessions: AppSessionStore, clock: SharedClock) -> Result<Self, StartError> {
        let http = provider_http_client()?;
        let jwks = Arc::new(JwksCache::new(http.clone(), config.cognito.jwks_uri(), clock.clone()));
        let verifier = Arc::new(TokenVerifier::new(
            config.cognito.accepted_issuers.clone(),
            config.cognito.client_id.clone(),
            jwks,
            clock.clone(),
        ));
        let oauth = Arc::new(CognitoOAuthClient::new(http, config.cognito.clone()));
        let sessions = sessions.with_key_prefix(&config.names.redis_key_prefix);
        Ok(AuthCore {
            login_transactions: Arc::new(sessions.login_transactions(&config.names.redis_key_prefix)),
            refresh_locks: Arc::new(sessions.refresh_locks(&config.names.redis_key_prefix)),
            directory: sessions.directory(&config.names.redis_key_prefix).await?,
            sessions,
            refresh_backoff: Arc::default(),
            user_lookup_backoff: Arc::default(),
            access_tokens: Arc::new(AccessTokenCache::new(clock.clone())),
            api_realm: Arc::from(config.names.api_realm.as_str()),
            sign_in_limiter: Arc::new(ClientLimiter::per_minute(config.sign_in_limit.per_minute)),
            config,
            clock,
            oauth,
            verifier,
        })
    }

    /// How this app reads a session at `now`: its maximum age, and only sessions of its client.
    pub fn read_rules(&self, now: i64) -> ReadRules<'_> {
        ReadRules { now, max_age_secs: self.config.session.max_age_secs(), client_id: &self.config.cognito.client_id }
    }

    /// When listed sessions stop counting as active.
    pub fn session_lifetimes(&self) -> Lifetimes {
        Lifetimes {
            idle_secs: self.config.session.idle_timeout_secs(),
            max_age_secs: self.config.session.max_age_secs(),
        }
    }

    /// One pass of what expires in memory: published refresh results, the lists of sessions
    /// and the counters of clients back to a full sign-in budget. Call it about once a minute
    /// ([`AuthCore::start`] does).
    pub async fn sweep(&self) {
        self.refresh_locks.prune();
        self.sign_in_limiter.forget_idle_clients();
        if let Err(error) = self.directory.sweep(self.session_lifetimes(), self.clock.now()).await {
            tracing::warn!(%error, "could not sweep the session lists");
        }
    }
}

/// Why the core could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The session store cannot be opened or prepared.
    #[error(transparent)]
    SessionStore(#[from] StoreOpenError),
    /// The HTTP client for the identity provider cannot be built (no TLS roots, for example).
    #[error("cannot build the HTTP client for the identity provider: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// One HTTP client for every call to the identity provider, with timeouts so a slow
/// provider cannot hold requests forever.
fn provider_http_client() -> Result<reqwest::Client, StartError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("axum-cognito/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(StartError::HttpClient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::CognitoSettings, session::directory::SessionEntry};

    /// The lists of sessions are swept once a minute with nobody asking (a session that idles
    /// out leaves its entry behind, and only a sweep or a listing removes it).
    #[tokio::test(start_paused = true)]
    async fn a_started_core_sweeps_the_session_lists_once_a_minute() {
        let app = "http://localhost:3000/".parse().expect("a URL");
        let cognito = CognitoSettings::user_pool(
            "eu-west-1",
            "eu-west-1_AbC123",
            "https://auth.example.com".parse().expect("a URL"),
            "client123",
            &app,
        );
        let core = AuthCore::start(AuthConfig::new(cognito)).await.expect("starts on the memory store");
        let idled_out = SessionEntry {
            session_key: "k".into(),
            session_id: "id".into(),
            device: "Firefox on Linux".into(),
            signed_in_at: 0,
            last_active: 0,
            client_id: String::new(),
        };
        core.directory.register("alice", &idled_out, Duration::from_secs(60)).await.expect("register");
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert!(core.directory.get("alice", "k").await.expect("get").is_some(), "not before the minute is up");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(core.directory.get("alice", "k").await.expect("get").is_none(), "swept within the minute");
    }
}
