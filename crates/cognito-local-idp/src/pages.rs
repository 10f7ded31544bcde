//! The provider's HTML: sign-in form, simulated federated sign-in, error page.
//!
//! Every value is escaped; no page ever contains a password, code or token. Forms have labels
//! for screen readers and post back to the provider only.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

pub fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            // No `form-action`: browsers apply it to the redirect back to the app after the POST.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
            ),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        body,
    )
        .into_response()
}

fn layout(title: &str, content: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }}
main {{ max-width: 24rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: .5rem; box-shadow: 0 1px 4px #0002; }}
label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; }}
button, .provider {{ display: block; width: 100%; margin-top: 1.25rem; padding: .6rem; font-size: 1rem; text-align: center; }}
.error {{ color: #a4000f; background: #fdecee; padding: .5rem; border-radius: .25rem; }}
.note {{ color: #555; font-size: .85rem; }}
</style>
</head>
<body>
<main>
{content}
<p class="note">Local development identity provider speaking Amazon Cognito's protocol. Not Amazon Cognito.</p>
</main>
</body>
</html>
"#,
        title = text(title)
    )
}

pub struct LoginForm<'a> {
    /// The authorization request, re-encoded, so the form posts back to `/login?<query>`.
    pub query: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// `(provider name, authorize URL)` for each federated provider the client offers.
    pub providers: &'a [(String, String)],
}

pub fn login_page(form: &LoginForm<'_>) -> String {
    let error = form
        .error
        .map(|message| format!(r#"<p class="error" role="alert" id="login-error">{}</p>"#, text(message)))
        .unwrap_or_default();
    let providers: String = form
        .providers
        .iter()
        .map(|(name, url)| format!(r#"<a class="provider" href="{}">Continue with {}</a>"#, attr(url), text(name)))
        .collect();
    let content = format!(
        r#"<h1>Sign in</h1>
{error}
<form method="post" action="/login?{query}">
<input type="hidden" name="_csrf" value="{csrf}">
<label for="username">Username or email</label>
<input type="text" id="username" name="username" value="{username}" autocomplete="username" autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" name="signInSubmitButton">Sign in</button>
</form>
{providers}"#,
        query = attr(form.query),
        csrf = attr(form.csrf),
        username = attr(form.username),
    );
    layout("Sign in", &content)
}

pub struct FederatedForm<'a> {
    pub provider: &'a str,
    pub query: &'a str,
    pub csrf: &'a str,
    /// `(username, label)` of each account the simulated provider can vouch for.
    pub accounts: &'a [(String, String)],
}

pub fn federated_page(form: &FederatedForm<'_>) -> String {
    let accounts: String = form
        .accounts
        .iter()
        .enumerate()
        .map(|(index, (username, label))| {
            let checked = if index == 0 { " checked" } else { "" };
            format!(
                r#"<div><input type="radio" id="account-{index}" name="username" value="{}"{checked}><label for="account-{index}" style="display:inline">{}</label></div>"#,
                attr(username),
                text(label)
            )
        })
        .collect();
    let content = format!(
        r#"<h1>Sign in with {provider}</h1>
<p>Simulated {provider} sign-in: choose the account {provider} would vouch for.</p>
<form method="post" action="/federated?{query}">
<input type="hidden" name="_csrf" value="{csrf}">
<fieldset><legend>Account</legend>
{accounts}
</fieldset>
<button type="submit">Continue</button>
</form>"#,
        provider = text(form.provider),
        query = attr(form.query),
        csrf = attr(form.csrf),
    );
    layout(&format!("Sign in with {}", form.provider), &content)
}

pub fn error_page(message: &str) -> String {
    layout(
        "Error",
        &format!(
            r#"<h1>An error was encountered with the requested page.</h1><p class="error" role="alert">{}</p>"#,
            text(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_escapes_everything_and_labels_inputs() {
        let page = login_page(&LoginForm {
            query: "a=1&b=\"x\"",
            csrf: "tok",
            username: "<script>",
            error: Some("Incorrect username or password."),
            providers: &[("Google".to_string(), "/oauth2/authorize?x=1&identity_provider=Google".to_string())],
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains(r#"action="/login?a=1&amp;b=&quot;x&quot;""#));
        assert!(page.contains(r#"<label for="username">"#) && page.contains(r#"<label for="password">"#));
        assert!(page.contains("Incorrect username or password."));
        assert!(page.contains("Continue with Google"));
    }
}
