//! What `/auth/login` passes on to the hosted UI / managed login besides the OAuth essentials:
//! `prompt`, `login_hint`, `lang`, `identity_provider` and `idp_identifier` (Cognito's
//! `/oauth2/authorize` documents each). They arrive in the query string, so each is checked
//! against what Cognito accepts before it goes anywhere; anything else is a 400.

/// OpenID Connect Core §3.1.2.1's `prompt`, as Cognito's managed login takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Sign in silently with the managed-login session, or come back with `login_required`.
    None,
    /// Ask for the password again even with a managed-login session.
    Login,
    /// Forwarded to federated providers.
    SelectAccount,
    /// Forwarded to federated providers.
    Consent,
}

impl Prompt {
    /// The value sent as `prompt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::None => "none",
            Prompt::Login => "login",
            Prompt::SelectAccount => "select_account",
            Prompt::Consent => "consent",
        }
    }
}

/// Managed login's languages (Cognito's managed-login localization).
const LANGUAGES: &[&str] = &["de", "en", "es", "fr", "id", "it", "ja", "ko", "nl", "pt-BR", "zh-CN", "zh-TW"];
/// Cognito usernames and email addresses are at most 128 and 256 characters.
const MAX_HINT_CHARS: usize = 256;
/// Cognito's limit for an IdP identifier.
const MAX_IDP_IDENTIFIER_CHARS: usize = 40;

/// The query of `/auth/login`, as received.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SignInQuery {
    /// The path to go back to after sign-in; anything but a same-origin path falls back to the
    /// default.
    pub return_to: Option<String>,
    /// The contract's name for a federated provider; `identity_provider` is Cognito's.
    pub provider: Option<String>,
    /// Cognito's name for the federated provider to go straight to.
    pub identity_provider: Option<String>,
    /// An identifier Cognito maps to a federated provider (e.g. an email domain).
    pub idp_identifier: Option<String>,
    /// `prompt`, as received.
    pub prompt: Option<String>,
    /// `login_hint`: a username or email address to fill in.
    pub login_hint: Option<String>,
    /// `lang`: the language of the managed-login pages.
    pub lang: Option<String>,
}

/// Checked options, ready for the authorization request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SignInOptions {
    /// OpenID Connect `prompt`.
    pub prompt: Option<Prompt>,
    /// Fills in the username field: at most 256 characters, no control characters.
    pub login_hint: Option<String>,
    /// A managed-login language such as `fr` or `pt-BR`.
    pub lang: Option<String>,
    /// A federated provider the app offers, to go straight to.
    pub identity_provider: Option<String>,
    /// An IdP identifier, sent instead of `identity_provider`.
    pub idp_identifier: Option<String>,
}

/// Why the options of a `/auth/login` query were refused (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInOptionError {
    /// `prompt` is none of `none`, `login`, `select_account` and `consent`.
    #[error("prompt must be none, login, select_account or consent")]
    UnknownPrompt,
    /// `login_hint` is too long or holds control characters.
    #[error("login_hint is longer than {MAX_HINT_CHARS} characters or holds control characters")]
    BadLoginHint,
    /// `lang` is not a managed-login language.
    #[error("lang must be one of the managed login's languages: {}", LANGUAGES.join(", "))]
    UnknownLanguage,
    /// The named provider is not among those the app offers.
    #[error("this app does not offer sign-in with that provider")]
    UnknownProvider,
    /// `idp_identifier` is longer than 40 characters or holds characters other than letters, digits
    /// and `. _ - @ + =`.
    #[error("idp_identifier must be 1 to {MAX_IDP_IDENTIFIER_CHARS} letters, digits or . _ - @ + =")]
    BadIdpIdentifier,
    /// Two different providers were named (`provider` and `identity_provider`, or either with
    /// `idp_identifier`).
    #[error("give identity_provider or idp_identifier, not both")]
    TwoProviders,
}

impl SignInOptions {
    /// Checks the query; `configured_providers` are the federated providers the app offers.
    pub fn from_query(query: &SignInQuery, configured_providers: &[String]) -> Result<Self, SignInOptionError> {
        let present = |value: &Option<String>| value.as_deref().filter(|v| !v.is_empty()).map(str::to_string);
        let prompt = match present(&query.prompt).as_deref() {
            None => None,
            Some("none") => Some(Prompt::None),
            Some("login") => Some(Prompt::Login),
            Some("select_account") => Some(Prompt::SelectAccount),
            Some("consent") => Some(Prompt::Consent),
            Some(_) => return Err(SignInOptionError::UnknownPrompt),
        };
        let login_hint = present(&query.login_hint);
        if login_hint
            .as_deref()
            .is_some_and(|hint| hint.chars().count() > MAX_HINT_CHARS || hint.chars().any(char::is_control))
        {
            return Err(SignInOptionError::BadLoginHint);
        }
        let lang = present(&query.lang);
        if lang.as_deref().is_some_and(|lang| !LANGUAGES.contains(&lang)) {
            return Err(SignInOptionError::UnknownLanguage);
        }
        let named = match (present(&query.provider), present(&query.identity_provider)) {
            (Some(a), Some(b)) if a != b => return Err(SignInOptionError::TwoProviders),
            (a, b) => a.or(b),
        };
        let identity_provider = match named {
            None => None,
            Some(name) => match configured_providers.iter().find(|p| **p == name) {
                Some(configured) => Some(configured.clone()),
                None => return Err(SignInOptionError::UnknownProvider),
            },
        };
        let idp_identifier = present(&query.idp_identifier);
        if let Some(identifier) = &idp_identifier {
            let allowed = |c: char| c.is_ascii_alphanumeric() || "._-@+=".contains(c);
            if identifier.chars().count() > MAX_IDP_IDENTIFIER_CHARS || !identifier.chars().all(allowed) {
                return Err(SignInOptionError::BadIdpIdentifier);
            }
            if identity_provider.is_some() {
                return Err(SignInOptionError::TwoProviders);
            }
        }
        Ok(SignInOptions { prompt, login_hint, lang, identity_provider, idp_identifier })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(query: SignInQuery) -> Result<SignInOptions, SignInOptionError> {
        SignInOptions::from_query(&query, &["Google".to_string()])
    }

    #[test]
    fn valid_options_pass() {
        let checked = options(SignInQuery {
            prompt: Some("login".into()),
            login_hint: Some("ada@example.com".into()),
            lang: Some("pt-BR".into()),
            ..SignInQuery::default()
        })
        .unwrap();
        assert_eq!(checked.prompt, Some(Prompt::Login));
        assert_eq!(checked.login_hint.as_deref(), Some("ada@example.com"));
        assert_eq!(checked.lang.as_deref(), Some("pt-BR"));
        let federated = options(SignInQuery { identity_provider: Some("Google".into()), ..SignInQuery::default() });
        assert_eq!(federated.unwrap().identity_provider.as_deref(), Some("Google"));
        let by_id = options(SignInQuery { idp_identifier: Some("example.com".into()), ..SignInQuery::default() });
        assert_eq!(by_id.unwrap().idp_identifier.as_deref(), Some("example.com"));
        assert_eq!(options(SignInQuery::default()).unwrap(), SignInOptions::default());
    }

    /// Exactly the values the README's table lists: each `prompt` and each managed-login
    /// language passes unchanged, and the language codes are matched as written.
    #[test]
    fn every_documented_prompt_and_language_passes() {
        let prompt = |value: &str| options(SignInQuery { prompt: Some(value.into()), ..SignInQuery::default() });
        for (value, expected) in [
            ("none", Prompt::None),
            ("login", Prompt::Login),
            ("select_account", Prompt::SelectAccount),
            ("consent", Prompt::Consent),
        ] {
            let checked = prompt(value).unwrap().prompt;
            assert_eq!(checked, Some(expected), "{value}");
            assert_eq!(expected.as_str(), value);
        }
        let lang = |value: &str| options(SignInQuery { lang: Some(value.into()), ..SignInQuery::default() });
        for value in "de en es fr id it ja ko nl pt-BR zh-CN zh-TW".split(' ') {
            assert_eq!(lang(value).unwrap().lang.as_deref(), Some(value));
        }
        for value in ["pt-br", "PT-BR", "zh", "EN"] {
            assert_eq!(lang(value), Err(SignInOptionError::UnknownLanguage), "{value}");
        }
    }

    /// The limits the README gives, on both sides: a hint of up to 256 characters (counted as
    /// characters, not bytes), an identifier of 1 to 40 of `A-Z a-z 0-9 . _ - @ + =` (empty is
    /// the same as absent, like every option).
    #[test]
    fn the_limits_are_exactly_as_documented() {
        let hint = |hint: String| options(SignInQuery { login_hint: Some(hint), ..SignInQuery::default() });
        assert!(hint("é".repeat(256)).is_ok(), "256 characters");
        assert_eq!(hint("é".repeat(257)), Err(SignInOptionError::BadLoginHint));
        let identifier = |id: &str| options(SignInQuery { idp_identifier: Some(id.into()), ..SignInQuery::default() });
        let forty = "Az09._-@+=".repeat(4);
        assert_eq!(identifier(&forty).unwrap().idp_identifier.as_deref(), Some(forty.as_str()), "40 characters");
        assert_eq!(identifier(&format!("{forty}x")), Err(SignInOptionError::BadIdpIdentifier), "41 characters");
        assert_eq!(identifier("a").unwrap().idp_identifier.as_deref(), Some("a"), "one character");
        assert_eq!(identifier("").unwrap().idp_identifier, None, "empty is absent");
        for bad in ["a b", "a/b", "a%b", "ä"] {
            assert_eq!(identifier(bad), Err(SignInOptionError::BadIdpIdentifier), "{bad}");
        }
    }

    #[test]
    fn bad_options_are_refused() {
        let cases = [
            (SignInQuery { prompt: Some("always".into()), ..SignInQuery::default() }, SignInOptionError::UnknownPrompt),
            (
                SignInQuery { login_hint: Some("x".repeat(257)), ..SignInQuery::default() },
                SignInOptionError::BadLoginHint,
            ),
            (
                SignInQuery { login_hint: Some("a\nb".into()), ..SignInQuery::default() },
                SignInOptionError::BadLoginHint,
            ),
            (SignInQuery { lang: Some("xx".into()), ..SignInQuery::default() }, SignInOptionError::UnknownLanguage),
            (
                SignInQuery { provider: Some("Okta".into()), ..SignInQuery::default() },
                SignInOptionError::UnknownProvider,
            ),
            (
                SignInQuery { idp_identifier: Some("bad id".into()), ..SignInQuery::default() },
                SignInOptionError::BadIdpIdentifier,
            ),
            (
                SignInQuery {
                    identity_provider: Some("Google".into()),
                    idp_identifier: Some("example.com".into()),
                    ..SignInQuery::default()
                },
                SignInOptionError::TwoProviders,
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(options(query.clone()), Err(expected), "{query:?}");
        }
    }
}
