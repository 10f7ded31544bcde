//! `GET /oauth2/authorize` (Amazon Cognito developer guide, "Authorize endpoint").

use std::sync::Arc;

use axum::{
    extract::{RawQuery, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};

use super::{
    authorization::{self, AuthorizeError},
    found,
};
use crate::pool::Pool;

pub async fn authorize(State(pool): State<Arc<Pool>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let request = match authorization::validate(&pool, query.as_deref()) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let forwarded = request.params.to_query();

    // Cognito sends the browser straight to a named provider; `COGNITO` names the pool's own sign-in.
    if let Some(provider) = request.identity_provider.as_deref().filter(|p| *p != "COGNITO") {
        if !request.client.allows_provider(provider) {
            return AuthorizeError::redirect(
                &request,
                "invalid_request",
                Some("identity_provider is not enabled for this client"),
            )
            .into_response();
        }
        return found(&format!("/federated?{forwarded}"));
    }
    if let Some(session) = authorization::reusable_session(&pool, &request, &headers) {
        return authorization::complete(&pool, &request, &session.identity, session.auth_time, false);
    }
    if request.prompt.as_deref() == Some("none") {
        return AuthorizeError::redirect(&request, "login_required", None).into_response();
    }
    found(&format!("/login?{forwarded}"))
}
