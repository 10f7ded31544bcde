//! Cookie names. With an https `APP_URL` the `__Host-` prefix makes browsers insist on
//! `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant or overwrite them.

/// The session cookie's name: `__Host-lc_session` under https, `lc_session` otherwise.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https { "__Host-lc_session" } else { "lc_session" }
}

/// Binds a sign-in in flight to the browser that started it.
pub fn login_binding_cookie_name(https: bool) -> &'static str {
    if https { "__Host-lc_login" } else { "lc_login" }
}
