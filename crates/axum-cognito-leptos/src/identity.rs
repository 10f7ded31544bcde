//! What the browser may know about the signed-in person: claims from the verified ID token,
//! never the tokens themselves. Server functions return these types; the UI renders them.

use serde::{Deserialize, Serialize};

/// The signed-in person as the browser sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedInUser {
    /// The person's stable id in the user pool (`sub`).
    pub sub: String,
    /// The person's user name in the pool (`cognito:username`).
    pub username: String,
    /// The `email` claim, if the ID token has one.
    pub email: Option<String>,
    /// The `email_verified` claim.
    pub email_verified: Option<bool>,
    /// The `name` claim.
    pub name: Option<String>,
    /// The person's Cognito groups (`cognito:groups`).
    pub groups: Vec<String>,
    /// Member of the administrators' group (`AuthConfig::admin_group`).
    pub is_admin: bool,
    /// When the person authenticated at the identity provider (unix seconds).
    pub auth_time: Option<i64>,
    /// When the current ID token expires (unix seconds).
    pub id_token_expires_at: i64,
    /// When the current access token expires (unix seconds).
    pub access_token_expires_at: i64,
}

/// Every claim of the verified ID token as (name, displayable value) pairs, sorted by name: for
/// a page that lists them all ([`crate::session::load_id_token_claims`]). Not a field of
/// [`SignedInUser`], which every page (and every refresh) sends to the browser: the full list
/// is most of its size.
pub type IdTokenClaims = Vec<(String, String)>;

impl SignedInUser {
    /// The friendliest name available: name, then email, then username.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().or(self.email.as_deref()).unwrap_or(&self.username)
    }

    /// One letter for the avatar.
    pub fn initial(&self) -> String {
        self.display_name()
            .chars()
            .find(|c| c.is_alphanumeric())
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default()
    }
}

/// The visitor's sign-in state as the browser sees it: server functions return it, the top bar
/// and the pages render it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The signed-in person; `None` for a visitor who is not signed in.
    pub user: Option<SignedInUser>,
    /// Federated providers offered as "Sign in with ..." buttons.
    pub identity_providers: Vec<String>,
    /// Seconds until the server will want to refresh the tokens; relative, so the browser's
    /// clock does not matter.
    pub refresh_in_secs: Option<i64>,
}

/// A signed-in person for the crate's tests.
#[cfg(test)]
pub(crate) fn sample_user() -> SignedInUser {
    SignedInUser {
        sub: "s".into(),
        username: "ada".into(),
        email: Some("ada@example.com".into()),
        email_verified: Some(true),
        name: None,
        groups: vec![],
        is_admin: false,
        auth_time: None,
        id_token_expires_at: 0,
        access_token_expires_at: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_prefers_name_then_email_then_username() {
        let mut u = sample_user();
        assert_eq!(u.display_name(), "ada@example.com");
        u.name = Some("Ada Lovelace".into());
        assert_eq!(u.display_name(), "Ada Lovelace");
        u.name = None;
        u.email = None;
        assert_eq!(u.display_name(), "ada");
        assert_eq!(u.initial(), "A");
    }
}
