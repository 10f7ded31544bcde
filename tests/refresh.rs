//! Token refresh over real sockets with 5-second tokens: sessions outlive their tokens, concurrent
//! requests share one refresh, Cognito's rotation rules, and what ends a session (and what
//! does not).

mod common;

use std::time::Duration;

use common::{IdpSetup, TestStack, USER, browser, location, spawn_stack_with};
use serde_json::Value;

const SHORT: Duration = Duration::from_secs(5);

/// 5-second tokens, refreshed when less than 2 seconds remain.
async fn short_lived(rotation: bool) -> TestStack {
    spawn_stack_with(
        &[("TOKEN_REFRESH_SKEW_SECS", "2")],
        IdpSetup {
            id_token_ttl: SHORT,
            access_token_ttl: SHORT,
            refresh_token_rotation: rotation,
            ..IdpSetup::default()
        },
    )
    .await
}

/// What the keep-alive of an open page gets from the server function it calls
/// (`axum_cognito_leptos::session::RefreshSession`): status, `Retry-After`, JSON body.
async fn keep_alive_call(stack: &TestStack, browser: &reqwest::Client) -> (u16, Option<String>, Value) {
    use leptos::server_fn::ServerFn;
    let url = stack.app.url(axum_cognito_leptos::session::RefreshSession::PATH);
    let response = browser
        .post(url)
        .header("origin", &stack.app.base_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, response.json().await.unwrap_or(Value::Null))
}

async fn me(stack: &TestStack, browser: &reqwest::Client) -> (u16, Value) {
    let response = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn stays_signed_in_across_expiries(rotation: bool) {
    let stack = short_lived(rotation).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    for round in 1..=3u64 {
        // Past the refresh point of the current tokens (and, by round 2, past their expiry).
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        let (status, body) = me(&stack, &browser).await;
        assert_eq!(status, 200, "round {round}: {body}");
        assert_eq!(body["username"], USER.0);
        let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
        assert_eq!(dashboard.status(), 200, "round {round}");
        assert_eq!(stack.idp.idp.stats().refresh_grants, round, "one refresh per expiry");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_outlives_its_tokens_without_rotation() {
    stays_signed_in_across_expiries(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_outlives_its_tokens_with_rotation() {
    // With rotation every refresh retires the old refresh token: keeping the new one matters.
    stays_signed_in_across_expiries(true).await;
}

/// With rotation on and no retry grace period (Cognito's `RetryGracePeriodSeconds` = 0, the
/// provider's setting here), a second refresh with the rotated-out token would be
/// `invalid_grant` and end the session: single flight means there is none, so every request
/// succeeds and the app needs no grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_requests_cause_one_refresh_so_rotation_needs_no_grace_period() {
    for rotation in [false, true] {
        let stack = short_lived(rotation).await;
        let browser = browser();
        stack.sign_in(&browser, USER, None).await;
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        let before = stack.idp.idp.stats().refresh_grants;
        let requests = (0..20).map(|i| {
            let browser = browser.clone();
            let url = stack.app.url(if i % 2 == 0 { "/api/v1/me" } else { "/dashboard" });
            tokio::spawn(async move { browser.get(url).send().await.unwrap().status().as_u16() })
        });
        for request in requests.collect::<Vec<_>>() {
            assert_eq!(request.await.unwrap(), 200, "rotation {rotation}");
        }
        assert_eq!(stack.idp.idp.stats().refresh_grants - before, 1, "rotation {rotation}");
        // And the session goes on afterwards.
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        assert_eq!(me(&stack, &browser).await.0, 200, "rotation {rotation}");
        drop(stack);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_ends_the_session_and_the_page_goes_to_sign_in() {
    let stack = short_lived(false).await;
    let browser = browser();
    stack.sign_in(&browser, USER, Some("/profile")).await;
    assert_eq!(stack.idp.idp.global_sign_out(USER.0), 1);
    tokio::time::sleep(Duration::from_millis(3_500)).await;

    let page = browser.get(stack.app.url("/profile")).send().await.unwrap();
    // A page load without a session, whatever ended it, goes to sign-in and comes back.
    assert_eq!(location(&page), "/auth/login?return_to=%2Fprofile");
    // The notice an open dashboard goes to when its background refresh ends the session.
    let notice = browser.get(stack.app.url("/auth/session-expired?return_to=%2Fprofile")).send().await.unwrap();
    let html = notice.text().await.unwrap();
    assert!(html.contains("Your session has expired"));
    assert!(html.contains("/auth/login?return_to=%2Fprofile"), "the way back keeps return_to");

    // The session is gone: the API answers 401 and pages ask to sign in.
    let (status, body) = me(&stack, &browser).await;
    assert_eq!(status, 401, "{body}");
    let page = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&page), "/auth/login?return_to=%2Fdashboard");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_401_when_the_refresh_token_is_gone() {
    let stack = short_lived(false).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    stack.idp.idp.global_sign_out(USER.0);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let (status, body) = me(&stack, &browser).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
}

/// An open page's keep-alive (`axum_cognito_leptos::keep_alive`) sees the person and when to
/// call again while the session lives, and learns when it is over (then it runs `on_ended`):
/// the server function answers 200 with nobody signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_pages_keep_alive_learns_when_the_session_is_over() {
    let stack = short_lived(false).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let (status, _, info) = keep_alive_call(&stack, &browser).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["user"]["username"], USER.0, "the keep-alive sees the person");
    assert!(info["refresh_in_secs"].as_i64().is_some(), "and when to call again: {info}");
    stack.idp.idp.global_sign_out(USER.0);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let (status, _, info) = keep_alive_call(&stack, &browser).await;
    assert_eq!(status, 200, "{info}");
    assert!(info["user"].is_null(), "nobody signed in any more: {info}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_outage_during_refresh_keeps_the_session() {
    let stack = short_lived(false).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    stack.idp.idp.set_unavailable(true);

    // Refresh is due but fails: the still-valid access token carries the request.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(me(&stack, &browser).await.0, 200);

    // Expired and still no provider: a clear 503, not a sign-out.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let page = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("Identity provider unreachable"));
    assert_eq!(me(&stack, &browser).await.0, 503);
    // An open page's keep-alive gets the same 503 and when to try again.
    let (status, retry_after, error) = keep_alive_call(&stack, &browser).await;
    assert_eq!(status, 503, "{error}");
    assert!(retry_after.is_some_and(|secs| secs.parse::<u64>().is_ok()), "Retry-After");
    assert!(error.get("ProviderUnavailable").is_some(), "the error the view can match on: {error}");

    // The provider is back: once the short back-off has passed, the retry succeeds and the
    // person is still signed in.
    stack.idp.idp.set_unavailable(false);
    let mut status = 0;
    for _ in 0..50 {
        status = me(&stack, &browser).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);
    assert_eq!(browser.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);
}
