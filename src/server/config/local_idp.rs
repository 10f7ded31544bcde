//! Whether the embedded identity provider runs inside the app, and its settings.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use super::{
    ConfigError, Lookup,
    values::{parse_on_off, parse_seconds, parse_socket_addr},
};
use crate::local_idp::defaults as local;

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
    /// `LOCAL_IDP_REFRESH_RETRY_GRACE_SECS` (0 to 60, like Cognito's `RetryGracePeriodSeconds`):
    /// with rotation, how long a rotated-out refresh token still works, once.
    pub refresh_token_retry_grace: Duration,
}

/// `LOCAL_IDP` and the `LOCAL_IDP_*` variables; `None` when the provider is off.
pub(super) fn from_lookup(get: Lookup<'_>) -> Result<Option<LocalIdpSettings>, ConfigError> {
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
    if !local_idp_on {
        return Ok(None);
    }
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
    Ok(Some(LocalIdpSettings {
        addr,
        users_file: get("LOCAL_IDP_USERS").map(PathBuf::from),
        keys_file: PathBuf::from(get("LOCAL_IDP_KEYS_FILE").unwrap_or_else(|| local::DEFAULT_KEYS_FILE.to_string())),
        id_token_ttl: parse_seconds("LOCAL_IDP_ID_TOKEN_SECS", get("LOCAL_IDP_ID_TOKEN_SECS"), 3_600)?,
        access_token_ttl: parse_seconds("LOCAL_IDP_ACCESS_TOKEN_SECS", get("LOCAL_IDP_ACCESS_TOKEN_SECS"), 3_600)?,
        refresh_token_ttl: parse_seconds(
            "LOCAL_IDP_REFRESH_TOKEN_SECS",
            get("LOCAL_IDP_REFRESH_TOKEN_SECS"),
            2_592_000,
        )?,
        refresh_token_rotation: parse_on_off("LOCAL_IDP_REFRESH_ROTATION", get("LOCAL_IDP_REFRESH_ROTATION"))?,
        refresh_token_retry_grace: parse_retry_grace(get("LOCAL_IDP_REFRESH_RETRY_GRACE_SECS"))?,
    }))
}

/// `LOCAL_IDP_REFRESH_RETRY_GRACE_SECS`: 0 to 60 seconds, the range Cognito accepts for
/// `RetryGracePeriodSeconds`.
fn parse_retry_grace(value: Option<String>) -> Result<Duration, ConfigError> {
    const VARIABLE: &str = "LOCAL_IDP_REFRESH_RETRY_GRACE_SECS";
    let Some(value) = value else { return Ok(Duration::ZERO) };
    match value.parse::<u64>() {
        Ok(seconds) if seconds <= 60 => Ok(Duration::from_secs(seconds)),
        _ => Err(ConfigError::new(VARIABLE, format!("{value:?} is not a whole number of seconds from 0 to 60"))),
    }
}
