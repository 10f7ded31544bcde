//! Three instances on one Redis behind a round-robin proxy: every request of a browser lands on
//! the next instance, and the app behaves as one (sign-in, pages, API, refresh with rotation,
//! the session list, sign out everywhere).

mod common;

use std::time::Duration;

use common::{
    ADMIN, IdpSetup, USER, browser,
    cluster::{spawn_cluster, spawn_cluster_with_keys_through},
    hosted_ui_sign_in, location,
    proxy::TokenProxy,
    session_cookie,
};
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_behind_a_round_robin_proxy_behave_as_one() {
    let setup = IdpSetup::rotating_tokens_lasting(Duration::from_secs(5));
    let cluster = spawn_cluster(3, &[("TOKEN_REFRESH_SKEW_SECS", "2")], setup).await;
    let browser = browser();

    // `/auth/login` and `/auth/callback` are consecutive requests: different instances.
    let callback = hosted_ui_sign_in(&browser, &cluster.base_url, USER, Some("/dashboard")).await;
    let signed_in = browser.get(&callback).send().await.unwrap();
    assert_eq!(signed_in.status(), 303, "the callback completes on another instance than the login");
    assert_eq!(location(&signed_in), "/dashboard");

    for path in ["/", "/dashboard", "/profile", "/api/v1/me", "/api/v1/ping", "/dashboard", "/api/v1/me"] {
        let response = browser.get(cluster.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }

    // Refresh: 20 concurrent requests spread over the three instances, one grant per expiry.
    for round in 1..=3u64 {
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        let before = cluster.idp.idp.stats().refresh_grants;
        let requests = (0..20).map(|i| {
            let browser = browser.clone();
            let url = cluster.url(["/api/v1/me", "/dashboard", "/", "/api/v1/ping"][i % 4]);
            async move { (browser.get(&url).send().await.unwrap().status().as_u16(), url) }
        });
        for (status, url) in join_all(requests).await {
            assert_eq!(status, 200, "round {round}: {url}");
        }
        assert_eq!(cluster.idp.idp.stats().refresh_grants - before, 1, "round {round}: one refresh grant");
    }

    // A second browser of the same person, and someone else.
    let second = common::browser();
    let callback = hosted_ui_sign_in(&second, &cluster.base_url, USER, None).await;
    assert_eq!(second.get(&callback).send().await.unwrap().status(), 303);
    let other = common::browser();
    let callback = hosted_ui_sign_in(&other, &cluster.base_url, ADMIN, None).await;
    assert_eq!(other.get(&callback).send().await.unwrap().status(), 303);

    // The dashboard, on whichever instance, lists both of the person's sessions.
    for _ in 0..3 {
        let html = browser.get(cluster.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert_eq!(html.matches("data-testid=\"session-item\"").count(), 2, "{html}");
        assert_eq!(html.matches("this browser").count(), 1);
    }

    // Sign out everywhere: both of the person's sessions end on every instance, each refresh
    // token is revoked, and the other person stays signed in.
    let revocations = cluster.idp.idp.stats().revocations;
    let signed_out = browser
        .post(cluster.url("/auth/logout"))
        .header("origin", &cluster.base_url)
        .form(&[("everywhere", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    assert_eq!(cluster.idp.idp.stats().revocations - revocations, 2, "each session's refresh token is revoked");
    for _ in 0..3 {
        for (who, client) in [("first browser", &browser), ("second browser", &second)] {
            let me = client.get(cluster.url("/api/v1/me")).send().await.unwrap();
            assert_eq!(me.status(), 401, "{who} is signed out on every instance");
        }
        let me = other.get(cluster.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 200, "another person's session is untouched");
    }
    assert!(cluster.served().iter().all(|count| *count > 10), "every instance served: {:?}", cluster.served());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_cookie_kept_busy_across_instances_does_not_survive_sign_out() {
    let cluster = spawn_cluster(3, &[], IdpSetup::default()).await;
    let browser = browser();
    let callback = hosted_ui_sign_in(&browser, &cluster.base_url, USER, None).await;
    let signed_in = browser.get(&callback).send().await.unwrap();
    let cookie = session_cookie(&signed_in).expect("a session cookie");
    let script = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let busy = (0..30).map(|i| {
        let script = script.clone();
        let url = cluster.url(if i % 2 == 0 { "/dashboard" } else { "/api/v1/me" });
        let cookie = format!("lc_session={cookie}");
        async move { script.get(url).header("cookie", cookie).send().await.map(|r| r.status().as_u16()) }
    });
    let busy = tokio::spawn(join_all(busy));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let signed_out =
        browser.post(cluster.url("/auth/logout")).header("origin", &cluster.base_url).send().await.unwrap();
    assert_eq!(signed_out.status(), 303);
    for answer in busy.await.unwrap() {
        let status = answer.expect("every request in flight is answered");
        assert!(status < 500, "a request in flight during sign-out got {status}");
    }
    for _ in 0..3 {
        let me = script
            .get(cluster.url("/api/v1/me"))
            .header("cookie", format!("lc_session={cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401, "the old cookie is worthless on every instance");
    }
}

/// A refresh whose request is cancelled on one instance (a closed tab, a page that navigated on)
/// still completes there, and the other instances use its result rather than refreshing again:
/// with rotation the provider has retired the old refresh token as soon as it answered, so a
/// second grant with it would end the session (`invalid_grant`). Here the provider's answer
/// takes 1.5 s, the client on instance 0 gives up after 0.3 s, and instances 1 and 2 are asked
/// while the refresh is still on its way; then the session goes on refreshing, once per expiry,
/// whichever instance a request lands on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_cancelled_on_one_instance_is_finished_and_shared_with_the_others() {
    let setup = IdpSetup::rotating_tokens_lasting(Duration::from_secs(6));
    let proxy = TokenProxy::start().await;
    // Due 3 s after issue, valid for 6: the tokens still work while the refresh is on its way,
    // and the refreshed ones are not yet due again when it arrives.
    let cluster =
        spawn_cluster(3, &[("COGNITO_DOMAIN", proxy.url.as_str()), ("TOKEN_REFRESH_SKEW_SECS", "3")], setup).await;
    proxy.forward_to(&cluster.idp.domain);
    let browser = browser();
    let callback = hosted_ui_sign_in(&browser, &cluster.base_url, USER, None).await;
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 303);
    let grants = cluster.idp.idp.stats().refresh_grants;

    tokio::time::sleep(Duration::from_millis(3_200)).await;
    proxy.delay_token_answers(Duration::from_millis(1_500));
    let impatient =
        browser.get(cluster.instances[0].url("/api/v1/me")).timeout(Duration::from_millis(300)).send().await;
    assert!(impatient.is_err(), "the client gave up before the answer");
    for (index, instance) in cluster.instances.iter().enumerate().skip(1) {
        let me = browser.get(instance.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 200, "instance {index}, while the refresh is on its way");
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    proxy.delay_token_answers(Duration::ZERO);
    assert_eq!(
        cluster.idp.idp.stats().refresh_grants - grants,
        1,
        "one grant: instance 0's, finished without its client"
    );

    for round in 1..=2u64 {
        tokio::time::sleep(Duration::from_millis(3_300)).await;
        let before = cluster.idp.idp.stats().refresh_grants;
        let requests = cluster.instances.iter().flat_map(|instance| {
            ["/api/v1/me", "/dashboard"].map(|path| {
                let (browser, url) = (browser.clone(), instance.url(path));
                async move { (browser.get(&url).send().await.unwrap().status().as_u16(), url) }
            })
        });
        for (status, url) in join_all(requests).await {
            assert_eq!(status, 200, "round {round}: {url}");
        }
        assert_eq!(cluster.idp.idp.stats().refresh_grants - before, 1, "round {round}: one refresh grant");
    }
}

/// Signing keys out of reach at refresh keep the session on every instance: the pool rotates
/// its keys, so refreshed tokens name a key no instance has seen, and the key set cannot be
/// fetched. Every instance answers with the access token while it works, then 503 (not
/// "session expired"), and all recover by themselves when the keys are back. With rotation,
/// each failed attempt's new refresh token must reach the shared session, whichever instance
/// made it, or the next instance's attempt would be `invalid_grant`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_keys_out_of_reach_at_refresh_keep_the_session_on_every_instance() {
    // Due 3 s after issue and valid 5 s more: requests that wait on the failing refresh still
    // have a working access token on a loaded machine.
    let setup = IdpSetup::rotating_tokens_lasting(Duration::from_secs(8));
    let keys = TokenProxy::start().await;
    let cluster = spawn_cluster_with_keys_through(3, &[("TOKEN_REFRESH_SKEW_SECS", "5")], setup, &keys).await;
    let browser = browser();
    let callback = hosted_ui_sign_in(&browser, &cluster.base_url, USER, None).await;
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 303);
    cluster.idp.idp.rotate_keys().unwrap();
    keys.keys_unavailable(true);

    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let requests = (0..6).map(|_| {
        let (browser, url) = (browser.clone(), cluster.url("/api/v1/me"));
        async move { browser.get(url).send().await.unwrap().status().as_u16() }
    });
    for status in join_all(requests).await {
        assert_eq!(status, 200, "the access token carries them");
    }
    assert!(cluster.idp.idp.stats().refresh_grants >= 1, "a refresh was attempted");

    // Past the tokens' expiry (8 s after issue).
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    for _ in 0..3 {
        let api = browser.get(cluster.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(api.status(), 503);
        assert!(api.headers().contains_key("retry-after"));
        let page = browser.get(cluster.url("/dashboard")).send().await.unwrap();
        assert_eq!(page.status(), 503, "not the session-expired page");
        assert!(page.text().await.unwrap().contains("You are still signed in"));
    }

    keys.keys_unavailable(false);
    let started = std::time::Instant::now();
    let mut in_a_row = 0;
    // Recovered on every instance: three answers in a row, one from each.
    while in_a_row < 3 {
        assert!(started.elapsed() < Duration::from_secs(60), "recovered within a minute");
        let status = browser.get(cluster.url("/api/v1/me")).send().await.unwrap().status();
        assert!(status == 200 || status == 503, "only 503 until recovered, then 200: {status}");
        in_a_row = if status == 200 { in_a_row + 1 } else { 0 };
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And the session refreshes on as usual, whichever instance a request lands on.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    for _ in 0..6 {
        assert_eq!(browser.get(cluster.url("/api/v1/me")).send().await.unwrap().status(), 200);
    }
}
