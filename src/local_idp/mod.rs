//! An embedded identity provider that speaks Amazon Cognito's user pool wire protocol, so the
//! app runs and is tested without an AWS account or a network.
//!
//! It serves, on one origin that plays both the user pool domain and the issuer host:
//! `/oauth2/authorize`, `/login`, `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`,
//! `/logout`, `/{pool id}/.well-known/{jwks.json,openid-configuration}`, `POST /` with
//! `X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth`, and `/federated` (the
//! simulated page of a federated provider such as Google).

pub mod clock;
pub mod defaults;
pub mod users;

mod clients;
mod cookies;
mod endpoints;
mod error;
mod identity;
mod keys;
mod lockout;
mod pages;
mod params;
mod pkce;
mod pool;
mod store;
mod tokens;

use std::{
    path::PathBuf,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use axum::Router;

pub use self::{
    clients::{ClientRegistration, secret_hash},
    clock::{Clock, ManualClock, SystemClock},
    error::LocalIdpError,
    tokens::TokenLifetimes,
    users::LocalUser,
};
use self::{keys::KeyRing, pool::Pool};
use crate::server::config::LocalIdpSettings;

pub struct LocalIdpOptions {
    /// Base URL it is reached at, e.g. `http://127.0.0.1:9229` (no trailing slash).
    pub domain: String,
    /// E.g. [`defaults::USER_POOL_ID`]; the issuer is `{domain}/{pool_id}`.
    pub pool_id: String,
    pub clients: Vec<ClientRegistration>,
    /// From [`users::demo_users`] or [`users::load_file`].
    pub users: Vec<LocalUser>,
    /// `None` keeps keys in memory only (tests).
    pub keys_file: Option<PathBuf>,
    pub lifetimes: TokenLifetimes,
    /// [`SystemClock`] normally; tests pass a [`ManualClock`] to expire codes and tokens.
    pub clock: Arc<dyn Clock>,
}

impl LocalIdpOptions {
    /// The embedded pool with one client registered for the app (client id/secret from defaults.rs).
    pub fn for_app(
        domain: String,
        settings: &LocalIdpSettings,
        redirect_uri: &str,
        logout_uri: &str,
        identity_providers: &[String],
    ) -> Result<Self, LocalIdpError> {
        let users = match &settings.users_file {
            Some(path) => users::load_file(path)?,
            None => users::demo_users(),
        };
        let client = ClientRegistration {
            client_id: defaults::CLIENT_ID.to_string(),
            client_secret: Some(defaults::CLIENT_SECRET.to_string()),
            callback_urls: vec![redirect_uri.to_string()],
            logout_urls: vec![logout_uri.to_string()],
            allowed_scopes: ["openid", "email", "profile", "phone", clients::ADMIN_SCOPE, defaults::CUSTOM_SCOPE]
                .map(str::to_string)
                .to_vec(),
            allow_code_grant: true,
            allow_client_credentials: true,
            allow_user_password_auth: true,
            refresh_token_rotation: settings.refresh_token_rotation,
            refresh_token_retry_grace: settings.refresh_token_retry_grace,
            identity_providers: identity_providers.to_vec(),
        };
        Ok(Self {
            domain,
            pool_id: defaults::USER_POOL_ID.to_string(),
            clients: vec![client],
            users,
            keys_file: Some(settings.keys_file.clone()),
            lifetimes: TokenLifetimes {
                id: settings.id_token_ttl,
                access: settings.access_token_ttl,
                refresh: settings.refresh_token_ttl,
            },
            clock: Arc::new(SystemClock),
        })
    }
}

/// How often each endpoint did its work, so tests can see e.g. that refreshes were de-duplicated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalIdpStats {
    pub code_grants: u64,
    pub refresh_grants: u64,
    pub client_credentials_grants: u64,
    pub jwks_requests: u64,
    pub revocations: u64,
    pub initiate_auth: u64,
}

#[derive(Debug, Clone)]
pub struct LocalIdp {
    pool: Arc<Pool>,
}

impl LocalIdp {
    /// Checks the options, then loads (or creates) the signing keys.
    pub fn new(options: LocalIdpOptions) -> Result<LocalIdp, LocalIdpError> {
        let domain = options.domain.trim_end_matches('/').to_string();
        validate(&domain, &options)?;
        let keys = KeyRing::open(options.keys_file)?;
        let pool =
            Pool::new(domain, options.pool_id, options.clients, options.users, options.lifetimes, options.clock, keys);
        Ok(LocalIdp { pool: Arc::new(pool) })
    }

    pub fn router(&self) -> Router {
        endpoints::router(self.pool.clone())
    }

    pub fn issuer(&self) -> String {
        self.pool.issuer.clone()
    }

    pub fn stats(&self) -> LocalIdpStats {
        let c = &self.pool.counters;
        LocalIdpStats {
            code_grants: c.code_grants.load(Ordering::Relaxed),
            refresh_grants: c.refresh_grants.load(Ordering::Relaxed),
            client_credentials_grants: c.client_credentials_grants.load(Ordering::Relaxed),
            jwks_requests: c.jwks_requests.load(Ordering::Relaxed),
            revocations: c.revocations.load(Ordering::Relaxed),
            initiate_auth: c.initiate_auth.load(Ordering::Relaxed),
        }
    }

    /// Adds new signing keys (new kids); old public keys stay in the JWKS. Persisted when there is a keys file.
    pub fn rotate_keys(&self) -> Result<(), LocalIdpError> {
        let mut keys = self.pool.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.rotate()
    }

    /// Revokes every refresh token of `username` (and the access tokens minted from them), like
    /// Cognito's `AdminUserGlobalSignOut`. Returns how many sign-ins were ended.
    pub fn global_sign_out(&self, username: &str) -> usize {
        let now = self.pool.now();
        let remember_until = self.pool.revocation_memory();
        self.pool.store().revoke_user(username, remember_until, now)
    }

    /// While `down`, every endpoint answers 503, to test how the app copes with a provider outage.
    pub fn set_unavailable(&self, down: bool) {
        self.pool.unavailable.store(down, Ordering::Relaxed);
    }
}

/// Serves on a listener the caller bound (port 0 in tests) until `shutdown` resolves.
pub async fn serve(
    idp: LocalIdp,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, idp.router()).with_graceful_shutdown(shutdown).await
}

fn validate(domain: &str, options: &LocalIdpOptions) -> Result<(), LocalIdpError> {
    let problem = |message: String| Err(LocalIdpError::Options(message));
    if !(domain.starts_with("http://") || domain.starts_with("https://")) || url::Url::parse(domain).is_err() {
        return problem(format!("domain {domain:?} is not an http(s) base URL"));
    }
    let pool_id_ok = !options.pool_id.is_empty()
        && options.pool_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !pool_id_ok {
        return problem(format!("pool id {:?} is not like us-east-1_AbC123", options.pool_id));
    }
    if options.clients.is_empty() {
        return problem("no app client is registered".to_string());
    }
    for (index, client) in options.clients.iter().enumerate() {
        if client.client_id.is_empty() || !client.client_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return problem(format!("client id {:?} must be letters and digits", client.client_id));
        }
        if options.clients[..index].iter().any(|other| other.client_id == client.client_id) {
            return problem(format!("client id {:?} is registered twice", client.client_id));
        }
        if client.allow_client_credentials && client.client_secret.is_none() {
            return problem(format!("client {:?}: client_credentials needs a client secret", client.client_id));
        }
    }
    let zero = Duration::ZERO;
    if [options.lifetimes.id, options.lifetimes.access, options.lifetimes.refresh].contains(&zero) {
        return problem("token lifetimes must be longer than zero".to_string());
    }
    users::validate(&options.users).map_err(LocalIdpError::Users)
}
