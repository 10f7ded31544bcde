//! Typed settings, read once at start-up from `.env` and the environment.
//!
//! Every variable of the outside contract (the README's configuration table) is parsed here and
//! nowhere else, so a bad value stops the process before it serves anything, with one line that
//! names the variable. Secret values are never echoed back in those lines.

mod local_idp;
#[cfg(test)]
mod tests;
mod values;

use std::net::SocketAddr;

use url::Url;

use axum_cognito::config::env::parse_positive;
/// The auth core's settings, and how it reads them from the environment: `APP_URL`,
/// `COGNITO_*`, `SESSION_*`, `ADMIN_GROUP`, `API_ALLOWED_CLIENT_IDS`, `TOKEN_REFRESH_SKEW_SECS`,
/// `SIGN_IN_RATE_PER_MINUTE`, `TRUSTED_PROXIES`.
pub use axum_cognito::config::{
    AuthConfig, CognitoSettings, RedisSetting, SessionSettings, SessionStoreSetting,
    env::{ConfigError, Lookup},
};
pub use local_idp::{LocalIdpMode, LocalIdpSettings};
use values::{parse_metrics_addr, parse_socket_addr};

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where the app listens (`LEPTOS_SITE_ADDR`).
    pub site_addr: SocketAddr,
    /// The app's public base URL as the browser sees it (`APP_URL`), always ending in `/`.
    pub app_url: Url,
    /// What the auth core reads (`COGNITO_*`, `SESSION_*`, `ADMIN_GROUP`,
    /// `API_ALLOWED_CLIENT_IDS`, `TOKEN_REFRESH_SKEW_SECS`, `SIGN_IN_RATE_PER_MINUTE`,
    /// `TRUSTED_PROXIES`), parsed by the core itself.
    pub auth: AuthConfig,
    /// Set when the embedded identity provider runs inside this process.
    pub local_idp: Option<LocalIdpSettings>,
    /// `METRICS_ADDR`: where Prometheus metrics are served; `None`: nowhere.
    pub metrics_addr: Option<SocketAddr>,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `SHUTDOWN_GRACE_SECS`: how long requests in flight may take to finish after SIGTERM.
    pub shutdown_grace: std::time::Duration,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

impl AppConfig {
    /// Loads `.env` (the real environment wins over it), then parses the environment.
    pub fn from_environment() -> Result<Self, ConfigError> {
        load_dotenv()?;
        from_process_environment(|_, value| value)
    }

    /// For `leptos-cognito local-idp`: the embedded provider's settings whatever `LOCAL_IDP`
    /// says, since running it is the whole point of the command.
    pub fn from_environment_for_local_idp() -> Result<Self, ConfigError> {
        load_dotenv()?;
        from_process_environment(|name, value| if name == "LOCAL_IDP" { Some("on".into()) } else { value })
    }

    /// Parses settings from any variable source; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // An empty value (`COGNITO_CLIENT_SECRET=` in a .env file) means "not set".
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let site_addr = match get("LEPTOS_SITE_ADDR") {
            Some(value) => parse_socket_addr("LEPTOS_SITE_ADDR", &value)?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let app_url = axum_cognito::config::env::app_url(&get)?;
        let local_idp = local_idp::from_lookup(&get)?;
        // The auth core reads its own variables; the embedded provider, when on, stands in
        // for the pool and client that `COGNITO_*` would name.
        let provider = local_idp.as_ref().map(local_idp::known_provider).transpose()?;
        let auth = AuthConfig::from_lookup(&get, provider)?;
        check_callback_path(auth.cognito.redirect_uri.path())?;

        let metrics_addr = get("METRICS_ADDR").map(|value| parse_metrics_addr(&value)).transpose()?;
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(ConfigError::new("LOG_FORMAT", format!("{other:?} is not text or json"))),
        };
        // Under the 30 seconds that Kubernetes and Amazon ECS allow by default between SIGTERM
        // and SIGKILL, so the app still ends on its own terms.
        let shutdown_grace_secs = parse_positive("SHUTDOWN_GRACE_SECS", get("SHUTDOWN_GRACE_SECS"), 25)?;

        Ok(AppConfig {
            metrics_addr,
            log_format,
            shutdown_grace: std::time::Duration::from_secs(shutdown_grace_secs.into()),
            site_addr,
            app_url,
            auth,
            local_idp,
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

/// Loads `./.env`, and only that file: `dotenvy::dotenv()` would also search the parent
/// directories. A line that does not parse is named by its variable, never by its text, since
/// the text may hold a secret (and, after an unclosed quote, the rest of the file).
/// Paths the app serves itself (its pages in `app.rs`, the health checks, the sign-in routes, and
/// the API, server-function and bundle trees). The sign-in callback is served at the redirect
/// URI's path, and one of these would leave a page unreachable, or stop the app at start-up
/// with two handlers for one path.
const APP_PATHS: [&str; 10] = [
    "/",
    "/dashboard",
    "/profile",
    "/admin",
    "/auth/login",
    "/auth/logout",
    "/auth/sessions/end",
    "/auth/session-expired",
    "/healthz",
    "/readyz",
];
const APP_TREES: [&str; 3] = ["/api", "/fn", "/pkg"];

fn check_callback_path(path: &str) -> Result<(), ConfigError> {
    let in_tree = |tree: &str| path.strip_prefix(tree).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if APP_PATHS.contains(&path) || APP_TREES.into_iter().any(in_tree) {
        return Err(ConfigError::new(
            "COGNITO_REDIRECT_URI",
            format!("its path {path} is one of the app's own; use /auth/callback, or a path the app does not serve"),
        ));
    }
    Ok(())
}

fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::from_path(".env") {
        Ok(()) => Ok(()),
        Err(error) if error.not_found() => Ok(()),
        Err(dotenvy::Error::LineParse(entry, _)) => {
            Err(ConfigError::new(".env", format!("cannot be parsed at {}", entry_name(&entry))))
        }
        Err(dotenvy::Error::Io(error)) => Err(ConfigError::new(".env", format!("cannot be read: {error}"))),
        Err(_) => Err(ConfigError::new(".env", "cannot be read")),
    }
}

/// "the entry for NAME (an unclosed quote, or spaces in a value without quotes?)", from the text
/// of an entry that did not parse, without any of its value.
fn entry_name(entry: &str) -> String {
    let first_line = entry.lines().next().unwrap_or_default().trim_start();
    let first_line = first_line.strip_prefix("export ").unwrap_or(first_line).trim_start();
    let name = first_line.split('=').next().unwrap_or_default().trim();
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if is_name && first_line.contains('=') {
        format!("the entry for {name} (an unclosed quote, or spaces in a value without quotes?)")
    } else {
        "a line that is not NAME=value".into()
    }
}

/// Parses the process's environment, with `adjust` to override a variable's value. A value that
/// is not UTF-8 stops start-up with its name rather than reading as unset (which would, for
/// `SESSION_STORE`, quietly fall back to one instance's memory).
fn from_process_environment(adjust: impl Fn(&str, Option<String>) -> Option<String>) -> Result<AppConfig, ConfigError> {
    let not_unicode = std::cell::RefCell::new(None);
    let config = AppConfig::from_lookup(|name| {
        let value = match std::env::var(name) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                not_unicode.borrow_mut().get_or_insert_with(|| name.to_string());
                None
            }
        };
        adjust(name, value)
    });
    match not_unicode.into_inner() {
        // Leaked once, on the way to a start-up error: `ConfigError` names variables by
        // `&'static str`, and the process stops right after printing it.
        Some(name) => Err(ConfigError::new(String::leak(name), "is not valid UTF-8")),
        None => config,
    }
}
