use axum::{
    Json,
    extract::State,
    http::Method,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::{Value, json};

use super::{ApiCaller, ApiError, ApiRejection, Credential};
use crate::server::state::AppState;

pub async fn ping(caller: ApiCaller) -> Json<Value> {
    Json(json!({ "pong": true, "sub": caller.sub }))
}

/// `/me`'s answer, written straight from the caller: building a `json!` tree first (a map of
/// owned values, then dropped) was a tenth of a Bearer call's instructions (callgrind). Fields in
/// alphabetical order, the order the `json!` map gave them.
#[derive(Serialize)]
struct Me<'a> {
    client_id: &'a str,
    credential: Credential,
    email: Option<&'a str>,
    groups: &'a [String],
    scopes: &'a [String],
    sub: &'a str,
    username: &'a str,
}

/// For a Bearer caller the email comes from the provider, asked once per token
/// ([`ApiCaller::lookup_email`]): the contract promises `email`, and access tokens carry none.
pub async fn me(State(state): State<AppState>, caller: ApiCaller) -> Response {
    let email = caller.lookup_email(&state.auth).await;
    Json(Me {
        client_id: &caller.client_id,
        credential: caller.credential,
        email: email.as_deref(),
        groups: &caller.groups,
        scopes: &caller.scopes,
        sub: &caller.sub,
        username: &caller.username,
    })
    .into_response()
}

pub async fn admin_ping(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, ApiRejection> {
    caller.require_group(&state.config.auth.admin_group)?;
    Ok(Json(json!({ "pong": true, "sub": caller.sub, "admin": true })))
}

/// The scope a machine client (`client_credentials`) needs for `/api/v1/machine/*`. In
/// Cognito it is a custom scope of a resource server: `<resource server id>/read`.
pub const MACHINE_SCOPE: &str = "api/read";

/// An example of a route for machine clients: it asks for an OAuth scope, not a group.
pub async fn machine_ping(caller: ApiCaller) -> Result<Json<Value>, ApiRejection> {
    caller.require_scope(MACHINE_SCOPE)?;
    Ok(Json(json!({ "pong": true, "client_id": caller.client_id, "scopes": caller.scopes })))
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}
