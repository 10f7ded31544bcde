//! The sign-in routes' behaviour that needs no identity provider: the authorize redirect,
//! `return_to` rules, protected-page redirects, callback refusals and the sign-out CSRF check.

mod common;

use std::collections::HashMap;

use common::spawn_app;

const COGNITO: &[(&str, &str)] = &[
    ("LOCAL_IDP", "off"),
    ("COGNITO_REGION", "eu-west-1"),
    ("COGNITO_USER_POOL_ID", "eu-west-1_Pool1"),
    // Nothing listens here; these tests never reach the provider.
    ("COGNITO_DOMAIN", "http://127.0.0.1:9"),
    ("COGNITO_CLIENT_ID", "client123"),
    ("COGNITO_IDENTITY_PROVIDERS", "Google"),
];

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").expect("a Location header").to_str().unwrap().to_string()
}

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_redirects_to_the_authorize_endpoint_with_state_nonce_and_pkce() {
    let app = spawn_app(COGNITO).await;
    let response = app.client().get(app.url("/auth/login?return_to=/profile")).send().await.unwrap();
    assert!(matches!(response.status().as_u16(), 302 | 303), "{}", response.status());
    let set_cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("lc_login="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");

    let target = location(&response);
    assert!(target.starts_with("http://127.0.0.1:9/oauth2/authorize?"), "{target}");
    let query = query_of(&target);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "client123");
    assert_eq!(query["redirect_uri"], app.url("/auth/callback"));
    assert_eq!(query["scope"], "openid email profile");
    assert_eq!(query["code_challenge_method"], "S256");
    // 256 random bits each, in unpadded base64url.
    assert_eq!(query["state"].len(), 43);
    assert_eq!(query["nonce"].len(), 43);
    assert_eq!(query["code_challenge"].len(), 43);
    assert!(!query.contains_key("identity_provider"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_login_gets_its_own_state_and_the_browser_keeps_one_binding() {
    let app = spawn_app(COGNITO).await;
    let client = app.client();
    let first = client.get(app.url("/auth/login")).send().await.unwrap();
    let second = client.get(app.url("/auth/login")).send().await.unwrap();
    assert_ne!(query_of(&location(&first))["state"], query_of(&location(&second))["state"]);
    let cookie = |r: &reqwest::Response| {
        r.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_string()
    };
    assert_eq!(cookie(&first), cookie(&second), "the binding cookie is reused across tabs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_providers_are_passed_on_and_others_refused() {
    let app = spawn_app(COGNITO).await;
    // The top bar offers each configured provider, linking to the route that passes it on.
    let home = app.client().get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let link = home.split("<a ").find(|a| a.contains(r#"href="/auth/login?provider=Google""#)).unwrap_or_default();
    assert!(link.contains(">Sign in with Google</a>"), "{home}");
    let response = app.client().get(app.url("/auth/login?provider=Google")).send().await.unwrap();
    assert_eq!(query_of(&location(&response))["identity_provider"], "Google");

    let response = app.client().get(app.url("/auth/login?provider=Facebook")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("Unknown sign-in provider"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_pages_redirect_to_sign_in_with_return_to() {
    let app = spawn_app(COGNITO).await;
    for path in ["/dashboard", "/profile", "/admin"] {
        let response = app.client().get(app.url(path)).send().await.unwrap();
        assert!(matches!(response.status().as_u16(), 302 | 303), "{path}: {}", response.status());
        assert_eq!(location(&response), format!("/auth/login?return_to=%2F{}", &path[1..]));
    }
    // The page's query comes back too (a tab, a filter), encoded inside `return_to`.
    let response = app.client().get(app.url("/profile?tab=claims&sort=a%20z")).send().await.unwrap();
    assert_eq!(location(&response), "/auth/login?return_to=%2Fprofile%3Ftab%3Dclaims%26sort%3Da%2520z");
}

/// A path with `.` or `..` segments names another path (RFC 3986 §5.2.4): it is sent there,
/// where the page guard decides, never rendered as the protected page it names. Browsers and
/// reqwest resolve such paths before sending, so the requests are written by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_with_dot_segments_is_sent_to_the_path_it_names() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(COGNITO).await;
    let host = app.base_url.trim_start_matches("http://").to_string();
    for (target, expected) in [
        ("/./dashboard", "/dashboard"),
        ("/x/../admin?tab=1", "/admin?tab=1"),
        ("/.//evil.example/profile", "/evil.example/profile"),
    ] {
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(answer.starts_with("http/1.1 308"), "{target}: {answer}");
        assert!(answer.contains(&format!("\r\nlocation: {expected}\r\n")), "{target}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_without_a_known_state_is_a_4xx_page() {
    let app = spawn_app(COGNITO).await;
    // Also what no provider sends: a parameter twice (RFC 6749 §3.1), bytes that are not text.
    let queries = [
        "",
        "?code=abc",
        "?code=abc&state=made-up",
        "?error=access_denied&state=made-up",
        "?code=abc&state=one&state=two",
        "?code=abc&code=def&state=made-up",
        "?code=%ff%fe&state=%c3",
    ];
    for query in queries {
        let response = app.client().get(app.url(&format!("/auth/callback{query}"))).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert!(response.headers().get("set-cookie").is_none(), "no session for {query}");
        // The failed callback's URL may hold a code too: kept out of Referer and caches.
        assert_eq!(response.headers()["referrer-policy"], "no-referrer", "{query}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{query}");
        let html = response.text().await.unwrap();
        assert!(html.contains("data-testid=\"sign-in-error\""), "{query}: {html}");
        assert!(html.contains("Sign in again"), "{query}: offers a way on");
        // No sign-in of that state is waiting: it expired, whatever the browser (one without a
        // binding cookie, here) — not "started in another browser".
        assert!(!html.contains("another browser"), "{query}: {html}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_from_another_browser_is_refused_and_the_state_is_spent() {
    let app = spawn_app(COGNITO).await;
    let browser = app.client();
    let started = browser.get(app.url("/auth/login")).send().await.unwrap();
    let state = query_of(&location(&started))["state"].clone();

    // A different browser presents the state: refused. Without a binding cookie of its own
    // (a link preview, the link pasted elsewhere) that is all; `sign_in_flow.rs` shows the
    // sign-in still finishing in its own browser.
    let preview = app.client();
    let response = preview.get(app.url(&format!("/auth/callback?code=x&state={state}"))).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("another browser"));

    // A browser in the middle of a sign-in of its own (its binding cookie is not this
    // sign-in's) is refused too.
    let attacker = app.client();
    attacker.get(app.url("/auth/login")).send().await.unwrap();
    let response = attacker.get(app.url(&format!("/auth/callback?code=x&state={state}"))).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("another browser"));

    // That attempt used the transaction up: the browser that started it cannot finish it now.
    let own = browser.get(app.url(&format!("/auth/callback?code=x&state={state}"))).send().await.unwrap();
    assert_eq!(own.status(), 400);
    assert!(!own.text().await.unwrap().contains("another browser"), "refused as spent, not as foreign");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_errors_are_explained() {
    let app = spawn_app(COGNITO).await;
    let client = app.client();
    let started = client.get(app.url("/auth/login")).send().await.unwrap();
    let state = query_of(&location(&started))["state"].clone();
    let response = client
        .get(app.url(&format!("/auth/callback?error=access_denied&error_description=denied&state={state}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("Sign-in cancelled"));

    // The state was used up by that failure.
    let replay = client.get(app.url(&format!("/auth/callback?code=x&state={state}"))).send().await.unwrap();
    assert_eq!(replay.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_refuses_a_foreign_origin_and_otherwise_goes_to_cognito_logout() {
    let app = spawn_app(COGNITO).await;
    let response =
        app.client().post(app.url("/auth/logout")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(response.status(), 403);

    let response = app.client().post(app.url("/auth/logout")).header("origin", &app.base_url).send().await.unwrap();
    assert!(matches!(response.status().as_u16(), 302 | 303));
    let target = location(&response);
    assert!(target.starts_with("http://127.0.0.1:9/logout?"), "{target}");
    let query = query_of(&target);
    assert_eq!(query["client_id"], "client123");
    assert_eq!(query["logout_uri"], format!("{}/", app.base_url));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_logout_only_asks_for_confirmation() {
    let app = spawn_app(COGNITO).await;
    let response = app.client().get(app.url("/auth/logout")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("method=\"post\"") && html.contains("action=\"/auth/logout\""), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_options_are_checked_and_passed_to_the_hosted_ui() {
    let app = spawn_app(COGNITO).await;
    let url = "/auth/login?prompt=select_account&login_hint=ada%40example.com&lang=pt-BR&identity_provider=Google";
    let response = app.client().get(app.url(url)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let query = query_of(&location(&response));
    assert_eq!(query["prompt"], "select_account");
    assert_eq!(query["login_hint"], "ada@example.com");
    assert_eq!(query["lang"], "pt-BR");
    assert_eq!(query["identity_provider"], "Google");

    let response = app.client().get(app.url("/auth/login?idp_identifier=example.com")).send().await.unwrap();
    assert_eq!(query_of(&location(&response))["idp_identifier"], "example.com");
    let plain = app.client().get(app.url("/auth/login")).send().await.unwrap();
    let plain = query_of(&location(&plain));
    for absent in ["prompt", "login_hint", "lang", "identity_provider", "idp_identifier"] {
        assert!(!plain.contains_key(absent), "{absent} only when asked for");
    }

    let long_hint = format!("/auth/login?login_hint={}", "a".repeat(300));
    for bad in [
        "/auth/login?prompt=always",
        "/auth/login?prompt=none%20login",
        long_hint.as_str(),
        "/auth/login?lang=klingon",
        "/auth/login?identity_provider=Okta",
        "/auth/login?idp_identifier=bad%20id",
        "/auth/login?identity_provider=Google&idp_identifier=example.com",
    ] {
        let response = app.client().get(app.url(bad)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        assert!(response.headers().get("location").is_none(), "{bad}: no redirect");
        assert!(response.text().await.unwrap().contains("<h1>"), "{bad}: an explained page");
    }
}

/// `COGNITO_REDIRECT_URI` and `COGNITO_LOGOUT_URI` name the URLs registered at the pool: the
/// authorize redirect carries the first, the provider's `/logout` the second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registered_callback_and_sign_out_urls_are_the_ones_sent() {
    let mut vars = COGNITO.to_vec();
    vars.extend([
        ("COGNITO_REDIRECT_URI", "http://localhost:3000/oauth/return"),
        ("COGNITO_LOGOUT_URI", "http://localhost:3000/goodbye"),
    ]);
    let app = spawn_app(&vars).await;
    let login = app.client().get(app.url("/auth/login")).send().await.unwrap();
    assert_eq!(query_of(&location(&login))["redirect_uri"], "http://localhost:3000/oauth/return");
    let logout = app.client().post(app.url("/auth/logout")).header("origin", &app.base_url).send().await.unwrap();
    assert_eq!(logout.status(), 303);
    let logout = location(&logout);
    assert!(logout.starts_with("http://127.0.0.1:9/logout?"), "{logout}");
    assert_eq!(query_of(&logout)["logout_uri"], "http://localhost:3000/goodbye");
    // The callback answers at the registered path, and at `/auth/callback` still (the documented
    // path, and where a proxy that strips a path prefix sends it).
    for path in ["/oauth/return", "/auth/callback"] {
        let response = app.client().get(app.url(&format!("{path}?code=abc&state=made-up"))).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(response.text().await.unwrap().contains("data-testid=\"sign-in-error\""), "{path}");
    }
}

/// With `COGNITO_REDIRECT_URI` at a path of its own, a sign-in completes there: the provider
/// registers and redirects to that URL only, and the code exchange names it as `redirect_uri`
/// (RFC 6749 §4.1.3), which the provider checks against the authorization request's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_completes_at_a_configured_callback_path() {
    let setup = common::IdpSetup { callback_path: Some("/oauth/return"), ..common::IdpSetup::default() };
    let stack = common::spawn_stack_with(&[], setup).await;
    let browser = common::browser();
    let authorize = common::follow(&browser, &stack.app.url("/auth/login?return_to=%2Fprofile")).await;
    assert_eq!(query_of(&authorize)["redirect_uri"], stack.app.url("/oauth/return"));
    let callback =
        common::sign_in_at_provider(&browser, &authorize, common::USER, &stack.app.url("/oauth/return?")).await;
    let signed_in = browser.get(&callback).send().await.unwrap();
    assert_eq!(signed_in.status(), 303, "{:?}", signed_in.text().await);
    assert_eq!(location(&signed_in), "/profile");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}
