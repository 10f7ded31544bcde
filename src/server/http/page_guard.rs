//! Protected pages are decided here, before Leptos renders anything: a redirect or a status
//! set during streaming would arrive after the first byte and be lost.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::error_page::error_page;
use crate::server::{
    auth::refresh::{RefreshError, fresh_session},
    state::AppState,
};

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
    request: Request,
    next: Next,
) -> Response {
    let Some(protection) = protection_for(request.uri().path()) else {
        return next.run(request).await;
    };
    let path = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let encoded_path: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    let return_to = || encoded_path.clone();
    let auth = match fresh_session(&state, &session).await {
        Ok(auth) => auth,
        Err(RefreshError::SessionExpired) => {
            return Redirect::to(&format!("/auth/session-expired?return_to={}", return_to())).into_response();
        }
        Err(RefreshError::ProviderUnavailable) => {
            return error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Identity provider unreachable",
                "Your sign-in needs renewing, but the identity provider cannot be reached right now. You are still signed in; please try again shortly.",
            );
        }
        Err(RefreshError::Store(error)) => {
            tracing::error!(%error, "session store failed");
            return error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "Your session could not be read. Please try again shortly.",
            );
        }
    };
    match auth {
        None => Redirect::to(&format!("/auth/login?return_to={}", return_to())).into_response(),
        Some(auth) if protection == Protection::AdminGroup && !auth.is_member_of(&state.config.admin_group) => {
            // The page itself explains the refusal; the status says it to machines.
            let mut response = next.run(request).await;
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
        Some(_) => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_paths() {
        assert_eq!(protection_for("/dashboard"), Some(Protection::SignedIn));
        assert_eq!(protection_for("/profile/"), Some(Protection::SignedIn));
        assert_eq!(protection_for("/admin"), Some(Protection::AdminGroup));
        assert_eq!(protection_for("/"), None);
        assert_eq!(protection_for("/dashboardx"), None);
    }
}
