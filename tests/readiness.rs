//! `/readyz` for load balancers: 200 when the session store answers and the signing keys are
//! loaded, 503 naming what is missing otherwise. `/healthz` stays a liveness check.

mod common;

use std::time::Duration;

use cognito_local_idp::defaults;
use common::{IdpSetup, proxy::TokenProxy, redis::start_redis, spawn_app, spawn_stack, spawn_stack_with};
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
    assert_eq!(body["status"], "not_ready", "{body}");
    assert_eq!(body["not_ready"][0]["component"], "signing_keys", "{body}");
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200, "still alive");
}

/// An instance that started while its provider was down joins the pool by itself once the
/// provider answers, and the probes in between (balancers send them every few seconds) do not
/// each ask the provider for its keys: at most one attempt every 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_once_the_provider_answers_without_a_fetch_per_probe() {
    // The pool's keys come through a proxy that forwards nowhere yet.
    let proxy = TokenProxy::start().await;
    let issuer = format!("{}/{}", proxy.url, defaults::USER_POOL_ID);
    let stack = spawn_stack_with(&[("COGNITO_ISSUER", issuer.as_str())], IdpSetup::default()).await;
    let ready = reqwest::get(stack.app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["not_ready"][0]["component"], "signing_keys", "{body}");
    assert!(body["not_ready"][0]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{body}");

    proxy.forward_to(&stack.idp.domain);
    let fetches_before = stack.idp.idp.stats().jwks_requests;
    let started = std::time::Instant::now();
    let mut probes = 0;
    let status = loop {
        probes += 1;
        let status = reqwest::get(stack.app.url("/readyz")).await.unwrap().status().as_u16();
        if status == 200 || started.elapsed() > Duration::from_secs(20) {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status, 200, "ready again after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(12), "within one retry interval: {:?}", started.elapsed());
    let fetches = stack.idp.idp.stats().jwks_requests - fetches_before;
    assert!(probes > 5 && fetches <= 2, "{probes} probes cost {fetches} key fetches");
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
