//! Settings of a provider started from the environment: the `LOCAL_IDP_*` variables.
//!
//! The same variables configure the provider whether it runs inside an app or on its own (the
//! `cognito-local-idp` binary), so a bad value gets the same one-line error everywhere.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::defaults;

/// Where settings come from: a variable's value by name, `None` when unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A bad `LOCAL_IDP_*` value, reported as `VARIABLE: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The variable at fault.
    pub variable: &'static str,
    /// What is wrong with its value (the value itself is never secret here).
    pub problem: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for SettingsError {}

fn error(variable: &'static str, problem: String) -> SettingsError {
    SettingsError { variable, problem }
}

/// How a provider is run: its address, users, keys, token lifetimes and refresh-token rules.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `LOCAL_IDP_ADDR` (default `127.0.0.1:9229`); loopback only unless
    /// `LOCAL_IDP_ALLOW_NON_LOOPBACK=true`.
    pub addr: SocketAddr,
    /// `LOCAL_IDP_USERS`: replaces the built-in demo users.
    pub users_file: Option<PathBuf>,
    /// `LOCAL_IDP_KEYS_FILE`: signing keys, created on first start so tokens survive restarts.
    pub keys_file: PathBuf,
    /// `LOCAL_IDP_ID_TOKEN_SECS` (default one hour); short lifetimes make refresh observable.
    pub id_token_ttl: Duration,
    /// `LOCAL_IDP_ACCESS_TOKEN_SECS` (default one hour).
    pub access_token_ttl: Duration,
    /// `LOCAL_IDP_REFRESH_TOKEN_SECS` (default 30 days, Cognito's default).
    pub refresh_token_ttl: Duration,
    /// `LOCAL_IDP_REFRESH_ROTATION=on`: every refresh returns a new refresh token.
    pub refresh_token_rotation: bool,
    /// `LOCAL_IDP_REFRESH_RETRY_GRACE_SECS` (0 to 60, like Cognito's `RetryGracePeriodSeconds`):
    /// with rotation, how long a rotated-out refresh token still works, once.
    pub refresh_token_retry_grace: Duration,
}

impl Settings {
    /// Reads the `LOCAL_IDP_*` variables through `get` (unset variables take their defaults).
    pub fn from_lookup(get: Lookup<'_>) -> Result<Settings, SettingsError> {
        let addr = match get("LOCAL_IDP_ADDR") {
            Some(value) => value
                .parse::<SocketAddr>()
                .map_err(|_| error("LOCAL_IDP_ADDR", format!("{value:?} is not an address like 127.0.0.1:9229")))?,
            None => SocketAddr::from(([127, 0, 0, 1], defaults::DEFAULT_PORT)),
        };
        if !addr.ip().is_loopback() && get("LOCAL_IDP_ALLOW_NON_LOOPBACK").as_deref() != Some("true") {
            return Err(error(
                "LOCAL_IDP_ADDR",
                format!(
                    "{addr} is not a loopback address; the embedded identity provider is for \
                     development (set LOCAL_IDP_ALLOW_NON_LOOPBACK=true to allow it anyway)"
                ),
            ));
        }
        Ok(Settings {
            addr,
            users_file: get("LOCAL_IDP_USERS").map(PathBuf::from),
            keys_file: PathBuf::from(
                get("LOCAL_IDP_KEYS_FILE").unwrap_or_else(|| defaults::DEFAULT_KEYS_FILE.to_string()),
            ),
            id_token_ttl: seconds(get, "LOCAL_IDP_ID_TOKEN_SECS", 3_600)?,
            access_token_ttl: seconds(get, "LOCAL_IDP_ACCESS_TOKEN_SECS", 3_600)?,
            refresh_token_ttl: seconds(get, "LOCAL_IDP_REFRESH_TOKEN_SECS", 2_592_000)?,
            refresh_token_rotation: on_off(get, "LOCAL_IDP_REFRESH_ROTATION")?,
            refresh_token_retry_grace: retry_grace(get)?,
        })
    }

    /// Reads the `LOCAL_IDP_*` variables of the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(&|name| std::env::var(name).ok())
    }
}

fn seconds(get: Lookup<'_>, variable: &'static str, default: u64) -> Result<Duration, SettingsError> {
    let Some(value) = get(variable) else { return Ok(Duration::from_secs(default)) };
    match value.parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(error(variable, format!("{value:?} is not a positive whole number of seconds"))),
    }
}

fn on_off(get: Lookup<'_>, variable: &'static str) -> Result<bool, SettingsError> {
    match get(variable).as_deref() {
        None | Some("off") | Some("false") => Ok(false),
        Some("on") | Some("true") => Ok(true),
        Some(other) => Err(error(variable, format!("{other:?} is not on or off"))),
    }
}

/// 0 to 60 seconds, the range Cognito accepts for `RetryGracePeriodSeconds`.
fn retry_grace(get: Lookup<'_>) -> Result<Duration, SettingsError> {
    const VARIABLE: &str = "LOCAL_IDP_REFRESH_RETRY_GRACE_SECS";
    let Some(value) = get(VARIABLE) else { return Ok(Duration::ZERO) };
    match value.parse::<u64>() {
        Ok(seconds) if seconds <= 60 => Ok(Duration::from_secs(seconds)),
        _ => Err(error(VARIABLE, format!("{value:?} is not a whole number of seconds from 0 to 60"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(&|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_are_cognitos() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.addr, SocketAddr::from(([127, 0, 0, 1], 9229)));
        assert_eq!(s.keys_file, std::path::PathBuf::from(".local/local-idp-keys.json"));
        assert_eq!(s.users_file, None, "the demo users");
        assert_eq!((s.id_token_ttl, s.access_token_ttl), (Duration::from_secs(3600), Duration::from_secs(3600)));
        assert_eq!(s.refresh_token_ttl, Duration::from_secs(30 * 24 * 3600));
        assert!(!s.refresh_token_rotation);
        assert_eq!(s.refresh_token_retry_grace, Duration::ZERO);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let e = settings(&[("LOCAL_IDP_ADDR", "0.0.0.0:9229")]).unwrap_err();
        assert_eq!(e.variable, "LOCAL_IDP_ADDR");
        assert!(e.problem.contains("loopback"));
        assert!(settings(&[("LOCAL_IDP_ADDR", "0.0.0.0:9229"), ("LOCAL_IDP_ALLOW_NON_LOOPBACK", "true")]).is_ok());
        assert_eq!(settings(&[("LOCAL_IDP_ID_TOKEN_SECS", "0")]).unwrap_err().variable, "LOCAL_IDP_ID_TOKEN_SECS");
        assert_eq!(
            settings(&[("LOCAL_IDP_REFRESH_ROTATION", "yes")]).unwrap_err().variable,
            "LOCAL_IDP_REFRESH_ROTATION"
        );
        let e = settings(&[("LOCAL_IDP_REFRESH_RETRY_GRACE_SECS", "61")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "LOCAL_IDP_REFRESH_RETRY_GRACE_SECS: \"61\" is not a whole number of seconds from 0 to 60"
        );
    }
}
