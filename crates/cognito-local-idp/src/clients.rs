//! App clients: who may ask for tokens, with which secret, scopes, URLs and grants.

use std::{fmt, time::Duration};

use aws_lc_rs::{constant_time::verify_slices_are_equal, hmac};
use base64::{Engine, engine::general_purpose::STANDARD};

/// The scopes Cognito reserves; anything else with a `/` is a resource-server (custom) scope.
pub const OIDC_SCOPES: &[&str] = &["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"];
/// The only scope of tokens from the user pools API (`InitiateAuth`).
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// One app client of the pool, as registered in a Cognito user pool: its credentials, the URLs
/// it may be sent back to, the scopes it may get and the grants and flows it may use.
#[derive(Clone)]
pub struct ClientRegistration {
    /// The client id: letters and digits only, unique within the pool.
    pub client_id: String,
    /// The client secret of a confidential client; `None` for a public client, which then must not send one.
    pub client_secret: Option<String>,
    /// Allowed callback URLs: a `redirect_uri` must equal one of them exactly (RFC 6749 §3.1.2).
    pub callback_urls: Vec<String>,
    /// Allowed sign-out URLs: the `logout_uri` of `/logout` must equal one of them exactly.
    pub logout_urls: Vec<String>,
    /// Scopes the client may be granted: OIDC scopes, `aws.cognito.signin.user.admin` and custom ones.
    pub allowed_scopes: Vec<String>,
    /// Allows the authorization code grant (RFC 6749 §4.1), i.e. browser sign-in.
    pub allow_code_grant: bool,
    /// Allows the client credentials grant (RFC 6749 §4.4); needs a client secret.
    pub allow_client_credentials: bool,
    /// Allows `InitiateAuth` with the `USER_PASSWORD_AUTH` flow (Cognito's `ALLOW_USER_PASSWORD_AUTH`).
    pub allow_user_password_auth: bool,
    /// Refresh token rotation: each refresh at the token endpoint returns a new refresh token and
    /// retires the old one; `REFRESH_TOKEN_AUTH` is then refused, as in Cognito.
    pub refresh_token_rotation: bool,
    /// `RetryGracePeriodSeconds` (0 to 60 s): with rotation, how long a rotated-out refresh
    /// token still works, once.
    pub refresh_token_retry_grace: Duration,
    /// Federated providers (e.g. `Google`) the client offers; sign-in with them is simulated.
    pub identity_providers: Vec<String>,
}

impl ClientRegistration {
    /// A client with a secret, allowed the code grant with `openid email phone profile` and
    /// nothing else; set its URLs (and any other grant) with struct update syntax.
    pub fn confidential(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self { client_secret: Some(client_secret.into()), ..Self::public(client_id) }
    }

    /// A client without a secret (a browser or mobile app: PKCE protects its codes).
    pub fn public(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
            allowed_scopes: ["openid", "email", "phone", "profile"].map(str::to_string).to_vec(),
            allow_code_grant: true,
            allow_client_credentials: false,
            allow_user_password_auth: false,
            refresh_token_rotation: false,
            refresh_token_retry_grace: Duration::ZERO,
            identity_providers: Vec::new(),
        }
    }
}

impl fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field("has_secret", &self.client_secret.is_some())
            .field("callback_urls", &self.callback_urls)
            .field("logout_urls", &self.logout_urls)
            .field("allowed_scopes", &self.allowed_scopes)
            .field("refresh_token_rotation", &self.refresh_token_rotation)
            .field("refresh_token_retry_grace", &self.refresh_token_retry_grace)
            .field("identity_providers", &self.identity_providers)
            .finish_non_exhaustive()
    }
}

impl ClientRegistration {
    /// Whether the presented secret is the client's (compared in constant time); a public client
    /// matches only when no secret is presented.
    pub fn secret_matches(&self, candidate: Option<&str>) -> bool {
        match (&self.client_secret, candidate) {
            (Some(secret), Some(candidate)) => verify_slices_are_equal(secret.as_bytes(), candidate.as_bytes()).is_ok(),
            // A public client must not present a secret at all: a stray one means a misconfigured app.
            (None, None) => true,
            _ => false,
        }
    }

    /// Whether the client offers sign-in with the federated provider `provider` (e.g. `Google`).
    pub fn allows_provider(&self, provider: &str) -> bool {
        self.identity_providers.iter().any(|p| p == provider)
    }

    /// The scopes a browser sign-in gets (Cognito, authorization endpoint): absent means every
    /// scope of the client; unknown or disallowed scopes are dropped; `None` means `invalid_scope`.
    pub fn grant_scopes(&self, requested: Option<&str>) -> Option<Vec<String>> {
        let scopes = match requested {
            None => self.allowed_scopes.clone(),
            Some(requested) => {
                let requested = parse_scope(requested)?;
                requested.into_iter().filter(|s| self.allowed_scopes.contains(s)).collect()
            }
        };
        let needs_openid = scopes.iter().any(|s| matches!(s.as_str(), "email" | "phone" | "profile"));
        if scopes.is_empty() || (needs_openid && !scopes.iter().any(|s| s == "openid")) {
            return None;
        }
        Some(scopes)
    }

    /// The scopes of a machine-to-machine token: only custom (resource-server) scopes exist there.
    pub fn machine_scopes(&self, requested: Option<&str>) -> Option<Vec<String>> {
        let custom = |s: &String| !OIDC_SCOPES.contains(&s.as_str()) && self.allowed_scopes.contains(s);
        let scopes: Vec<String> = match requested {
            None => self.allowed_scopes.iter().filter(|s| custom(s)).cloned().collect(),
            Some(requested) => parse_scope(requested)?.into_iter().filter(|s| custom(s)).collect(),
        };
        if scopes.is_empty() { None } else { Some(scopes) }
    }
}

/// Splits a `scope` value (RFC 6749 §3.3); `None` when a token has characters the grammar forbids.
pub fn parse_scope(value: &str) -> Option<Vec<String>> {
    let allowed = |c: char| c == '!' || ('\u{23}'..='\u{5B}').contains(&c) || ('\u{5D}'..='\u{7E}').contains(&c);
    let mut scopes: Vec<String> = Vec::new();
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        if !token.chars().all(allowed) {
            return None;
        }
        if !scopes.iter().any(|s| s == token) {
            scopes.push(token.to_string());
        }
    }
    Some(scopes)
}

/// Cognito's `SECRET_HASH`: Base64(HMAC-SHA256(key = client secret, message = username + client id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, client_secret.as_bytes());
    let mut context = hmac::Context::with_key(&key);
    context.update(username.as_bytes());
    context.update(client_id.as_bytes());
    STANDARD.encode(context.sign().as_ref())
}

pub fn secret_hash_matches(client_secret: &str, username: &str, client_id: &str, candidate: &str) -> bool {
    let expected = secret_hash(client_secret, username, client_id);
    verify_slices_are_equal(expected.as_bytes(), candidate.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(scopes: &[&str]) -> ClientRegistration {
        ClientRegistration {
            client_id: "c".into(),
            client_secret: Some("s".into()),
            callback_urls: vec![],
            logout_urls: vec![],
            allowed_scopes: scopes.iter().map(|s| s.to_string()).collect(),
            allow_code_grant: true,
            allow_client_credentials: true,
            allow_user_password_auth: true,
            refresh_token_rotation: false,
            refresh_token_retry_grace: Duration::ZERO,
            identity_providers: vec![],
        }
    }

    #[test]
    fn secret_hash_matches_a_known_value() {
        // HMAC-SHA256(key "secret", "user@example.comclient123"), computed independently with openssl.
        assert_eq!(
            secret_hash("secret", "user@example.com", "client123"),
            "4Y+oIVsTc++URZuVs9j5wmR0cax4DOO6c+Bx8QP9DNM="
        );
        assert!(secret_hash_matches(
            "secret",
            "user@example.com",
            "client123",
            &secret_hash("secret", "user@example.com", "client123")
        ));
        assert!(!secret_hash_matches(
            "secret",
            "other",
            "client123",
            &secret_hash("secret", "user@example.com", "client123")
        ));
    }

    #[test]
    fn browser_scopes_drop_unknown_and_need_openid() {
        let c = client(&["openid", "email", "profile", "api/read"]);
        assert_eq!(c.grant_scopes(None).map(|s| s.len()), Some(4));
        assert_eq!(c.grant_scopes(Some("openid email phone unknown")), Some(vec!["openid".into(), "email".into()]));
        assert_eq!(c.grant_scopes(Some("email")), None);
        assert_eq!(c.grant_scopes(Some("unknown")), None);
        assert_eq!(c.grant_scopes(Some("openid \"quoted\"")), None);
    }

    #[test]
    fn machine_scopes_are_custom_only() {
        let c = client(&["openid", "api/read", "api/write"]);
        assert_eq!(c.machine_scopes(None), Some(vec!["api/read".into(), "api/write".into()]));
        assert_eq!(c.machine_scopes(Some("api/read openid")), Some(vec!["api/read".into()]));
        assert_eq!(c.machine_scopes(Some("openid")), None);
    }

    #[test]
    fn public_clients_must_not_send_a_secret() {
        let mut c = client(&[]);
        assert!(c.secret_matches(Some("s")));
        assert!(!c.secret_matches(Some("wrong")));
        assert!(!c.secret_matches(None));
        c.client_secret = None;
        assert!(c.secret_matches(None));
        assert!(!c.secret_matches(Some("s")));
    }
}
