//! `/readyz` for load balancers: 200 when the session store answers and the signing keys are
//! loaded, 503 naming what is missing otherwise. `/healthz` stays a liveness check.

mod common;

use std::time::Duration;

use common::{redis::start_redis, spawn_app, spawn_stack};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_when_the_store_answers_and_keys_are_loaded() {
    let stack = spawn_stack(&[]).await;
    let ready = reqwest::get(stack.app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert!(body["signing_keys"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_without_signing_keys_but_alive() {
    // A provider nobody answers at: the keys cannot load.
    let unreachable = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let domain = format!("http://{unreachable}");
    let app = spawn_app(&[
        ("LOCAL_IDP", "off"),
        ("COGNITO_ISSUER", &format!("{domain}/us-east-1_Test")),
        ("COGNITO_DOMAIN", &domain),
        ("COGNITO_CLIENT_ID", "client"),
    ])
    .await;
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["not_ready"][0]["component"], "signing_keys", "{body}");
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200, "still alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_while_redis_is_down() {
    let (redis, port) = start_redis().await;
    let stack = spawn_stack(&[("SESSION_STORE", &format!("redis://127.0.0.1:{port}"))]).await;
    assert_eq!(reqwest::get(stack.app.url("/readyz")).await.unwrap().status(), 200);
    drop(redis);
    let started = std::time::Instant::now();
    let ready = reqwest::get(stack.app.url("/readyz")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["not_ready"][0]["component"], "session_store", "{body}");
}
