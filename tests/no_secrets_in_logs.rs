//! The real binary, with its real logging, through sign-in, API calls, a refresh and sign-out:
//! no token, code, state or password ever reaches a log line or a page.

mod common;

use std::{
    net::TcpListener,
    process::{Command, Stdio},
    time::Duration,
};

use common::{ADMIN, browser, hosted_ui_sign_in, location};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_logs() {
    whole_session("text").await;
}

/// `LOG_FORMAT=json`: every line of a whole session is one JSON object, none an error, request
/// lines carry the request id, route, status, latency and the session's short id, and no
/// secret appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_a_line_without_secrets() {
    let logs = whole_session("json").await;
    let mut requests = 0;
    let mut with_session = 0;
    let mut routes = std::collections::BTreeSet::new();
    for line in logs.lines().filter(|line| !line.trim().is_empty()) {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        // An ordinary session, start-up included, gives an operator nothing to act on.
        assert_ne!(entry["level"], "ERROR", "{line}");
        if entry["fields"]["message"] == "served" {
            requests += 1;
            let span = &entry["span"];
            for field in ["id", "route", "method"] {
                assert!(span[field].is_string(), "{field} in {line}");
            }
            assert!(entry["fields"]["status"].is_u64(), "{line}");
            assert!(entry["fields"]["latency_ms"].is_string() || entry["fields"]["latency_ms"].is_number(), "{line}");
            with_session += usize::from(span["session"].is_string());
            routes.insert(span["route"].as_str().unwrap_or_default().to_string());
        }
    }
    // Each request is logged under its route's template, pages and nested API routes alike.
    for route in ["/dashboard", "/profile", "/api/v1/me", "/auth/logout"] {
        assert!(routes.contains(route), "{route} among {routes:?}");
    }
    assert!(requests >= 5, "a line per request: {logs}");
    assert!(with_session >= 3, "signed-in requests name their session: {logs}");
}

/// Runs sign-in, API calls, a refresh and sign-out against the real binary; returns its logs
/// after checking that no secret reached them or a page.
async fn whole_session(log_format: &str) -> String {
    let _serial = common::serial().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let (app_port, idp_port) = (free_port(), free_port());
    let app_url = format!("http://127.0.0.1:{app_port}");
    let env = [
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{app_port}")),
        ("APP_URL", app_url.clone()),
        ("LOCAL_IDP", "on".into()),
        ("LOCAL_IDP_ADDR", format!("127.0.0.1:{idp_port}")),
        ("LOCAL_IDP_ID_TOKEN_SECS", "5".into()),
        ("LOCAL_IDP_ACCESS_TOKEN_SECS", "5".into()),
        ("TOKEN_REFRESH_SKEW_SECS", "2".into()),
        ("RUST_LOG", "info,leptos_cognito=debug".into()),
        ("LOG_FORMAT", log_format.into()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ];
    let mut server = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("server starts");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{app_url}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "server came up");

    let browser = browser();
    let callback = hosted_ui_sign_in(&browser, &app_url, ADMIN, None).await;
    let query = common::query_of(&callback);
    let mut pages = vec![browser.get(&callback).send().await.unwrap().text().await.unwrap()];
    pages.push(browser.get(format!("{app_url}/dashboard")).send().await.unwrap().text().await.unwrap());
    // The 404 page, for a missing page and for a missing file.
    for missing in ["/no-such-page", "/no-such-file.png"] {
        let answer = browser.get(format!("{app_url}{missing}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{missing}");
        pages.push(answer.text().await.unwrap());
    }
    pages.push(browser.get(format!("{app_url}/api/v1/me")).send().await.unwrap().text().await.unwrap());
    tokio::time::sleep(Duration::from_millis(3_500)).await; // forces a refresh
    pages.push(browser.get(format!("{app_url}/profile")).send().await.unwrap().text().await.unwrap());
    pages.push(browser.get(format!("{app_url}/api/v1/me")).send().await.unwrap().text().await.unwrap());
    let bearer = client
        .get(format!("{app_url}/api/v1/me"))
        .header("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    let logout = browser.post(format!("{app_url}/auth/logout")).header("origin", &app_url).send().await.unwrap();
    assert!(location(&logout).contains("/logout?"));

    let _ = server.kill();
    let _ = server.wait();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("signed in"), "logging works: {logs}");
    assert!(logs.contains("signed out"), "logging works: {logs}");
    assert!(logs.contains("/dashboard"), "requests are logged: {logs}");
    assert!(!logs.contains("/healthz"), "health probes are not logged: {logs}");
    for (what, secret) in [
        ("a JWT", "eyJ"),
        ("the authorization code", query["code"].as_str()),
        ("the state", query["state"].as_str()),
        ("the password", ADMIN.1),
        ("the client secret", cognito_local_idp::defaults::CLIENT_SECRET),
    ] {
        assert!(!logs.contains(secret), "{what} reached the logs:\n{logs}");
        for page in &pages {
            assert!(!page.contains(secret), "{what} reached a page");
        }
    }
    logs
}
