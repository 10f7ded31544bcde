//! A sign-in from start to finish: [`begin`] stores the login transaction and sends the browser
//! to the provider; at the callback, [`complete`] checks `state` against the transaction and
//! its browser, exchanges the code with the PKCE verifier, verifies both tokens and starts the
//! session.

use tower_sessions::Session;

use super::{
    core::AuthCore,
    jwks::TokenSource,
    login_transaction::{LoginTransaction, TRANSACTION_TTL_SECS},
    oauth_client::{AuthorizeRequest, TokenEndpointError},
    random::random_urlsafe,
    sign_in_options::{Prompt, SignInOptions},
    verify::VerifyError,
};
use crate::{
    metrics,
    session::{
        auth_session::{self, AuthSession, SessionStoreError, SessionTokens},
        directory::SessionEntry,
    },
};

/// Cognito's longest ID-token lifetime (one day).
const MAX_ID_TOKEN_AGE_SECS: i64 = 86_400;

/// The query string Cognito sends to the redirect URI.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CallbackParams {
    /// The authorization code (RFC 6749 §4.1.2), when the sign-in succeeded.
    pub code: Option<String>,
    /// The login transaction's `state`, sent back unchanged.
    pub state: Option<String>,
    /// The OAuth error code (RFC 6749 §4.1.2.1), when the sign-in failed.
    pub error: Option<String>,
    /// Text explaining `error`; Cognito's may tell why (e.g. "User is not confirmed.").
    pub error_description: Option<String>,
}

/// Why a sign-in callback failed; [`SignInError::to_failure`] turns it into what the person sees.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The callback's query string cannot be read: a parameter sent twice (RFC 6749 §3.1 allows
    /// each once) or one that is not valid text. Not a response any provider sends.
    #[error("the callback's query string is malformed")]
    MalformedCallback,
    /// The callback has no `state`.
    #[error("the callback has no state parameter")]
    MissingState,
    /// No login transaction has this `state`: it is unknown, older than ten minutes, or already
    /// used.
    #[error("unknown, expired or already used state")]
    UnknownState,
    /// The sign-in was started by another browser (the binding cookie does not match): a possible
    /// login CSRF (RFC 9700 §4.7).
    #[error("the sign-in was started in another browser")]
    WrongBrowser,
    /// The provider answered the authorization request with an error. Shown quoted and
    /// escaped: anyone can send a callback with an `error` of their own, and a line break in it
    /// must not forge a line of the log.
    #[error("the identity provider returned {error:?}")]
    Provider {
        /// The OAuth error code (RFC 6749 §4.1.2.1).
        error: String,
        /// The `error_description`, when the provider sent one.
        description: Option<String>,
    },
    /// The callback has neither a code nor an error.
    #[error("the callback has no code")]
    MissingCode,
    /// The token endpoint refused the code, or could not be reached.
    #[error("code exchange failed: {0}")]
    Exchange(#[from] TokenEndpointError),
    /// The token response has no ID token (`openid` is not among the scopes).
    #[error("the token response has no ID token (is openid among the scopes?)")]
    NoIdToken,
    /// The ID token failed verification (signature, issuer, audience, times, nonce, `at_hash`, or
    /// issued more than a day ago).
    #[error("ID token rejected: {0}")]
    IdToken(VerifyError),
    /// The access token failed verification.
    #[error("access token rejected: {0}")]
    AccessToken(VerifyError),
    /// The session store failed.
    #[error("{0}")]
    Session(#[from] auth_session::SessionStoreError),
}

/// What a person sees when sign-in fails: a 4xx status, a title and an explanation that does
/// not leak internals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFailure {
    /// The HTTP status, always 4xx.
    pub status: u16,
    /// A short heading.
    pub title: &'static str,
    /// What happened and what to do, in plain words.
    pub message: String,
}

impl SignInError {
    /// A fixed name for each kind of refusal, for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            SignInError::MalformedCallback => "malformed_callback",
            SignInError::MissingState => "missing_state",
            SignInError::UnknownState => "unknown_state",
            SignInError::WrongBrowser => "wrong_browser",
            SignInError::Provider { .. } => "provider_error",
            SignInError::MissingCode => "missing_code",
            SignInError::Exchange(TokenEndpointError::Unavailable(_) | TokenEndpointError::Throttled) => {
                "provider_unavailable"
            }
            SignInError::Exchange(_) => "exchange_refused",
            SignInError::IdToken(error) | SignInError::AccessToken(error) if error.is_temporary() => {
                "provider_unavailable"
            }
            SignInError::NoIdToken | SignInError::IdToken(_) | SignInError::AccessToken(_) => "token_rejected",
            SignInError::Session(_) => "store_error",
        }
    }

    /// What the person sees for this error: a 4xx status (424 when the provider or its signing
    /// keys are unreachable, 429 when it is throttling, 409 when the session cannot be stored), a
    /// title and a message.
    pub fn to_failure(&self) -> SignInFailure {
        let (status, title, message) = match self {
            SignInError::MissingState | SignInError::UnknownState => (
                400,
                "This sign-in link has expired",
                "The sign-in attempt is unknown, was already completed, or took longer than ten minutes. Please sign in again.".to_string(),
            ),
            SignInError::MalformedCallback => (
                400,
                "This sign-in link is malformed",
                "The address the identity provider sent you back to is not one it would send. Please sign in again."
                    .to_string(),
            ),
            SignInError::WrongBrowser => (
                400,
                "Sign-in started elsewhere",
                "This sign-in was started in another browser or tab session. Please sign in again from here.".to_string(),
            ),
            SignInError::Provider { error, description } => provider_failure(error, description.as_deref()),
            SignInError::MissingCode => (400, "Sign-in incomplete", "The identity provider did not send an authorization code.".to_string()),
            SignInError::Exchange(TokenEndpointError::Unavailable(_)) => (
                // The contract wants every callback failure as a 4xx page.
                424,
                "The identity provider is unreachable",
                "We could not reach the identity provider to finish signing you in. Please try again shortly.".to_string(),
            ),
            SignInError::Exchange(TokenEndpointError::Throttled) => (
                // Cognito's request quota for the account is spent for now (429,
                // `TooManyRequestsException`); it refills within seconds.
                429,
                "The identity provider is busy",
                "Too many sign-ins are reaching the identity provider right now. Please wait a moment and try again."
                    .to_string(),
            ),
            SignInError::Exchange(_) => (
                400,
                "Sign-in could not be completed",
                "The identity provider did not accept the sign-in. Please sign in again.".to_string(),
            ),
            SignInError::IdToken(error) | SignInError::AccessToken(error) if error.is_temporary() => (
                // The keys could not be loaded (or do not name the token's key yet): nothing is
                // known against the token, so this is the provider being out of reach.
                424,
                "The identity provider's signing keys could not be loaded",
                "Your sign-in could not be checked because the identity provider's signing keys are out of reach. Please try again shortly."
                    .to_string(),
            ),
            SignInError::NoIdToken | SignInError::IdToken(_) | SignInError::AccessToken(_) => (
                401,
                "Sign-in rejected",
                "The identity provider's answer failed verification, so you were not signed in.".to_string(),
            ),
            SignInError::Session(_) => (
                // Still a 4xx per the contract; the cause is logged.
                409,
                "Sign-in could not be saved",
                "Your session could not be stored. Please try again.".to_string(),
            ),
        };
        SignInFailure { status, title, message }
    }
}

fn provider_failure(error: &str, description: Option<&str>) -> (u16, &'static str, String) {
    let user_not_confirmed = description.is_some_and(|d| d.contains("not confirmed"));
    match error {
        _ if user_not_confirmed => (
            403,
            "Account not confirmed",
            "Your account exists but is not confirmed yet. Confirm it, then sign in again.".to_string(),
        ),
        "access_denied" => (403, "Sign-in cancelled", "The sign-in was cancelled or denied.".to_string()),
        "login_required" => (401, "Sign-in required", "Please sign in to continue.".to_string()),
        _ => (
            400,
            "Sign-in failed",
            format!("The identity provider reported an error ({}). Please try again.", sanitize(error)),
        ),
    }
}

/// Error codes come from the query string: keep them to the OAuth error alphabet.
fn sanitize(error: &str) -> String {
    error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect()
}

/// A sign-in started by [`begin`]: where to send the browser, and the value of the cookie that
/// binds the sign-in to this browser.
#[derive(Debug)]
pub struct StartedSignIn {
    /// The provider's `/oauth2/authorize` URL with `state`, nonce and PKCE challenge.
    pub authorize_url: url::Url,
    /// The binding cookie's value (set it with [`binding_cookie`]).
    pub binding: String,
}

/// Starts a sign-in: stores a login transaction (`state`, nonce, PKCE verifier, `return_to`) for
/// ten minutes, bound to the browser's binding cookie (reused when the browser already has a
/// well-formed one, so sign-ins started in other tabs stay valid).
pub async fn begin(
    core: &AuthCore,
    existing_binding: Option<&str>,
    return_to: String,
    options: &SignInOptions,
) -> Result<StartedSignIn, SessionStoreError> {
    let binding = existing_binding
        .filter(|v| v.len() == 43 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or_else(|| random_urlsafe(32), str::to_string);
    let mut transaction = LoginTransaction::begin(&binding, return_to, core.clock.now());
    transaction.silent = options.prompt == Some(Prompt::None);
    core.login_transactions.put(&transaction).await?;
    let authorize_url = core.oauth.authorize_url(&AuthorizeRequest {
        state: &transaction.state,
        nonce: transaction.nonce.expose(),
        code_challenge: &transaction.code_challenge(),
        options,
    });
    Ok(StartedSignIn { authorize_url, binding })
}

/// The cookie that binds a sign-in in flight to the browser: `HttpOnly`, `SameSite=Lax` (it
/// must come back on the provider's top-level redirect to the callback), as long as the
/// transaction lives.
pub fn binding_cookie(
    binding: String,
    config: &crate::config::AuthConfig,
) -> axum_extra::extract::cookie::Cookie<'static> {
    axum_extra::extract::cookie::Cookie::build((config.login_cookie_name(), binding))
        .http_only(true)
        .same_site(axum_extra::extract::cookie::SameSite::Lax)
        .path("/")
        .secure(config.https)
        .max_age(tower_sessions::cookie::time::Duration::seconds(TRANSACTION_TTL_SECS))
        .build()
}

/// A callback whose query string could not be read at all ([`SignInError::MalformedCallback`]),
/// counted among the refused sign-ins like any other.
pub fn malformed_callback() -> SignInError {
    metrics::sign_in(SignInError::MalformedCallback.kind());
    SignInError::MalformedCallback
}

/// Runs the whole callback. On success returns the path to send the browser to.
pub async fn complete(
    core: &AuthCore,
    session: &Session,
    browser_binding: Option<&str>,
    user_agent: Option<&str>,
    params: CallbackParams,
) -> Result<String, SignInError> {
    let outcome = complete_sign_in(core, session, browser_binding, user_agent, params).await;
    metrics::sign_in(outcome.as_ref().map_or_else(SignInError::kind, |(_, label)| label));
    outcome.map(|(return_to, _)| return_to)
}

async fn complete_sign_in(
    core: &AuthCore,
    session: &Session,
    browser_binding: Option<&str>,
    user_agent: Option<&str>,
    params: CallbackParams,
) -> Result<(String, &'static str), SignInError> {
    let state_param = params.state.as_deref().ok_or(SignInError::MissingState)?;
    let now = core.clock.now();
    // A browser without the binding cookie cannot finish any sign-in: refused without taking
    // the transaction, so that opening the callback link elsewhere (pasted into another
    // browser, fetched by a link preview) leaves the sign-in to the browser that started it.
    // The cookie lasts as long as the transaction, so without either the sign-in has expired.
    let Some(browser_binding) = browser_binding else {
        let pending = core.login_transactions.is_pending(state_param, now).await?;
        return Err(if pending { SignInError::WrongBrowser } else { SignInError::UnknownState });
    };
    // Taking the transaction deletes it: whatever happens below, this state cannot be replayed.
    let transaction = core.login_transactions.take(state_param, now).await?.ok_or(SignInError::UnknownState)?;
    if browser_binding != transaction.browser_binding {
        return Err(SignInError::WrongBrowser);
    }
    if let Some(error) = params.error {
        // A silent attempt (`prompt=none`) without a managed-login session: simply not signed
        // in (OpenID Connect Core §3.1.2.6), back to where the browser was.
        if transaction.silent && error == "login_required" {
            return Ok((transaction.return_to, "not_signed_in"));
        }
        return Err(SignInError::Provider { error, description: params.error_description });
    }
    let code = params.code.as_deref().filter(|c| !c.is_empty()).ok_or(SignInError::MissingCode)?;
    let mut auth = exchange_and_verify(core, &transaction, code).await?;
    auth.device = device_name(user_agent);
    let replaced = auth_session::load(session, core.read_rules(now)).await.ok().flatten();
    let session_id = match auth_session::start(session, &auth, now).await {
        Ok(session_id) => session_id,
        Err(error) => {
            // Leave nothing for the session layer to save after this answer: it would try the
            // store again and, failing, replace the explained refusal with its own empty 500.
            auth_session::abandon(session).await;
            return Err(error.into());
        }
    };
    if let Some(replaced) = replaced {
        // A browser that signs in again replaces its previous session. Its record went with the
        // old id just now (`start`), so no request can use or refresh it any more; it ends as
        // a sign-out would end it (off its person's list, its newest refresh token revoked).
        super::sign_out::end_replaced_session(core, replaced).await;
    }
    let entry = SessionEntry {
        session_key: auth.session_key.clone(),
        session_id,
        device: auth.device.clone(),
        signed_in_at: auth.signed_in_at,
        last_active: now,
        client_id: auth.client_id.clone(),
    };
    let keep_for = std::time::Duration::from_secs(core.config.session.max_age_secs().unsigned_abs());
    if let Err(error) = core.directory.register(&auth.sub, &entry, keep_for).await {
        // Signed in all the same; only the list of sessions misses this one.
        tracing::warn!(%error, "could not add the session to the person's list");
    }
    tracing::info!(sub = %auth.sub, "signed in");
    Ok((transaction.return_to, "success"))
}

/// "Firefox on Linux", from the User-Agent; it is only ever shown to the person themselves.
pub fn device_name(user_agent: Option<&str>) -> String {
    let parsed = user_agent.and_then(|ua| woothee::parser::Parser::new().parse(ua));
    match parsed {
        Some(ua) if ua.name != "UNKNOWN" && ua.os != "UNKNOWN" => format!("{} on {}", ua.name, ua.os),
        Some(ua) if ua.name != "UNKNOWN" => ua.name.to_string(),
        _ => "Unknown browser".to_string(),
    }
}

async fn exchange_and_verify(
    core: &AuthCore,
    transaction: &LoginTransaction,
    code: &str,
) -> Result<AuthSession, SignInError> {
    let tokens = core.oauth.exchange_code(code, transaction.pkce_verifier.expose()).await?;
    let id_token = tokens.id_token.ok_or(SignInError::NoIdToken)?;
    let verified_id = core
        .verifier
        .verify_id_token(id_token.expose(), Some(transaction.nonce.expose()), Some(tokens.access_token.expose()))
        .await
        .map_err(SignInError::IdToken)?;
    let now = core.clock.now();
    // OpenID Connect Core §3.1.3.7 lets a client bound `iat`; no ID token Cognito issues lives
    // longer than a day, so an older one is a replay or a provider gone wrong.
    if now.saturating_sub(verified_id.claims.iat) > MAX_ID_TOKEN_AGE_SECS {
        return Err(SignInError::IdToken(VerifyError::BadClaims("the ID token was issued more than a day ago".into())));
    }
    let access = core
        .verifier
        .verify_access_token(
            tokens.access_token.expose(),
            std::slice::from_ref(&core.config.cognito.client_id),
            TokenSource::TokenEndpoint,
        )
        .await
        .map_err(SignInError::AccessToken)?;
    let session_tokens = SessionTokens {
        id_token_expires_at: verified_id.claims.exp,
        access_token_expires_at: access.exp,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
    };
    Ok(AuthSession::new(verified_id, access.scopes(), session_tokens, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_a_4xx() {
        let errors = [
            SignInError::MissingState,
            SignInError::UnknownState,
            SignInError::WrongBrowser,
            SignInError::Provider { error: "access_denied".into(), description: None },
            SignInError::Provider {
                error: "invalid_request".into(),
                description: Some("User is not confirmed.".into()),
            },
            SignInError::MissingCode,
            SignInError::Exchange(TokenEndpointError::Unavailable("down".into())),
            SignInError::Exchange(TokenEndpointError::Refused { error: "invalid_grant".into(), description: None }),
            SignInError::NoIdToken,
            SignInError::IdToken(VerifyError::NonceMismatch),
        ];
        for error in errors {
            let failure = error.to_failure();
            assert!((400..500).contains(&failure.status), "{error}: {}", failure.status);
        }
    }

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(device_name(Some(firefox)), "Firefox on Linux");
        assert_eq!(device_name(Some("curl/8.0")), "HTTP Library", "a script is named as one");
        assert_eq!(device_name(None), "Unknown browser");
    }

    #[test]
    fn provider_error_codes_are_sanitized() {
        assert_eq!(sanitize("invalid_request<script>"), "invalid_requestscript");
        // In the log, the code is quoted, with its control characters escaped.
        let forged = SignInError::Provider { error: "x\n2026-12-03 ERROR forged\u{1b}[31m".into(), description: None };
        let logged = forged.to_string();
        assert!(!logged.chars().any(char::is_control), "{logged}");
        assert_eq!(logged, r#"the identity provider returned "x\n2026-12-03 ERROR forged\u{1b}[31m""#);
    }
}
