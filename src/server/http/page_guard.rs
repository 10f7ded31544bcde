//! Protected pages are decided here, before Leptos renders anything: a redirect or a status
//! set during streaming would arrive after the first byte and be lost.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use axum_cognito::extract::SignInRequired;
use axum_cognito_leptos::server::{read_sign_in_for_page, show_signed_out};
use tower_sessions::Session;

use super::error_page::PageError;
use crate::{links, server::state::AppState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protection {
    SignedIn,
    AdminGroup,
}

fn protection_for(path: &str) -> Option<Protection> {
    match path.trim_end_matches('/') {
        "/dashboard" | "/profile" => Some(Protection::SignedIn),
        "/admin" => Some(Protection::AdminGroup),
        _ => None,
    }
}

pub async fn guard_protected_pages(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(normalized) = without_dot_segments(request.uri()) {
        // `/./dashboard` names `/dashboard` (RFC 3986 §5.2.4) but matches no route, while Leptos
        // would render the page it names: sent to the path itself, it is guarded like it.
        return Redirect::permanent(&normalized).into_response();
    }
    if !is_page(request.uri().path()) {
        // A file: its 404 page, if it is missing, shows nobody signed in.
        show_signed_out(&state.auth, &mut request);
        return next.run(request).await;
    }
    let protection = protection_for(request.uri().path());
    // Every page shows the sign-in state: read it now, while a redirect or an outage can still
    // decide the status, and leave it for the page (and its server functions) to reuse.
    let reading = read_sign_in_for_page(&state.auth, &session, &mut request).await;
    let path = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    match (reading, protection) {
        (Err(SignInRequired::ProviderUnavailable { retry_after_secs }), _) => {
            PageError::ProviderUnavailable { retry_after_secs }.into_response()
        }
        // Decided before Leptos streams the page: a status set once the first chunk has gone
        // out is lost.
        (Err(SignInRequired::Unavailable), _) => PageError::SessionUnreadable.into_response(),
        (_, None) => next.run(request).await,
        (Ok(auth), Some(protection)) => {
            let forbidden = protection == Protection::AdminGroup && !auth.is_member_of(&state.config.auth.admin_group);
            let mut response = next.run(request).await;
            if forbidden {
                // The page itself explains the refusal; the status says it to machines.
                *response.status_mut() = StatusCode::FORBIDDEN;
            }
            response
        }
        // A session that ended at its refresh (`invalid_grant`) is no session either: a page
        // load goes to sign-in with the same redirect as any visitor without one (the hosted UI
        // signs the person straight back in while its own session lasts). An open dashboard
        // whose background refresh ends the session shows the "session expired" notice instead.
        (Err(SignInRequired::NotSignedIn | SignInRequired::SessionEnded), Some(_)) => {
            Redirect::to(&links::login_url(path)).into_response()
        }
    }
}

/// The path and query of `uri` with its `.` and `..` segments resolved (RFC 3986 §5.2.4, as
/// the WHATWG URL parser does it), if it has any; browsers resolve them before sending, so only
/// a hand-made request has them.
fn without_dot_segments(uri: &axum::http::Uri) -> Option<String> {
    let path = uri.path();
    if !path.split('/').any(|segment| segment == "." || segment == "..") {
        return None;
    }
    let resolved = url::Url::parse("http://localhost/").ok()?.join(uri.path_and_query()?.as_str()).ok()?;
    let query = resolved.query().map(|query| format!("?{query}")).unwrap_or_default();
    // One leading slash: `//host` in a `Location` is another site (RFC 3986 §4.2).
    Some(format!("/{}{query}", resolved.path().trim_start_matches('/')))
}

/// Paths Leptos renders as pages (not the API, the bundle, health checks or other files).
fn is_page(path: &str) -> bool {
    let is_file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let is_other = path.starts_with("/api/")
        || path.starts_with(axum_cognito_leptos::SERVER_FN_PREFIX)
        || path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/readyz";
    !is_file && !is_other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_resolved() {
        let resolved = |uri: &'static str| without_dot_segments(&axum::http::Uri::from_static(uri));
        assert_eq!(resolved("/./dashboard"), Some("/dashboard".into()));
        assert_eq!(resolved("/x/../profile?tab=1"), Some("/profile?tab=1".into()));
        assert_eq!(resolved("/../../admin"), Some("/admin".into()), "not above the root");
        assert_eq!(resolved("/dashboard/."), Some("/dashboard/".into()));
        assert_eq!(resolved("/.//evil.example/x"), Some("/evil.example/x".into()), "never another site");
        assert_eq!(resolved("/dashboard"), None);
        assert_eq!(resolved("/pkg/app.css"), None);
        assert_eq!(resolved("/a..b/.c"), None, "dots inside a segment are not dot segments");
    }

    #[test]
    fn protected_paths() {
        assert_eq!(protection_for("/dashboard"), Some(Protection::SignedIn));
        assert_eq!(protection_for("/profile/"), Some(Protection::SignedIn));
        assert_eq!(protection_for("/admin"), Some(Protection::AdminGroup));
        assert_eq!(protection_for("/"), None);
        assert_eq!(protection_for("/dashboardx"), None);
    }

    #[test]
    fn pages_are_told_apart_from_other_paths() {
        assert!(is_page("/"));
        assert!(is_page("/auth/session-expired"));
        assert!(!is_page("/api/v1/me"));
        assert!(!is_page("/fn/list_my_sessions123"), "server functions read the session themselves");
        assert!(!is_page("/pkg/leptos-cognito.js"));
        assert!(!is_page("/favicon.ico"));
        assert!(!is_page("/healthz"));
    }
}
