//! Links that carry a path to come back to, with `return_to` encoded one way everywhere: the
//! server's redirects and the pages' links build them here, on the server and in the browser
//! alike.

/// axum-cognito's sign-in route that brings the person back to `path` afterwards.
pub fn login_url(path: &str) -> String {
    with_return_to("/auth/login", path)
}

/// `route?return_to={path}`, `path` encoded as one query value.
pub fn with_return_to(route: &str, path: &str) -> String {
    format!("{route}?return_to={}", encode(path))
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
        assert_eq!(with_return_to("/auth/session-expired", "/profile"), "/auth/session-expired?return_to=%2Fprofile");
    }
}
