use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A Unix timestamp as an RFC 3339 UTC time. Formatted the same on the server and in the
/// browser, so hydration sees identical text.
pub fn format_unix(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::format_unix;

    #[test]
    fn formats_utc() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
