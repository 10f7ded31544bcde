//! Typed settings, read once at start-up from `.env` and the environment.
//!
//! Every variable of the outside contract (`CONTRACT.md`) is parsed here and nowhere else, so a
//! bad value stops the process before it serves anything, with one line that names the
//! variable. Secret values are never echoed back in those lines.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::SecretString;
use url::Url;

use crate::local_idp::defaults as local;

/// A configuration problem, reported as `VARIABLE: what is wrong`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where the app listens (`LEPTOS_SITE_ADDR`).
    pub site_addr: SocketAddr,
    /// The app's public base URL as the browser sees it (`APP_URL`), always ending in `/`.
    pub app_url: Url,
    pub cognito: CognitoSettings,
    pub session: SessionSettings,
    /// Cognito group allowed into `/admin` and `/api/v1/admin/*`.
    pub admin_group: String,
    /// Set when the embedded identity provider runs inside this process.
    pub local_idp: Option<LocalIdpSettings>,
    /// Client ids whose access tokens `/api` accepts: this app's, then `API_ALLOWED_CLIENT_IDS`
    /// (machine clients of the same pool). Built once here, not on every Bearer request.
    pub api_allowed_clients: Vec<String>,
    /// `TOKEN_REFRESH_SKEW_SECS`: refresh tokens this long before they expire.
    pub refresh_skew_secs: i64,
}

/// How the app reaches its user pool: real Cognito, or the embedded provider.
#[derive(Debug, Clone)]
pub struct CognitoSettings {
    pub region: Option<String>,
    pub user_pool_id: Option<String>,
    /// Exact `iss` value tokens must carry; the JWKS lives under it.
    pub issuer: String,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalIdpMode {
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone)]
pub struct LocalIdpSettings {
    pub addr: SocketAddr,
    /// `LOCAL_IDP_USERS`: replaces the built-in demo users.
    pub users_file: Option<PathBuf>,
    /// `LOCAL_IDP_KEYS_FILE`: signing keys, created on first start so tokens survive restarts.
    pub keys_file: PathBuf,
    /// `LOCAL_IDP_ID_TOKEN_SECS`, `LOCAL_IDP_ACCESS_TOKEN_SECS`, `LOCAL_IDP_REFRESH_TOKEN_SECS`:
    /// short lifetimes make refresh observable in tests and demos.
    pub id_token_ttl: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// `LOCAL_IDP_REFRESH_ROTATION=on`: every refresh returns a new refresh token.
    pub refresh_token_rotation: bool,
}

impl AppConfig {
    /// Loads `.env` (the real environment wins over it), then parses the environment.
    pub fn from_environment() -> Result<Self, ConfigError> {
        load_dotenv()?;
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// For `leptos-cognito local-idp`: the embedded provider's settings whatever `LOCAL_IDP`
    /// says, since running it is the whole point of the command.
    pub fn from_environment_for_local_idp() -> Result<Self, ConfigError> {
        load_dotenv()?;
        Self::from_lookup(|name| if name == "LOCAL_IDP" { Some("on".into()) } else { std::env::var(name).ok() })
    }

    /// Parses settings from any variable source; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // An empty value (`COGNITO_CLIENT_SECRET=` in a .env file) means "not set".
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let site_addr = match get("LEPTOS_SITE_ADDR") {
            Some(value) => parse_socket_addr("LEPTOS_SITE_ADDR", &value)?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let app_url = parse_base_url("APP_URL", get("APP_URL").as_deref().unwrap_or("http://localhost:3000"))?;

        let local_idp_mode = match get("LOCAL_IDP").as_deref() {
            None | Some("auto") => LocalIdpMode::Auto,
            Some("on") => LocalIdpMode::On,
            Some("off") => LocalIdpMode::Off,
            Some(other) => {
                return Err(ConfigError::new("LOCAL_IDP", format!("{other:?} is not one of auto, on, off")));
            }
        };
        let local_idp_on = match local_idp_mode {
            LocalIdpMode::On => true,
            LocalIdpMode::Off => false,
            LocalIdpMode::Auto => get("COGNITO_CLIENT_ID").is_none(),
        };
        let local_idp = if local_idp_on {
            let addr = match get("LOCAL_IDP_ADDR") {
                Some(value) => parse_socket_addr("LOCAL_IDP_ADDR", &value)?,
                None => SocketAddr::from(([127, 0, 0, 1], local::DEFAULT_PORT)),
            };
            if !addr.ip().is_loopback() && get("LOCAL_IDP_ALLOW_NON_LOOPBACK").as_deref() != Some("true") {
                return Err(ConfigError::new(
                    "LOCAL_IDP_ADDR",
                    format!(
                        "{addr} is not a loopback address; the embedded identity provider is for \
                         development (set LOCAL_IDP_ALLOW_NON_LOOPBACK=true to allow it anyway)"
                    ),
                ));
            }
            Some(LocalIdpSettings {
                addr,
                users_file: get("LOCAL_IDP_USERS").map(PathBuf::from),
                keys_file: PathBuf::from(
                    get("LOCAL_IDP_KEYS_FILE").unwrap_or_else(|| local::DEFAULT_KEYS_FILE.to_string()),
                ),
                id_token_ttl: parse_seconds("LOCAL_IDP_ID_TOKEN_SECS", get("LOCAL_IDP_ID_TOKEN_SECS"), 3_600)?,
                access_token_ttl: parse_seconds(
                    "LOCAL_IDP_ACCESS_TOKEN_SECS",
                    get("LOCAL_IDP_ACCESS_TOKEN_SECS"),
                    3_600,
                )?,
                refresh_token_ttl: parse_seconds(
                    "LOCAL_IDP_REFRESH_TOKEN_SECS",
                    get("LOCAL_IDP_REFRESH_TOKEN_SECS"),
                    2_592_000,
                )?,
                refresh_token_rotation: parse_on_off("LOCAL_IDP_REFRESH_ROTATION", get("LOCAL_IDP_REFRESH_ROTATION"))?,
            })
        } else {
            None
        };

        let redirect_uri = match get("COGNITO_REDIRECT_URI") {
            Some(value) => parse_url("COGNITO_REDIRECT_URI", &value)?,
            None => join_app_url(&app_url, "auth/callback"),
        };
        let logout_uri = match get("COGNITO_LOGOUT_URI") {
            Some(value) => parse_url("COGNITO_LOGOUT_URI", &value)?,
            None => app_url.clone(),
        };
        let scopes = parse_scopes(get("COGNITO_SCOPES").as_deref().unwrap_or("openid email profile"))?;
        let identity_providers = parse_identity_providers(get("COGNITO_IDENTITY_PROVIDERS").as_deref())?;

        let cognito = match &local_idp {
            Some(local_settings) => {
                let base = format!("http://{}", local_settings.addr);
                CognitoSettings {
                    region: Some(local::REGION.to_string()),
                    user_pool_id: Some(local::USER_POOL_ID.to_string()),
                    issuer: format!("{base}/{}", local::USER_POOL_ID),
                    domain: parse_url("LOCAL_IDP_ADDR", &base)?,
                    client_id: local::CLIENT_ID.to_string(),
                    client_secret: Some(SecretString::from(local::CLIENT_SECRET)),
                    scopes,
                    redirect_uri,
                    logout_uri,
                    identity_providers,
                }
            }
            None => {
                let region = get("COGNITO_REGION").map(|r| parse_region(&r)).transpose()?;
                let user_pool_id =
                    get("COGNITO_USER_POOL_ID").map(|p| parse_pool_id(&p, region.as_deref())).transpose()?;
                let issuer = match (get("COGNITO_ISSUER"), &region, &user_pool_id) {
                    (Some(issuer), _, _) => {
                        parse_url("COGNITO_ISSUER", &issuer)?.as_str().trim_end_matches('/').to_string()
                    }
                    (None, Some(region), Some(pool)) => format!("https://cognito-idp.{region}.amazonaws.com/{pool}"),
                    (None, None, _) => {
                        return Err(missing("COGNITO_REGION", "needed to derive the issuer (or set COGNITO_ISSUER)"));
                    }
                    (None, _, None) => {
                        return Err(missing(
                            "COGNITO_USER_POOL_ID",
                            "needed to derive the issuer (or set COGNITO_ISSUER)",
                        ));
                    }
                };
                let domain = parse_url(
                    "COGNITO_DOMAIN",
                    &get("COGNITO_DOMAIN").ok_or_else(|| missing("COGNITO_DOMAIN", "the hosted UI domain"))?,
                )?;
                let client_id =
                    get("COGNITO_CLIENT_ID").ok_or_else(|| missing("COGNITO_CLIENT_ID", "the app client id"))?;
                if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(ConfigError::new("COGNITO_CLIENT_ID", "must contain only letters and digits"));
                }
                CognitoSettings {
                    region,
                    user_pool_id,
                    issuer,
                    domain,
                    client_id,
                    client_secret: get("COGNITO_CLIENT_SECRET").map(SecretString::from),
                    scopes,
                    redirect_uri,
                    logout_uri,
                    identity_providers,
                }
            }
        };

        let session = SessionSettings {
            store: parse_session_store(get("SESSION_STORE").as_deref().unwrap_or("memory"))?,
            idle_timeout: parse_seconds("SESSION_IDLE_TIMEOUT_SECS", get("SESSION_IDLE_TIMEOUT_SECS"), 28_800)?,
            max_age: parse_seconds("SESSION_MAX_AGE_SECS", get("SESSION_MAX_AGE_SECS"), 2_592_000)?,
        };
        let admin_group = get("ADMIN_GROUP").unwrap_or_else(|| "admin".to_string());

        let mut api_allowed_clients = vec![cognito.client_id.clone()];
        let api_extra_clients = get("API_ALLOWED_CLIENT_IDS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(|id| {
                        if id.chars().all(|c| c.is_ascii_alphanumeric()) {
                            Ok(id.to_string())
                        } else {
                            Err(ConfigError::new("API_ALLOWED_CLIENT_IDS", format!("{id:?} is not a client id")))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        api_allowed_clients.extend(api_extra_clients);

        let refresh_skew_secs =
            parse_seconds("TOKEN_REFRESH_SKEW_SECS", get("TOKEN_REFRESH_SKEW_SECS"), 60)?.as_secs() as i64;

        Ok(AppConfig {
            site_addr,
            app_url,
            cognito,
            session,
            admin_group,
            local_idp,
            api_allowed_clients,
            refresh_skew_secs,
        })
    }

    /// The app's own origin, e.g. `http://localhost:3000`, for same-origin checks.
    pub fn app_origin(&self) -> String {
        self.app_url.origin().ascii_serialization()
    }

    pub fn uses_https(&self) -> bool {
        self.app_url.scheme() == "https"
    }
}

fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(error) if error.not_found() => Ok(()),
        Err(error) => Err(ConfigError::new(".env", format!("cannot be read: {error}"))),
    }
}

fn missing(variable: &'static str, what: &str) -> ConfigError {
    ConfigError::new(variable, format!("is not set ({what})"))
}

fn parse_socket_addr(variable: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::new(variable, format!("{value:?} is not an address like 127.0.0.1:3000")))
}

fn parse_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value)
        .map_err(|error| ConfigError::new(variable, format!("{value:?} is not an absolute URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new(variable, format!("{value:?} is not an http(s) URL with a host")));
    }
    if url.fragment().is_some() {
        return Err(ConfigError::new(variable, format!("{value:?} must not have a #fragment")));
    }
    Ok(url)
}

/// A base URL: no query, and a path ending in `/` so relative joins stay under it.
fn parse_base_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
    let mut url = parse_url(variable, value)?;
    if url.query().is_some() {
        return Err(ConfigError::new(variable, format!("{value:?} must not have a query string")));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn join_app_url(app_url: &Url, relative: &str) -> Url {
    // `app_url` always ends in '/', and `relative` is a constant path segment.
    app_url.join(relative).unwrap_or_else(|_| app_url.clone())
}

fn parse_region(value: &str) -> Result<String, ConfigError> {
    let valid = value.split('-').count() >= 3
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(value.to_string())
    } else {
        Err(ConfigError::new("COGNITO_REGION", format!("{value:?} is not an AWS region like us-east-1")))
    }
}

fn parse_pool_id(value: &str, region: Option<&str>) -> Result<String, ConfigError> {
    let problem =
        || ConfigError::new("COGNITO_USER_POOL_ID", format!("{value:?} is not a pool id like us-east-1_AbC123xyz"));
    let (pool_region, suffix) = value.split_once('_').ok_or_else(problem)?;
    if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(problem());
    }
    parse_region(pool_region).map_err(|_| problem())?;
    if let Some(region) = region
        && region != pool_region
    {
        return Err(ConfigError::new(
            "COGNITO_USER_POOL_ID",
            format!("{value:?} belongs to region {pool_region}, but COGNITO_REGION is {region}"),
        ));
    }
    Ok(value.to_string())
}

fn parse_scopes(value: &str) -> Result<Vec<String>, ConfigError> {
    let scopes: Vec<String> = value.split_whitespace().map(str::to_string).collect();
    if !scopes.iter().any(|s| s == "openid") {
        // Cognito issues an ID token only when `openid` is requested, and sign-in needs one.
        return Err(ConfigError::new("COGNITO_SCOPES", format!("{value:?} must include openid")));
    }
    Ok(scopes)
}

fn parse_identity_providers(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    value
        .split(',')
        .map(str::trim)
        .map(|name| {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                Err(ConfigError::new(
                    "COGNITO_IDENTITY_PROVIDERS",
                    format!("{name:?} is not a provider name (comma-separated names like Google)"),
                ))
            } else {
                Ok(name.to_string())
            }
        })
        .collect()
}

fn parse_session_store(value: &str) -> Result<SessionStoreSetting, ConfigError> {
    if value == "memory" {
        return Ok(SessionStoreSetting::Memory);
    }
    if let Some(path) = value.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(ConfigError::new("SESSION_STORE", "sqlite:// needs a file path, e.g. sqlite://sessions.db"));
        }
        return Ok(SessionStoreSetting::Sqlite(PathBuf::from(path)));
    }
    if let Some(authority) = value.strip_prefix("redis://") {
        let (host, port) = authority
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
            .filter(|(host, _)| !host.is_empty())
            .ok_or_else(|| ConfigError::new("SESSION_STORE", format!("{value:?} is not redis://HOST:PORT")))?;
        return Ok(SessionStoreSetting::Redis { host: host.to_string(), port });
    }
    Err(ConfigError::new("SESSION_STORE", format!("{value:?} is not memory, sqlite://PATH or redis://HOST:PORT")))
}

fn parse_seconds(variable: &'static str, value: Option<String>, default: u64) -> Result<Duration, ConfigError> {
    let Some(value) = value else { return Ok(Duration::from_secs(default)) };
    match value.parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(ConfigError::new(variable, format!("{value:?} is not a positive whole number of seconds"))),
    }
}

fn parse_on_off(variable: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.as_deref() {
        None | Some("off") | Some("false") => Ok(false),
        Some("on") | Some("true") => Ok(true),
        Some(other) => Err(ConfigError::new(variable, format!("{other:?} is not on or off"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<AppConfig, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        AppConfig::from_lookup(|name| map.get(name).cloned())
    }

    const REAL_COGNITO: &[(&str, &str)] = &[
        ("COGNITO_REGION", "eu-west-1"),
        ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
        ("COGNITO_DOMAIN", "https://example.auth.eu-west-1.amazoncognito.com"),
        ("COGNITO_CLIENT_ID", "1example23456789"),
    ];

    #[test]
    fn defaults_use_the_embedded_provider() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.app_url.as_str(), "http://localhost:3000/");
        let local = config.local_idp.as_ref().expect("embedded provider on by default");
        assert_eq!(local.addr.to_string(), "127.0.0.1:9229");
        assert_eq!(config.cognito.issuer, format!("http://127.0.0.1:9229/{}", local::USER_POOL_ID));
        assert_eq!(config.cognito.redirect_uri.as_str(), "http://localhost:3000/auth/callback");
        assert_eq!(config.cognito.logout_uri.as_str(), "http://localhost:3000/");
        assert_eq!(config.cognito.scopes, ["openid", "email", "profile"]);
        assert_eq!(config.session.store, SessionStoreSetting::Memory);
        assert_eq!(config.session.idle_timeout, Duration::from_secs(28_800));
        assert_eq!(config.session.max_age, Duration::from_secs(2_592_000));
        assert_eq!(config.admin_group, "admin");
    }

    #[test]
    fn real_cognito_derives_issuer_and_uris() {
        let config = parse(REAL_COGNITO).unwrap();
        assert!(config.local_idp.is_none(), "a client id switches the embedded provider off");
        assert_eq!(config.cognito.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz");
        assert_eq!(
            config.cognito.jwks_uri(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json"
        );
        assert_eq!(
            config.cognito.domain_endpoint("oauth2/token"),
            "https://example.auth.eu-west-1.amazoncognito.com/oauth2/token"
        );
        assert!(config.cognito.client_secret.is_none());
    }

    #[test]
    fn explicit_values_win() {
        let mut vars = REAL_COGNITO.to_vec();
        vars.extend([
            ("APP_URL", "https://app.example.com"),
            ("COGNITO_ISSUER", "https://issuer.example.com/pool/"),
            ("COGNITO_CLIENT_SECRET", "s3cret"),
            ("COGNITO_SCOPES", "openid email"),
            ("COGNITO_IDENTITY_PROVIDERS", "Google, Okta-Corp"),
            ("SESSION_STORE", "sqlite://data/sessions.db"),
            ("SESSION_IDLE_TIMEOUT_SECS", "60"),
            ("ADMIN_GROUP", "staff"),
        ]);
        let config = parse(&vars).unwrap();
        assert_eq!(config.cognito.issuer, "https://issuer.example.com/pool");
        assert_eq!(config.cognito.redirect_uri.as_str(), "https://app.example.com/auth/callback");
        assert_eq!(config.cognito.client_secret.as_ref().unwrap().expose_secret(), "s3cret");
        assert_eq!(config.cognito.identity_providers, ["Google", "Okta-Corp"]);
        assert_eq!(config.session.store, SessionStoreSetting::Sqlite("data/sessions.db".into()));
        assert_eq!(config.session.idle_timeout, Duration::from_secs(60));
        assert_eq!(config.admin_group, "staff");
        assert!(config.uses_https());
        assert_eq!(config.app_origin(), "https://app.example.com");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("APP_URL", "not-a-url")], "APP_URL"),
            (&[("APP_URL", "ftp://example.com")], "APP_URL"),
            (&[("LEPTOS_SITE_ADDR", "localhost")], "LEPTOS_SITE_ADDR"),
            (&[("LOCAL_IDP", "maybe")], "LOCAL_IDP"),
            (&[("LOCAL_IDP_ADDR", "0.0.0.0:9229")], "LOCAL_IDP_ADDR"),
            (&[("SESSION_STORE", "postgres://x")], "SESSION_STORE"),
            (&[("SESSION_STORE", "redis://nohost")], "SESSION_STORE"),
            (&[("SESSION_IDLE_TIMEOUT_SECS", "-5")], "SESSION_IDLE_TIMEOUT_SECS"),
            (&[("SESSION_MAX_AGE_SECS", "0")], "SESSION_MAX_AGE_SECS"),
            (&[("COGNITO_SCOPES", "email profile")], "COGNITO_SCOPES"),
            (&[("COGNITO_IDENTITY_PROVIDERS", "Google,,Okta")], "COGNITO_IDENTITY_PROVIDERS"),
            (&[("LOCAL_IDP", "off")], "COGNITO_REGION"),
        ];
        for (vars, variable) in cases {
            let error = parse(vars).expect_err(&format!("{vars:?} should fail"));
            assert_eq!(error.variable, *variable, "{vars:?} gave {error}");
        }
    }

    #[test]
    fn real_cognito_needs_its_variables() {
        for (index, (variable, _)) in REAL_COGNITO.iter().enumerate() {
            if *variable == "COGNITO_CLIENT_ID" {
                continue; // without it the embedded provider takes over
            }
            let mut vars: Vec<_> = REAL_COGNITO.to_vec();
            vars.remove(index);
            let error = parse(&vars).expect_err(variable);
            assert_eq!(error.variable, *variable);
        }
        let mut vars = REAL_COGNITO.to_vec();
        vars.push(("COGNITO_USER_POOL_ID", "us-east-1_Other"));
        vars.remove(1);
        assert_eq!(parse(&vars).unwrap_err().variable, "COGNITO_USER_POOL_ID");
    }

    #[test]
    fn secrets_are_not_printed() {
        let mut vars = REAL_COGNITO.to_vec();
        vars.push(("COGNITO_CLIENT_SECRET", "very-secret-value"));
        let config = parse(&vars).unwrap();
        assert!(!format!("{config:?}").contains("very-secret-value"));
    }
}
