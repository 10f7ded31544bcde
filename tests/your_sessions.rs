//! "Your sessions" on the dashboard: each browser the person signed in with, with its own
//! sign-out; another person's sessions are out of reach. Also: signing in again in the same
//! browser while the previous sign-in is due for a refresh ends up with the new account, and
//! revokes the refresh token of the sign-in it replaces.

mod common;

use std::time::Duration;

use axum_cognito::clock::Clock;
use common::{
    ADMIN, IdpSetup, USER, app_clock_now, hosted_ui_sign_in, listed_sessions, process::serve_process,
    proxy::TokenProxy, spawn_stack, spawn_stack_with,
};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn browser_with(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap()
}

/// A resource created inside a `<Suspense>`'s children is created again each time Leptos walks
/// them during server rendering, calling its server function again and again (Leptos's advice:
/// create resources above the `<Suspense>`, read them inside; leptos-rs/leptos#4866). Each data
/// function logs one debug line a call, so the real binary's log counts the calls of a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_loads_each_of_its_data_once() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [("RUST_LOG", "info,leptos_cognito=debug,axum_cognito_leptos=debug"), ("LOG_FORMAT", "json")];
    let (mut app, port) = serve_process(dir.path(), &vars);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the app did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let calls = |message: &str| {
        let log = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
        log.lines().filter(|line| line.contains(&format!("\"message\":\"{message}\""))).count()
    };

    let admin = browser_with(FIREFOX);
    let callback = hosted_ui_sign_in(&admin, &base, ADMIN, None).await;
    admin.get(&callback).send().await.unwrap();
    for (path, message) in [
        ("/dashboard", "listed the person's sessions"),
        ("/admin", "read the admin overview"),
        ("/profile", "read the ID token's claims"),
    ] {
        let before = calls(message);
        let html = admin.get(format!("{base}{path}")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("class=\"card\""), "{path}: {html}");
        // The log is written as each call happens, before the page's last byte goes out.
        assert_eq!(calls(message) - before, 1, "{path} calls its data function once");
    }
    let _ = app.kill();
    let _ = app.wait();
}

/// Each listed session shows when it signed in and when it was last active (RFC 3339, UTC).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listed_session_shows_when_it_signed_in_and_was_last_active() {
    let clock = app_clock_now();
    let stack = spawn_stack_with(&[], IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() }).await;
    let laptop = browser_with(FIREFOX);
    let signed_in_at = clock.now();
    stack.sign_in(&laptop, USER, None).await;
    clock.advance(600);
    // Ten minutes later, a request: the session's latest activity.
    assert_eq!(laptop.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);

    let html = laptop.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    let rfc3339 = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let item = html.split("data-testid=\"session-item\"").nth(1).expect("the session is listed");
    let signed_in = item.find(&rfc3339(signed_in_at)).expect("when it signed in");
    let last_active = item.find(&rfc3339(signed_in_at + 600)).expect("when it was last active");
    assert!(signed_in < last_active, "signed in, then last active: {item}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_lists_the_persons_sessions_and_ends_one() {
    let stack = spawn_stack(&[]).await;
    let laptop = browser_with(FIREFOX);
    let phone = browser_with(SAFARI);
    let someone_else = browser_with(FIREFOX);
    stack.sign_in(&laptop, USER, None).await;
    stack.sign_in(&phone, USER, None).await;
    stack.sign_in(&someone_else, ADMIN, None).await;

    let html = laptop.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your sessions"));
    assert!(html.contains("Firefox on Linux"), "browser and platform from the User-Agent");
    assert!(html.contains("Safari on iPhone"), "{html}");
    assert!(html.contains("this browser"));
    let sessions = listed_sessions(&html);
    assert_eq!(sessions.len(), 2, "only this person's sessions");
    let phone_key = sessions.iter().find(|(_, current)| !current).map(|(key, _)| key.clone()).unwrap();

    // Someone else cannot end it.
    assert_eq!(stack.end_listed_session(&someone_else, &phone_key).await.status(), 404);
    assert_eq!(phone.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);

    // Nor another site.
    let forged = laptop
        .post(stack.app.url("/auth/sessions/end"))
        .header("origin", "https://evil.example")
        .form(&[("session", phone_key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // The owner can.
    let revocations = stack.idp.idp.stats().revocations;
    let ended = stack.end_listed_session(&laptop, &phone_key).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(common::location(&ended), "/dashboard");
    assert_eq!(stack.idp.idp.stats().revocations - revocations, 1, "its refresh token is revoked");
    assert_eq!(phone.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    assert_eq!(laptop.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    assert_eq!(someone_else.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let html = laptop.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert_eq!(listed_sessions(&html).len(), 1);

    // A malformed request is a clear 400.
    let bad =
        laptop.post(stack.app.url("/auth/sessions/end")).header("origin", &stack.app.base_url).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let bad = laptop
        .post(stack.app.url("/auth/logout"))
        .header("origin", &stack.app.base_url)
        .form(&[("everywhere", "maybe")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // A body that is not a URL-encoded form (a script's `fetch` with `FormData`, JSON or text)
    // may ask for everywhere: refused with a reason, and nothing is ended.
    for (content_type, body) in [
        (
            "multipart/form-data; boundary=b",
            "--b\r\nContent-Disposition: form-data; name=\"everywhere\"\r\n\r\ntrue\r\n--b--\r\n",
        ),
        ("application/json", r#"{"everywhere":true}"#),
        ("text/plain;charset=UTF-8", "everywhere=true"),
    ] {
        let refused = laptop
            .post(stack.app.url("/auth/logout"))
            .header("origin", &stack.app.base_url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 415, "{content_type}");
        assert!(refused.text().await.unwrap().contains("application/x-www-form-urlencoded"), "{content_type}");
    }
    assert_eq!(laptop.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "still signed in");
    assert_eq!(someone_else.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

/// Naming this browser's own session in the list's sign-out is a plain sign-out: to the
/// provider's logout, its refresh token revoked, the cookie worthless.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_this_browsers_own_session_from_the_list_signs_it_out() {
    let stack = spawn_stack(&[]).await;
    let laptop = browser_with(FIREFOX);
    stack.sign_in(&laptop, USER, None).await;
    let html = laptop.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    let own = listed_sessions(&html).into_iter().find(|(_, current)| *current).map(|(key, _)| key).unwrap();

    let ended = stack.end_listed_session(&laptop, &own).await;
    assert_eq!(ended.status(), 303);
    assert!(common::location(&ended).starts_with(&format!("{}/logout?", stack.idp.domain)), "to the provider's logout");
    assert_eq!(stack.idp.idp.stats().revocations, 1, "its refresh token is revoked");
    assert_eq!(laptop.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_while_a_refresh_is_due_keeps_the_new_account() {
    let stack = spawn_stack_with(
        &[("TOKEN_REFRESH_SKEW_SECS", "2")],
        IdpSetup {
            id_token_ttl: Duration::from_secs(5),
            access_token_ttl: Duration::from_secs(5),
            refresh_token_rotation: true,
            ..IdpSetup::default()
        },
    )
    .await;
    let app_url: reqwest::Url = stack.app.base_url.parse().unwrap();
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for round in 0..2 {
        // The browser is signed in as one person...
        let browser = common::browser();
        let first = stack.sign_in(&browser, USER, None).await;
        let previous = common::session_cookie(&first).expect("a session cookie");
        tokio::time::sleep(Duration::from_millis(3_500)).await;

        // ...and signs in as another (a fresh provider session, so the hosted UI asks again)
        // while the previous sign-in is due for a refresh when the callback page renders.
        use reqwest::cookie::CookieStore;
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let other = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let callback = stack.callback_url(&other, ADMIN, None).await;
        let binding = jar.cookies(&app_url).expect("the sign-in binding cookie");
        let cookies = format!("{}; lc_session={previous}", binding.to_str().unwrap());
        let answer = plain.get(&callback).header("cookie", cookies).send().await.unwrap();
        assert_eq!(answer.status(), 303, "round {round}");
        let new_session = common::session_cookie(&answer).expect("a new session cookie");
        assert_ne!(new_session, previous, "round {round}: a new session id");
        let me: serde_json::Value = plain
            .get(stack.app.url("/api/v1/me"))
            .header("cookie", format!("lc_session={new_session}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], ADMIN.0, "round {round}: the new sign-in wins");
        let old = plain
            .get(stack.app.url("/api/v1/me"))
            .header("cookie", format!("lc_session={previous}"))
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 401, "round {round}: the replaced session is gone");
    }
}

/// A browser that signs in again (the same person, or "Sign in as someone else") replaces its
/// session; the replaced one ends as a sign-out would end it: its refresh token is revoked, so
/// no refresh token outlives the session that held it, and the new session keeps its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_revokes_the_replaced_sessions_refresh_token() {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(&[("COGNITO_DOMAIN", proxy.url.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    let issued: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let kept = issued.clone();
    proxy.tamper(move |answer| {
        if let Some(token) = answer["refresh_token"].as_str() {
            kept.lock().unwrap().push(token.to_string());
        }
    });
    let browser = browser_with(FIREFOX);
    let me = stack.app.url("/api/v1/me");
    for (round, user) in [USER, USER, ADMIN].into_iter().enumerate() {
        // `prompt=login` for another person: the provider would sign this browser in silently
        // as the one it knows.
        let login = if user == ADMIN { "/auth/login?prompt=login" } else { "/auth/login" };
        let authorize = common::follow(&browser, &stack.app.url(login)).await;
        let callback_url =
            common::sign_in_at_provider(&browser, &authorize, user, &stack.app.url("/auth/callback")).await;
        let callback = browser.get(&callback_url).send().await.unwrap();
        assert_eq!(callback.status(), 303, "sign-in {round}");
        let answer: serde_json::Value = browser.get(&me).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["username"], user.0, "sign-in {round}");
        let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert_eq!(listed_sessions(&dashboard).len(), 1, "sign-in {round}: the replaced session is off the list");
        let issued = issued.lock().unwrap().clone();
        assert_eq!(issued.len(), round + 1);
        assert_eq!(proxy.revoked_tokens(), issued[..round].to_vec(), "after sign-in {round}: every replaced one");
    }
}
