//! Proof Key for Code Exchange (RFC 7636), `S256` only: Cognito rejects `plain`.

use aws_lc_rs::digest;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::random::random_urlsafe;

/// A fresh verifier: 32 random bytes give 43 characters, the minimum RFC 7636 §4.1 allows,
/// with 256 bits of entropy.
pub fn new_verifier() -> String {
    random_urlsafe(32)
}

/// `BASE64URL(SHA256(verifier))`, RFC 7636 §4.2.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_7636_appendix_b_example() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_have_the_allowed_length_and_alphabet() {
        let verifier = new_verifier();
        assert!((43..=128).contains(&verifier.len()));
        assert!(verifier.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
    }
}
