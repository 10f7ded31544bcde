//! Headers every response of the app carries unless its handler chose otherwise.
//!
//! - No framing (`frame-ancestors 'none'`, and `X-Frame-Options` for old browsers): the sign-out
//!   form and the admin page must not be clickjackable.
//! - `nosniff`, and a referrer policy that keeps paths and queries on this origin.
//! - `Cache-Control: no-store` on everything but the hashed bundle: every page shows who is
//!   signed in, and after sign-out the Back button must not bring a dashboard out of a cache.
//!   The files under `/pkg/` carry a content hash in their names (`hash-files`), so they can be
//!   cached for good.
//! - `Strict-Transport-Security` when `APP_URL` is https.

use axum::{
    http::{HeaderMap, HeaderName, HeaderValue, header},
    response::Response,
};

use crate::server::config::AppConfig;

// Header values built at compile time: `HeaderValue::from_static` checks every byte, and
// called at run time it did so on every response (7 % of a `/healthz` request's instructions,
// callgrind). Cloning one of these copies a pointer and a length.
static CONTENT_SECURITY_POLICY: HeaderValue =
    HeaderValue::from_static("frame-ancestors 'none'; base-uri 'self'; object-src 'none'");
static NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
static IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
static NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
static DENY: HeaderValue = HeaderValue::from_static("DENY");
static REFERRER_POLICY: HeaderValue = HeaderValue::from_static("strict-origin-when-cross-origin");
static HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");
const HASHED_ASSETS: &str = "/pkg/";

/// What differs between deployments, decided once at start-up.
#[derive(Clone, Copy)]
pub struct HeaderPolicy {
    strict_transport_security: bool,
}

impl HeaderPolicy {
    pub fn for_config(config: &AppConfig) -> Self {
        HeaderPolicy { strict_transport_security: config.uses_https() }
    }

    /// An http deployment's policy, for tests of the services that apply it.
    #[cfg(test)]
    pub fn for_http() -> Self {
        HeaderPolicy { strict_transport_security: false }
    }
}

impl HeaderPolicy {
    /// Adds the headers of the module notes to `response` where its handler set none;
    /// `hashed_asset` tells whether the request was for a file under `/pkg/` (see
    /// [`is_hashed_asset`]).
    pub fn apply(self, hashed_asset: bool, response: &mut Response) {
        let cache_control = if hashed_asset && response.status().is_success() { &IMMUTABLE } else { &NO_STORE };
        let headers = response.headers_mut();
        // Room for all of them at once, rather than the map growing twice on the way.
        headers.reserve(6);
        set_if_absent(headers, header::CACHE_CONTROL, cache_control);
        set_if_absent(headers, header::X_CONTENT_TYPE_OPTIONS, &NOSNIFF);
        set_if_absent(headers, header::X_FRAME_OPTIONS, &DENY);
        set_if_absent(headers, header::CONTENT_SECURITY_POLICY, &CONTENT_SECURITY_POLICY);
        set_if_absent(headers, header::REFERRER_POLICY, &REFERRER_POLICY);
        if self.strict_transport_security {
            set_if_absent(headers, header::STRICT_TRANSPORT_SECURITY, &HSTS);
        }
    }
}

/// Whether `path` names a file of the bundle, whose name carries its content hash.
pub fn is_hashed_asset(path: &str) -> bool {
    path.starts_with(HASHED_ASSETS)
}

fn set_if_absent(headers: &mut HeaderMap, name: HeaderName, value: &'static HeaderValue) {
    headers.entry(name).or_insert_with(|| value.clone());
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::StatusCode};

    use super::*;

    fn cache_control(hashed_asset: bool, status: StatusCode) -> HeaderValue {
        let mut response = Response::builder().status(status).body(Body::empty()).expect("a response");
        HeaderPolicy { strict_transport_security: false }.apply(hashed_asset, &mut response);
        response.headers()[header::CACHE_CONTROL].clone()
    }

    /// Only a file of the bundle that was found may be cached, for good: its name changes with
    /// its content. A missing one (a page of the previous deployment asking a new instance for
    /// its old bundle, during a rolling deploy) must not stick in a cache as a 404.
    #[test]
    fn only_bundle_files_that_were_found_are_cached() {
        assert!(is_hashed_asset("/pkg/leptos-cognito.0123abcd.css") && !is_hashed_asset("/dashboard"));
        assert_eq!(cache_control(true, StatusCode::OK), IMMUTABLE);
        assert_eq!(cache_control(true, StatusCode::NOT_FOUND), NO_STORE);
        assert_eq!(cache_control(false, StatusCode::OK), NO_STORE);
    }

    /// A handler's own choice stands.
    #[test]
    fn a_handlers_own_cache_control_is_kept() {
        let mut response = Response::new(Body::empty());
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=5"));
        HeaderPolicy { strict_transport_security: true }.apply(false, &mut response);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "private, max-age=5");
        assert_eq!(response.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    }
}
