//! The signed-in principal: a local user as is, or as a simulated federated (e.g. Google) user.

use std::collections::BTreeMap;

use aws_lc_rs::digest;
use serde_json::json;

use super::users::LocalUser;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub username: String,
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub groups: Vec<String>,
    /// `name`, other standard attributes and `custom:*`, all strings as Cognito stores them.
    pub attributes: BTreeMap<String, String>,
    /// The ID token's `identities` claim, only for federated users.
    pub identities: Option<serde_json::Value>,
}

impl Identity {
    pub fn local(user: &LocalUser, pool_id: &str) -> Self {
        let mut attributes = user.attributes.clone();
        if let Some(name) = &user.name {
            attributes.insert("name".to_string(), name.clone());
        }
        Self {
            username: user.username.clone(),
            sub: user.sub.clone().unwrap_or_else(|| derived_sub(pool_id, &user.username)),
            email: user.email.clone(),
            email_verified: user.email_verified,
            groups: user.groups.clone(),
            attributes,
            identities: None,
        }
    }

    /// The user as if `provider` had vouched for them. Cognito creates a separate pool user named
    /// `<Provider>_<provider user id>` for a federated sign-in and puts it in the automatic group
    /// `<pool id>_<Provider>`; the local user's groups are kept so role tests work through federation.
    pub fn federated(user: &LocalUser, provider: &str, pool_id: &str, linked_at_millis: u128) -> Self {
        let provider_user_id = provider_user_id(provider, &user.username);
        let username = format!("{provider}_{provider_user_id}");
        let mut identity = Self::local(user, pool_id);
        identity.sub = derived_sub(pool_id, &username);
        identity.username = username;
        identity.groups.push(format!("{pool_id}_{provider}"));
        let provider_type = match provider {
            "Google" | "Facebook" | "LoginWithAmazon" | "SignInWithApple" => provider,
            _ => "OIDC",
        };
        // Cognito's quirks: `primary` and `dateCreated` are strings, `issuer` is null for social providers.
        identity.identities = Some(json!([{
            "dateCreated": linked_at_millis.to_string(),
            "userId": provider_user_id,
            "providerName": provider,
            "providerType": provider_type,
            "issuer": null,
            "primary": "true",
        }]));
        identity
    }
}

/// A stable `sub` for a username: v4-shaped so strict UUID parsers accept it, but derived from a
/// digest so it survives restarts without being stored.
pub fn derived_sub(pool_id: &str, username: &str) -> String {
    let digest = digest::digest(&digest::SHA256, format!("{pool_id}:{username}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// A Google-style numeric subject (21 digits) for the simulated provider account.
fn provider_user_id(provider: &str, username: &str) -> String {
    let digest = digest::digest(&digest::SHA256, format!("{provider}:{username}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest.as_ref()[..8]);
    format!("1{:020}", u64::from_be_bytes(bytes))
}

/// Ada, with a name and a phone number: the identity the endpoints' unit tests answer for.
#[cfg(test)]
pub fn ada() -> Identity {
    let attributes = [("name", "Ada"), ("phone_number", "+15555550100")];
    Identity {
        username: "ada".into(),
        sub: "s".into(),
        email: "a@x".into(),
        email_verified: true,
        groups: vec![],
        attributes: attributes.into_iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
        identities: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_is_a_stable_v4_uuid_per_pool_and_username() {
        let a = derived_sub("pool", "user@example.com");
        assert_eq!(a, derived_sub("pool", "user@example.com"));
        assert_ne!(a, derived_sub("pool", "admin@example.com"));
        assert_ne!(a, derived_sub("other", "user@example.com"));
        assert_eq!(uuid::Uuid::parse_str(&a).map(|u| u.get_version_num()), Ok(4));
    }

    #[test]
    fn federated_identity_looks_like_cognito_makes_it() {
        let user = LocalUser::new("user@example.com", "p", "user@example.com").with_groups(&["admin"]);
        let identity = Identity::federated(&user, "Google", "us-east-1_X", 1_700_000_000_000);
        assert!(identity.username.starts_with("Google_1"));
        assert_eq!(identity.username.len(), "Google_".len() + 21);
        assert_eq!(identity.groups, ["admin", "us-east-1_X_Google"]);
        let identities = identity.identities.expect("identities");
        assert_eq!(identities[0]["primary"], "true");
        assert_eq!(identities[0]["dateCreated"], "1700000000000");
        assert_ne!(identity.sub, Identity::local(&user, "us-east-1_X").sub);
    }
}
