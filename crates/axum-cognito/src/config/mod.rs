//! Settings of the auth core, built in code or read from the environment ([`mod@env`]).

pub mod env;

use std::{fmt, path::PathBuf, time::Duration};

use secrecy::SecretString;
use url::Url;

/// The user pool the app signs people in with, and how to reach its endpoints.
#[derive(Debug, Clone)]
pub struct CognitoSettings {
    /// The pool's AWS region (`eu-west-1`); `None` for a provider named by its issuer alone.
    pub region: Option<String>,
    /// The pool's id (`eu-west-1_AbC123`); `None` for a provider named by its issuer alone.
    pub user_pool_id: Option<String>,
    /// The pool's issuer; the JWKS lives under it.
    pub issuer: String,
    /// Every `iss` value tokens may carry: the issuer, and the pool's other issuer host
    /// (`https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`, which Cognito also emits),
    /// or exactly `COGNITO_ISSUERS` when set.
    pub accepted_issuers: Vec<String>,
    /// Base URL of the hosted UI / managed login domain, without a trailing slash.
    pub domain: Url,
    /// The app client's id.
    pub client_id: String,
    /// The app client's secret, if it has one: sent with HTTP Basic authentication to the token and
    /// revocation endpoints (RFC 6749 §2.3.1), and as `SECRET_HASH` to the user pools API.
    pub client_secret: Option<SecretString>,
    /// The scopes asked for at sign-in (RFC 6749 §3.3); `openid` is needed for an ID token.
    pub scopes: Vec<String>,
    /// The app's callback URL (`/auth/callback`): one of the app client's allowed callback URLs.
    pub redirect_uri: Url,
    /// Where Cognito's `/logout` sends the browser afterwards: one of the app client's allowed
    /// sign-out URLs (Amazon Cognito developer guide, "Logout endpoint").
    pub logout_uri: Url,
    /// The federated providers (by their names in the pool) that `/auth/login` may send people
    /// straight to.
    pub identity_providers: Vec<String>,
}

impl CognitoSettings {
    /// The pool's key set: `{issuer}/.well-known/jwks.json`.
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
        let [issuer, other_form] = CognitoSettings::issuer_forms(region, user_pool_id);
        let mut settings = CognitoSettings::with_issuer(issuer, domain, client_id, app_url);
        settings.region = Some(region.to_string());
        settings.user_pool_id = Some(user_pool_id.to_string());
        settings.accepted_issuers.push(other_form);
        settings
    }

    /// The two `iss` values Cognito emits for a pool: `https://cognito-idp.{region}.amazonaws.com/{pool}`
    /// (the one its discovery document names) and
    /// `https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`.
    pub fn issuer_forms(region: &str, user_pool_id: &str) -> [String; 2] {
        [
            format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
            format!("https://issuer-cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
        ]
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

/// Where sessions are kept, with the login transactions, refresh locks and session lists that live
/// beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStoreSetting {
    /// In this process: one instance, and a restart signs everyone out.
    Memory,
    /// In the SQLite file at this path: one instance, sessions survive restarts.
    Sqlite(PathBuf),
    /// In Redis, shared by any number of instances.
    Redis(RedisSetting),
}

/// A Redis server as `SESSION_STORE` names it: `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`,
/// or `rediss://…` for TLS (the URI schemes Redis's clients share, registered with IANA).
/// Managed Redis usually needs both a password and TLS (Amazon ElastiCache with in-transit
/// encryption and an AUTH token or ACL user). One server or primary endpoint: Redis Cluster
/// (cluster mode) is not supported.
#[derive(Debug, Clone)]
pub struct RedisSetting {
    /// The server's host name or address.
    pub host: String,
    /// The server's port (6379 when the URL names none).
    pub port: u16,
    /// `rediss://`: TLS, the server's certificate checked against the system's trusted roots
    /// (`SSL_CERT_FILE` names another bundle).
    pub tls: bool,
    /// The ACL user (`redis://USER:PASSWORD@…`); `None` is Redis's `default` user.
    pub username: Option<String>,
    /// The password sent with `AUTH`. Never printed.
    pub password: Option<SecretString>,
    /// The logical database (`…/DB`); 0 when the URL names none.
    pub database: u8,
}

impl RedisSetting {
    /// A server on `host:port` without TLS, password or database number.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        RedisSetting { host: host.into(), port, tls: false, username: None, password: None, database: 0 }
    }
}

/// Equal when every part is, the password included (compared, never shown).
impl PartialEq for RedisSetting {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        let password = |setting: &Self| setting.password.as_ref().map(|p| p.expose_secret().to_owned());
        (&self.host, self.port, self.tls, &self.username, self.database)
            == (&other.host, other.port, other.tls, &other.username, other.database)
            && password(self) == password(other)
    }
}

impl Eq for RedisSetting {}

/// As `SESSION_STORE` names it, without the password: for start-up lines and errors.
impl fmt::Display for SessionStoreSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionStoreSetting::Memory => f.write_str("memory"),
            SessionStoreSetting::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            SessionStoreSetting::Redis(redis) => redis.fmt(f),
        }
    }
}

/// `redis://` or `rediss://`, the user, host, port and database; never the password.
impl fmt::Display for RedisSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.tls { "rediss://" } else { "redis://" })?;
        if let Some(user) = &self.username {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if self.database != 0 {
            write!(f, "/{}", self.database)?;
        }
        Ok(())
    }
}

/// Where sessions are kept and how long they last.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Where sessions are kept.
    pub store: SessionStoreSetting,
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub max_age: Duration,
}

impl SessionSettings {
    /// [`SessionSettings::idle_timeout`] in whole seconds, at most 100 years
    /// ([`env::MAX_SECONDS`]): durations set in code as "forever" are added to clocks and Unix
    /// times, where a larger value would overflow.
    pub fn idle_timeout_secs(&self) -> i64 {
        capped_secs(self.idle_timeout)
    }

    /// [`SessionSettings::max_age`] in whole seconds, capped as
    /// [`SessionSettings::idle_timeout_secs`].
    pub fn max_age_secs(&self) -> i64 {
        capped_secs(self.max_age)
    }
}

fn capped_secs(duration: Duration) -> i64 {
    // 100 years fits an i64 of seconds many times over.
    duration.as_secs().min(env::MAX_SECONDS) as i64
}

/// The names the core gives to what it sends and stores, so that two apps on one domain or one
/// Redis do not collide. The defaults are leptos-cognito's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The session cookie (`lc_session`); `__Host-` is put in front under https.
    pub session_cookie: String,
    /// The cookie that binds a sign-in in flight to its browser (`lc_login`); `__Host-` is put in
    /// front under https.
    pub login_cookie: String,
    /// The start of every Redis key the core writes (`leptos-cognito:`): session records,
    /// sign-ins in flight, refresh locks, people's session lists.
    pub redis_key_prefix: String,
    /// The realm of the API's `WWW-Authenticate: Bearer` challenges (RFC 6750 §3):
    /// `leptos-cognito`.
    pub api_realm: String,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            session_cookie: "lc_session".into(),
            login_cookie: "lc_login".into(),
            redis_key_prefix: "leptos-cognito:".into(),
            api_realm: "leptos-cognito".into(),
        }
    }
}

/// Where [`crate::routes::router`] serves sign-in, the callback, sign-out and the ending of one
/// session; the callback is also served at the path of [`CognitoSettings::redirect_uri`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePaths {
    /// Starts a sign-in (`/auth/login`).
    pub login: String,
    /// Signs out, by `POST` (`/auth/logout`).
    pub logout: String,
    /// Ends one of the person's other sessions, by `POST` (`/auth/sessions/end`).
    pub end_session: String,
    /// Completes a sign-in (`/auth/callback`); the path of the redirect URI is served too when
    /// it differs ([`crate::routes::Routes::build`]).
    pub callback: String,
}

impl Default for RoutePaths {
    fn default() -> Self {
        RoutePaths {
            login: "/auth/login".into(),
            logout: "/auth/logout".into(),
            end_session: "/auth/sessions/end".into(),
            callback: "/auth/callback".into(),
        }
    }
}

/// How many sign-ins one client may start, and how its address is found. Each sign-in started
/// keeps a login transaction for ten minutes, and `/auth/login` needs no session, so without a
/// budget per client one script could crowd out everyone's sign-ins (see [`crate::client_limit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInLimit {
    /// Sign-ins one client may start per minute, all at once if it likes
    /// (`SIGN_IN_RATE_PER_MINUTE`, 30).
    pub per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`; loopback by
    /// default, so a proxy on the same host works as is).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for SignInLimit {
    fn default() -> Self {
        SignInLimit {
            per_minute: 30,
            trusted_proxies: vec![
                ipnet::IpNet::V4(ipnet::Ipv4Net::new_assert(std::net::Ipv4Addr::new(127, 0, 0, 0), 8)),
                ipnet::IpNet::from(std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
            ],
        }
    }
}

/// What the auth core needs to know, whoever configured it (environment or code).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The user pool and its app client.
    pub cognito: CognitoSettings,
    /// Where sessions are kept and how long they last.
    pub session: SessionSettings,
    /// Refresh tokens this long before they expire.
    pub refresh_skew_secs: i64,
    /// The app is served over https: session cookies are `Secure` and `__Host-` prefixed.
    pub https: bool,
    /// Cognito group of administrators.
    pub admin_group: String,
    /// Client ids whose access tokens API callers may present: the app's own first.
    pub api_allowed_clients: Vec<String>,
    /// The app's origin (`https://app.example.com`): a sign-out form posted from anywhere else
    /// is refused.
    pub app_origin: String,
    /// Cookie names, the Redis key prefix and the API realm.
    pub names: Names,
    /// Where the library's router serves sign-in and sign-out.
    pub paths: RoutePaths,
    /// The per-client budget of sign-ins started.
    pub sign_in_limit: SignInLimit,
}

impl AuthConfig {
    /// Settings for `cognito` with the defaults of leptos-cognito: sessions in memory, idle for
    /// at most 8 hours and 30 days in all, tokens refreshed a minute before they expire, the
    /// `admin` group, API tokens of this client only; https and the origin follow the
    /// callback URL.
    pub fn new(cognito: CognitoSettings) -> Self {
        AuthConfig {
            session: SessionSettings {
                store: SessionStoreSetting::Memory,
                idle_timeout: Duration::from_secs(28_800),
                max_age: Duration::from_secs(2_592_000),
            },
            refresh_skew_secs: 60,
            https: cognito.redirect_uri.scheme() == "https",
            admin_group: "admin".to_string(),
            api_allowed_clients: vec![cognito.client_id.clone()],
            app_origin: cognito.redirect_uri.origin().ascii_serialization(),
            names: Names::default(),
            paths: RoutePaths::default(),
            sign_in_limit: SignInLimit::default(),
            cognito,
        }
    }

    /// The session cookie's name as sent: [`Names::session_cookie`], `__Host-` prefixed under
    /// https.
    pub fn session_cookie_name(&self) -> String {
        host_prefixed(&self.names.session_cookie, self.https)
    }

    /// The sign-in binding cookie's name as sent: [`Names::login_cookie`], `__Host-` prefixed
    /// under https.
    pub fn login_cookie_name(&self) -> String {
        host_prefixed(&self.names.login_cookie, self.https)
    }

    /// Whether `path` is one where the sign-in callback is served: [`RoutePaths::callback`], or
    /// the path of the redirect URI.
    pub fn is_callback_path(&self, path: &str) -> bool {
        path == self.paths.callback || path == self.cognito.redirect_uri.path()
    }
}

/// With https, the `__Host-` prefix makes browsers insist on `Secure`, `Path=/` and no `Domain`,
/// so a sibling subdomain cannot plant or overwrite the cookie (RFC 6265bis §4.1.3.2).
fn host_prefixed(name: &str, https: bool) -> String {
    if https { format!("__Host-{name}") } else { name.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_callback_url() {
        let app = "https://app.example.com/".parse().unwrap();
        let cognito = CognitoSettings::user_pool(
            "eu-west-1",
            "eu-west-1_AbC123",
            "https://auth.example.com".parse().unwrap(),
            "client123",
            &app,
        );
        let config = AuthConfig::new(cognito);
        assert!(config.https, "an https callback makes the cookies Secure and __Host-");
        assert_eq!(config.app_origin, "https://app.example.com");
        assert_eq!(config.api_allowed_clients, ["client123"]);
        assert_eq!(config.session.store, SessionStoreSetting::Memory);
        assert_eq!(config.session_cookie_name(), "__Host-lc_session");
        assert_eq!(config.login_cookie_name(), "__Host-lc_login");
        assert_eq!(config.names.redis_key_prefix, "leptos-cognito:");
        assert_eq!(config.names.api_realm, "leptos-cognito");
        assert_eq!(config.paths.login, "/auth/login");
        assert_eq!(config.sign_in_limit.per_minute, 30);
        assert!(
            config
                .sign_in_limit
                .trusted_proxies
                .iter()
                .any(|net| net.contains(&std::net::IpAddr::from([127, 0, 0, 1])))
        );
        assert_eq!(
            config.cognito.accepted_issuers,
            [
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
            ]
        );

        let local = CognitoSettings::with_issuer(
            "http://127.0.0.1:9229/us-east-1_LocalPool".into(),
            "http://127.0.0.1:9229".parse().unwrap(),
            "client123",
            &"http://localhost:8080/".parse().unwrap(),
        );
        assert_eq!(local.accepted_issuers, ["http://127.0.0.1:9229/us-east-1_LocalPool"], "that issuer and no other");
        assert_eq!(local.redirect_uri.as_str(), "http://localhost:8080/auth/callback");
        let local = AuthConfig::new(local);
        assert!(!local.https);
        assert_eq!(local.session_cookie_name(), "lc_session", "no __Host- prefix without https");
    }
}
