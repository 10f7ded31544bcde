//! The baseline for `scripts/bench.sh`: the smallest axum 0.8 server answering `/healthz` with
//! the same JSON as the app, on the same runtime. Not a criterion benchmark: it serves until it
//! is killed, so the load generator measures the ceiling this machine allows, and the app's
//! figures can be read against it. `cargo bench --bench plain_axum` with `BASELINE_ADDR` set.

use axum::{Json, Router, routing::get, serve::ListenerExt};
use serde_json::{Value, json};

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[tokio::main]
async fn main() {
    let addr = std::env::var("BASELINE_ADDR").unwrap_or_else(|_| "127.0.0.1:3510".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind BASELINE_ADDR");
    // As the app does: without TCP_NODELAY a keep-alive client waits for delayed ACKs.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let app = Router::new().route("/healthz", get(healthz));
    axum::serve(listener, app).await.expect("serve");
}
