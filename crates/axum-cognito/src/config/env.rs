//! Settings from environment variables (or any other source of named values): the variables of
//! leptos-cognito's configuration table (`APP_URL`, `COGNITO_*`, `SESSION_*`, `ADMIN_GROUP`,
//! `API_ALLOWED_CLIENT_IDS`, `TOKEN_REFRESH_SKEW_SECS`, `SIGN_IN_RATE_PER_MINUTE`,
//! `TRUSTED_PROXIES`), each checked, with an error that names
//! the variable and never echoes a secret.

use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;
use url::Url;

use super::{AuthConfig, CognitoSettings, RedisSetting, SessionSettings, SessionStoreSetting, SignInLimit};

/// A configuration problem, shown as `VARIABLE: what is wrong`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The variable at fault.
    pub variable: &'static str,
    /// What is wrong with it (never its value when it is a secret).
    pub problem: String,
}

impl ConfigError {
    /// A problem with `variable`.
    pub fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

/// Where settings come from: a variable's value by name, `None` when unset. Empty values count
/// as unset when read through [`AuthConfig::from_lookup`].
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A provider whose identity the app knows in code (an embedded or test provider), used in
/// place of `COGNITO_ISSUER`, `COGNITO_REGION`, `COGNITO_USER_POOL_ID`, `COGNITO_DOMAIN`,
/// `COGNITO_CLIENT_ID` and `COGNITO_CLIENT_SECRET`.
#[derive(Debug, Clone)]
pub struct KnownProvider {
    /// The pool's region, if it has one.
    pub region: Option<String>,
    /// The pool's id, if it has one.
    pub user_pool_id: Option<String>,
    /// The issuer, the only one accepted in tokens.
    pub issuer: String,
    /// The base URL of its authorization and token endpoints.
    pub domain: Url,
    /// The app client's id.
    pub client_id: String,
    /// The app client's secret.
    pub client_secret: Option<SecretString>,
}

impl AuthConfig {
    /// Reads the process environment (see the module notes): real Cognito from `COGNITO_*`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok(), None)
    }

    /// Reads the settings from `lookup`; with `provider`, its identity replaces the `COGNITO_*`
    /// variables that name the pool and client. Defaults are those of [`AuthConfig::new`].
    pub fn from_lookup(lookup: Lookup<'_>, provider: Option<KnownProvider>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let app_url = app_url(&get)?;
        let cognito = CognitoSettings::from_lookup(&get, &app_url, provider)?;
        let mut config = AuthConfig::new(cognito);
        config.session = SessionSettings::from_lookup(&get)?;
        config.admin_group = get("ADMIN_GROUP").unwrap_or_else(|| "admin".to_string());
        config.api_allowed_clients = std::iter::once(config.cognito.client_id.clone())
            .chain(parse_client_ids("API_ALLOWED_CLIENT_IDS", get("API_ALLOWED_CLIENT_IDS"))?)
            .collect();
        config.refresh_skew_secs =
            parse_seconds("TOKEN_REFRESH_SKEW_SECS", get("TOKEN_REFRESH_SKEW_SECS"), 60)?.as_secs() as i64;
        config.sign_in_limit = SignInLimit {
            per_minute: parse_positive("SIGN_IN_RATE_PER_MINUTE", get("SIGN_IN_RATE_PER_MINUTE"), 30)?,
            trusted_proxies: match get("TRUSTED_PROXIES") {
                Some(value) => parse_trusted_proxies(&value)?,
                None => SignInLimit::default().trusted_proxies,
            },
        };
        // Cookies and the origin follow the app's URL, whatever the callback says.
        config.https = app_url.scheme() == "https";
        config.app_origin = app_url.origin().ascii_serialization();
        Ok(config)
    }
}

/// `APP_URL`: the app's public base URL (default `http://localhost:3000`), always ending in `/`.
pub fn app_url(get: Lookup<'_>) -> Result<Url, ConfigError> {
    parse_base_url("APP_URL", get("APP_URL").as_deref().unwrap_or("http://localhost:3000"))
}

impl SessionSettings {
    /// `SESSION_STORE` (`memory`, `sqlite://PATH`, `redis://…` or `rediss://…`; default `memory`),
    /// `SESSION_IDLE_TIMEOUT_SECS` (default 8 hours), `SESSION_MAX_AGE_SECS` (default 30 days).
    pub fn from_lookup(get: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(SessionSettings {
            store: parse_session_store(get("SESSION_STORE").as_deref().unwrap_or("memory"))?,
            idle_timeout: parse_seconds("SESSION_IDLE_TIMEOUT_SECS", get("SESSION_IDLE_TIMEOUT_SECS"), 28_800)?,
            max_age: parse_seconds("SESSION_MAX_AGE_SECS", get("SESSION_MAX_AGE_SECS"), 2_592_000)?,
        })
    }
}

impl CognitoSettings {
    /// The pool and app client: `COGNITO_REGION` and `COGNITO_USER_POOL_ID` (or
    /// `COGNITO_ISSUER`), `COGNITO_ISSUERS`, `COGNITO_DOMAIN`, `COGNITO_CLIENT_ID`,
    /// `COGNITO_CLIENT_SECRET` (unless `provider` names them), and `COGNITO_REDIRECT_URI`
    /// (default `{APP_URL}auth/callback`), `COGNITO_LOGOUT_URI` (default `APP_URL`),
    /// `COGNITO_SCOPES` (default `openid email profile`), `COGNITO_IDENTITY_PROVIDERS`.
    pub fn from_lookup(get: Lookup<'_>, app_url: &Url, provider: Option<KnownProvider>) -> Result<Self, ConfigError> {
        let redirect_uri = match get("COGNITO_REDIRECT_URI") {
            Some(value) => parse_url("COGNITO_REDIRECT_URI", &value)?,
            None => join_app_url(app_url, "auth/callback"),
        };
        let logout_uri = match get("COGNITO_LOGOUT_URI") {
            Some(value) => parse_url("COGNITO_LOGOUT_URI", &value)?,
            None => app_url.clone(),
        };
        let scopes = parse_scopes(get("COGNITO_SCOPES").as_deref().unwrap_or("openid email profile"))?;
        let identity_providers = parse_identity_providers(get("COGNITO_IDENTITY_PROVIDERS").as_deref())?;
        // A known provider is trusted with its own issuer only; a pool named by `COGNITO_*`
        // also with the second issuer host Cognito emits for it, or exactly `COGNITO_ISSUERS`.
        let (provider, also_pool_forms) = match provider {
            Some(provider) => (provider, false),
            None => (pool_from_lookup(get)?, true),
        };
        let accepted_issuers = match get("COGNITO_ISSUERS").filter(|_| also_pool_forms) {
            Some(list) => parse_issuers(&list)?,
            None => {
                let mut accepted = vec![provider.issuer.clone()];
                if let (true, Some(region), Some(pool)) = (also_pool_forms, &provider.region, &provider.user_pool_id) {
                    for form in CognitoSettings::issuer_forms(region, pool) {
                        if !accepted.contains(&form) {
                            accepted.push(form);
                        }
                    }
                }
                accepted
            }
        };
        Ok(CognitoSettings {
            region: provider.region,
            user_pool_id: provider.user_pool_id,
            issuer: provider.issuer,
            accepted_issuers,
            domain: provider.domain,
            client_id: provider.client_id,
            client_secret: provider.client_secret,
            scopes,
            redirect_uri,
            logout_uri,
            identity_providers,
        })
    }
}

/// The pool and client from `COGNITO_*`.
fn pool_from_lookup(get: Lookup<'_>) -> Result<KnownProvider, ConfigError> {
    let region = get("COGNITO_REGION").map(|r| parse_region(&r)).transpose()?;
    let user_pool_id = get("COGNITO_USER_POOL_ID").map(|p| parse_pool_id(&p, region.as_deref())).transpose()?;
    let issuer = match (get("COGNITO_ISSUER"), &region, &user_pool_id) {
        (Some(issuer), _, _) => parse_url("COGNITO_ISSUER", &issuer)?.as_str().trim_end_matches('/').to_string(),
        (None, Some(region), Some(pool)) => {
            let [issuer, _] = CognitoSettings::issuer_forms(region, pool);
            issuer
        }
        (None, None, _) => {
            return Err(missing("COGNITO_REGION", "needed to derive the issuer (or set COGNITO_ISSUER)"));
        }
        (None, _, None) => {
            return Err(missing("COGNITO_USER_POOL_ID", "needed to derive the issuer (or set COGNITO_ISSUER)"));
        }
    };
    let domain = parse_url(
        "COGNITO_DOMAIN",
        &get("COGNITO_DOMAIN").ok_or_else(|| missing("COGNITO_DOMAIN", "the hosted UI domain"))?,
    )?;
    let client_id = get("COGNITO_CLIENT_ID").ok_or_else(|| missing("COGNITO_CLIENT_ID", "the app client id"))?;
    if !is_client_id(&client_id) {
        return Err(ConfigError::new(
            "COGNITO_CLIENT_ID",
            "must be 1 to 128 letters, digits, '_' or '+' (Cognito's pattern for client ids)",
        ));
    }
    Ok(KnownProvider {
        region,
        user_pool_id,
        issuer,
        domain,
        client_id,
        client_secret: get("COGNITO_CLIENT_SECRET").map(SecretString::from),
    })
}

fn parse_issuers(list: &str) -> Result<Vec<String>, ConfigError> {
    let issuers = list
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| parse_url("COGNITO_ISSUERS", item).map(|url| url.as_str().trim_end_matches('/').to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    if issuers.is_empty() {
        return Err(ConfigError::new("COGNITO_ISSUERS", "lists no issuer"));
    }
    Ok(issuers)
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

/// `variable` is not set; `what` says what it is for.
pub fn missing(variable: &'static str, what: &str) -> ConfigError {
    ConfigError::new(variable, format!("is not set ({what})"))
}

/// An absolute http(s) URL with a host and no fragment.
pub fn parse_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
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
pub fn parse_base_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
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

/// `relative` under `app_url` (which ends in `/`).
pub fn join_app_url(app_url: &Url, relative: &str) -> Url {
    // `relative` is a constant path segment, so the join cannot fail.
    app_url.join(relative).unwrap_or_else(|_| app_url.clone())
}

/// `memory`, `sqlite://PATH`, or a Redis URL ([`RedisSetting`]).
pub fn parse_session_store(value: &str) -> Result<SessionStoreSetting, ConfigError> {
    if value == "memory" {
        return Ok(SessionStoreSetting::Memory);
    }
    if let Some(path) = value.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(ConfigError::new("SESSION_STORE", "sqlite:// needs a file path, e.g. sqlite://sessions.db"));
        }
        return Ok(SessionStoreSetting::Sqlite(PathBuf::from(path)));
    }
    if value.starts_with("redis://") || value.starts_with("rediss://") {
        return parse_redis(value).map(SessionStoreSetting::Redis);
    }
    // A value with credentials in it is not echoed.
    let shown = if value.contains('@') { "the value".to_string() } else { format!("{value:?}") };
    Err(ConfigError::new("SESSION_STORE", format!("{shown} is not memory, sqlite://PATH, redis://… or rediss://…")))
}

/// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`, `rediss://` for TLS. Errors never repeat the
/// value, which may hold a password.
fn parse_redis(value: &str) -> Result<RedisSetting, ConfigError> {
    let bad = |problem: &str| {
        ConfigError::new(
            "SESSION_STORE",
            format!("{problem}; expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], or rediss://… for TLS"),
        )
    };
    let url = Url::parse(value).map_err(|error| bad(&format!("not a Redis URL ({error})")))?;
    let host = match url.host() {
        Some(url::Host::Domain(name)) if !name.is_empty() => name.to_string(),
        Some(url::Host::Ipv4(address)) => address.to_string(),
        Some(url::Host::Ipv6(address)) => address.to_string(),
        _ => return Err(bad("no host")),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a query or fragment is not understood"));
    }
    let database = match url.path().strip_prefix('/').unwrap_or(url.path()) {
        "" => 0,
        number => number.parse::<u8>().map_err(|_| bad("the database must be a number from 0 to 255"))?,
    };
    let decoded = |part: &str, what: &str| {
        percent_encoding::percent_decode_str(part)
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| bad(&format!("the {what} is not UTF-8 once percent-decoded")))
    };
    let username = match url.username() {
        "" => None,
        name => Some(decoded(name, "user name")?),
    };
    let password = url.password().map(|password| decoded(password, "password")).transpose()?;
    if username.is_some() && password.is_none() {
        // Redis authenticates only with a password; a user alone would connect as `default`.
        return Err(bad("an ACL user needs its password (USER:PASSWORD@)"));
    }
    Ok(RedisSetting {
        host,
        port: url.port().unwrap_or(6379),
        tls: url.scheme() == "rediss",
        username,
        password: password.map(SecretString::from),
        database,
    })
}

/// A positive whole number of seconds, `default` when unset.
pub fn parse_seconds(variable: &'static str, value: Option<String>, default: u64) -> Result<Duration, ConfigError> {
    let Some(value) = value else { return Ok(Duration::from_secs(default)) };
    match value.parse::<u64>() {
        Ok(seconds) if seconds > MAX_SECONDS => {
            Err(ConfigError::new(variable, format!("{value:?} is more than {MAX_SECONDS} seconds (100 years)")))
        }
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(ConfigError::new(variable, format!("{value:?} is not a positive whole number of seconds"))),
    }
}

/// The longest duration a `*_SECS` variable takes: 100 years. Durations become signed Unix
/// times (`now + max age`), and a value near `u64::MAX` would wrap negative there and end
/// every session on its first read.
pub const MAX_SECONDS: u64 = 100 * 365 * 24 * 60 * 60;

/// A whole number of at least one (a rate, a number of seconds), `default` when unset.
pub fn parse_positive(variable: &'static str, value: Option<String>, default: u32) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ConfigError::new(variable, format!("{value:?} is not a whole number of at least 1"))),
    }
}

/// `TRUSTED_PROXIES`: comma-separated addresses or networks (`10.0.0.0/8`) of the reverse
/// proxies in front of the app, whose `X-Forwarded-For` names the client.
pub fn parse_trusted_proxies(value: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>().or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from)).map_err(
                |_| {
                    ConfigError::new(
                        "TRUSTED_PROXIES",
                        format!("{item:?} is not an address or a network like 10.0.0.0/8"),
                    )
                },
            )
        })
        .collect()
}

/// Comma-separated client ids of the same pool.
pub fn parse_client_ids(variable: &'static str, value: Option<String>) -> Result<Vec<String>, ConfigError> {
    let Some(list) = value else { return Ok(Vec::new()) };
    list.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            if is_client_id(id) {
                Ok(id.to_string())
            } else {
                Err(ConfigError::new(variable, format!("{id:?} is not a client id")))
            }
        })
        .collect()
}

/// Cognito's `ClientId`: `[\w+]+`, at most 128 characters (Amazon Cognito API reference,
/// `DescribeUserPoolClient`). The id goes into URLs and the `SECRET_HASH`, so nothing else is let in.
fn is_client_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        AuthConfig::from_lookup(&|name| map.get(name).map(|v| v.to_string()), None)
    }

    const POOL: &[(&str, &str)] = &[
        ("COGNITO_REGION", "eu-west-1"),
        ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
        ("COGNITO_DOMAIN", "https://example.auth.eu-west-1.amazoncognito.com"),
        ("COGNITO_CLIENT_ID", "1example23456789"),
        ("APP_URL", "https://app.example.com"),
    ];

    #[test]
    fn a_pool_from_the_environment() {
        let config = parse(POOL).unwrap();
        assert_eq!(config.cognito.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz");
        assert_eq!(config.cognito.accepted_issuers.len(), 2, "both issuer hosts");
        assert_eq!(config.cognito.redirect_uri.as_str(), "https://app.example.com/auth/callback");
        assert!(config.https);
        assert_eq!(config.app_origin, "https://app.example.com");
        assert_eq!(config.session.store, SessionStoreSetting::Memory);
        assert_eq!(config.api_allowed_clients, ["1example23456789"]);

        let mut vars = POOL.to_vec();
        vars.extend([("SESSION_STORE", "redis://cache:6379"), ("API_ALLOWED_CLIENT_IDS", "machine1, machine2")]);
        let config = parse(&vars).unwrap();
        assert_eq!(config.session.store, SessionStoreSetting::Redis(RedisSetting::new("cache", 6379)));
        assert_eq!(config.api_allowed_clients, ["1example23456789", "machine1", "machine2"]);
    }

    #[test]
    fn a_known_provider_takes_the_place_of_the_pool_variables() {
        let provider = KnownProvider {
            region: Some("us-east-1".into()),
            user_pool_id: Some("us-east-1_Local".into()),
            issuer: "http://127.0.0.1:9229/us-east-1_Local".into(),
            domain: "http://127.0.0.1:9229".parse().unwrap(),
            client_id: "local".into(),
            client_secret: None,
        };
        let config = AuthConfig::from_lookup(&|_| None, Some(provider)).unwrap();
        assert_eq!(config.cognito.accepted_issuers, ["http://127.0.0.1:9229/us-east-1_Local"], "only its issuer");
        assert!(!config.https);
    }

    #[test]
    fn errors_name_the_variable() {
        assert_eq!(parse(&[]).unwrap_err().variable, "COGNITO_REGION");
        let mut vars = POOL.to_vec();
        vars.push(("SESSION_STORE", "postgres://x"));
        assert_eq!(
            parse(&vars).unwrap_err().to_string(),
            "SESSION_STORE: \"postgres://x\" is not memory, sqlite://PATH, redis://… or rediss://…"
        );
    }

    #[test]
    fn seconds_beyond_a_hundred_years_are_refused() {
        for variable in ["SESSION_MAX_AGE_SECS", "SESSION_IDLE_TIMEOUT_SECS", "TOKEN_REFRESH_SKEW_SECS"] {
            let mut vars = POOL.to_vec();
            vars.push((variable, "18446744073709551615"));
            let error = parse(&vars).unwrap_err();
            assert_eq!(error.variable, variable);
            assert!(error.to_string().contains("100 years"), "{error}");
        }
        let mut vars = POOL.to_vec();
        let hundred_years = MAX_SECONDS.to_string();
        vars.push(("SESSION_MAX_AGE_SECS", &hundred_years));
        assert_eq!(parse(&vars).unwrap().session.max_age.as_secs(), MAX_SECONDS);
    }

    #[test]
    fn registered_callback_and_sign_out_urls_can_be_named() {
        let mut vars = POOL.to_vec();
        vars.extend([
            ("COGNITO_REDIRECT_URI", "https://app.example.com/oauth/return"),
            ("COGNITO_LOGOUT_URI", "https://app.example.com/goodbye"),
        ]);
        let config = parse(&vars).unwrap();
        assert_eq!(config.cognito.redirect_uri.as_str(), "https://app.example.com/oauth/return");
        assert_eq!(config.cognito.logout_uri.as_str(), "https://app.example.com/goodbye");
        let defaults = parse(POOL).unwrap();
        assert_eq!(defaults.cognito.logout_uri.as_str(), "https://app.example.com/");
    }

    #[test]
    fn redis_urls_as_redis_clients_write_them() {
        let redis = |value: &str| match parse_session_store(value) {
            Ok(SessionStoreSetting::Redis(setting)) => setting,
            other => panic!("{value}: {other:?}"),
        };
        assert_eq!(redis("redis://cache"), RedisSetting::new("cache", 6379), "the default port");
        assert_eq!(redis("redis://10.0.0.7:6380/"), RedisSetting::new("10.0.0.7", 6380));
        assert_eq!(redis("redis://[::1]:6379"), RedisSetting::new("::1", 6379), "no brackets for the client");
        let full = redis("rediss://app%2Dsessions:p%40ss%3Aw%2Frd@cache.example.com:6380/3");
        assert_eq!(
            full,
            RedisSetting {
                host: "cache.example.com".into(),
                port: 6380,
                tls: true,
                username: Some("app-sessions".into()),
                password: Some(SecretString::from("p@ss:w/rd")),
                database: 3,
            }
        );
        assert!(!format!("{full:?}").contains("p@ss"), "the password is never printed: {full:?}");
        assert_eq!(full.to_string(), "rediss://app-sessions@cache.example.com:6380/3", "nor shown");
        assert_eq!(redis("redis://[::1]:6379").to_string(), "redis://[::1]:6379");
        let password_only = redis("redis://:s3cret@cache:6379");
        assert_eq!(password_only.username, None, "Redis's default user");
        assert_eq!(password_only.password.as_ref().map(|p| p.expose_secret().to_owned()), Some("s3cret".into()));
    }

    #[test]
    fn a_bad_redis_url_is_refused_without_repeating_it() {
        for value in [
            "redis://",
            "redis://:s3cret@cache:notaport",
            "redis://:s3cret@cache:6379/sessions",
            "redis://:s3cret@cache:6379/256",
            "rediss://:s3cret@cache:6379?ssl_cert_reqs=none",
            "redis://:s3cret@cache:6379#x",
            "redis://:%FF@cache:6379",
            "redis://s3cret-user@cache:6379",
        ] {
            let error = parse_session_store(value).expect_err(value);
            assert_eq!(error.variable, "SESSION_STORE");
            assert!(!error.problem.contains("s3cret") && !error.problem.contains("@cache"), "{value}: {error}");
            assert!(error.problem.contains("redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]"), "{value}: {error}");
        }
        let error = parse_session_store("postgres://user:s3cret@db").unwrap_err();
        assert!(!error.problem.contains("s3cret"), "{error}");
    }
}
