//! The example against the embedded provider: sign in through the hosted form, open the
//! protected page, call the API with the cookie and with a machine token, sign out.

use axum_cognito::{
    AuthConfig,
    config::{CognitoSettings, Names, RoutePaths},
};
use cognito_local_idp::{LocalIdp, LocalIdpOptions, Settings, defaults};
use reqwest::{Client, StatusCode, header};
use tokio::net::TcpListener;

async fn start() -> (String, String) {
    start_with("auth/callback", |_| {}).await
}

/// The app and its provider; `callback` is the callback's path (relative to the app's URL),
/// `adjust` changes the configuration.
async fn start_with(callback: &str, adjust: impl FnOnce(&mut AuthConfig)) -> (String, String) {
    let (app, domain, _idp) = start_full(callback, &|_| None, adjust).await;
    (app, domain)
}

/// [`start_with`], with the provider's settings from `provider_settings` (its `LOCAL_IDP_*`
/// variables), and the provider itself to steer.
async fn start_full(
    callback: &str,
    provider_settings: &dyn Fn(&str) -> Option<String>,
    adjust: impl FnOnce(&mut AuthConfig),
) -> (String, String, LocalIdp) {
    let app_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://localhost:{}/", app_listener.local_addr().unwrap().port());
    let idp_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = format!("http://{}", idp_listener.local_addr().unwrap());
    let settings = Settings::from_lookup(provider_settings).unwrap();
    let options =
        LocalIdpOptions::from_settings(domain.clone(), &settings, &format!("{app_url}{callback}"), &app_url, &[]);
    let idp = LocalIdp::new(LocalIdpOptions { keys_file: None, ..options.unwrap() }).unwrap();
    let issuer = idp.issuer();
    tokio::spawn(cognito_local_idp::serve(idp.clone(), idp_listener, std::future::pending()));

    let mut cognito =
        CognitoSettings::with_issuer(issuer, domain.parse().unwrap(), defaults::CLIENT_ID, &app_url.parse().unwrap());
    cognito.client_secret = Some(defaults::CLIENT_SECRET.into());
    cognito.redirect_uri = format!("{app_url}{callback}").parse().unwrap();
    let mut config = AuthConfig::new(cognito);
    adjust(&mut config);
    let app = minimal_axum::app(config).await.unwrap();
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(app_listener, app).await });
    (app_url, domain, idp)
}

fn browser() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Follows redirects by hand (the cookie store sees every hop) until a page answers.
async fn follow(browser: &Client, mut url: String) -> (String, reqwest::Response) {
    loop {
        let response = browser.get(&url).send().await.unwrap();
        let Some(location) = response.headers().get(header::LOCATION) else { return (url, response) };
        url = reqwest::Url::parse(&url).unwrap().join(location.to_str().unwrap()).unwrap().to_string();
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).expect(start) + start.len();
    &text[from..from + text[from..].find(end).expect(end)]
}

/// Signs in through the provider's form, starting at `login` (a full URL); returns where the
/// browser landed.
async fn sign_in(browser: &Client, login: String) -> (String, reqwest::Response) {
    let (form_url, form) = follow(browser, login).await;
    let html = form.text().await.unwrap();
    let action =
        reqwest::Url::parse(&form_url).unwrap().join(&between(&html, "action=\"", "\"").replace("&amp;", "&")).unwrap();
    let csrf = between(&html, "name=\"_csrf\" value=\"", "\"").to_string();
    let fields = [("_csrf", csrf.as_str()), ("username", "user@example.com"), ("password", "User-Passw0rd!")];
    let answer = browser.post(action.clone()).form(&fields).send().await.unwrap();
    let callback = action.join(answer.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    follow(browser, callback.to_string()).await
}

#[tokio::test]
async fn sign_in_protected_page_api_and_sign_out() {
    let (app, idp) = start().await;
    let browser = browser();
    assert_eq!(browser.get(format!("{app}private")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let home = browser.get(&app).send().await.unwrap().text().await.unwrap();
    assert!(home.starts_with("Hello, stranger"), "{home}");

    // The hosted sign-in form of the provider, then back through the callback to /private.
    let (landed, page) = sign_in(&browser, format!("{app}auth/login?return_to=%2Fprivate")).await;
    assert_eq!((landed, page.status()), (format!("{app}private"), StatusCode::OK));
    let me: serde_json::Value = page.json().await.unwrap();
    assert_eq!(me["email"], "user@example.com");
    let home = browser.get(&app).send().await.unwrap().text().await.unwrap();
    assert!(home.starts_with("Hello, user@example.com"), "{home}");

    let api: serde_json::Value = browser.get(format!("{app}api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!((&api["credential"], &api["sub"]), (&serde_json::json!("session"), &me["sub"]));

    // A machine token (client credentials) as Bearer, from a client with no cookies at all.
    let token: serde_json::Value = Client::new()
        .post(format!("{idp}/oauth2/token"))
        .basic_auth(defaults::CLIENT_ID, Some(defaults::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "api/read")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = Client::new().get(format!("{app}api/me")).bearer_auth(token["access_token"].as_str().unwrap());
    let api: serde_json::Value = bearer.send().await.unwrap().json().await.unwrap();
    assert_eq!((&api["credential"], &api["scopes"]), (&serde_json::json!("bearer"), &serde_json::json!(["api/read"])));
    let refused = Client::new().get(format!("{app}api/me")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().contains("invalid_token"));

    let out = browser
        .post(format!("{app}auth/logout"))
        .header(header::ORIGIN, app.trim_end_matches('/'))
        .send()
        .await
        .unwrap();
    assert!(out.headers()[header::LOCATION].to_str().unwrap().starts_with(&format!("{idp}/logout?")));
    assert_eq!(browser.get(format!("{app}private")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

/// Cookie names, the API realm and the route paths are settings; a sign-out form from another
/// site is refused and leaves the session alone.
#[tokio::test]
async fn names_and_paths_are_settings_and_a_foreign_sign_out_is_refused() {
    let (app, _idp) = start_with("signin/done", |config| {
        config.names = Names {
            session_cookie: "shop_session".into(),
            login_cookie: "shop_login".into(),
            redis_key_prefix: "shop:".into(),
            api_realm: "shop".into(),
        };
        config.paths = RoutePaths { login: "/signin".into(), logout: "/signout".into(), ..RoutePaths::default() };
    })
    .await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser =
        Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(browser.get(format!("{app}auth/login")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let started = browser.get(format!("{app}signin?return_to=%2Fprivate")).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let binding = started.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(binding.starts_with("shop_login="), "{binding}");
    let refused = Client::new().get(format!("{app}api/me")).send().await.unwrap();
    assert_eq!(refused.headers()[header::WWW_AUTHENTICATE], "Bearer realm=\"shop\"");

    let (landed, page) = sign_in(&browser, format!("{app}signin?return_to=%2Fprivate")).await;
    assert_eq!((landed, page.status()), (format!("{app}private"), StatusCode::OK));
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &app.parse().unwrap()).unwrap();
    assert!(cookies.to_str().unwrap().contains("shop_session="), "{cookies:?}");

    let foreign = browser.post(format!("{app}signout")).header(header::ORIGIN, "https://evil.example").send().await;
    assert_eq!(foreign.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.get(format!("{app}private")).send().await.unwrap().status(), StatusCode::OK, "still signed in");
    let out = browser.post(format!("{app}signout")).header(header::ORIGIN, app.trim_end_matches('/')).send().await;
    assert_eq!(out.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get(format!("{app}private")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

/// `Option<SignedIn>` is `None` for nobody, and for a session that is over (its refresh token
/// revoked), but a provider outage once the tokens have expired still refuses (503) rather than
/// passing the person off as a stranger. Five-second tokens, refreshed 2 s early.
#[tokio::test]
async fn optional_sign_in_is_none_for_an_ended_session_and_refuses_in_an_outage() {
    let five_seconds =
        |name: &str| matches!(name, "LOCAL_IDP_ID_TOKEN_SECS" | "LOCAL_IDP_ACCESS_TOKEN_SECS").then(|| "5".to_string());
    let (app, _domain, idp) = start_full("auth/callback", &five_seconds, |config| config.refresh_skew_secs = 2).await;
    let home = |browser: &Client| {
        let request = browser.get(&app);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let browser = browser();
    sign_in(&browser, format!("{app}auth/login?return_to=%2Fprivate")).await;
    let (status, text) = home(&browser).await;
    assert!(status == StatusCode::OK && text.starts_with("Hello, user@example.com"), "{status} {text}");

    // The provider goes away; past the tokens' expiry nothing can be checked: refused, not
    // "stranger".
    idp.set_unavailable(true);
    tokio::time::sleep(std::time::Duration::from_millis(5_500)).await;
    let (status, text) = home(&browser).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");

    // Back, but the person's refresh tokens were revoked meanwhile: the session is over.
    idp.set_unavailable(false);
    idp.global_sign_out("user@example.com");
    let mut last = (StatusCode::OK, String::new());
    for _ in 0..100 {
        last = home(&browser).await;
        if last.0 == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(last.0 == StatusCode::OK && last.1.starts_with("Hello, stranger"), "{last:?}");
}
