//! Cognito's `SECRET_HASH`, which the user pools API asks of clients that have a secret.
//!
//! Base64(HMAC-SHA256(key = client secret, message = username + client id)), as Cognito's
//! "Computing secret hash values" documentation defines it.

use aws_lc_rs::hmac;
use base64::{Engine, engine::general_purpose::STANDARD};

/// The `SECRET_HASH` of `username` for the app client `client_id` whose secret is `client_secret`.
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, client_secret.as_bytes());
    let mut context = hmac::Context::with_key(&key);
    context.update(username.as_bytes());
    context.update(client_id.as_bytes());
    STANDARD.encode(context.sign().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_value_computed_with_openssl() {
        // printf 'user@example.comclient123' | openssl dgst -sha256 -hmac secret -binary | base64
        assert_eq!(
            secret_hash("secret", "user@example.com", "client123"),
            "4Y+oIVsTc++URZuVs9j5wmR0cax4DOO6c+Bx8QP9DNM="
        );
    }
}
