//! Every error the plain axum routes answer with a page, as one type mapped to its response
//! here: a small standalone HTML page (the Leptos pages render their own errors inside the app
//! frame), with `Retry-After` where waiting helps.

use axum::{
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};

use axum_cognito::{auth::sign_in::SignInFailure, routes::RouteRefusal};

use crate::server::auth::sign_in_options::SignInOptionError;

/// Why a plain route answers with an error page.
#[derive(Debug)]
pub enum PageError {
    /// This client started too many sign-ins lately (`/auth/login`).
    TooManySignIns { retry_after_secs: u64 },
    /// `/auth/login`'s query could not be read at all.
    MalformedSignInLink,
    /// `identity_provider` names a provider the app does not offer.
    UnknownProvider,
    /// Another sign-in option is not valid (`prompt`, `login_hint`, ...).
    InvalidSignInOption(SignInOptionError),
    /// The sign-in in flight could not be stored.
    SignInCannotStart,
    /// The callback could not complete a sign-in.
    SignInFailed(SignInFailure),
    /// A sign-out form whose `everywhere` is neither `true` nor `false`.
    InvalidEverywhereField,
    /// `POST /auth/sessions/end` without the session to end.
    NoSessionNamed,
    /// That session has ended already, or is someone else's.
    NoSuchSession,
    /// A sign-out posted from another site (CSRF).
    ForeignOrigin,
    /// The sign-in needs renewing and the identity provider cannot renew it now; the person is
    /// still signed in.
    ProviderUnavailable { retry_after_secs: u64 },
    /// The session store did not answer a read.
    SessionUnreadable,
    /// The session store did not take a write (the session layer's bare 500, explained).
    SessionsCannotBeStored,
    /// The session store failed while ending a session.
    TryAgainShortly,
    /// The path exists but does not answer this method.
    MethodNotAllowed(Method),
    /// Any other refusal of the sign-in routes: its status and its own words.
    Other { status: StatusCode, message: String },
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::TooManySignIns { .. } => StatusCode::TOO_MANY_REQUESTS,
            PageError::MalformedSignInLink
            | PageError::UnknownProvider
            | PageError::InvalidSignInOption(_)
            | PageError::InvalidEverywhereField
            | PageError::NoSessionNamed => StatusCode::BAD_REQUEST,
            PageError::NoSuchSession => StatusCode::NOT_FOUND,
            PageError::ForeignOrigin => StatusCode::FORBIDDEN,
            PageError::SignInCannotStart
            | PageError::ProviderUnavailable { .. }
            | PageError::SessionUnreadable
            | PageError::SessionsCannotBeStored
            | PageError::TryAgainShortly => StatusCode::SERVICE_UNAVAILABLE,
            PageError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            PageError::SignInFailed(failure) => StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST),
            PageError::Other { status, .. } => *status,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            PageError::TooManySignIns { .. } => "Too many sign-in attempts",
            PageError::MalformedSignInLink | PageError::InvalidSignInOption(_) => "Sign-in refused",
            PageError::UnknownProvider => "Unknown sign-in provider",
            PageError::InvalidEverywhereField | PageError::ForeignOrigin => "Sign-out refused",
            PageError::NoSessionNamed => "No session named",
            PageError::NoSuchSession => "No such session",
            PageError::ProviderUnavailable { .. } => "Identity provider unreachable",
            PageError::SignInCannotStart
            | PageError::SessionUnreadable
            | PageError::SessionsCannotBeStored
            | PageError::TryAgainShortly => "Temporarily unavailable",
            PageError::MethodNotAllowed(_) => "Method not allowed",
            PageError::SignInFailed(failure) => failure.title,
            PageError::Other { .. } => "Request refused",
        }
    }

    fn message(&self) -> String {
        match self {
            PageError::TooManySignIns { .. } => {
                "This browser or network started too many sign-ins in a short time. Please wait a moment and try again."
                    .into()
            }
            PageError::MalformedSignInLink => "The sign-in link is malformed.".into(),
            PageError::UnknownProvider => "This app does not offer sign-in with that provider.".into(),
            PageError::InvalidSignInOption(error) => format!("The sign-in link is not valid: {error}."),
            PageError::SignInCannotStart => "Sign-in cannot start right now. Please try again shortly.".into(),
            PageError::InvalidEverywhereField => "The field everywhere must be true or false.".into(),
            PageError::NoSessionNamed => "Choose a session to sign out.".into(),
            PageError::NoSuchSession => "That session has already ended, or is not one of yours.".into(),
            PageError::ForeignOrigin => "The sign-out request did not come from this site.".into(),
            PageError::ProviderUnavailable { .. } => "Your sign-in needs renewing, but the identity provider cannot renew it right now. You are still signed in; please try again shortly.".into(),
            PageError::SessionUnreadable => "Your session could not be read. Please try again shortly.".into(),
            PageError::SessionsCannotBeStored => "Sessions cannot be stored right now. Please try again shortly.".into(),
            PageError::TryAgainShortly => "Please try again shortly.".into(),
            PageError::SignInFailed(failure) => failure.message.clone(),
            PageError::Other { message, .. } => message.clone(),
            // axum adds the `Allow` header listing the methods the path does answer (RFC 9110
            // §15.5.6).
            PageError::MethodNotAllowed(method) => {
                format!("This address does not answer {method} requests; the Allow header lists those it does.")
            }
        }
    }

    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            PageError::TooManySignIns { retry_after_secs } | PageError::ProviderUnavailable { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = html_escape::encode_text(self.title());
        let message = self.message();
        let message = html_escape::encode_text(&message);
        let body = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} · leptos-cognito</title>\
             <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}}</style>\
             </head><body><main><h1>{title}</h1><p>{message}</p><p><a href=\"/\">Go to the home page</a></p></main></body></html>"
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

/// The sign-in routes' refusals (`axum_cognito::routes`), as this app's pages.
impl From<RouteRefusal> for PageError {
    fn from(refusal: RouteRefusal) -> Self {
        match refusal {
            RouteRefusal::TooManySignIns { retry_after_secs } => PageError::TooManySignIns { retry_after_secs },
            RouteRefusal::MalformedSignInLink => PageError::MalformedSignInLink,
            RouteRefusal::InvalidSignInOption(SignInOptionError::UnknownProvider) => PageError::UnknownProvider,
            RouteRefusal::InvalidSignInOption(error) => PageError::InvalidSignInOption(error),
            RouteRefusal::SignInCannotStart => PageError::SignInCannotStart,
            RouteRefusal::SignInFailed(failure) => PageError::SignInFailed(failure),
            RouteRefusal::ForeignOrigin => PageError::ForeignOrigin,
            RouteRefusal::InvalidEverywhereField => PageError::InvalidEverywhereField,
            RouteRefusal::NoSessionNamed => PageError::NoSessionNamed,
            RouteRefusal::NoSuchSession => PageError::NoSuchSession,
            RouteRefusal::StoreUnavailable => PageError::TryAgainShortly,
            // A refusal added to the library later: its own status and words.
            other => PageError::Other { status: other.status(), message: other.to_string() },
        }
    }
}

/// Renders a refusal of the sign-in routes as this app's page.
pub fn render_refusal(refusal: RouteRefusal) -> Response {
    PageError::from(refusal).into_response()
}

/// 405 for a path that exists but does not answer the request's method.
pub async fn method_not_allowed(method: Method) -> Response {
    PageError::MethodNotAllowed(method).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_page_names_the_error_and_says_when_to_retry() {
        let page = PageError::TooManySignIns { retry_after_secs: 7 }.into_response();
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(page.headers()[header::RETRY_AFTER], "7");
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
        let page = PageError::NoSuchSession.into_response();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(!page.headers().contains_key(header::RETRY_AFTER));
        let body = axum::body::to_bytes(page.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<h1>No such session</h1>"), "{body}");
        assert!(body.contains("not one of yours"), "{body}");
    }
}
