//! Every error the plain axum routes answer with a page, as one type mapped to its response
//! here: a small standalone HTML page (the Leptos pages render their own errors inside the app
//! frame), with `Retry-After` where waiting helps.

use axum::{
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};

use axum_cognito::routes::RouteRefusal;

use crate::server::auth::sign_in_options::SignInOptionError;

/// Why a plain route answers with an error page.
#[derive(Debug)]
pub enum PageError {
    /// A refusal of the library's sign-in routes (`/auth/login`, `/auth/logout`,
    /// `/auth/sessions/end`): its status and `Retry-After` are the library's, the words this
    /// app's.
    Refused(RouteRefusal),
    /// The sign-in needs renewing and the identity provider cannot renew it now; the person is
    /// still signed in.
    ProviderUnavailable { retry_after_secs: u64 },
    /// The session store did not answer a read.
    SessionUnreadable,
    /// The session store did not take a write (the session layer's bare 500, explained).
    SessionsCannotBeStored,
    /// The path exists but does not answer this method.
    MethodNotAllowed(Method),
    /// The request target is not a path: the authority form of `CONNECT` (`host:port`), which
    /// this server does not serve (it is no proxy; RFC 9112 §3.2.3).
    NotAPath,
    /// The server failed while answering (a handler panicked, say).
    Internal,
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::Refused(refusal) => refusal.status(),
            PageError::ProviderUnavailable { .. }
            | PageError::SessionUnreadable
            | PageError::SessionsCannotBeStored => StatusCode::SERVICE_UNAVAILABLE,
            PageError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            PageError::NotAPath => StatusCode::BAD_REQUEST,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            PageError::Refused(refusal) => match refusal {
                RouteRefusal::TooManySignIns { .. } => "Too many sign-in attempts",
                RouteRefusal::InvalidSignInOption(SignInOptionError::UnknownProvider) => "Unknown sign-in provider",
                RouteRefusal::MalformedSignInLink | RouteRefusal::InvalidSignInOption(_) => "Sign-in refused",
                RouteRefusal::InvalidEverywhereField
                | RouteRefusal::ForeignOrigin
                | RouteRefusal::UnsupportedFormType
                | RouteRefusal::UnreadableForm { .. } => "Sign-out refused",
                RouteRefusal::NoSessionNamed => "No session named",
                RouteRefusal::NoSuchSession => "No such session",
                RouteRefusal::SignInFailed(failure) => failure.title,
                RouteRefusal::SignInCannotStart | RouteRefusal::StoreUnavailable => "Temporarily unavailable",
                // A refusal added to the library later.
                _ => "Request refused",
            },
            PageError::ProviderUnavailable { .. } => "Identity provider unreachable",
            PageError::SessionUnreadable | PageError::SessionsCannotBeStored => "Temporarily unavailable",
            PageError::MethodNotAllowed(_) => "Method not allowed",
            PageError::NotAPath => "Bad request",
            PageError::Internal => "Something went wrong",
        }
    }

    fn message(&self) -> String {
        match self {
            PageError::Refused(RouteRefusal::TooManySignIns { .. }) => {
                "This browser or network started too many sign-ins in a short time. Please wait a moment and try again."
                    .into()
            }
            PageError::Refused(RouteRefusal::InvalidSignInOption(SignInOptionError::UnknownProvider)) => {
                "This app does not offer sign-in with that provider.".into()
            }
            PageError::Refused(RouteRefusal::SignInFailed(failure)) => failure.message.clone(),
            // The library's own words for the rest ("The sign-in link is malformed.", ...).
            PageError::Refused(refusal) => refusal.to_string(),
            PageError::ProviderUnavailable { .. } => "Your sign-in needs renewing, but the identity provider cannot renew it right now. You are still signed in; please try again shortly.".into(),
            PageError::SessionUnreadable => "Your session could not be read. Please try again shortly.".into(),
            PageError::SessionsCannotBeStored => "Sessions cannot be stored right now. Please try again shortly.".into(),
            // axum adds the `Allow` header listing the methods the path does answer (RFC 9110
            // §15.5.6).
            PageError::MethodNotAllowed(method) => {
                format!("This address does not answer {method} requests; the Allow header lists those it does.")
            }
            PageError::NotAPath => {
                "The request names no path (a host and port, as sent to a proxy); this server answers paths such as /.".into()
            }
            PageError::Internal => {
                "The server failed to answer this request. The failure is logged; please try again.".into()
            }
        }
    }

    /// A failed sign-in's page offers to start again, and is named for tests and scripts.
    fn is_failed_sign_in(&self) -> bool {
        matches!(self, PageError::Refused(RouteRefusal::SignInFailed(_)))
    }

    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            PageError::Refused(refusal) => refusal.retry_after_secs(),
            PageError::ProviderUnavailable { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = html_escape::encode_text(self.title());
        let message = self.message();
        let message = html_escape::encode_text(&message);
        let (test_id, next_step) = if self.is_failed_sign_in() {
            ("sign-in-error", "<p><a href=\"/auth/login\" data-testid=\"sign-in-again\">Sign in again</a></p>")
        } else {
            ("error", "")
        };
        let body = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} · leptos-cognito</title>\
             <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}}</style>\
             </head><body><main data-testid=\"{test_id}\"><h1>{title}</h1><p>{message}</p>{next_step}\
             <p><a href=\"/\">Go to the home page</a></p></main></body></html>"
        );
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Renders a refusal of the sign-in routes as this app's page.
pub fn render_refusal(refusal: RouteRefusal) -> Response {
    PageError::Refused(refusal).into_response()
}

/// 405 for a path that exists but does not answer the request's method.
pub async fn method_not_allowed(method: Method) -> Response {
    PageError::MethodNotAllowed(method).into_response()
}

/// 405 for a resource outside axum's method routing (which adds `Allow` itself), with the
/// `Allow` header it needs (RFC 9110 §15.5.6): `allowed` is a comma-separated list of methods.
pub fn method_not_allowed_with(method: Method, allowed: &'static str) -> Response {
    let mut response = PageError::MethodNotAllowed(method).into_response();
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::auth::sign_in::SignInFailure;

    #[tokio::test]
    async fn a_page_names_the_error_and_says_when_to_retry() {
        let page = render_refusal(RouteRefusal::TooManySignIns { retry_after_secs: 7 });
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(page.headers()[header::RETRY_AFTER], "7");
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
        let page = render_refusal(RouteRefusal::NoSuchSession);
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(!page.headers().contains_key(header::RETRY_AFTER));
        let body = axum::body::to_bytes(page.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<h1>No such session</h1>"), "{body}");
        assert!(body.contains("not one of yours"), "{body}");
        assert!(!body.contains("Sign in again"), "{body}");
    }

    #[tokio::test]
    async fn a_failed_sign_in_offers_to_sign_in_again() {
        let failure =
            SignInFailure { status: 424, title: "Identity provider unreachable", message: "Try again".into() };
        let page = render_refusal(RouteRefusal::SignInFailed(failure));
        assert_eq!(page.status(), StatusCode::FAILED_DEPENDENCY);
        let body = axum::body::to_bytes(page.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("data-testid=\"sign-in-error\""), "{body}");
        assert!(body.contains("<a href=\"/auth/login\" data-testid=\"sign-in-again\">Sign in again</a>"), "{body}");
    }
}
