//! Unguessable values for `state`, nonces, PKCE verifiers and cookie bindings.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// `bytes` random bytes from the OS CSPRNG, base64url-encoded without padding.
pub fn random_urlsafe(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // aws-lc-rs only fails here if the OS has no entropy source, and nothing secure can
    // continue in that case.
    aws_lc_rs::rand::fill(&mut buffer).expect("the operating system's random number generator failed");
    URL_SAFE_NO_PAD.encode(buffer)
}

#[cfg(test)]
mod tests {
    use super::random_urlsafe;

    #[test]
    fn values_are_long_and_distinct() {
        let a = random_urlsafe(32);
        let b = random_urlsafe(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
