//! `/metrics` on `METRICS_ADDR`: after a scripted session (sign-in, a refresh, a bad Bearer
//! token, sign-out) each counter moved by exactly what happened, and label values stay bounded
//! whatever paths and tokens clients send.

mod common;

use std::{collections::HashMap, time::Duration};

use cognito_local_idp::defaults;
use common::{
    ADMIN, IdpSetup, OTHER_CLIENT, TestStack, USER, browser, initiate_auth, proxy::CannedAnswer, proxy::TokenProxy,
    redis::start_redis, spawn_stack_with, spawn_stack_with_keys_through,
};
use serde_json::Value;

/// A free loopback address for a metrics listener.
fn free_address() -> String {
    format!("127.0.0.1:{}", common::redis::free_port())
}

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
    let metrics_addr = free_address();
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

/// Whether some series of `name` with every one of `labels` moved (histograms: their `_count`).
fn moved(before: &HashMap<String, f64>, after: &HashMap<String, f64>, name: &str, labels: &[&str]) -> bool {
    after.keys().any(|series| {
        series.starts_with(&format!("{name}{{")) && labels.iter().all(|label| series.contains(label)) && {
            delta(before, after, series) > 0.0
        }
    })
}

/// The app with metrics on a free port, 5-second tokens refreshed 2 s early, and its token
/// requests passing through a proxy the test can make answer as it likes.
async fn stack_with_metrics_behind_proxy() -> (TestStack, TokenProxy, String) {
    let metrics_addr = free_address();
    let proxy = TokenProxy::start().await;
    let vars = [
        ("METRICS_ADDR", metrics_addr.as_str()),
        ("COGNITO_DOMAIN", proxy.url.as_str()),
        ("TOKEN_REFRESH_SKEW_SECS", "2"),
    ];
    let five_seconds = Duration::from_secs(5);
    let stack = spawn_stack_with(
        &vars,
        IdpSetup { id_token_ttl: five_seconds, access_token_ttl: five_seconds, ..IdpSetup::default() },
    )
    .await;
    proxy.forward_to(&stack.idp.domain);
    (stack, proxy, metrics_addr)
}

/// The series docs/operations.md puts alerts and panels on move, with the labels it names:
/// Bearer verifications that pass, the verified-token cache and the email lookups of `/me`
/// (GetUser, userInfo), a sign-in refused for an unknown state, a refresh throttled by the
/// provider (and the provider call behind it), sign-out everywhere and the sessions it ends,
/// key-set fetches, and the latency histograms of provider calls, store operations and
/// requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_series_the_alerts_use_move() {
    let (stack, proxy, metrics_addr) = stack_with_metrics_behind_proxy().await;
    let before = scrape(&metrics_addr).await;

    // One Bearer token twice: verified, then served from the cache.
    let tokens = common::initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    let access = tokens["AccessToken"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let me = reqwest::Client::new().get(stack.app.url("/api/v1/me")).bearer_auth(&access).send().await.unwrap();
        assert_eq!(me.status(), 200);
    }
    // A hosted-UI token: its email comes from userInfo (the token above's from GetUser).
    let hosted_ui = common::tokens::hosted_ui_access_token(&stack, USER).await;
    let me = reqwest::Client::new().get(stack.app.url("/api/v1/me")).bearer_auth(&hosted_ui).send().await.unwrap();
    assert_eq!(me.status(), 200);
    // A browser in the middle of a sign-in (it has the binding cookie) comes back with a state
    // nobody issued.
    let stranger = browser();
    stranger.get(stack.app.url("/auth/login")).send().await.unwrap();
    let made_up = stranger.get(stack.app.url("/auth/callback?code=x&state=made-up")).send().await.unwrap();
    assert!(made_up.status().is_client_error());

    // Two browsers of one person; a refresh the provider throttles; then sign out everywhere.
    let (first, second) = (browser(), browser());
    stack.sign_in(&first, USER, None).await;
    stack.sign_in(&second, USER, None).await;
    let throttled = r#"{"error":"TooManyRequestsException","error_description":"Rate exceeded"}"#;
    proxy.answer_token_requests(Some((429, "application/json", throttled.into())));
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(first.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "still valid");
    proxy.answer_token_requests(None);
    let everywhere = stack.sign_out(&first, true).await;
    assert_eq!(everywhere.status(), 303);

    let after = scrape(&metrics_addr).await;
    let expected = [
        (r#"lc_bearer_verifications_total{outcome="ok",reason="none"}"#, 3.0),
        (r#"lc_verified_token_cache_total{result="miss"}"#, 2.0),
        (r#"lc_verified_token_cache_total{result="hit"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="get_user",status="200"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="userinfo",status="200"}"#, 1.0),
        (r#"lc_sign_ins_total{outcome="unknown_state"}"#, 1.0),
        (r#"lc_refresh_grants_total{outcome="throttled"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="token",status="429"}"#, 1.0),
        (r#"lc_sign_outs_total{scope="everywhere"}"#, 1.0),
        (r#"lc_sessions_ended_total{reason="sign_out_everywhere"}"#, 2.0),
    ];
    for (series, moved) in expected {
        assert_eq!(delta(&before, &after, series), moved, "{series}");
    }
    assert!(after.get(r#"lc_jwks_fetches_total{outcome="ok"}"#).copied().unwrap_or(0.0) >= 1.0, "key-set fetches");
    for (name, labels) in [
        ("lc_provider_request_duration_seconds_count", &[r#"endpoint="token""#][..]),
        ("lc_provider_request_duration_seconds_count", &[r#"endpoint="revoke""#]),
        ("lc_session_store_operation_duration_seconds_count", &[r#"operation="load""#]),
        ("lc_http_request_duration_seconds_count", &[r#"route="/api/v1/me""#]),
    ] {
        assert!(moved(&before, &after, name, labels), "{name} {labels:?}");
    }
}

/// A signed-in page costs no session write: the session is saved when it changes, and touched
/// (which moves the idle timeout) at most once a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_pages_write_the_session_at_most_once_a_minute() {
    let metrics_addr = free_address();
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

/// Sessions that end without a sign-out are counted by why they ended: one that idled out when
/// its entry in the person's session list is pruned (nothing else sees it end), one that
/// reached its maximum age by the request that found it so; neither twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_that_idle_out_or_reach_their_maximum_age_are_counted_once() {
    let metrics_addr = free_address();
    let clock = common::app_clock_now();
    let stack = spawn_stack_with(
        &[("METRICS_ADDR", &metrics_addr), ("SESSION_IDLE_TIMEOUT_SECS", "600"), ("SESSION_MAX_AGE_SECS", "1000")],
        IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() },
    )
    .await;
    let idle = r#"lc_sessions_ended_total{reason="idle"}"#;
    let max_age = r#"lc_sessions_ended_total{reason="max_age"}"#;
    let before = scrape(&metrics_addr).await;

    // The first browser goes quiet for longer than the idle timeout; the person's next look at
    // their sessions prunes its entry.
    let (first, second, third) = (browser(), browser(), browser());
    stack.sign_in(&first, USER, None).await;
    clock.advance(700);
    stack.sign_in(&second, USER, None).await;
    assert_eq!(second.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);
    let now = scrape(&metrics_addr).await;
    assert_eq!(delta(&before, &now, idle), 1.0, "the first session idled out");
    assert_eq!(delta(&before, &now, max_age), 0.0);

    // The second stays in use until its maximum age.
    clock.advance(500);
    assert_eq!(second.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    clock.advance(501);
    assert_eq!(second.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401, "past its maximum age");
    let now = scrape(&metrics_addr).await;
    assert_eq!(delta(&before, &now, max_age), 1.0, "the second reached its maximum age");

    // Its entry, pruned later, is not counted again, as an idle session or otherwise.
    stack.sign_in(&third, USER, None).await;
    assert_eq!(third.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);
    let after = scrape(&metrics_addr).await;
    assert_eq!(delta(&before, &after, idle), 1.0, "still one idle session");
    assert_eq!(delta(&before, &after, max_age), 1.0, "still one at its maximum age");
}

/// On Redis an idled-out session is counted when its person's sessions are next listed, by
/// exactly one of the instances that list them (the entry's removal decides which).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_redis_an_idle_session_is_counted_once_across_instances() {
    let (_redis, redis_port) = start_redis().await;
    let metrics_addr = free_address();
    let clock = common::app_clock_now();
    let store = format!("redis://127.0.0.1:{redis_port}");
    let vars =
        [("METRICS_ADDR", metrics_addr.as_str()), ("SESSION_STORE", &store), ("SESSION_IDLE_TIMEOUT_SECS", "600")];
    let stack = spawn_stack_with(&vars, IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() }).await;
    // The second instance's metrics listener cannot share the first one's address; both count
    // into the one process's registry, which the first one's listener serves.
    let other_metrics = free_address();
    let other = stack.spawn_another_app_with(&[("METRICS_ADDR", &other_metrics)]).await;
    let idle = r#"lc_sessions_ended_total{reason="idle"}"#;
    let before = scrape(&metrics_addr).await;

    let (quiet, busy) = (browser(), browser());
    stack.sign_in(&quiet, USER, None).await;
    clock.advance(700);
    stack.sign_in(&busy, USER, None).await;
    let listings: Vec<_> = [stack.app.url("/dashboard"), other.url("/dashboard")]
        .into_iter()
        .map(|url| {
            let busy = busy.clone();
            tokio::spawn(async move { busy.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    for listing in listings {
        assert_eq!(listing.await.unwrap(), 200);
    }
    let after = scrape(&metrics_addr).await;
    assert_eq!(delta(&before, &after, idle), 1.0, "one idled-out session, counted once");
}

/// Failures are counted by what went wrong: a code the provider refuses at sign-in, a refresh
/// the provider cannot answer (the session goes on), and one it refuses (the session ends).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_and_refreshes_are_counted_by_outcome() {
    let (stack, proxy, metrics_addr) = stack_with_metrics_behind_proxy().await;
    let invalid_grant = || Some((400, "application/json", r#"{"error":"invalid_grant"}"#.to_string()));
    let before = scrape(&metrics_addr).await;

    let refused = browser();
    let callback = stack.callback_url(&refused, USER, None).await;
    proxy.answer_token_requests(invalid_grant());
    let answer = refused.get(callback).send().await.unwrap();
    assert!(answer.status().is_client_error(), "the code was refused: {}", answer.status());
    proxy.answer_token_requests(None);

    let person = browser();
    stack.sign_in(&person, USER, None).await;
    proxy.answer_token_requests(Some((500, "text/plain", "internal error".to_string())));
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "the token still works");
    proxy.answer_token_requests(invalid_grant());
    let mut status = 200;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        status = person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status().as_u16();
        if status != 200 {
            break;
        }
    }
    assert_eq!(status, 401, "once the back-off is over, the refused refresh ends the session");

    let after = scrape(&metrics_addr).await;
    let expected = [
        (r#"lc_sign_ins_total{outcome="exchange_refused"}"#, 1.0),
        (r#"lc_sign_ins_total{outcome="success"}"#, 1.0),
        (r#"lc_refresh_grants_total{outcome="provider_unavailable"}"#, 1.0),
        (r#"lc_refresh_grants_total{outcome="invalid_grant"}"#, 1.0),
        (r#"lc_sessions_ended_total{reason="invalid_grant"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="token",status="500"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="token",status="400"}"#, 2.0),
    ];
    for (series, moved) in expected {
        assert_eq!(delta(&before, &after, series), moved, "{series}");
    }
}

/// A revocation the provider refuses (here it is down) does not keep anyone signed in: the
/// sign-out ends the session and is counted as usual, and the failed call shows under
/// `lc_provider_requests_total{endpoint="revoke"}` with the provider's status, which is what
/// the operations page's alert on revocation errors reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_revocation_is_counted_and_the_sign_out_still_ends_the_session() {
    let metrics_addr = free_address();
    let stack = spawn_stack_with(&[("METRICS_ADDR", &metrics_addr)], IdpSetup::default()).await;
    let person = browser();
    stack.sign_in(&person, USER, None).await;
    let before = scrape(&metrics_addr).await;

    stack.idp.idp.set_unavailable(true);
    assert_eq!(stack.sign_out(&person, false).await.status(), 303);
    stack.idp.idp.set_unavailable(false);
    assert_eq!(person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401, "signed out");

    let after = scrape(&metrics_addr).await;
    for (series, moved) in [
        (r#"lc_provider_requests_total{endpoint="revoke",status="503"}"#, 1.0),
        (r#"lc_provider_requests_total{endpoint="revoke",status="200"}"#, 0.0),
        (r#"lc_sign_outs_total{scope="this_session"}"#, 1.0),
        (r#"lc_sessions_ended_total{reason="sign_out"}"#, 1.0),
    ] {
        assert_eq!(delta(&before, &after, series), moved, "{series}");
    }
}

/// How a test breaks the provider for one refresh.
enum Breakage {
    Answer(CannedAnswer),
    /// The ID and access tokens of another person's sign-in, validly signed.
    SomeoneElsesTokens,
    /// The provider's domain out of reach: no HTTP answer at all.
    Offline,
}

/// Each refresh failure the alert table names is counted under its own label, with the
/// provider call behind it: one stack per failure, since a failure makes the instance leave
/// the provider alone for a while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refresh_failure_is_counted_under_its_label() {
    let invalid_client = (400, "application/json", r#"{"error":"invalid_client"}"#.to_string());
    let truncated = (200, "application/json", r#"{"access_token":"eyJraWQiOiJ"#.to_string());
    let cases = [
        (
            Breakage::Answer(invalid_client),
            vec![
                (r#"lc_refresh_grants_total{outcome="refused"}"#, 1.0),
                (r#"lc_provider_requests_total{endpoint="token",status="400"}"#, 1.0),
            ],
        ),
        (Breakage::Answer(truncated), vec![(r#"lc_refresh_grants_total{outcome="malformed"}"#, 1.0)]),
        (
            Breakage::SomeoneElsesTokens,
            vec![
                (r#"lc_refresh_grants_total{outcome="rejected_token"}"#, 1.0),
                (r#"lc_sessions_ended_total{reason="rejected_token"}"#, 1.0),
            ],
        ),
        (
            Breakage::Offline,
            vec![
                (r#"lc_refresh_grants_total{outcome="provider_unavailable"}"#, 1.0),
                (r#"lc_provider_requests_total{endpoint="token",status="network_error"}"#, 1.0),
            ],
        ),
    ];
    for (breakage, expected) in cases {
        let (stack, proxy, metrics_addr) = stack_with_metrics_behind_proxy().await;
        let person = browser();
        stack.sign_in(&person, USER, None).await;
        let before = scrape(&metrics_addr).await;
        match breakage {
            Breakage::Answer(answer) => proxy.answer_token_requests(Some(answer)),
            Breakage::SomeoneElsesTokens => {
                let other = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, ADMIN).await;
                let (id_token, access_token) = (other["IdToken"].clone(), other["AccessToken"].clone());
                proxy.tamper(move |json: &mut Value| {
                    json["id_token"] = id_token.clone();
                    json["access_token"] = access_token.clone();
                });
            }
            Breakage::Offline => proxy.go_offline().await,
        }
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        person.get(stack.app.url("/api/v1/me")).send().await.unwrap();
        let after = scrape(&metrics_addr).await;
        for (series, moved) in expected {
            assert_eq!(delta(&before, &after, series), moved, "{series}");
        }
    }
}

/// The sign-in, session-end and Bearer labels the alert table names: an ID token the app must
/// refuse, ending a session from the list, a new sign-in replacing the browser's session, a
/// Bearer token naming a key the pool does not have, and a session store that stops answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_session_and_bearer_failures_are_counted_by_reason() {
    let (stack, proxy, metrics_addr) = stack_with_metrics_behind_proxy().await;
    let before = scrape(&metrics_addr).await;

    // An ID token for another app client of the pool: refused.
    let other = initiate_auth(&stack.idp.domain, OTHER_CLIENT, USER).await;
    let foreign_id_token = other["IdToken"].clone();
    proxy.tamper(move |json: &mut Value| json["id_token"] = foreign_id_token.clone());
    let refused = stack.sign_in(&browser(), USER, None).await;
    assert_eq!(refused.status(), 401);
    proxy.tamper(|_: &mut Value| {});

    // Two browsers; the first ends the second's session from its list, then signs in again.
    let (laptop, phone) = (browser(), browser());
    stack.sign_in(&laptop, USER, None).await;
    stack.sign_in(&phone, USER, None).await;
    let html = laptop.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    let phone_key = common::another_listed_session(&html);
    assert_eq!(stack.end_listed_session(&laptop, &phone_key).await.status(), 303);
    // Signing in again in the same browser replaces its session (the provider's own session
    // makes this sign-in silent).
    assert_eq!(stack.sign_in(&laptop, USER, None).await.status(), 303, "signed in again");

    // A Bearer token naming a key the pool never had.
    let header = base64_url(r#"{"alg":"RS256","kid":"not-a-key-of-the-pool"}"#);
    let made_up = format!("{header}.{}.c2ln", base64_url(r#"{"sub":"x"}"#));
    let me = reqwest::Client::new().get(stack.app.url("/api/v1/me")).bearer_auth(made_up).send().await.unwrap();
    assert_eq!(me.status(), 401);
    // The pool's access token with its signature altered, and another app client's.
    let bearer = |token: String| {
        let request = reqwest::Client::new().get(stack.app.url("/api/v1/me")).bearer_auth(token);
        async move { request.send().await.unwrap().status() }
    };
    let apps = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    let access_token = apps["AccessToken"].as_str().expect("an access token");
    let (signed, signature) = access_token.rsplit_once('.').expect("three parts");
    let altered = format!("{signed}.{}", base64_url(&"x".repeat(signature.len() * 3 / 4)));
    assert_eq!(bearer(altered).await, 401);
    assert_eq!(bearer(other["AccessToken"].as_str().expect("an access token").to_string()).await, 401);

    let after = scrape(&metrics_addr).await;
    let expected = [
        (r#"lc_sign_ins_total{outcome="token_rejected"}"#, 1.0),
        (r#"lc_sessions_ended_total{reason="ended_by_owner"}"#, 1.0),
        (r#"lc_sessions_ended_total{reason="replaced"}"#, 1.0),
        (r#"lc_bearer_verifications_total{outcome="rejected",reason="unknown_key"}"#, 1.0),
        (r#"lc_bearer_verifications_total{outcome="rejected",reason="bad_signature"}"#, 1.0),
        (r#"lc_bearer_verifications_total{outcome="rejected",reason="wrong_client"}"#, 1.0),
    ];
    for (series, moved) in expected {
        assert_eq!(delta(&before, &after, series), moved, "{series}");
    }

    // The session store stops answering: its errors are counted.
    drop(stack);
    let (redis, redis_port) = start_redis().await;
    let metrics_addr = free_address();
    let store = format!("redis://127.0.0.1:{redis_port}");
    let stack =
        spawn_stack_with(&[("METRICS_ADDR", &metrics_addr), ("SESSION_STORE", &store)], IdpSetup::default()).await;
    let person = browser();
    stack.sign_in(&person, USER, None).await;
    let before = scrape(&metrics_addr).await;
    redis.pause();
    assert_eq!(person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 503);
    redis.resume();
    let after = scrape(&metrics_addr).await;
    let errors = r#"lc_session_store_operations_total{operation="load",outcome="error"}"#;
    assert_eq!(delta(&before, &after, errors), 1.0, "{errors}");
}

/// Signing keys out of reach: the key-set fetches fail and are counted; a refresh whose new
/// tokens name a key not loaded yet and a sign-in in the same state are counted as the keys
/// being unavailable (a provider outage), not as rejected tokens. An instance that starts while
/// the keys are out of reach has none (`lc_jwks_keys` 0), and counts Bearer calls it cannot
/// check as `keys_unavailable`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_keys_out_of_reach_are_counted_as_unavailable() {
    let metrics_addr = free_address();
    let proxy = TokenProxy::start().await;
    // Due 3 s after issue (skew 5 s), valid 5 s more: the old token still works when the
    // refresh fails, however long the sign-in took on a loaded machine.
    let eight_seconds = Duration::from_secs(8);
    let setup = IdpSetup { id_token_ttl: eight_seconds, access_token_ttl: eight_seconds, ..IdpSetup::default() };
    let mut stack = spawn_stack_with_keys_through(&proxy, setup).await;
    stack.restart_app_with(&[("METRICS_ADDR", &metrics_addr), ("TOKEN_REFRESH_SKEW_SECS", "5")]).await;
    let person = browser();
    stack.sign_in(&person, USER, None).await;
    let before = scrape(&metrics_addr).await;
    stack.idp.idp.rotate_keys().unwrap();
    proxy.keys_unavailable(true);

    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "the old token works");
    let refused = stack.sign_in(&browser(), USER, None).await;
    assert_eq!(refused.status(), 424, "the new key cannot be fetched");
    let after = scrape(&metrics_addr).await;
    let expected = [
        (r#"lc_refresh_grants_total{outcome="keys_unavailable"}"#, 1.0),
        (r#"lc_sign_ins_total{outcome="provider_unavailable"}"#, 1.0),
    ];
    for (series, moved) in expected {
        assert_eq!(delta(&before, &after, series), moved, "{series}");
    }
    assert!(delta(&before, &after, r#"lc_jwks_fetches_total{outcome="error"}"#) >= 1.0, "failed key-set fetches");
    assert!(after.get("lc_jwks_keys").copied().unwrap_or(0.0) >= 1.0, "the keys loaded before are kept");

    // A new instance while the keys are still out of reach: nothing to check tokens with.
    // (Metrics on a port of its own: the stopped instance may still hold the first one.)
    let metrics_addr = free_address();
    stack.restart_app_with(&[("METRICS_ADDR", &metrics_addr)]).await;
    let before = scrape(&metrics_addr).await;
    assert_eq!(before.get("lc_jwks_keys").copied(), Some(0.0), "no keys loaded");
    let access = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await["AccessToken"].clone();
    let bearer = reqwest::Client::new().get(stack.app.url("/api/v1/me")).bearer_auth(access.as_str().unwrap());
    assert_eq!(bearer.send().await.unwrap().status(), 503, "a token it cannot check yet");
    let after = scrape(&metrics_addr).await;
    let unavailable = r#"lc_bearer_verifications_total{outcome="rejected",reason="keys_unavailable"}"#;
    assert_eq!(delta(&before, &after, unavailable), 1.0, "{unavailable}");
}

/// Each way a callback can go wrong has its own `lc_sign_ins_total` label, and a silent
/// sign-in (`prompt=none`) that finds nobody signed in at the provider is `not_signed_in`, not a
/// failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_callback_outcome_has_its_label() {
    let metrics_addr = free_address();
    let stack = spawn_stack_with(&[("METRICS_ADDR", &metrics_addr)], IdpSetup::default()).await;
    let callback = |client: &reqwest::Client, query: String| {
        let request = client.get(stack.app.url(&format!("/auth/callback{query}")));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // A sign-in started by `client`: its `state`.
    let started = |client: &reqwest::Client, login: &'static str| {
        let request = client.get(stack.app.url(login));
        async move { common::query_of(&common::location(&request.send().await.unwrap()))["state"].clone() }
    };
    let before = scrape(&metrics_addr).await;

    let person = browser();
    // The person's browser holds a binding cookie from here on (without one, every callback is
    // `wrong_browser`).
    started(&person, "/auth/login").await;
    assert_eq!(callback(&person, "?code=a&state=one&state=two".into()).await, 400);
    assert_eq!(callback(&person, "?code=abc".into()).await, 400);
    assert_eq!(callback(&person, "?code=abc&state=made-up".into()).await, 400);
    let state = started(&person, "/auth/login").await;
    let someone_else = browser();
    started(&someone_else, "/auth/login").await;
    assert_eq!(callback(&someone_else, format!("?code=abc&state={state}")).await, 400, "another browser");
    let state = started(&person, "/auth/login").await;
    assert_eq!(callback(&person, format!("?error=access_denied&state={state}")).await, 403);
    let state = started(&person, "/auth/login").await;
    assert_eq!(callback(&person, format!("?state={state}")).await, 400, "neither code nor error");
    let state = started(&person, "/auth/login?prompt=none").await;
    assert_eq!(callback(&person, format!("?error=login_required&state={state}")).await, 303, "back, signed out");

    let after = scrape(&metrics_addr).await;
    for outcome in [
        "malformed_callback",
        "missing_state",
        "unknown_state",
        "wrong_browser",
        "provider_error",
        "missing_code",
        "not_signed_in",
    ] {
        let series = format!(r#"lc_sign_ins_total{{outcome="{outcome}"}}"#);
        assert_eq!(delta(&before, &after, &series), 1.0, "{series}");
    }
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
