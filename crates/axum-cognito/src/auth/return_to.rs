//! Where to send the browser after sign-in: only a path on this site.
//!
//! `return_to` comes from the query string, so it is attacker-controlled. An absolute URL,
//! a scheme-relative `//host`, or a backslash (which browsers treat like `/`, so `/\host` is
//! `//host`) would turn sign-in into an open redirect (RFC 9700 §4.11).

/// Where the browser goes after sign-in when `return_to` is missing or unsafe.
pub const DEFAULT_RETURN_TO: &str = "/dashboard";
const MAX_LENGTH: usize = 2048;

/// Returns the path if it is a same-origin path, otherwise `None`.
pub fn same_origin_path(candidate: &str) -> Option<String> {
    let safe = candidate.len() <= MAX_LENGTH
        && candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(|c| c.is_control() || c.is_whitespace());
    safe.then(|| candidate.to_string())
}

/// The path to return to, falling back to the dashboard for anything unsafe or missing.
pub fn return_to_or_default(candidate: Option<&str>) -> String {
    candidate.and_then(same_origin_path).unwrap_or_else(|| DEFAULT_RETURN_TO.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_paths_with_queries() {
        assert_eq!(same_origin_path("/profile").as_deref(), Some("/profile"));
        assert_eq!(same_origin_path("/admin?tab=users#top").as_deref(), Some("/admin?tab=users#top"));
        assert_eq!(same_origin_path("/").as_deref(), Some("/"));
    }

    #[test]
    fn rejects_everything_that_could_leave_the_site() {
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/\tfoo",
            "/foo\r\nLocation: https://evil.example",
            " /profile",
            "",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?} must be rejected");
        }
        assert_eq!(same_origin_path(&format!("/{}", "a".repeat(MAX_LENGTH))), None);
    }

    #[test]
    fn falls_back_to_the_dashboard() {
        assert_eq!(return_to_or_default(None), "/dashboard");
        assert_eq!(return_to_or_default(Some("//evil.example")), "/dashboard");
        assert_eq!(return_to_or_default(Some("/profile")), "/profile");
    }
}
