//! The session middleware, configured from the contract: `HttpOnly`, `SameSite=Lax`,
//! `Path=/`, `Secure` and `__Host-` under https, expiry after `SESSION_IDLE_TIMEOUT_SECS`
//! without a request.

use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite, cookie::time};

use super::store::AppSessionStore;
use crate::config::AuthConfig;

/// The tower-sessions layer over `store` with the cookie and expiry rules of the module notes; what
/// [`AuthCore::session_layer`](crate::AuthCore::session_layer) returns.
pub fn session_layer(store: AppSessionStore, config: &AuthConfig) -> SessionManagerLayer<AppSessionStore> {
    let idle = time::Duration::seconds(config.session.idle_timeout.as_secs().min(i64::MAX as u64) as i64);
    SessionManagerLayer::new(store)
        .with_name(config.session_cookie_name())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(config.https)
        .with_expiry(Expiry::OnInactivity(idle))
        // Saved when changed; `auth_session::touch` changes it at most once a minute, which is
        // what moves the idle timeout forward (a save on every request would cost a store
        // write per page).
        .with_always_save(false)
}
