//! A token or other secret string that cannot be printed by accident.

use serde::{Deserialize, Serialize};

/// Tokens are stored in the server-side session (so they serialize), but `Debug` and
/// `Display` never show them: a stray `{:?}` in a log line must not leak a credential.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenString(String);

impl TokenString {
    /// Wraps a token.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that must send it (an HTTP request to the provider).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenString([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::TokenString;

    #[test]
    fn debug_hides_the_value() {
        let token = TokenString::new("eyJhbGciOi.secret.value");
        assert!(!format!("{token:?}").contains("secret"));
        assert_eq!(token.expose(), "eyJhbGciOi.secret.value");
    }
}
