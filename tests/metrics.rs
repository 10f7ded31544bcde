//! `/metrics` on `METRICS_ADDR`: after a scripted session (sign-in, a refresh, a bad Bearer
//! token, sign-out) each counter moved by exactly what happened, and label values stay bounded
//! whatever paths and tokens clients send.

mod common;

use std::{collections::HashMap, time::Duration};

use common::{IdpSetup, USER, browser, spawn_stack_with};

async fn scrape(addr: &str) -> HashMap<String, f64> {
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn delta(before: &HashMap<String, f64>, after: &HashMap<String, f64>, series: &str) -> f64 {
    after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_follow_a_scripted_session_and_labels_stay_bounded() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let stack = spawn_stack_with(
        &[("METRICS_ADDR", &metrics_addr), ("TOKEN_REFRESH_SKEW_SECS", "2")],
        IdpSetup {
            id_token_ttl: Duration::from_secs(5),
            access_token_ttl: Duration::from_secs(5),
            ..IdpSetup::default()
        },
    )
    .await;
    assert_eq!(
        reqwest::get(stack.app.url("/metrics")).await.unwrap().status(),
        404,
        "metrics are not on the app's listener"
    );
    let before = scrape(&metrics_addr).await;

    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let bad = reqwest::Client::new().get(stack.app.url("/api/v1/me")).bearer_auth("not-a-jwt").send().await.unwrap();
    assert_eq!(bad.status(), 401);
    let signed_out =
        browser.post(stack.app.url("/auth/logout")).header("origin", &stack.app.base_url).send().await.unwrap();
    assert_eq!(signed_out.status(), 303);

    let after = scrape(&metrics_addr).await;
    let expected = [
        (r#"lc_sign_ins_total{outcome="success"}"#, 1.0),
        (r#"lc_refresh_grants_total{outcome="ok"}"#, 1.0),
        (r#"lc_bearer_verifications_total{outcome="rejected",reason="malformed"}"#, 1.0),
        (r#"lc_sign_outs_total{scope="this_session"}"#, 1.0),
        (r#"lc_sessions_ended_total{reason="sign_out"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="token",status="200"}"#, 2.0),
        (r#"lc_provider_requests_total{endpoint="revoke",status="200"}"#, 1.0),
        (r#"lc_http_requests_total{route="/auth/logout",status="303"}"#, 1.0),
        (r#"lc_http_requests_total{route="/auth/callback",status="303"}"#, 1.0),
        // Nested API routes keep their full template (the request log wraps the router, and
        // each route hands its template back).
        (r#"lc_http_requests_total{route="/api/v1/me",status="200"}"#, 1.0),
        (r#"lc_http_requests_total{route="/api/v1/me",status="401"}"#, 1.0),
        (r#"lc_refresh_grant_duration_seconds_count"#, 1.0),
    ];
    for (series, moved) in expected {
        assert_eq!(delta(&before, &after, series), moved, "{series}");
    }
    assert!(after.keys().any(|series| series.starts_with("lc_session_store_operations_total")));
    assert!(after.keys().any(|series| series.starts_with("lc_refresh_lock_wait_seconds")));
    assert!(after.get("lc_jwks_keys").copied().unwrap_or(0.0) >= 1.0);

    // Random paths and random tokens add no series: labels are route templates and fixed names.
    let client = reqwest::Client::new();
    client.get(stack.app.url("/no/such/page")).send().await.unwrap();
    client.get(stack.app.url("/api/v1/no-such-route")).send().await.unwrap();
    client.get(stack.app.url("/api/v1/me")).bearer_auth("a.b.c").send().await.unwrap();
    let series_before = scrape(&metrics_addr).await.len();
    for n in 0..50 {
        client.get(stack.app.url(&format!("/random/{n}/path?q={n}"))).send().await.unwrap();
        client.get(stack.app.url(&format!("/api/v1/random/{n}"))).send().await.unwrap();
        client.get(stack.app.url("/api/v1/me")).bearer_auth(format!("x{n}.y{n}.z{n}")).send().await.unwrap();
    }
    let series_after = scrape(&metrics_addr).await;
    assert_eq!(series_after.len(), series_before, "no new series from client-chosen values");
    assert!(series_after.keys().all(|series| !series.contains("random")));
    // Unrouted requests, pages and API alike, share one label value: no catch-all template.
    assert!(series_after.contains_key(r#"lc_http_requests_total{route="fallback",status="404"}"#));
    assert!(series_after.keys().all(|series| !series.contains("{*")), "unrouted API paths count as fallback");

    // A balancer's probes are not requests worth a sample (or a log line).
    for _ in 0..5 {
        assert_eq!(client.get(stack.app.url("/healthz")).send().await.unwrap().status(), 200);
        assert_eq!(client.get(stack.app.url("/readyz")).send().await.unwrap().status(), 200);
    }
    let probed = scrape(&metrics_addr).await;
    assert!(
        probed.keys().all(|series| !series.contains("healthz") && !series.contains("readyz")),
        "health probes are not counted"
    );
}

/// A signed-in page costs no session write: the session is saved when it changes, and touched
/// (which moves the idle timeout) at most once a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_pages_write_the_session_at_most_once_a_minute() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let clock = common::app_clock_now();
    let stack = spawn_stack_with(
        &[("METRICS_ADDR", &metrics_addr)],
        IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() },
    )
    .await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let saves = r#"lc_session_store_operations_total{operation="save",outcome="ok"}"#;

    let before = scrape(&metrics_addr).await;
    for path in ["/dashboard", "/api/v1/me", "/", "/profile", "/api/v1/me"] {
        assert_eq!(browser.get(stack.app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
    assert_eq!(delta(&before, &scrape(&metrics_addr).await, saves), 0.0, "no write within the minute");

    clock.advance(61);
    let before = scrape(&metrics_addr).await;
    for path in ["/api/v1/me", "/api/v1/me", "/api/v1/me"] {
        assert_eq!(browser.get(stack.app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
    assert_eq!(delta(&before, &scrape(&metrics_addr).await, saves), 1.0, "one touch a minute later");
}
