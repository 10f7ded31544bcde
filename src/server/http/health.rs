//! `/healthz` (liveness) and `/readyz` (readiness, for load balancers).

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use crate::server::state::AppState;

/// The liveness check's path.
pub const LIVENESS_PATH: &str = "/healthz";
/// The readiness check's path.
pub const READINESS_PATH: &str = "/readyz";

/// Whether `path` is one of the health checks, which are neither logged nor counted: a balancer
/// probes every few seconds, and each probe would be a log line and a request sample that say
/// nothing (their answers are what the balancer acts on).
pub fn is_health_check(path: &str) -> bool {
    path == LIVENESS_PATH || path == READINESS_PATH
}

/// Liveness: answers as long as the process serves requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the session store answers and the pool's signing keys are loaded, so this
/// instance can sign people in and serve their sessions. Otherwise 503, naming what is missing.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = match state.sessions.ping().await {
        Ok(()) => None,
        Err(error) => {
            tracing::warn!(%error, "readiness: the session store does not answer");
            Some("the session store does not answer")
        }
    };
    // Loads them now if they are missing (at most every few seconds): the provider may be back.
    let keys = state.verifier.jwks().ensure_loaded().await;
    let mut not_ready = Vec::new();
    if let Some(store) = store {
        not_ready.push(json!({ "component": "session_store", "reason": store }));
    }
    if keys == 0 {
        not_ready.push(json!({ "component": "signing_keys", "reason": "the user pool's signing keys are not loaded" }));
    }
    if not_ready.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "ready", "signing_keys": keys })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "not_ready": not_ready })))
    }
}
