use axum::{Json, extract::State};
use serde_json::{Value, json};

use super::{ApiCaller, ApiError};
use crate::server::state::AppState;

pub async fn ping(caller: ApiCaller) -> Json<Value> {
    Json(json!({ "pong": true, "sub": caller.sub }))
}

pub async fn me(caller: ApiCaller) -> Json<Value> {
    Json(json!({
        "sub": caller.sub,
        "username": caller.username,
        "email": caller.email,
        "groups": caller.groups,
        "scopes": caller.scopes,
        "client_id": caller.client_id,
        "credential": caller.credential,
    }))
}

pub async fn admin_ping(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, ApiError> {
    caller.require_group(&state.config.admin_group)?;
    Ok(Json(json!({ "pong": true, "sub": caller.sub, "admin": true })))
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
