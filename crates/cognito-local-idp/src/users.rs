//! The people who can sign in: built-in demo users, or a JSON file (`LOCAL_IDP_USERS`).
//!
//! # Users file format
//!
//! A JSON array; each entry is one user:
//!
//! ```json
//! [
//!   {
//!     "username": "admin@example.com",
//!     "password": "Admin-Passw0rd!",
//!     "email": "admin@example.com",
//!     "email_verified": true,
//!     "name": "Ada Admin",
//!     "groups": ["admin"],
//!     "confirmed": true,
//!     "sub": "9f0c3c0e-0d6b-4c47-8e84-1c6f3a0d5b21",
//!     "attributes": { "custom:team": "platform", "given_name": "Ada" }
//!   }
//! ]
//! ```
//!
//! `username`, `password` and `email` are required. `email_verified` and `confirmed` default to
//! `true`, `groups` to none. `sub` defaults to a UUID derived from the pool id and username, so it
//! is stable across restarts. `attributes` takes standard OIDC attribute names (`given_name`,
//! `phone_number`, ...) and `custom:*` names; every value is a string, as Cognito stores them.
//! Unknown fields are rejected so a typo does not silently drop an attribute. A user signs in
//! with the username or, case-insensitively, the email.

use std::{collections::BTreeMap, fmt, path::Path};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::error::LocalIdpError;

/// Standard attributes a user pool can hold besides `email` and `name` (OIDC Core §5.1).
pub(crate) const STANDARD_ATTRIBUTES: &[&str] = &[
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
    "address",
    "phone_number",
    "phone_number_verified",
];

/// A user of the pool, with its password (kept secret, never shown by `Debug`) and attributes.
#[derive(Clone)]
pub struct LocalUser {
    /// The pool username (`cognito:username` / `username` claims); unique.
    pub username: String,
    password: SecretString,
    /// The `email` attribute; the user can also sign in with it, case-insensitively.
    pub email: String,
    /// The `email_verified` attribute, as reported in the ID token and by `/oauth2/userInfo`.
    pub email_verified: bool,
    /// The `name` attribute, if any.
    pub name: Option<String>,
    /// Group names, reported in the `cognito:groups` claim.
    pub groups: Vec<String>,
    /// Whether sign-up was confirmed; like Cognito, an unconfirmed user cannot sign in
    /// (`UserNotConfirmedException`).
    pub confirmed: bool,
    /// Fixed `sub`; when absent one is derived from the pool id and username.
    pub sub: Option<String>,
    /// Other standard attributes (e.g. `given_name`) and `custom:*` ones, as strings.
    pub attributes: BTreeMap<String, String>,
}

/// One entry of the users file as written; the password moves into a `SecretString` at once.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    username: String,
    password: String,
    email: String,
    #[serde(default = "yes")]
    email_verified: bool,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default = "yes")]
    confirmed: bool,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

impl From<UserEntry> for LocalUser {
    fn from(entry: UserEntry) -> Self {
        Self {
            username: entry.username,
            password: SecretString::from(entry.password),
            email: entry.email,
            email_verified: entry.email_verified,
            name: entry.name,
            groups: entry.groups,
            confirmed: entry.confirmed,
            sub: entry.sub,
            attributes: entry.attributes,
        }
    }
}

fn yes() -> bool {
    true
}

impl fmt::Debug for LocalUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("groups", &self.groups)
            .field("confirmed", &self.confirmed)
            .finish_non_exhaustive()
    }
}

impl LocalUser {
    /// A confirmed user with a verified email, no name, groups or other attributes, and a derived `sub`.
    pub fn new(username: &str, password: &str, email: &str) -> Self {
        Self {
            username: username.to_string(),
            password: SecretString::from(password),
            email: email.to_string(),
            email_verified: true,
            name: None,
            groups: Vec::new(),
            confirmed: true,
            sub: None,
            attributes: BTreeMap::new(),
        }
    }

    /// Sets the `name` attribute.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Replaces the user's groups.
    pub fn with_groups(mut self, groups: &[&str]) -> Self {
        self.groups = groups.iter().map(|g| g.to_string()).collect();
        self
    }

    /// Marks the user as not confirmed, so sign-in is refused.
    pub fn unconfirmed(mut self) -> Self {
        self.confirmed = false;
        self
    }

    /// Sets one attribute: a standard name such as `given_name`, or `custom:*`.
    pub fn with_attribute(mut self, name: &str, value: &str) -> Self {
        self.attributes.insert(name.to_string(), value.to_string());
        self
    }

    /// Compares in constant time, so response timing does not reveal how much of a guess was right.
    pub fn password_matches(&self, candidate: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(
            self.password.expose_secret().as_bytes(),
            candidate.as_bytes(),
        )
        .is_ok()
    }

    /// Whether `login` names this user: the username exactly, or the email in any case.
    pub fn answers_to(&self, login: &str) -> bool {
        self.username == login || self.email.eq_ignore_ascii_case(login)
    }

    fn problem(&self) -> Option<String> {
        if self.username.trim().is_empty() {
            return Some("username is empty".to_string());
        }
        if self.password.expose_secret().is_empty() {
            return Some(format!("user {:?}: password is empty", self.username));
        }
        if !self.email.contains('@') {
            return Some(format!("user {:?}: email {:?} is not an email address", self.username, self.email));
        }
        if let Some(name) =
            self.attributes.keys().find(|k| !k.starts_with("custom:") && !STANDARD_ATTRIBUTES.contains(&k.as_str()))
        {
            return Some(format!(
                "user {:?}: attribute {name:?} is neither a standard attribute nor custom:*",
                self.username
            ));
        }
        None
    }
}

/// Built-in users, documented in the README:
///
/// | username | password | groups | state |
/// |---|---|---|---|
/// | `admin@example.com` | `Admin-Passw0rd!` | `admin` | confirmed, "Ada Admin" |
/// | `user@example.com` | `User-Passw0rd!` | none | confirmed, "Uma User" |
/// | `unconfirmed@example.com` | `Unconfirmed-Passw0rd!` | none | not confirmed |
pub fn demo_users() -> Vec<LocalUser> {
    vec![
        LocalUser::new("admin@example.com", "Admin-Passw0rd!", "admin@example.com")
            .with_name("Ada Admin")
            .with_groups(&["admin"]),
        LocalUser::new("user@example.com", "User-Passw0rd!", "user@example.com").with_name("Uma User"),
        LocalUser::new("unconfirmed@example.com", "Unconfirmed-Passw0rd!", "unconfirmed@example.com")
            .with_name("Uri Unconfirmed")
            .unconfirmed(),
    ]
}

/// Reads a users file (format above).
pub fn load_file(path: &Path) -> Result<Vec<LocalUser>, LocalIdpError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| LocalIdpError::users_file(path, format!("cannot be read: {error}")))?;
    parse(&text).map_err(|problem| LocalIdpError::users_file(path, problem))
}

pub(crate) fn parse(text: &str) -> Result<Vec<LocalUser>, String> {
    let entries: Vec<UserEntry> = serde_json::from_str(text).map_err(|error| {
        // serde_json's message ends with its own "at line L column C"; lead with the line instead.
        let message = error.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        format!("line {}: {message}", error.line())
    })?;
    let users: Vec<LocalUser> = entries.into_iter().map(LocalUser::from).collect();
    validate(&users)?;
    Ok(users)
}

pub(crate) fn validate(users: &[LocalUser]) -> Result<(), String> {
    if users.is_empty() {
        return Err("no users are defined".to_string());
    }
    for (index, user) in users.iter().enumerate() {
        if let Some(problem) = user.problem() {
            return Err(format!("user #{}: {problem}", index + 1));
        }
        let clash = users[..index].iter().find(|earlier| {
            earlier.username == user.username
                || earlier.email.eq_ignore_ascii_case(&user.email)
                || earlier.answers_to(&user.username)
        });
        if let Some(earlier) = clash {
            return Err(format!(
                "user #{}: {:?} clashes with user {:?} (usernames and emails must be unique)",
                index + 1,
                user.username,
                earlier.username
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_users_are_valid_and_documented() {
        let users = demo_users();
        assert!(validate(&users).is_ok());
        let admin = users.iter().find(|u| u.username == "admin@example.com").expect("admin");
        assert!(admin.password_matches("Admin-Passw0rd!"));
        assert!(!admin.password_matches("admin-passw0rd!"));
        assert_eq!(admin.groups, ["admin"]);
        assert!(users.iter().any(|u| u.groups.is_empty() && u.confirmed));
        assert!(users.iter().any(|u| !u.confirmed));
    }

    #[test]
    fn parses_a_full_entry_with_defaults() {
        let users = parse(
            r#"[{"username":"a","password":"p","email":"A@x.io","attributes":{"custom:team":"red"}},
                {"username":"b","password":"q","email":"b@x.io","confirmed":false,"groups":["g"]}]"#,
        )
        .expect("valid");
        assert!(users[0].confirmed && users[0].email_verified);
        assert_eq!(users[0].attributes["custom:team"], "red");
        assert!(users[0].answers_to("a@X.io"));
        assert!(!users[1].confirmed);
    }

    #[test]
    fn reports_the_line_of_a_syntax_error() {
        let problem = parse("[\n{\"username\": \"a\",\n \"password\": }\n]").expect_err("malformed");
        assert!(problem.starts_with("line 3: "), "{problem}");
    }

    #[test]
    fn rejects_missing_fields_unknown_fields_and_duplicates() {
        let missing = parse(r#"[{"username":"a","password":"p"}]"#).expect_err("no email");
        assert!(missing.contains("email"), "{missing}");
        let typo = parse(r#"[{"username":"a","password":"p","email":"a@x","grops":[]}]"#).expect_err("typo");
        assert!(typo.contains("grops"), "{typo}");
        let duplicate =
            parse(r#"[{"username":"a","password":"p","email":"a@x"},{"username":"b","password":"p","email":"A@x"}]"#)
                .expect_err("duplicate email");
        assert!(duplicate.contains("user #2"), "{duplicate}");
        let attribute = parse(r#"[{"username":"a","password":"p","email":"a@x","attributes":{"team":"x"}}]"#)
            .expect_err("non-custom attribute");
        assert!(attribute.contains("custom:"), "{attribute}");
        assert!(parse("[]").is_err());
    }

    #[test]
    fn debug_never_prints_the_password() {
        let user = LocalUser::new("a", "hunter2-secret", "a@x");
        assert!(!format!("{user:?}").contains("hunter2"));
    }
}
