//! Links to the sign-in routes, with `return_to` encoded one way everywhere: the server's
//! redirects (the page guard) and the pages' links (sign-in required, session expired) build
//! them here, on the server and in the browser alike.

/// The sign-in route that brings the person back to `path` afterwards.
pub fn login_url(path: &str) -> String {
    format!("/auth/login?return_to={}", encode(path))
}

/// The notice shown when a session has ended, which offers to sign in again and return to `path`.
pub fn session_expired_url(path: &str) -> String {
    format!("/auth/session-expired?return_to={}", encode(path))
}

/// `application/x-www-form-urlencoded` (the WHATWG URL standard's query encoding, which every
/// query parser decodes): `/` becomes `%2F`, so a path's own `?` and `&` cannot split the query.
fn encode(path: &str) -> String {
    form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_are_encoded_as_one_query_value() {
        assert_eq!(login_url("/dashboard"), "/auth/login?return_to=%2Fdashboard");
        assert_eq!(login_url("/admin?tab=a&b=c"), "/auth/login?return_to=%2Fadmin%3Ftab%3Da%26b%3Dc");
        assert_eq!(session_expired_url("/profile"), "/auth/session-expired?return_to=%2Fprofile");
    }
}
