//! The whole sign-in journey over real sockets: the app configured for Cognito by
//! environment variables, the embedded provider playing Cognito, a cookie-keeping client.

mod common;

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use cognito_local_idp::defaults;

use common::{
    ADMIN, IdpSetup, USER, absolute, app_clock_now, browser, follow, initiate_auth, location, proxy::TokenProxy,
    query_of, set_cookies, sign_in_at_provider, spawn_stack, spawn_stack_with,
};

/// Any JWT: base64url of `{"` is `eyJ`.
fn assert_no_token(body: &str) {
    assert!(!body.contains("eyJ"), "a token reached the browser: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_lands_on_the_dashboard_with_the_claims_and_no_tokens() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    let callback = stack.sign_in(&browser, ADMIN, None).await;

    assert_eq!(callback.status(), 303);
    assert_eq!(location(&callback), "/dashboard");
    assert_eq!(callback.headers()["referrer-policy"], "no-referrer");
    assert_eq!(callback.headers()["cache-control"], "no-store");
    let cookies = set_cookies(&callback);
    let session = cookies.iter().find(|c| c.starts_with("lc_session=")).expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(attribute), "{attribute} missing: {session}");
    }
    assert_no_token(&callback.text().await.unwrap());

    let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(dashboard.status(), 200);
    let html = dashboard.text().await.unwrap();
    assert!(html.contains("admin@example.com"), "email shown");
    assert!(html.contains("Ada Admin"), "name shown");
    assert!(html.contains(">admin<"), "group shown");
    assert!(!html.contains("at_hash"), "the full list of claims is the profile's alone: {html}");
    assert_no_token(&html);
    // The greeting and the claims the keep-alive updates are an island, whose props (the person,
    // sent with the page) are its claims and no token (checked above).
    let island = html.split(r#"<leptos-island data-component="LiveIdentity_"#).nth(1).expect("the dashboard's island");
    let props = island.split("data-props=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
    assert!(props.contains("admin@example.com"), "the island's props: {island}");
    // Nothing else is sent for hydration: the session list is the server's HTML alone.
    assert!(html.contains("__RESOLVED_RESOURCES=[];"), "{html}");
    // The main navigation marks the open page, and only it; an admin sees the admin link.
    assert!(html.contains(r#"<a href="/dashboard" aria-current="page">Dashboard</a>"#), "{html}");
    assert!(html.contains(r#"<a href="/profile">Profile</a>"#) && html.contains(r#"<a href="/admin">Admin</a>"#));
    assert_eq!(html.matches("aria-current").count(), 1, "{html}");

    let profile = browser.get(stack.app.url("/profile")).send().await.unwrap().text().await.unwrap();
    assert!(profile.contains("cognito:username") && profile.contains("at_hash"), "full claim table: {profile}");

    // The server function behind the claim table is an endpoint of its own: for the signed-in only.
    use leptos::server_fn::ServerFn;
    let path = axum_cognito_leptos::session::GetIdTokenClaims::PATH;
    let claims = browser.post(stack.app.url(path)).send().await.unwrap();
    assert_eq!(claims.status(), 200);
    let claims = claims.text().await.unwrap();
    assert!(claims.contains("cognito:username") && claims.contains("admin@example.com"), "{claims}");
    assert_no_token(&claims);
    let anonymous = common::browser().post(stack.app.url(path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_no_token(&profile);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_to_is_honoured_and_open_redirects_are_not() {
    let stack = spawn_stack(&[]).await;
    let callback = stack.sign_in(&browser(), USER, Some("/profile?tab=claims")).await;
    assert_eq!(location(&callback), "/profile?tab=claims");

    for hostile in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let callback = stack.sign_in(&browser(), USER, Some(hostile)).await;
        assert_eq!(location(&callback), "/dashboard", "{hostile}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_page_sends_you_through_sign_in_and_back() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    let first = browser.get(stack.app.url("/profile")).send().await.unwrap();
    assert_eq!(location(&first), "/auth/login?return_to=%2Fprofile");
    let callback = stack.sign_in(&browser, USER, Some("/profile")).await;
    assert_eq!(location(&callback), "/profile");
    assert_eq!(browser.get(stack.app.url("/profile")).send().await.unwrap().status(), 200);
}

/// `ADMIN_GROUP` names the group the admin views need: set to another group, members of
/// `admin` are refused at the page and at the API, and get no link to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_group_names_the_group_the_admin_views_need() {
    let stack = spawn_stack(&[("ADMIN_GROUP", "staff")]).await;
    let admin = browser();
    stack.sign_in(&admin, ADMIN, None).await;
    let page = admin.get(stack.app.url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), 403, "the admin group is not ADMIN_GROUP here");
    let api = admin.get(stack.app.url("/api/v1/admin/ping")).send().await.unwrap();
    assert_eq!(api.status(), 403);
    let dashboard = admin.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(!dashboard.contains("href=\"/admin\""), "no admin link");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_is_for_the_admin_group_only() {
    let stack = spawn_stack(&[]).await;
    let admin = browser();
    stack.sign_in(&admin, ADMIN, None).await;
    let page = admin.get(stack.app.url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("data-testid=\"admin-overview\""));

    // The top bar offers the admin view to the admin group only.
    let admin_link = "href=\"/admin\"";
    let dashboard = admin.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains(admin_link), "the admin's top bar links the admin view");

    let user = browser();
    stack.sign_in(&user, USER, None).await;
    let page = user.get(stack.app.url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("Not allowed"));
    let dashboard = user.get(stack.app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains("data-testid=\"claim-email\""), "the dashboard rendered");
    assert!(!dashboard.contains(admin_link), "no admin link for someone outside the group");
    let home = browser().get(stack.app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains(admin_link), "no admin link when signed out");

    // The server function behind the overview is an endpoint of its own, and checks the group
    // itself: the page guard does not stand in front of it.
    use leptos::server_fn::ServerFn;
    let path = leptos_cognito::pages::admin::GetAdminOverview::PATH;
    let overview = admin.post(stack.app.url(path)).send().await.unwrap();
    assert_eq!(overview.status(), 200);
    assert!(overview.text().await.unwrap().contains("admin_group"));
    let outsider = user.post(stack.app.url(path)).send().await.unwrap();
    assert_eq!(outsider.status(), 403, "outside the group");
    let outsider = outsider.text().await.unwrap();
    assert!(!outsider.contains("client_id"), "nothing of the overview for an outsider: {outsider}");
    let anonymous = browser().post(stack.app.url(path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "signed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_callback_is_refused() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    let callback = stack.callback_url(&browser, USER, None).await;
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 303);
    let replay = browser.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), 400, "state and code are single-use");
    // Someone else replaying it gets no session either.
    let other = common::browser().get(&callback).send().await.unwrap();
    assert_eq!(other.status(), 400);
    assert!(set_cookies(&other).iter().all(|c| !c.starts_with("lc_session=")));
}

/// HEAD is a safe method (RFC 9110 §9.2.1): a HEAD of the callback URL (a link checker, a
/// preview) must not spend the one-time code and state that the browser's GET needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_request_does_not_spend_the_callback() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    let callback = stack.callback_url(&browser, USER, None).await;
    let head = browser.head(&callback).send().await.unwrap();
    assert_eq!(head.status(), 405);
    assert_eq!(head.headers()["allow"], "GET");
    assert!(set_cookies(&head).iter().all(|c| !c.starts_with("lc_session=")));
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 303, "the sign-in completes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_can_sign_in_at_once() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    // Both tabs reach the provider before either comes back.
    let first = stack.callback_url(&browser, USER, Some("/profile")).await;
    let second = stack.callback_url(&browser, USER, Some("/dashboard")).await;
    let second_done = browser.get(&second).send().await.unwrap();
    assert_eq!(location(&second_done), "/dashboard");
    let first_done = browser.get(&first).send().await.unwrap();
    assert_eq!(location(&first_done), "/profile");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_and_revokes_the_refresh_token() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    stack.sign_in(&browser, ADMIN, None).await;
    assert_eq!(stack.idp.idp.stats().revocations, 0);

    let response =
        browser.post(stack.app.url("/auth/logout")).header("origin", &stack.app.base_url).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.starts_with(&format!("{}/logout?", stack.idp.domain)), "{target}");
    assert_eq!(query_of(&target)["logout_uri"], stack.app.url("/"));
    assert_eq!(stack.idp.idp.stats().revocations, 1, "the provider saw the revocation");

    // The provider's logout sends the browser back to the app, signed out.
    let back = common::follow(&browser, &target).await;
    assert_eq!(back, stack.app.url("/"));
    let home = browser.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("You are signed out"));
    let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&dashboard), "/auth/login?return_to=%2Fdashboard");
}

/// Revoking the refresh token at sign-out is best effort: with the provider down the local
/// sign-out still happens at once (the session is gone, the browser goes on to the provider's
/// logout), the failure is logged, and nothing waits for the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_with_the_provider_down_still_ends_the_session() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    stack.idp.idp.set_unavailable(true);

    let started = std::time::Instant::now();
    let response =
        browser.post(stack.app.url("/auth/logout")).header("origin", &stack.app.base_url).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "answered in {:?}", started.elapsed());
    assert!(location(&response).starts_with(&format!("{}/logout?", stack.idp.domain)));
    assert_eq!(stack.idp.idp.stats().revocations, 0, "the provider was down");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&dashboard), "/auth/login?return_to=%2Fdashboard");
}

/// A failed refetch of the key set (the provider down when a token names a key not seen yet)
/// keeps the keys already loaded: tokens signed with them still verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_key_refetch_keeps_the_keys_already_loaded() {
    let clock = app_clock_now();
    let stack = spawn_stack_with(&[], IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() }).await;
    let me = |token: String| {
        let url = stack.app.url("/api/v1/me");
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().status() }
    };
    let first = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    assert_eq!(me(first["AccessToken"].as_str().unwrap().to_string()).await, 200, "the keys are loaded");
    // Not verified yet (so not in the verified-token cache): it needs the loaded keys.
    let second = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    let fetches = stack.idp.idp.stats().jwks_requests;

    stack.idp.idp.set_unavailable(true);
    clock.advance(11); // past the refetch interval: an unknown key id may fetch again
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"not-a-key-of-the-pool"}"#);
    let unknown_kid = format!("{header}.{}.c2ln", URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#));
    assert_eq!(me(unknown_kid).await, 401);
    assert_eq!(stack.idp.idp.stats().jwks_requests, fetches, "the provider answered nothing (it is down)");
    assert_eq!(me(second["AccessToken"].as_str().unwrap().to_string()).await, 200, "the known keys were kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_causes_exactly_one_jwks_fetch() {
    let clock = app_clock_now();
    let stack = spawn_stack_with(&[], IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() }).await;
    // Let the start-up preload finish, then rotate: the next tokens carry new kids.
    stack.sign_in(&browser(), USER, None).await;
    stack.idp.idp.rotate_keys().unwrap();
    // Unknown kids refetch at most once per 10 s; the preload was just now.
    clock.advance(11);
    let before = stack.idp.idp.stats().jwks_requests;
    let callback = stack.sign_in(&browser(), USER, None).await;
    assert_eq!(callback.status(), 303);
    assert_eq!(stack.idp.idp.stats().jwks_requests - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("sessions.db").display());
    common::assert_signed_in_across_a_restart(&store).await;
}

/// The stored session keeps the access and refresh tokens and the ID token's claims, not the ID
/// token itself (docs/design.md, "Tokens stay on the server").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_session_holds_no_id_token() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sessions.db");
    let stack = spawn_stack(&[("SESSION_STORE", &format!("sqlite://{}", file.display()))]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    drop(stack);
    // The database and its write-ahead log: wherever the record went, it is in these bytes.
    let mut stored = Vec::new();
    for name in ["sessions.db", "sessions.db-wal"] {
        stored.extend(std::fs::read(dir.path().join(name)).unwrap_or_default());
    }
    // Records are MessagePack, and the signed-in state in them is JSON text: a field is its
    // quoted name and a colon.
    let holds = |name: &str| {
        let key = format!("\"{name}\":");
        stored.windows(key.len()).any(|window| window == key.as_bytes())
    };
    assert!(holds("access_token") && holds("refresh_token") && holds("id_claims"), "the session was stored");
    assert!(!holds("id_token"), "the raw ID token is not kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_at_its_maximum_age_whatever_happens() {
    let clock = app_clock_now();
    let setup = IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() };
    let stack = spawn_stack_with(&[("SESSION_MAX_AGE_SECS", "600")], setup).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    clock.advance(590);
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    clock.advance(20);
    let page = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&page), "/auth/login?return_to=%2Fdashboard");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

/// "Sign in with Google" against the embedded provider (`COGNITO_IDENTITY_PROVIDERS=Google` with
/// `LOCAL_IDP` on, as the README's first command runs it): the app's link goes to the provider's
/// simulated Google account chooser, and choosing an account signs in a federated user, with
/// the `{pool}_Google` group Cognito gives such users.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_sign_in_through_the_embedded_provider() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, port) = common::process::serve_process(dir.path(), &[("COGNITO_IDENTITY_PROVIDERS", "Google")]);
    let base = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the app did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let browser = browser();
    let home = browser.get(&base).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(r#"href="/auth/login?provider=Google""#), "the home page offers Google");

    // The app, then the provider's authorize endpoint, hand over to the chooser.
    let mut url = format!("{base}/auth/login?provider=Google");
    let chooser = loop {
        let response = browser.get(&url).send().await.unwrap();
        if !response.status().is_redirection() {
            break response;
        }
        url = absolute(&url, &location(&response));
    };
    assert!(url.contains("/federated?"), "{url}");
    assert_eq!(chooser.status(), 200);
    let html = chooser.text().await.unwrap();
    assert!(html.contains("Google"), "{html}");
    let action = absolute(&url, &common::attribute_after(&html, "<form method=\"post\" action=\"", "\""));
    let csrf = common::attribute_after(&html, "name=\"_csrf\" value=\"", "\"");
    let chosen = browser.post(&action).form(&[("_csrf", csrf.as_str()), ("username", USER.0)]).send().await.unwrap();
    let callback = absolute(&action, &location(&chosen));
    assert!(callback.starts_with(&format!("{base}/auth/callback?")), "{callback}");
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 303, "signed in");

    let me: serde_json::Value = browser.get(format!("{base}/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert!(me["username"].as_str().unwrap().starts_with("Google_"), "{me}");
    let groups: Vec<&str> = me["groups"].as_array().unwrap().iter().filter_map(|g| g.as_str()).collect();
    assert!(groups.iter().any(|g| g.ends_with("_Google")), "{me}");
    let _ = app.kill();
    let _ = app.wait();
}

/// A callback link opened in a browser that did not start the sign-in (pasted elsewhere, or
/// fetched by a chat app's link preview) gets the "started elsewhere" page, and without a
/// binding cookie it does not use the sign-in up: the browser that started it still finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_opened_elsewhere_leaves_the_sign_in_to_its_browser() {
    let stack = spawn_stack(&[]).await;
    let person = browser();
    let callback = stack.callback_url(&person, USER, None).await;
    let preview = browser().get(&callback).send().await.unwrap();
    assert_eq!(preview.status(), 400);
    assert!(preview.text().await.unwrap().contains("Sign-in started elsewhere"));
    assert_eq!(person.get(&callback).send().await.unwrap().status(), 303, "still the person's to finish");
    assert_eq!(person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

/// Refreshing does not extend the maximum age: a session in use, its tokens refreshed every few
/// seconds, still ends `SESSION_MAX_AGE_SECS` after its sign-in. Real time, 5-second tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_do_not_extend_the_maximum_age() {
    let setup = IdpSetup {
        id_token_ttl: Duration::from_secs(5),
        access_token_ttl: Duration::from_secs(5),
        ..IdpSetup::default()
    };
    let stack = spawn_stack_with(&[("SESSION_MAX_AGE_SECS", "10"), ("TOKEN_REFRESH_SKEW_SECS", "2")], setup).await;
    let browser = browser();
    let signed_in_at = std::time::Instant::now();
    stack.sign_in(&browser, USER, None).await;
    let grants_before = stack.idp.idp.stats().refresh_grants;
    while signed_in_at.elapsed() < Duration::from_secs(9) {
        assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "in use, refreshed");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(stack.idp.idp.stats().refresh_grants - grants_before >= 2, "refreshed along the way");
    tokio::time::sleep(Duration::from_secs(11).saturating_sub(signed_in_at.elapsed())).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    let page = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&page), "/auth/login?return_to=%2Fdashboard");
}

/// Under https both cookies the app sets, the sign-in binding and the session, are `Secure`,
/// `HttpOnly`, `Path=/` and `__Host-` prefixed: a browser never sends them over plain http, and
/// no other host (a sibling subdomain) can set or read them. The app is reached over plain http
/// here, as behind a proxy that ends TLS, so the test carries the cookies by hand (a cookie jar
/// would rightly keep `Secure` cookies away from an http URL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_https_the_cookies_are_secure_and_host_only() {
    let public = "https://app.example.test";
    let setup = IdpSetup { public_app_url: Some(public.into()), ..IdpSetup::default() };
    let stack = spawn_stack_with(&[("APP_URL", public)], setup).await;
    let app = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let secure_host_only = |cookie: &str| {
        let attributes: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
        for wanted in ["secure", "httponly", "path=/"] {
            assert!(attributes.iter().any(|a| a == wanted), "{wanted} in {cookie}");
        }
        assert!(!attributes.iter().any(|a| a.starts_with("domain")), "no Domain: {cookie}");
        cookie.split(';').next().unwrap().to_string()
    };
    let cookie_named = |response: &reqwest::Response, name: &str| {
        set_cookies(response)
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} is set: {:?}", set_cookies(response)))
    };

    let login = app.get(stack.app.url("/auth/login")).send().await.unwrap();
    let binding = secure_host_only(&cookie_named(&login, "__Host-lc_login"));
    let callback = sign_in_at_provider(&browser(), &location(&login), USER, &format!("{public}/auth/callback")).await;
    let signed_in =
        app.get(callback.replace(public, &stack.app.base_url)).header("cookie", &binding).send().await.unwrap();
    assert_eq!(signed_in.status(), 303, "signed in");
    let session = secure_host_only(&cookie_named(&signed_in, "__Host-lc_session"));
    assert!(set_cookies(&signed_in).iter().all(|c| !c.starts_with("lc_session=")), "no unprefixed session cookie");
    let me = app.get(stack.app.url("/api/v1/me")).header("cookie", &session).send().await.unwrap();
    assert_eq!(me.status(), 200, "the session cookie is the session");

    // Signing out removes the cookie with `Secure` too: a browser ignores a `__Host-` cookie
    // set without it, and would keep the ended session's cookie.
    let signed_out = app
        .post(stack.app.url("/auth/logout"))
        .header("cookie", &session)
        .header("origin", public)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    let removal = cookie_named(&signed_out, "__Host-lc_session");
    let attributes: Vec<String> = removal.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
    for wanted in ["secure", "path=/", "max-age=0", "httponly", "samesite=lax"] {
        assert!(attributes.iter().any(|a| a == wanted), "{wanted} in {removal}");
    }
}

/// `SESSION_IDLE_TIMEOUT_SECS` ends a session nobody uses for that long, and never one in use:
/// its requests keep moving the timeout forward, however short it is. Real time: the session
/// layer dates records and cookies by the wall clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends_and_one_in_use_does_not() {
    let stack = spawn_stack(&[("SESSION_IDLE_TIMEOUT_SECS", "4")]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    // In use, a request a second, for twice the timeout.
    for second in 1..=8 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let me = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 200, "still in use after {second} s");
    }
    // Then left alone for longer than the timeout.
    tokio::time::sleep(std::time::Duration::from_millis(5_500)).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    let page = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&page), "/auth/login?return_to=%2Fdashboard");
}

/// The idle timeout counts from the session's last request, not from its last save: a request
/// that comes soon after a save still moves it (sessions are saved at most every tenth of the
/// timeout, so a session ends at most that much early).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_timeout_counts_from_the_last_request() {
    let stack = spawn_stack(&[("SESSION_IDLE_TIMEOUT_SECS", "10")]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    // Saved every half timeout (5 s), this request would not move the timeout.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    // 11.5 s after sign-in, 8.5 s after the last request.
    tokio::time::sleep(std::time::Duration::from_millis(8_500)).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200, "still in use");
}

/// `prompt=none`: with a managed-login session the sign-in is silent; without one the provider
/// answers `login_required`, which the app takes as "not signed in", not as an error page.
/// `prompt=login` asks for the password again even with a session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_none_and_prompt_login() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    let silent = follow(&browser, &stack.app.url("/auth/login?prompt=none&return_to=/profile")).await;
    let answer = follow(&browser, &silent).await;
    assert!(answer.starts_with(&stack.app.url("/auth/callback?")), "{answer}");
    assert_eq!(query_of(&answer)["error"], "login_required");
    let back = browser.get(&answer).send().await.unwrap();
    assert_eq!(back.status(), 303, "not signed in is not an error page");
    assert_eq!(location(&back), "/profile");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);

    stack.sign_in(&browser, USER, None).await;
    // Signed in at the provider: prompt=none completes without a form.
    let silent = follow(&browser, &stack.app.url("/auth/login?prompt=none")).await;
    let answer = follow(&browser, &silent).await;
    assert!(query_of(&answer).contains_key("code"), "{answer}");
    assert_eq!(browser.get(&answer).send().await.unwrap().status(), 303);
    // prompt=login shows the form despite the provider session, with login_hint filled in.
    let forced = follow(&browser, &stack.app.url("/auth/login?prompt=login&login_hint=admin%40example.com")).await;
    let form = browser.get(&forced).send().await.unwrap();
    let form = if form.status().is_redirection() {
        browser.get(absolute(&forced, &location(&form))).send().await.unwrap()
    } else {
        form
    };
    assert_eq!(form.status(), 200, "the sign-in form");
    let html = form.text().await.unwrap();
    assert!(html.contains("name=\"password\""), "asks for the password");
    assert!(html.contains("admin@example.com"), "the hint is filled in");
}

/// `login_required` means "not signed in" only for an attempt that asked for `prompt=none`: for
/// an ordinary sign-in it is the provider refusing, and the browser gets an error page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_required_for_an_ordinary_sign_in_is_an_error_page() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    let authorize = follow(&browser, &stack.app.url("/auth/login?return_to=/profile")).await;
    let state = query_of(&authorize)["state"].clone();
    let callback = format!("{}?error=login_required&state={state}", stack.app.url("/auth/callback"));
    let page = browser.get(&callback).send().await.unwrap();
    assert!(page.status().is_client_error(), "{}", page.status());
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.text().await.unwrap().contains("data-testid=\"sign-in-error\""));
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

/// The token endpoint failing at the callback (Cognito throttling the account, or down): a 4xx
/// page that says what happened and that trying again later will work, no session; once the
/// provider answers again, the same browser signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_or_unreachable_token_endpoint_at_sign_in_explains_itself() {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(&[("COGNITO_DOMAIN", proxy.url.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    let throttled = r#"{"error":"TooManyRequestsException","error_description":"Rate exceeded"}"#;
    let cases = [
        (429, "application/json", throttled.to_string(), 429, "busy"),
        (503, "text/html", "<h1>Service Unavailable</h1>".to_string(), 424, "could not reach"),
    ];
    for (status, content_type, body, expected, says) in cases {
        let browser = browser();
        proxy.answer_token_requests(Some((status, content_type, body)));
        let callback = stack.sign_in(&browser, USER, None).await;
        assert_eq!(callback.status(), expected, "provider {status}");
        assert!(set_cookies(&callback).iter().all(|c| !c.starts_with("lc_session=")), "provider {status}: no session");
        let page = callback.text().await.unwrap();
        assert!(page.contains("data-testid=\"sign-in-error\"") && page.contains(says), "provider {status}: {page}");
        assert!(page.contains("try again"), "provider {status}: says to try again");

        proxy.answer_token_requests(None);
        assert_eq!(stack.sign_in(&browser, USER, None).await.status(), 303, "provider {status}, then recovered");
        assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    }
}

/// A token endpoint that takes the request and never answers holds the callback for the
/// provider client's 10-second timeout, then gives the "could not reach" page (424) and no
/// session: never a request that hangs for as long as the provider does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_that_never_answers_times_out_at_the_callback() {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(&[("COGNITO_DOMAIN", proxy.url.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    let browser = browser();
    let callback = stack.callback_url(&browser, USER, None).await;
    proxy.delay_token_answers(Duration::from_secs(60));
    let started = std::time::Instant::now();
    let answer = browser.get(&callback).send().await.unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(14), "answered after {took:?}");
    assert_eq!(answer.status(), 424);
    assert!(set_cookies(&answer).iter().all(|c| !c.starts_with("lc_session=")), "no session");
    assert!(answer.text().await.unwrap().contains("could not reach"));
}

/// The pool's signing keys out of reach at sign-in (at Cognito they live on another host than
/// the token endpoint): the ID token cannot be checked, which says nothing against it, so the
/// page says to try again (424), not that the answer failed verification; once the keys load,
/// the same browser signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_signing_keys_at_sign_in_ask_to_try_again() {
    let proxy = TokenProxy::start().await;
    proxy.keys_unavailable(true);
    let stack = common::spawn_stack_with_keys_through(&proxy, IdpSetup::default()).await;

    let browser = browser();
    let callback = stack.sign_in(&browser, USER, None).await;
    assert_eq!(callback.status(), 424);
    assert!(set_cookies(&callback).iter().all(|c| !c.starts_with("lc_session=")), "no session");
    let page = callback.text().await.unwrap();
    assert!(page.contains("signing keys") && page.contains("try again"), "{page}");

    proxy.keys_unavailable(false);
    // The failed fetch backs off for a moment before the keys are asked for again.
    let mut status = 0;
    for _ in 0..50 {
        status = stack.sign_in(&browser, USER, None).await.status().as_u16();
        if status == 303 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(status, 303, "signs in once the keys load");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

/// The key set is fetched with the provider client's timeouts (10 s in all): a key-set host
/// that takes the request and never answers makes the sign-in answer the same "try again" page
/// (424) after them, not hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_set_that_never_answers_times_out_at_sign_in() {
    let proxy = TokenProxy::start().await;
    proxy.keys_hang(true);
    let stack = common::spawn_stack_with_keys_through(&proxy, IdpSetup::default()).await;
    let browser = browser();
    let callback = stack.callback_url(&browser, USER, None).await;
    let started = std::time::Instant::now();
    let answer = browser.get(&callback).timeout(Duration::from_secs(30)).send().await.expect("an answer, not a hang");
    let took = started.elapsed();
    assert_eq!(answer.status(), 424, "after {took:?}");
    assert!(took < Duration::from_secs(14), "answered after {took:?}");
    assert!(set_cookies(&answer).iter().all(|c| !c.starts_with("lc_session=")), "no session");
    assert!(answer.text().await.unwrap().contains("try again"));
}

/// A public app client (no secret, `COGNITO_CLIENT_SECRET` unset): the app names itself with
/// `client_id` in the form of each token and revocation request (Amazon Cognito's token and
/// revoke endpoints), and signs in, refreshes and signs out as a confidential client does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_client_signs_in_refreshes_and_signs_out() {
    let setup =
        IdpSetup { public_client: true, ..IdpSetup::rotating_tokens_lasting(std::time::Duration::from_secs(5)) };
    let stack = spawn_stack_with(&[("TOKEN_REFRESH_SKEW_SECS", "2")], setup).await;
    let browser = browser();
    let callback = stack.sign_in(&browser, USER, None).await;
    assert_eq!(callback.status(), 303, "signed in");
    tokio::time::sleep(std::time::Duration::from_millis(3_500)).await;
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    assert_eq!(stack.idp.idp.stats().refresh_grants, 1, "refreshed");

    let signed_out = stack.sign_out(&browser, false).await;
    assert_eq!(signed_out.status(), 303);
    assert_eq!(stack.idp.idp.stats().revocations, 1, "its refresh token revoked");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

/// A confidential client authenticates at the token and revocation endpoints with HTTP Basic
/// (RFC 6749 §2.3.1; Amazon Cognito's token endpoint documents the same): the client id and
/// secret in `Authorization`, never the secret in the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_secret_is_sent_by_basic_authentication_only() {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(&[("COGNITO_DOMAIN", proxy.url.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    let browser = browser();
    assert_eq!(stack.sign_in(&browser, USER, None).await.status(), 303);
    let signed_out = stack.sign_out(&browser, false).await;
    assert_eq!(signed_out.status(), 303);

    let requests = proxy.client_requests();
    assert_eq!(requests.len(), 2, "the code exchange and the revocation");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            defaults::CLIENT_ID,
            defaults::CLIENT_SECRET
        ))
    );
    for (authorization, form) in requests {
        assert_eq!(authorization.as_deref(), Some(basic.as_str()), "{form}");
        assert!(!form.contains("client_secret") && !form.contains(defaults::CLIENT_SECRET), "{form}");
    }
}

/// RFC 6749 §7.1 and RFC 6750: the app uses the tokens as Bearer tokens, so an answer of
/// another `token_type` (DPoP, say, which binds them to a key the app does not hold) is
/// refused at sign-in; `bearer` in any case passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_answer_that_is_not_bearer_is_refused() {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(&[("COGNITO_DOMAIN", proxy.url.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    for (token_type, accepted) in [("DPoP", false), ("bearer", true)] {
        proxy.tamper(move |json| json["token_type"] = serde_json::Value::from(token_type));
        let browser = browser();
        let callback = stack.sign_in(&browser, USER, None).await;
        let session = set_cookies(&callback).iter().any(|c| c.starts_with("lc_session="));
        assert_eq!(session, accepted, "token_type {token_type}");
        if accepted {
            assert_eq!(callback.status(), 303);
        } else {
            assert_eq!(callback.status(), 400, "token_type {token_type}");
            assert!(callback.text().await.unwrap().contains("data-testid=\"sign-in-error\""));
        }
    }
}
