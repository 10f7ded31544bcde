//! One file per endpoint; this file wires them to their Cognito paths.

mod authorization;
mod authorize;
mod client_auth;
mod discovery;
mod federated;
mod get_user;
mod initiate_auth;
mod login;
mod logout;
mod revoke;
mod token;
mod user_pools_api;
mod userinfo;

use std::sync::{Arc, atomic::Ordering};

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;

use super::{
    defaults,
    error::oauth_json,
    pool::{Counters, Pool},
};

pub fn router(pool: Arc<Pool>) -> Router {
    let well_known = format!("/{}/.well-known", pool.pool_id);
    Router::new()
        .route(&format!("{well_known}/jwks.json"), get(discovery::jwks))
        .route(&format!("{well_known}/openid-configuration"), get(discovery::openid_configuration))
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/login", get(login::show).post(login::submit))
        .route("/federated", get(federated::show).post(federated::submit))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/userInfo", get(userinfo::userinfo).post(userinfo::userinfo))
        .route("/oauth2/revoke", post(revoke::revoke))
        .route("/logout", get(logout::logout))
        .route("/", post(user_pools_api::user_pools_api))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(defaults::BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(pool.clone(), availability))
        .with_state(pool)
}

/// The simulated outage switch (`LocalIdp::set_unavailable`).
async fn availability(State(pool): State<Arc<Pool>>, request: Request, next: Next) -> Response {
    if pool.unavailable.load(Ordering::Relaxed) {
        Counters::bump(&pool.counters.refused_while_unavailable);
        return oauth_json(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "error": "temporarily_unavailable", "error_description": "simulated outage" }),
        );
    }
    next.run(request).await
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// A path that does not answer this method: said in words (axum adds `Allow`), not an empty 405.
async fn method_not_allowed(method: axum::http::Method) -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, format!("This endpoint does not answer {method}.")).into_response()
}

/// `302 Found`, as Cognito redirects (axum's `Redirect::to` would say 303).
pub(crate) fn found(location: &str) -> Response {
    match axum::http::HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::FOUND, [(axum::http::header::LOCATION, value)]).into_response(),
        Err(_) => super::error::PageError::bad_request("The redirect target is not a valid URL.").into_response(),
    }
}
