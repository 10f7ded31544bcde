//! `SESSION_STORE=redis://HOST:PORT`: sessions live in Redis, survive an app restart, and are
//! shared by several instances, which then also share each session's refresh lock.
//! Starts its own `redis-server` (see `common::redis`).

mod common;

use std::time::Duration;

use common::{
    IdpSetup, USER, browser,
    redis::{start_redis, start_redis_on},
    spawn_stack, spawn_stack_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sessions_survive_a_restart() {
    let (_redis, port) = start_redis().await;
    let store = format!("redis://127.0.0.1:{port}");
    common::assert_signed_in_across_a_restart(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_refresh_a_shared_session_once() {
    let (_redis, port) = start_redis().await;
    let store = format!("redis://127.0.0.1:{port}");
    for rotation in [false, true] {
        // 5-second tokens, refreshed when less than 2 seconds remain.
        let setup = IdpSetup {
            id_token_ttl: Duration::from_secs(5),
            access_token_ttl: Duration::from_secs(5),
            refresh_token_rotation: rotation,
            ..IdpSetup::default()
        };
        let stack = spawn_stack_with(&[("SESSION_STORE", &store), ("TOKEN_REFRESH_SKEW_SECS", "2")], setup).await;
        let second = stack.spawn_another_app().await;
        let instances = [stack.app.base_url.clone(), second.base_url.clone()];
        let browser = browser();
        stack.sign_in(&browser, USER, None).await;
        let me_on_second = browser.get(second.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me_on_second.status(), 200, "the session is shared");

        for round in 1..=2u64 {
            tokio::time::sleep(Duration::from_millis(3_500)).await;
            let before = stack.idp.idp.stats().refresh_grants;
            let requests = (0..20).map(|i| {
                let browser = browser.clone();
                let path = if i % 4 < 2 { "/api/v1/me" } else { "/dashboard" };
                let url = format!("{}{path}", instances[i % 2]);
                tokio::spawn(async move { (browser.get(&url).send().await.unwrap().status().as_u16(), url) })
            });
            for request in requests.collect::<Vec<_>>() {
                let (status, url) = request.await.unwrap();
                assert_eq!(status, 200, "rotation {rotation}, round {round}: {url}");
            }
            assert_eq!(
                stack.idp.idp.stats().refresh_grants - before,
                1,
                "rotation {rotation}, round {round}: one refresh across both instances"
            );
        }

        // Signing out on one instance ends the session on both.
        let signed_out =
            browser.post(second.url("/auth/logout")).header("origin", &second.base_url).send().await.unwrap();
        assert_eq!(signed_out.status(), 303);
        assert_eq!(stack.idp.idp.stats().revocations, 1, "rotation {rotation}");
        for base in &instances {
            let me = browser.get(format!("{base}/api/v1/me")).send().await.unwrap();
            assert_eq!(me.status(), 401, "rotation {rotation}: {base}");
        }
    }
}

/// A Redis that stops answering without closing its connections (hung, or packets dropped)
/// costs 503s within the command timeout (2 s), not requests that hang, and once it answers
/// again the same cookie works: nothing stored was lost, and no late answer to a command that
/// timed out is taken for the answer to a later one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_costs_503s_within_the_timeout_and_the_session_survives_it() {
    let (redis, port) = start_redis().await;
    let stack = spawn_stack(&[("SESSION_STORE", &format!("redis://127.0.0.1:{port}"))]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    assert_eq!(browser.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);

    redis.pause();
    for path in ["/dashboard", "/api/v1/me", "/"] {
        let started = std::time::Instant::now();
        let response = browser.get(stack.app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 503, "{path} while Redis hangs");
        assert!(started.elapsed() < Duration::from_secs(6), "{path} answered in {:?}", started.elapsed());
    }

    redis.resume();
    let mut status = 0;
    for _ in 0..50 {
        status = browser.get(stack.app.url("/dashboard")).send().await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, 200, "the same session once Redis answers again");
    let me = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<serde_json::Value>().await.unwrap()["username"], USER.0, "this session's own answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_costs_503s_and_sign_in_works_again_after_it() {
    let (redis, port) = start_redis().await;
    let stack = spawn_stack(&[("SESSION_STORE", &format!("redis://127.0.0.1:{port}"))]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    assert_eq!(browser.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);

    drop(redis);
    for path in ["/dashboard", "/", "/api/v1/me"] {
        let started = std::time::Instant::now();
        let response = browser.get(stack.app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 503, "{path} while Redis is down");
        assert!(started.elapsed() < Duration::from_secs(10), "{path} answered in {:?}", started.elapsed());
        assert!(!response.text().await.unwrap().is_empty(), "{path}: the 503 explains itself");
    }

    // Redis comes back empty (it keeps nothing on disk here): the app reconnects by itself,
    // the old session is gone, and a new sign-in works.
    let _redis = start_redis_on(port).await;
    let mut dashboard = 0;
    for _ in 0..50 {
        let fresh = common::browser();
        stack.sign_in(&fresh, USER, None).await;
        dashboard = fresh.get(stack.app.url("/dashboard")).send().await.unwrap().status().as_u16();
        if dashboard == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(dashboard, 200, "signed in again once Redis is back");
}
