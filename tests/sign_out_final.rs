//! Sign-out is final on every store, whatever is in flight: requests of the session that
//! loaded it before `POST /auth/logout` and end after it cannot store it again, even when they
//! have something to save (here: each one records the session's activity). And a hung
//! revocation endpoint does not hold the sign-out's answer.

mod common;

use std::time::{Duration, Instant};

use common::{
    IdpSetup, USER, app_clock_now, browser, proxy::TokenProxy, redis::start_redis, session_cookie, spawn_stack,
    spawn_stack_with,
};
use futures::future::join_all;

async fn sign_out_with_thirty_requests_in_flight(store: &str) {
    let clock = app_clock_now();
    let stack = spawn_stack_with(
        &[("SESSION_STORE", store)],
        IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() },
    )
    .await;
    // Requests still being answered when the sign-out began, over all rounds: the test is
    // about those, so there must be some.
    let mut overlapped = 0;
    for round in 1..=3 {
        let browser = browser();
        let signed_in = stack.sign_in(&browser, USER, None).await;
        let cookie = session_cookie(&signed_in).expect("a session cookie");
        // A minute later, every request of the session has its activity to record (a save).
        clock.advance(61);
        let script = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let in_flight = (0..30).map(|i| {
            let url = stack.app.url(if i % 2 == 0 { "/dashboard" } else { "/api/v1/me" });
            let request = script.get(url).header("cookie", format!("lc_session={cookie}"));
            async move { request.send().await.map(|r| (r.status().as_u16(), Instant::now())) }
        });
        let in_flight = tokio::spawn(join_all(in_flight));
        tokio::time::sleep(Duration::from_millis(3)).await;
        let signing_out = Instant::now();
        let signed_out =
            browser.post(stack.app.url("/auth/logout")).header("origin", &stack.app.base_url).send().await.unwrap();
        assert_eq!(signed_out.status(), 303, "{store} round {round}");
        for answer in in_flight.await.unwrap() {
            let (status, done) = answer.expect("every request in flight is answered");
            assert!(status < 500, "{store} round {round}: a request in flight during sign-out got {status}");
            overlapped += usize::from(done > signing_out);
        }

        let me = script
            .get(stack.app.url("/api/v1/me"))
            .header("cookie", format!("lc_session={cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401, "{store} round {round}: the signed-out cookie stays worthless");
        let page = script
            .get(stack.app.url("/dashboard"))
            .header("cookie", format!("lc_session={cookie}"))
            .send()
            .await
            .unwrap();
        assert!(page.status().is_redirection(), "{store} round {round}: {}", page.status());
    }
    assert!(overlapped > 0, "{store}: some requests were still in flight when the sign-out began");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_sign_out_is_final() {
    sign_out_with_thirty_requests_in_flight("memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_sign_out_is_final() {
    let dir = tempfile::tempdir().unwrap();
    sign_out_with_thirty_requests_in_flight(&format!("sqlite://{}", dir.path().join("s.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_sign_out_is_final() {
    let (_redis, port) = start_redis().await;
    sign_out_with_thirty_requests_in_flight(&format!("redis://127.0.0.1:{port}")).await;
}

/// `GET /auth/logout` only asks: a link, a prefetch or an image on another site that points at
/// it signs nobody out. Signing out takes the form's POST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_logout_asks_and_signs_nobody_out() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let page = browser.get(stack.app.url("/auth/logout")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("method=\"post\"") && html.contains("action=\"/auth/logout\""), "{html}");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "still signed in");
    assert_eq!(stack.idp.idp.stats().revocations, 0, "nothing revoked");
}

/// The sessions are gone locally before any revocation starts, so a provider that never
/// answers `/oauth2/revoke` costs the sign-out's answer at most the app's short wait (2 s), for
/// one session or for every session of a sign-out everywhere (their revocations run side by
/// side), and each revocation is still sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_revocation_endpoint_does_not_hold_the_sign_out() {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(&[("COGNITO_DOMAIN", proxy.url.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    let browsers: Vec<reqwest::Client> = (0..4).map(|_| browser()).collect();
    for browser in &browsers {
        stack.sign_in(browser, USER, None).await;
    }
    proxy.delay_revocations(Duration::from_secs(30));
    let sign_out = |browser: &reqwest::Client, everywhere: bool| {
        let stack = &stack;
        let browser = browser.clone();
        async move {
            let started = Instant::now();
            let status = stack.sign_out(&browser, everywhere).await.status().as_u16();
            (status, started.elapsed())
        }
    };

    let (status, took) = sign_out(&browsers[0], false).await;
    assert_eq!(status, 303);
    assert!(took < Duration::from_secs(4), "this session's sign-out answered in {took:?}");
    assert_eq!(proxy.revoked_tokens().len(), 1, "its revocation was sent");

    let (status, took) = sign_out(&browsers[1], true).await;
    assert_eq!(status, 303);
    assert!(took < Duration::from_secs(4), "signing out three sessions answered in {took:?}");
    assert_eq!(proxy.revoked_tokens().len(), 4, "every session's revocation was sent");
    for (i, browser) in browsers.iter().enumerate() {
        let status = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status();
        assert_eq!(status, 401, "browser {i} is signed out");
    }
}
