//! A local identity provider that speaks Amazon Cognito user pools' wire protocol, so Cognito
//! clients run and are tested without an AWS account or a network.
//!
//! It serves, on one origin that plays both the user pool domain and the issuer host:
//! `/oauth2/authorize`, `/login`, `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`,
//! `/logout`, `/{pool id}/.well-known/{jwks.json,openid-configuration}`, `POST /` with
//! `X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth` or `…GetUser`, and `/federated` (the
//! simulated page of a federated provider such as Google).
//!
//! # Example: a provider for a test
//!
//! ```
//! use std::sync::Arc;
//! use cognito_local_idp::{
//!     ClientRegistration, LocalIdp, LocalIdpOptions, SystemClock, TokenLifetimes, defaults, users,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let idp = LocalIdp::new(LocalIdpOptions {
//!     domain: format!("http://{}", listener.local_addr()?),
//!     pool_id: defaults::USER_POOL_ID.to_string(),
//!     clients: vec![ClientRegistration {
//!         callback_urls: vec!["http://localhost:8080/callback".into()],
//!         logout_urls: vec!["http://localhost:8080/".into()],
//!         ..ClientRegistration::confidential("myclient01", "my-secret")
//!     }],
//!     users: users::demo_users(),
//!     keys_file: None, // keys in memory only
//!     lifetimes: TokenLifetimes::default(),
//!     clock: Arc::new(SystemClock),
//! })?;
//! let issuer = idp.issuer();
//! tokio::spawn(cognito_local_idp::serve(idp, listener, std::future::pending()));
//!
//! // Point the client under test at `issuer`, e.g. its discovery document:
//! let discovery = format!("{issuer}/.well-known/openid-configuration");
//! # let _ = discovery;
//! # Ok(())
//! # }
//! ```
//!
//! Or, for a client in any language, run the binary: `cargo run -p cognito-local-idp`.

#![warn(missing_docs)]

pub mod clock;
pub mod defaults;
pub mod settings;
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

pub use self::settings::{Settings, SettingsError};
pub use self::{
    clients::{ClientRegistration, secret_hash},
    clock::{Clock, ManualClock, SystemClock},
    error::LocalIdpError,
    tokens::TokenLifetimes,
    users::LocalUser,
};
use self::{keys::KeyRing, pool::Pool};

/// Everything [`LocalIdp::new`] needs: where it is reached, its pool id, app clients, users,
/// signing keys file, token lifetimes and clock.
pub struct LocalIdpOptions {
    /// Base URL it is reached at, e.g. `http://127.0.0.1:9229` (no trailing slash).
    pub domain: String,
    /// E.g. [`defaults::USER_POOL_ID`]; the issuer is `{domain}/{pool_id}`.
    pub pool_id: String,
    /// The app clients; at least one, with distinct ids.
    pub clients: Vec<ClientRegistration>,
    /// From [`users::demo_users`] or [`users::load_file`].
    pub users: Vec<LocalUser>,
    /// `None` keeps keys in memory only (tests).
    pub keys_file: Option<PathBuf>,
    /// How long ID, access and refresh tokens live; none may be zero.
    pub lifetimes: TokenLifetimes,
    /// [`SystemClock`] normally; tests pass a [`ManualClock`] to expire codes and tokens.
    pub clock: Arc<dyn Clock>,
}

impl LocalIdpOptions {
    /// A pool with one confidential client, [`defaults::CLIENT_ID`] and [`defaults::CLIENT_SECRET`],
    /// allowed the code grant (for `redirect_uri`), client credentials and `USER_PASSWORD_AUTH`.
    pub fn from_settings(
        domain: String,
        settings: &Settings,
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
    /// Authorization codes exchanged for tokens at `/oauth2/token`.
    pub code_grants: u64,
    /// Successful refreshes, at `/oauth2/token` or with `InitiateAuth` `REFRESH_TOKEN_AUTH`.
    pub refresh_grants: u64,
    /// Machine-to-machine tokens issued with the client credentials grant.
    pub client_credentials_grants: u64,
    /// Requests for the JWKS (`/{pool id}/.well-known/jwks.json`).
    pub jwks_requests: u64,
    /// Refresh tokens (and their sign-ins) revoked at `/oauth2/revoke`.
    pub revocations: u64,
    /// `InitiateAuth` calls received, whether they succeeded or not.
    pub initiate_auth: u64,
    /// `GetUser` calls received, whether they succeeded or not (while the provider is up).
    pub get_user: u64,
    /// `/oauth2/userInfo` requests received, whether they succeeded or not (while the provider
    /// is up).
    pub user_info: u64,
    /// Requests of any endpoint answered `503` by the simulated outage
    /// ([`LocalIdp::set_unavailable`]), which the counts above leave out.
    pub refused_while_unavailable: u64,
}

/// A running user pool: its clients, users, signing keys and issued codes and tokens. Cheap to
/// clone (clones share the pool); serve it with [`serve`] or mount [`LocalIdp::router`].
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

    /// The HTTP routes of every endpoint, for a caller that runs its own server.
    pub fn router(&self) -> Router {
        endpoints::router(self.pool.clone())
    }

    /// The issuer URL, `{domain}/{pool id}`: the `iss` claim and the base of the discovery document.
    pub fn issuer(&self) -> String {
        self.pool.issuer.clone()
    }

    /// How often each endpoint has done its work so far.
    pub fn stats(&self) -> LocalIdpStats {
        let c = &self.pool.counters;
        LocalIdpStats {
            code_grants: c.code_grants.load(Ordering::Relaxed),
            refresh_grants: c.refresh_grants.load(Ordering::Relaxed),
            client_credentials_grants: c.client_credentials_grants.load(Ordering::Relaxed),
            jwks_requests: c.jwks_requests.load(Ordering::Relaxed),
            revocations: c.revocations.load(Ordering::Relaxed),
            initiate_auth: c.initiate_auth.load(Ordering::Relaxed),
            get_user: c.get_user.load(Ordering::Relaxed),
            user_info: c.user_info.load(Ordering::Relaxed),
            refused_while_unavailable: c.refused_while_unavailable.load(Ordering::Relaxed),
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

/// How long a connection may stay silent while the provider waits for it to send: the rest of
/// a request's head or body, or the next request on a kept-alive connection. Longer than the
/// idle timeout of common clients' connection pools (reqwest's is 90 s), so that such a client
/// closes an idle connection first: a request sent just as the server closes it would fail.
pub const CLIENT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Serves on a listener the caller bound (port 0 in tests) until `shutdown` resolves. A
/// connection that sends nothing for [`CLIENT_READ_TIMEOUT`] is closed.
pub async fn serve(
    idp: LocalIdp,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_read_timeout(idp, listener, CLIENT_READ_TIMEOUT, shutdown).await
}

/// [`serve`], closing a connection that sends nothing for `read_timeout`.
pub async fn serve_with_read_timeout(
    idp: LocalIdp,
    listener: tokio::net::TcpListener,
    read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = ReadTimeoutListener { listener, read_timeout };
    axum::serve(listener, idp.router()).with_graceful_shutdown(shutdown).await
}

/// Accepts connections whose reads fail after `read_timeout` of silence. `axum::serve` gives
/// hyper no timer, so without this a client that stops halfway through a request (or keeps an
/// idle connection) would hold its connection, and a task, for good.
struct ReadTimeoutListener {
    listener: tokio::net::TcpListener,
    read_timeout: Duration,
}

impl axum::serve::Listener for ReadTimeoutListener {
    type Io = std::pin::Pin<Box<tokio_io_timeout::TimeoutStream<tokio::net::TcpStream>>>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, address) = axum::serve::Listener::accept(&mut self.listener).await;
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_read_timeout(Some(self.read_timeout));
        (Box::pin(stream), address)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
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
        // Cognito's pattern for client ids: `[\w+]+`, at most 128 characters (checked here,
        // not by the app's configuration code: the provider imports none of the client's code).
        let id = &client.client_id;
        if !(1..=128).contains(&id.len()) || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+') {
            return problem(format!("client id {id:?} must be 1 to 128 letters, digits, '_' or '+'"));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Options [`LocalIdp::new`] accepts; each test spoils one thing.
    fn options() -> LocalIdpOptions {
        LocalIdpOptions {
            domain: "http://127.0.0.1:9229".to_string(),
            pool_id: defaults::USER_POOL_ID.to_string(),
            clients: vec![
                ClientRegistration::confidential("confidential01", "a-secret"),
                ClientRegistration::public("public01"),
            ],
            users: users::demo_users(),
            keys_file: None,
            lifetimes: TokenLifetimes::default(),
            clock: Arc::new(ManualClock::starting_now()),
        }
    }

    /// `LocalIdp::new` refuses `options` with `LocalIdpError::Options` naming `expected`.
    fn assert_refused(options: LocalIdpOptions, expected: &str) {
        match LocalIdp::new(options) {
            Err(LocalIdpError::Options(message)) => assert!(message.contains(expected), "{message}"),
            other => panic!("expected LocalIdpError::Options containing {expected:?}, got {other:?}"),
        }
    }

    /// A client's pool closes its idle connections before the provider does: reqwest's pool
    /// keeps one for 90 s (`ClientBuilder::pool_idle_timeout`), and a request sent on a
    /// connection the server is just closing would fail.
    #[test]
    fn the_read_timeout_outlasts_the_idle_connections_of_client_pools() {
        const REQWEST_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
        assert!(CLIENT_READ_TIMEOUT > REQWEST_POOL_IDLE_TIMEOUT, "{CLIENT_READ_TIMEOUT:?}");
    }

    #[test]
    fn the_baseline_options_are_accepted() {
        assert!(LocalIdp::new(options()).is_ok());
    }

    #[test]
    fn options_without_a_client_are_refused() {
        let mut no_client = options();
        no_client.clients.clear();
        assert_refused(no_client, "no app client is registered");
    }

    #[test]
    fn options_with_a_client_id_twice_are_refused() {
        let mut twice = options();
        twice.clients.push(ClientRegistration::public("confidential01"));
        assert_refused(twice, "client id \"confidential01\" is registered twice");
    }

    #[test]
    fn options_with_a_zero_lifetime_are_refused() {
        let zero = Duration::ZERO;
        for lifetimes in [
            TokenLifetimes { id: zero, ..TokenLifetimes::default() },
            TokenLifetimes { access: zero, ..TokenLifetimes::default() },
            TokenLifetimes { refresh: zero, ..TokenLifetimes::default() },
        ] {
            assert_refused(LocalIdpOptions { lifetimes, ..options() }, "token lifetimes must be longer than zero");
        }
    }

    #[test]
    fn client_credentials_without_a_secret_are_refused() {
        let mut no_secret = options();
        let machine = ClientRegistration { allow_client_credentials: true, ..ClientRegistration::public("machine01") };
        no_secret.clients.push(machine);
        assert_refused(no_secret, "client \"machine01\": client_credentials needs a client secret");
    }
}
