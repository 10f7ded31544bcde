//! The provider's own cookies: Cognito's names, so browser-level tests read the same.

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::CookieJar;

/// Managed login's session cookie: lets the user sign in again silently for an hour.
pub const SESSION: &str = "cognito";
/// Double-submit CSRF cookie of the sign-in form (Cognito's hosted UI uses the same name).
pub const CSRF: &str = "XSRF-TOKEN";

pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers).get(name).map(|cookie| cookie.value().to_string())
}

/// `HttpOnly` keeps scripts away from it; `SameSite=Lax` still sends it on the top-level
/// navigation back from the app, which is what makes the second sign-in silent.
pub fn set(name: &str, value: &str, max_age_secs: Option<u64>, secure: bool) -> Option<HeaderValue> {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age_secs {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).ok()
}

pub fn clear(name: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")).ok()
}
