//! `SESSION_STORE=redis://…`: sessions live in Redis, survive an app restart, and are shared by
//! several instances, which then also share each session's refresh lock. A password, a database
//! number and TLS (`rediss://`) are taken from the URL. Starts its own `redis-server` (see
//! `common::redis`).

mod common;

use std::{
    collections::HashMap,
    process::{Child, Command},
    time::{Duration, Instant},
};

use common::{
    IdpSetup, USER, browser,
    process::{exit_status, serve_process},
    redis::{free_port, redis_cli, start_redis, start_redis_on, start_redis_with, start_tls_redis},
    spawn_stack, spawn_stack_with,
};
use leptos_cognito::server::{
    config::{RedisSetting, SessionStoreSetting},
    session::{auth_session, auth_session::AuthSession, directory::SessionEntry, store::AppSessionStore},
};
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sessions_survive_a_restart() {
    let (_redis, port) = start_redis().await;
    let store = format!("redis://127.0.0.1:{port}");
    common::assert_signed_in_across_a_restart(&store).await;
}

/// Two apps of one pool on one Redis and one host, each with its own app client, and both with
/// the default key prefix (so the same cookie name and Redis keys): a session signed in at the
/// first signs nobody in at the second, which leaves it alone; an instance of the first app
/// reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_read_only_by_an_app_of_its_client() {
    let (_redis, port) = start_redis().await;
    let store = format!("redis://127.0.0.1:{port}");
    let stack = spawn_stack(&[("SESSION_STORE", &store)]).await;
    let other_app = stack.spawn_another_app_with(&[("COGNITO_CLIENT_ID", common::OTHER_CLIENT)]).await;
    let same_app = stack.spawn_another_app().await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let status = |url: String| {
        let request = browser.get(url);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // The cookie jar sends the cookie to every port of the host, as a browser does.
    assert_eq!(status(other_app.url("/api/v1/me")).await, 401, "another client's session");
    assert_ne!(status(other_app.url("/dashboard")).await, 200, "no page for it either");
    assert_eq!(status(same_app.url("/api/v1/me")).await, 200, "an instance of the same app reads it");
    assert_eq!(status(stack.app.url("/api/v1/me")).await, 200, "and the session is still there");
}

/// The person's list of sessions is shared by apps of one pool on one Redis and key prefix:
/// each app lists, ends and signs out everywhere only its own client's. Here the other app's
/// session is written as that app would (a record and a list entry naming its client).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clients_sessions_are_neither_listed_nor_ended() {
    let (_redis, port) = start_redis().await;
    let setting = SessionStoreSetting::Redis(RedisSetting::new("127.0.0.1", port));
    let store = format!("redis://127.0.0.1:{port}");
    let stack = spawn_stack(&[("SESSION_STORE", &store)]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let me: serde_json::Value = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let sub = me["sub"].as_str().expect("a sub").to_string();

    let other_app = AppSessionStore::open(&setting).await.expect("opens");
    let foreign: AuthSession = serde_json::from_value(serde_json::json!({
        "session_key": "other-apps-session", "sub": sub, "username": "user", "email": null,
        "email_verified": null, "name": null, "groups": [], "auth_time": null, "id_claims": {},
        "signed_in_at": 0, "client_id": common::OTHER_CLIENT,
        "tokens": { "access_token": "a", "refresh_token": "r", "id_token_expires_at": 0, "access_token_expires_at": 0 }
    }))
    .unwrap();
    let mut record = Record {
        id: Id::default(),
        data: HashMap::from([("auth".to_string(), auth_session::stored_value(&foreign).unwrap())]),
        expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    other_app.create(&mut record).await.expect("create");
    let entry = SessionEntry {
        session_key: foreign.session_key.clone(),
        session_id: record.id.to_string(),
        device: "Safari on iOS".into(),
        signed_in_at: OffsetDateTime::now_utc().unix_timestamp(),
        last_active: OffsetDateTime::now_utc().unix_timestamp(),
        client_id: common::OTHER_CLIENT.into(),
    };
    let directory = other_app.directory("leptos-cognito:").await.expect("directory");
    directory.register(&sub, &entry, Duration::from_secs(3_600)).await.expect("register");

    let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert_eq!(common::listed_sessions(&dashboard).len(), 1, "only this app's session is listed");
    assert_eq!(stack.end_listed_session(&browser, "other-apps-session").await.status(), 404, "not this app's to end");
    assert_eq!(stack.sign_out(&browser, true).await.status(), 303);
    assert!(other_app.load(&record.id).await.expect("load").is_some(), "the other app's session is still there");
    assert_eq!(directory.all(&sub).await.expect("all"), vec![entry], "and listed by its app");
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
        // Nothing of the session is left in Redis: its record, its published refresh result
        // (refresh tokens inside), its lock, its entry in the person's session list.
        let left = redis_cli(port, &["--scan"]);
        assert_eq!(left, "", "rotation {rotation}: keys left after sign-out");
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
        // One command's 2 s, and room for a loaded machine; a longer timeout would not fit.
        let took = started.elapsed();
        assert!(took < Duration::from_millis(3_500), "{path} answered in {took:?}");
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

/// Managed Redis wants a password, and may give an app a database of its own: a `redis://` URL
/// carries both (percent-encoded, as Redis's clients write them), and the app's keys land in
/// that database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_and_database_of_a_redis_url_are_used() {
    let port = free_port();
    let _redis = start_redis_with(port, &["--port", &port.to_string(), "--requirepass", "s3cret:p@ss"]).await;
    let store = format!("redis://:s3cret%3Ap%40ss@127.0.0.1:{port}/5");
    let stack = spawn_stack(&[("SESSION_STORE", &store)]).await;
    let browser = browser();
    assert_eq!(stack.sign_in(&browser, USER, None).await.status(), 303);
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let keys_in = |database: &str| -> u64 {
        let output = Command::new("redis-cli")
            .args(["-p", &port.to_string(), "-a", "s3cret:p@ss", "--no-auth-warning", "-n", database, "dbsize"])
            .output()
            .expect("redis-cli is installed (with Debian's redis-server)");
        String::from_utf8_lossy(&output.stdout).trim().parse().expect("a number of keys")
    };
    assert!(keys_in("5") > 0, "the session is in database 5");
    assert_eq!(keys_in("0"), 0, "nothing in database 0");
}

/// A Redis 6+ ACL user (`redis://USER:PASSWORD@…`): the app signs in as that user, with the
/// default user switched off, so a connection without the user name would be refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_name_of_a_redis_url_is_used() {
    let port = free_port();
    let acl = ["--user", "sessions", "on", ">p@ss", "~*", "&*", "+@all", "--user", "default", "off"];
    let _redis = start_redis_with(port, &[&["--port", &port.to_string()][..], &acl].concat()).await;
    let stack = spawn_stack(&[("SESSION_STORE", &format!("redis://sessions:p%40ss@127.0.0.1:{port}"))]).await;
    let browser = browser();
    assert_eq!(stack.sign_in(&browser, USER, None).await.status(), 303);
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let as_sessions = ["--user", "sessions", "--pass", "p@ss", "--no-auth-warning", "dbsize"];
    let output = Command::new("redis-cli").args(["-p", &port.to_string()]).args(as_sessions).output().unwrap();
    let keys: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().expect("a number of keys");
    assert!(keys > 0, "the session is stored as the user `sessions`");
}

/// What the process wrote to stderr, once it has exited (within `within`).
fn exit_message(mut child: Child, within: Duration) -> (std::process::ExitStatus, String) {
    exit_status(&mut child, within);
    let output = child.wait_with_output().unwrap();
    (output.status, String::from_utf8_lossy(&output.stderr).into_owned())
}

/// `rediss://`: TLS to Redis (ElastiCache Serverless takes nothing else), the server's
/// certificate checked against the trusted roots. Trusted through `SSL_CERT_FILE`, the app
/// serves and keeps sessions there; with the system's roots alone it refuses to start, with a
/// line naming the server and not the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_urls_use_tls_and_check_the_servers_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (_redis, port, ca) = start_tls_redis(dir.path(), &["--requirepass", "s3cret"]).await;
    let store = format!("rediss://:s3cret@localhost:{port}/2");
    let ca = ca.to_string_lossy().into_owned();

    let (mut app, app_port) = serve_process(dir.path(), &[("SESSION_STORE", &store), ("SSL_CERT_FILE", &ca)]);
    let base = format!("http://127.0.0.1:{app_port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await.map(|r| r.status().as_u16()).ok();
        if ready == Some(200) {
            break;
        }
        if let Some(status) = app.try_wait().unwrap() {
            let (_, stderr) = exit_message(app, Duration::from_secs(1));
            panic!("the app exited ({status}): {stderr}");
        }
        assert!(started.elapsed() < Duration::from_secs(30), "not ready: {ready:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let browser = browser();
    let callback = common::hosted_ui_sign_in(&browser, &base, USER, None).await;
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 303);
    assert_eq!(browser.get(format!("{base}/api/v1/me")).send().await.unwrap().status(), 200);
    let _ = app.kill();
    let _ = app.wait();
    let log = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    let store_line = log.lines().find(|line| line.contains("sessions are kept")).unwrap_or_default();
    assert!(store_line.contains(&format!("rediss://localhost:{port}/2")), "the store is named: {log}");
    assert!(!log.contains("s3cret"), "never its password: {log}");

    let (untrusted, _) = serve_process(dir.path(), &[("SESSION_STORE", &store)]);
    let (status, stderr) = exit_message(untrusted, Duration::from_secs(20));
    assert!(!status.success());
    assert!(stderr.contains(&format!("cannot use rediss://localhost:{port}")), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

/// A wrong password, or a Redis nobody answers at, stops the app at start-up with a line that
/// names the server, never the password, rather than failing the first sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_redis_password_or_no_redis_stops_the_app_at_start_up() {
    let port = free_port();
    let _redis = start_redis_with(port, &["--port", &port.to_string(), "--requirepass", "right"]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("redis://:wr0ng@127.0.0.1:{port}");
    let (app, _) = serve_process(dir.path(), &[("SESSION_STORE", &store)]);
    let (status, stderr) = exit_message(app, Duration::from_secs(20));
    assert!(!status.success());
    assert!(stderr.contains(&format!("cannot use redis://127.0.0.1:{port}")), "{stderr}");
    assert!(!stderr.contains("wr0ng"), "{stderr}");

    let nobody = free_port();
    let store = format!("redis://:s3cret@127.0.0.1:{nobody}");
    let (app, _) = serve_process(dir.path(), &[("SESSION_STORE", &store)]);
    let (status, stderr) = exit_message(app, Duration::from_secs(30));
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains(&format!("cannot use redis://127.0.0.1:{nobody}")), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

/// A save that fails after the handler has answered is an explained 503 (an HTML page, or the
/// API's JSON), not the session layer's empty 500. Here Redis refuses the app's writes (its user
/// lost the permission) while reads work, and a request is due to save the session (to move its
/// idle timeout); once writes work again the same cookie does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_session_save_is_an_explained_503() {
    let (_redis, port) = start_redis().await;
    let store = format!("redis://127.0.0.1:{port}");
    // A 6-second idle timeout: every request saves the session.
    let stack = spawn_stack(&[("SESSION_STORE", &store), ("SESSION_IDLE_TIMEOUT_SECS", "6")]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let acl = |rule: &str| {
        let output = Command::new("redis-cli")
            .args(["-p", &port.to_string(), "ACL", "SETUSER", "default", rule])
            .output()
            .expect("redis-cli is installed (with Debian's redis-server)");
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "OK", "ACL SETUSER default {rule}");
    };
    acl("-@write");
    tokio::time::sleep(Duration::from_millis(3_200)).await;

    let page = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("Sessions cannot be stored right now"));
    let api = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(api.status(), 503);
    assert_eq!(api.json::<serde_json::Value>().await.unwrap()["error"], "temporarily_unavailable");

    acl("+@all");
    assert_eq!(browser.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200, "the same cookie");
}

/// Every key the auth core writes starts with its key prefix (`Names::redis_key_prefix`): the
/// app's default one, and another set in code for a library user on the same Redis, whose core
/// then reads none of the app's sessions. Each kind of key is made: a session, a sign-in in
/// flight, the person's list of sessions, a refresh's lock and published result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_redis_key_starts_with_the_key_prefix() {
    use axum::{Router, routing::get};
    use axum_cognito::{AuthConfig, AuthCore, SignedIn, config::CognitoSettings};

    let (_redis, port) = start_redis().await;
    let setting = SessionStoreSetting::Redis(RedisSetting::new("127.0.0.1", port));
    let five_seconds = IdpSetup {
        id_token_ttl: Duration::from_secs(5),
        access_token_ttl: Duration::from_secs(5),
        ..IdpSetup::default()
    };
    let keys = || {
        let mut keys: Vec<String> = redis_cli(port, &["--scan"]).lines().map(str::to_string).collect();
        keys.sort();
        keys
    };
    // Which kinds of key there are: the part after the prefix, up to its first ':'.
    let kinds = |prefix: &str| {
        let mut kinds: Vec<String> = keys()
            .iter()
            .map(|key| {
                let rest = key.strip_prefix(prefix).unwrap_or_else(|| panic!("{key} starts with {prefix}"));
                rest.split(':').next().unwrap().to_string()
            })
            .collect();
        kinds.dedup();
        kinds
    };

    // The app, signed in, refreshed once (5-second tokens, refreshed 2 s early), its sessions
    // listed on the dashboard, and a second sign-in started.
    let store = format!("redis://127.0.0.1:{port}");
    let stack =
        spawn_stack_with(&[("SESSION_STORE", &store), ("TOKEN_REFRESH_SKEW_SECS", "2")], five_seconds.clone()).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(browser.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);
    assert_eq!(browser.get(stack.app.url("/auth/login")).send().await.unwrap().status(), 303);
    assert_eq!(kinds("leptos-cognito:"), ["login", "refresh", "session", "user"], "{:?}", keys());

    // A library user's core with a prefix of its own, on the same Redis.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let idp = common::start_idp(&shop_url, &five_seconds).await;
    let mut cognito = CognitoSettings::with_issuer(
        idp.idp.issuer(),
        idp.domain.parse().unwrap(),
        cognito_local_idp::defaults::CLIENT_ID,
        &shop_url.parse().unwrap(),
    );
    cognito.client_secret = Some(cognito_local_idp::defaults::CLIENT_SECRET.into());
    let mut config = AuthConfig::new(cognito);
    config.session.store = setting;
    config.names.redis_key_prefix = "shop:".into();
    config.refresh_skew_secs = 2;
    let core = AuthCore::start(config).await.unwrap();
    let shop = Router::new()
        .route("/private", get(|SignedIn(user): SignedIn| async move { user.sub }))
        .merge(axum_cognito::routes::router(&core.config))
        .layer(core.session_layer())
        .with_state(core)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, shop).await });

    // The app's cookie (cookies are per host, not per port: the same jar sends it) is nobody
    // at the shop.
    assert_eq!(browser.get(format!("{shop_url}/private")).send().await.unwrap().status(), 401);
    let shopper = common::browser();
    let callback = common::hosted_ui_sign_in(&shopper, &shop_url, USER, None).await;
    assert_eq!(shopper.get(&callback).send().await.unwrap().status(), 303);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(shopper.get(format!("{shop_url}/private")).send().await.unwrap().status(), 200, "refreshed");
    assert_eq!(shopper.get(format!("{shop_url}/auth/login")).send().await.unwrap().status(), 303);
    let shop_keys: Vec<String> = keys().into_iter().filter(|key| !key.starts_with("leptos-cognito:")).collect();
    assert!(!shop_keys.is_empty() && shop_keys.iter().all(|key| key.starts_with("shop:")), "{shop_keys:?}");
    for kind in ["shop:login:", "shop:refresh:", "shop:session:", "shop:user:"] {
        assert!(shop_keys.iter().any(|key| key.starts_with(kind)), "a {kind} key: {shop_keys:?}");
    }
}

/// "Sign out everywhere" with a store that fails part-way is a 503 page that asks to try again,
/// never a redirect that looks like success while the lost phone stays signed in. This browser's
/// session is ended last, so it is still there to try again with, and the retry ends all.
/// (`sign_out.rs` orders it so for a failure part-way, too.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_with_a_failing_store_says_so_and_can_be_tried_again() {
    let (_redis, port) = start_redis().await;
    let stack = spawn_stack(&[("SESSION_STORE", &format!("redis://127.0.0.1:{port}"))]).await;
    let (laptop, phone) = (browser(), browser());
    stack.sign_in(&laptop, USER, None).await;
    stack.sign_in(&phone, USER, None).await;
    let me = |browser: &reqwest::Client| {
        let request = browser.get(stack.app.url("/api/v1/me"));
        async move { request.send().await.unwrap().status().as_u16() }
    };

    // The person's list of sessions cannot be read: nothing can be ended everywhere.
    assert_eq!(redis_cli(port, &["ACL", "SETUSER", "default", "-hgetall"]), "OK");
    let refused = stack.sign_out(&laptop, true).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().get("location").is_none());
    assert!(refused.text().await.unwrap().contains("try again"));
    assert_eq!((me(&laptop).await, me(&phone).await), (200, 200), "nothing ended, and this browser can retry");

    assert_eq!(redis_cli(port, &["ACL", "SETUSER", "default", "+hgetall"]), "OK");
    let ended = stack.sign_out(&laptop, true).await;
    assert_eq!(ended.status(), 303);
    assert_eq!((me(&laptop).await, me(&phone).await), (401, 401), "ended everywhere on the second try");
}

/// A failure part-way through "sign out everywhere": the other sessions are ended first and
/// this browser's last, so when this browser's record cannot be deleted (here Redis lets the
/// app read that one key but not write it) the answer is the 503 page, the other sessions stay
/// ended, this browser is still signed in to try again, and the second try ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_that_fails_part_way_keeps_what_it_ended_and_this_browser() {
    let (_redis, port) = start_redis().await;
    let stack = spawn_stack(&[("SESSION_STORE", &format!("redis://127.0.0.1:{port}"))]).await;
    let (laptop, phone, tablet) = (browser(), browser(), browser());
    let laptop_id = common::session_cookie(&stack.sign_in(&laptop, USER, None).await).expect("a session cookie");
    stack.sign_in(&phone, USER, None).await;
    stack.sign_in(&tablet, USER, None).await;
    let me = |browser: &reqwest::Client| {
        let request = browser.get(stack.app.url("/api/v1/me"));
        async move { request.send().await.unwrap().status().as_u16() }
    };

    // Every key stays writable but the laptop's record, which stays readable (ACL selectors of
    // Redis 7: `%R~` is read-only; key patterns only allow, so "every other key" is spelled as
    // one pattern per position where a key first differs from the laptop's).
    let laptop_key = format!("leptos-cognito:session:{laptop_id}");
    let escape = |text: &str| text.chars().map(|c| format!("\\{c}")).collect::<String>();
    let mut rule = vec!["ACL".to_string(), "SETUSER".into(), "default".into(), "resetkeys".into()];
    for (at, differing) in laptop_key.char_indices() {
        rule.push(format!("~{}[^{}]*", escape(&laptop_key[..at]), escape(&differing.to_string())));
    }
    rule.push(format!("~{}?*", escape(&laptop_key)));
    rule.push(format!("%R~{}", escape(&laptop_key)));
    let rule: Vec<&str> = rule.iter().map(String::as_str).collect();
    assert_eq!(redis_cli(port, &rule), "OK");

    let refused = stack.sign_out(&laptop, true).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().get("location").is_none());
    assert!(refused.text().await.unwrap().contains("try again"));
    assert_eq!((me(&phone).await, me(&tablet).await), (401, 401), "the others were ended first, and stay ended");
    assert_eq!(me(&laptop).await, 200, "this browser is still signed in, to try again");

    assert_eq!(redis_cli(port, &["ACL", "SETUSER", "default", "resetkeys", "~*"]), "OK");
    let ended = stack.sign_out(&laptop, true).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(me(&laptop).await, 401, "ended on the second try");
}

/// A sign-in whose session cannot be stored (here Redis refuses `SET`, while the sign-in
/// attempt can still be taken) is a 409 page that says so, with no session cookie, counted as
/// `store_error`; once Redis takes writes again, signing in works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_cannot_be_stored_at_sign_in_is_a_409_page() {
    let (_redis, port) = start_redis().await;
    let store = format!("redis://127.0.0.1:{port}");
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let stack = spawn_stack(&[("SESSION_STORE", &store), ("METRICS_ADDR", &metrics_addr)]).await;
    let store_errors = || async {
        let text = reqwest::get(format!("http://{metrics_addr}/metrics")).await.unwrap().text().await.unwrap();
        let series = r#"lc_sign_ins_total{outcome="store_error"} "#;
        text.lines().find_map(|line| line.strip_prefix(series)).map_or(0.0, |value| value.parse::<f64>().unwrap())
    };
    let browser = browser();
    let callback = stack.callback_url(&browser, USER, None).await;
    assert_eq!(redis_cli(port, &["ACL", "SETUSER", "default", "-set"]), "OK");

    let refused = browser.get(&callback).send().await.unwrap();
    assert_eq!(refused.status(), 409);
    assert!(common::set_cookies(&refused).iter().all(|c| !c.starts_with("lc_session=")), "no session");
    assert!(refused.text().await.unwrap().contains("Sign-in could not be saved"));
    assert_eq!(store_errors().await, 1.0, "counted as store_error");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);

    assert_eq!(redis_cli(port, &["ACL", "SETUSER", "default", "+set"]), "OK");
    assert_eq!(stack.sign_in(&browser, USER, None).await.status(), 303);
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

/// A Redis that takes connections but does not answer (hung) stops the app at start-up within
/// the five seconds it is given, with a line that names it, rather than a start-up that hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_stops_the_app_at_start_up_within_five_seconds() {
    let (redis, port) = start_redis().await;
    redis.pause();
    let dir = tempfile::tempdir().unwrap();
    let store = format!("redis://127.0.0.1:{port}");
    let started = Instant::now();
    let (app, _) = serve_process(dir.path(), &[("SESSION_STORE", &store)]);
    let (status, stderr) = exit_message(app, Duration::from_secs(20));
    let took = started.elapsed();
    redis.resume();
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains(&format!("cannot use redis://127.0.0.1:{port}")), "{stderr}");
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(9), "gave up after {took:?}");
}
