//! Whether the embedded identity provider runs inside the app, and its settings.

use axum_cognito::config::env::{KnownProvider, parse_url};
use cognito_local_idp::defaults as local;
use secrecy::SecretString;

use super::{ConfigError, Lookup};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalIdpMode {
    Auto,
    On,
    Off,
}

/// The provider's own settings (`LOCAL_IDP_ADDR`, `LOCAL_IDP_USERS`, token lifetimes, ...),
/// parsed by its crate so its binary and the app read them alike.
pub use cognito_local_idp::Settings as LocalIdpSettings;

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
    LocalIdpSettings::from_lookup(get).map(Some).map_err(|error| ConfigError::new(error.variable, error.problem))
}

/// The embedded provider as the auth core sees it: its issuer (`{address}/{pool id}`), its
/// address as the hosted UI domain, and the demo app client.
pub(super) fn known_provider(settings: &LocalIdpSettings) -> Result<KnownProvider, ConfigError> {
    let base = format!("http://{}", settings.addr);
    Ok(KnownProvider {
        region: Some(local::REGION.to_string()),
        user_pool_id: Some(local::USER_POOL_ID.to_string()),
        issuer: format!("{base}/{}", local::USER_POOL_ID),
        domain: parse_url("LOCAL_IDP_ADDR", &base)?,
        client_id: local::CLIENT_ID.to_string(),
        client_secret: Some(SecretString::from(local::CLIENT_SECRET)),
    })
}
