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
    safe.then(|| percent_encode_non_ascii(candidate))
}

/// The path with each character beyond ASCII percent-encoded as its UTF-8 bytes (RFC 3986
/// §2.5), so that the `Location` header it ends up in carries only ASCII: the same place for
/// the browser, and no raw bytes (a right-to-left override, say) in a header.
fn percent_encode_non_ascii(path: &str) -> String {
    if path.is_ascii() {
        return path.to_string();
    }
    let mut encoded = String::with_capacity(path.len() * 3);
    for c in path.chars() {
        if c.is_ascii() {
            encoded.push(c);
        } else {
            let mut bytes = [0u8; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    encoded
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
    fn characters_beyond_ascii_are_percent_encoded() {
        assert_eq!(same_origin_path("/\u{202e}gnp.exe").as_deref(), Some("/%E2%80%AEgnp.exe"));
        assert_eq!(same_origin_path("/café?q=ü").as_deref(), Some("/caf%C3%A9?q=%C3%BC"));
        assert_eq!(same_origin_path("/%E2%80%AE").as_deref(), Some("/%E2%80%AE"), "already encoded stays");
    }

    #[test]
    fn falls_back_to_the_dashboard() {
        assert_eq!(return_to_or_default(None), "/dashboard");
        assert_eq!(return_to_or_default(Some("//evil.example")), "/dashboard");
        assert_eq!(return_to_or_default(Some("/profile")), "/profile");
    }
}
