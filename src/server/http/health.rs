use axum::Json;
use serde_json::{Value, json};

/// Liveness: answers as long as the process serves requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
