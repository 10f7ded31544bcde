//! The real binary, with its real logging, through sign-in, API calls, a refresh and sign-out:
//! no token, code, state, password or session cookie ever reaches a log line or a page.

mod common;

use std::{
    net::TcpListener,
    process::{Command, Stdio},
    time::Duration,
};

use std::sync::{Arc, Mutex};

use common::{ADMIN, IdpSetup, browser, hosted_ui_sign_in, location, proxy::TokenProxy, session_cookie, start_idp};
use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Where the binary signs people in for [`whole_session`].
enum Provider {
    /// `LOCAL_IDP=on`: its own embedded provider, whose log lines are the app's too.
    Embedded,
    /// A provider of the test's behind a proxy that keeps every token answer, so the test knows
    /// the exact tokens the app holds (the embedded provider's refresh tokens are opaque, not
    /// JWTs, and only an exact search finds them).
    Recorded,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_logs() {
    whole_session("text", Provider::Embedded).await;
}

/// The very tokens the app was given, at sign-in and at the refresh, appear in no log line and
/// no page: access and ID tokens (JWTs) and the opaque refresh tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn none_of_the_tokens_the_app_holds_reaches_the_logs() {
    whole_session("text", Provider::Recorded).await;
}

/// `LOG_FORMAT=json`: every line of a whole session is one JSON object, none an error, request
/// lines carry the request id, route, status, latency and the session's short id, and no
/// secret appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_a_line_without_secrets() {
    let (logs, dashboard_request_id) = whole_session("json", Provider::Embedded).await;
    let mut requests = 0;
    let mut with_session = 0;
    let mut routes = std::collections::BTreeSet::new();
    let mut dashboard_logged = false;
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
            // The id a person can quote from the response finds the request's line.
            dashboard_logged |= span["id"] == dashboard_request_id.as_str() && span["route"] == "/dashboard";
        }
    }
    // Each request is logged under its route's template, pages and nested API routes alike.
    for route in ["/dashboard", "/profile", "/api/v1/me", "/auth/logout"] {
        assert!(routes.contains(route), "{route} among {routes:?}");
    }
    assert!(requests >= 5, "a line per request: {logs}");
    assert!(with_session >= 3, "signed-in requests name their session: {logs}");
    assert!(dashboard_logged, "the X-Request-Id {dashboard_request_id} names the dashboard's log line: {logs}");
}

/// Runs sign-in, API calls, a refresh and sign-out against the real binary; returns its logs
/// (after checking that no secret reached them or a page) and the `X-Request-Id` the dashboard
/// was answered with.
async fn whole_session(log_format: &str, provider: Provider) -> (String, String) {
    let _serial = common::serial().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let (app_port, idp_port) = (free_port(), free_port());
    let app_url = format!("http://127.0.0.1:{app_port}");
    let mut env = vec![
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{app_port}")),
        ("APP_URL", app_url.clone()),
        ("TOKEN_REFRESH_SKEW_SECS", "2".into()),
        ("RUST_LOG", "info,leptos_cognito=debug".into()),
        ("LOG_FORMAT", log_format.into()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ];
    // Every token answer the app gets through the proxy (Provider::Recorded).
    let answers: Arc<Mutex<Vec<Value>>> = Arc::default();
    let _recorded = match provider {
        Provider::Embedded => {
            env.extend([
                ("LOCAL_IDP", "on".into()),
                ("LOCAL_IDP_ADDR", format!("127.0.0.1:{idp_port}")),
                ("LOCAL_IDP_ID_TOKEN_SECS", "5".into()),
                ("LOCAL_IDP_ACCESS_TOKEN_SECS", "5".into()),
            ]);
            None
        }
        Provider::Recorded => {
            let setup = IdpSetup {
                id_token_ttl: Duration::from_secs(5),
                access_token_ttl: Duration::from_secs(5),
                refresh_token_rotation: true,
                ..IdpSetup::default()
            };
            let idp = start_idp(&app_url, &setup).await;
            let proxy = TokenProxy::start().await;
            proxy.forward_to(&idp.domain);
            let kept = answers.clone();
            proxy.tamper(move |answer| kept.lock().unwrap().push(answer.clone()));
            env.extend([
                ("LOCAL_IDP", "off".into()),
                ("COGNITO_ISSUER", idp.idp.issuer()),
                ("COGNITO_DOMAIN", proxy.url.clone()),
                ("COGNITO_CLIENT_ID", cognito_local_idp::defaults::CLIENT_ID.into()),
                ("COGNITO_CLIENT_SECRET", cognito_local_idp::defaults::CLIENT_SECRET.into()),
            ]);
            Some((idp, proxy))
        }
    };
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
    let signed_in = browser.get(&callback).send().await.unwrap();
    let cookie = session_cookie(&signed_in).expect("the callback sets the session cookie");
    let mut pages = vec![signed_in.text().await.unwrap()];
    let dashboard = browser.get(format!("{app_url}/dashboard")).send().await.unwrap();
    let dashboard_request_id =
        dashboard.headers().get("x-request-id").expect("X-Request-Id").to_str().unwrap().to_string();
    pages.push(dashboard.text().await.unwrap());
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

    for probe in ["/healthz", "/readyz"] {
        assert_eq!(reqwest::get(format!("{app_url}{probe}")).await.unwrap().status(), 200, "{probe}");
    }

    let _ = server.kill();
    let _ = server.wait();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("signed in"), "logging works: {logs}");
    assert!(logs.contains("signed out"), "logging works: {logs}");
    assert!(logs.contains("/dashboard"), "requests are logged: {logs}");
    assert!(!logs.contains("/healthz") && !logs.contains("/readyz"), "health probes are not logged: {logs}");
    let mut secrets = vec![
        ("a JWT".to_string(), "eyJ".to_string()),
        ("the authorization code".into(), query["code"].clone()),
        ("the state".into(), query["state"].clone()),
        ("the password".into(), ADMIN.1.into()),
        ("the client secret".into(), cognito_local_idp::defaults::CLIENT_SECRET.into()),
        ("the session cookie".into(), cookie),
    ];
    if let Provider::Recorded = provider {
        let answers = answers.lock().unwrap();
        assert!(answers.len() >= 2, "the sign-in's and the refresh's token answers were kept: {}", answers.len());
        for (n, answer) in answers.iter().enumerate() {
            for token in ["access_token", "id_token", "refresh_token"] {
                if let Some(value) = answer[token].as_str() {
                    secrets.push((format!("the {token} of token answer {n}"), value.to_string()));
                }
            }
        }
        assert!(secrets.iter().any(|(what, _)| what.starts_with("the refresh_token")), "refresh tokens are checked");
    }
    for (what, secret) in &secrets {
        assert!(secret.len() >= 3, "{what} is known");
        assert!(!logs.contains(secret.as_str()), "{what} reached the logs:\n{logs}");
        for page in &pages {
            assert!(!page.contains(secret), "{what} reached a page");
        }
    }
    (logs, dashboard_request_id)
}
