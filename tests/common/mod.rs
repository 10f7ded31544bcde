//! Test helpers: the real app and the embedded identity provider on real sockets, port 0.

#![allow(dead_code)] // each test crate uses a different subset

pub mod cluster;
#[cfg(unix)]
pub mod process;
pub mod proxy;
pub mod redis;
pub mod tokens;

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use cognito_local_idp::{self as local_idp, LocalIdp, LocalIdpOptions, defaults};
use leptos_cognito::server::{
    clock::{Clock, ManualClock, SharedClock, SystemClock},
    config::{AppConfig, LocalIdpSettings},
    serve::Server,
};
use tokio::{
    net::TcpListener,
    sync::{Mutex, MutexGuard, oneshot},
};

/// A path inside this package (the repository's root). The directory as cargo and nextest give
/// it when they run the test, not as it was when the test was compiled: a target directory
/// shared by two checkouts (a CI clone and a working copy) serves either one test binaries built
/// in the other, whose compile-time path may be gone.
pub fn in_package(relative: &str) -> std::path::PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    std::path::PathBuf::from(package).join(relative)
}

/// Tests in one binary run one at a time. Each `#[tokio::test]` has its own runtime, and with
/// several runtimes rendering Leptos pages at once in one process a response occasionally never
/// completes (seen only in this harness: a single server under 400 concurrent requests is fine,
/// and the app itself runs one runtime).
static ONE_APP_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub async fn serial() -> MutexGuard<'static, ()> {
    ONE_APP_AT_A_TIME.lock().await
}

pub const ADMIN: (&str, &str) = ("admin@example.com", "Admin-Passw0rd!");
pub const USER: (&str, &str) = ("user@example.com", "User-Passw0rd!");
pub const OTHER_CLIENT: &str = "othermachineclient00000001";

/// Tokens straight from the provider's `InitiateAuth` (no browser), for `client_id`.
pub async fn initiate_auth(domain: &str, client_id: &str, user: (&str, &str)) -> serde_json::Value {
    let mut parameters = serde_json::json!({ "USERNAME": user.0, "PASSWORD": user.1 });
    if client_id == defaults::CLIENT_ID {
        parameters["SECRET_HASH"] = local_idp::secret_hash(defaults::CLIENT_SECRET, user.0, client_id).into();
    }
    let response = reqwest::Client::new()
        .post(format!("{domain}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .json(&serde_json::json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id, "AuthParameters": parameters }))
        .send()
        .await
        .expect("InitiateAuth");
    assert_eq!(response.status(), 200, "InitiateAuth for {client_id}");
    response.json::<serde_json::Value>().await.expect("json")["AuthenticationResult"].clone()
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    _serial: Option<MutexGuard<'static, ()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// A client that keeps cookies and does not follow redirects, so tests see each hop.
    pub fn client(&self) -> reqwest::Client {
        browser()
    }

    /// Stops the server (e.g. to restart it on the same session store).
    pub fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// Starts the app with the given variables on top of test defaults.
pub async fn spawn_app(vars: &[(&str, &str)]) -> TestApp {
    let serial = serial().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let mut app = start_app(listener, vars, Arc::new(SystemClock)).await;
    app._serial = Some(serial);
    app
}

async fn start_app(listener: TcpListener, vars: &[(&str, &str)], clock: SharedClock) -> TestApp {
    let addr = listener.local_addr().expect("local addr");
    let base_url = format!("http://{addr}");
    let mut env: HashMap<String, String> =
        HashMap::from([("LEPTOS_SITE_ADDR".to_string(), addr.to_string()), ("APP_URL".to_string(), base_url.clone())]);
    env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = AppConfig::from_lookup(|name| env.get(name).cloned()).expect("test configuration is valid");

    let server = Server::from_listener_with_clock(listener, config, clock).await.expect("server builds");
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = server
            .run_until(async move {
                let _ = shutdown_rx.await;
            })
            .await;
    });
    TestApp { addr, base_url, shutdown: Some(shutdown), _serial: None }
}

/// The embedded identity provider on its own port, registered for one app URL.
pub struct TestIdp {
    pub idp: LocalIdp,
    pub domain: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Settings a test may change before the provider and the app start.
#[derive(Clone)]
pub struct IdpSetup {
    pub id_token_ttl: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_rotation: bool,
    /// With rotation, how long a rotated-out refresh token still works, once (Cognito's
    /// `RetryGracePeriodSeconds`); none by default, as at Cognito.
    pub refresh_token_retry_grace: Duration,
    pub refresh_token_ttl: Duration,
    /// The app's clock; real time when `None`. The provider always uses real time.
    pub app_clock: Option<ManualClock>,
    /// The app's public URL as the provider registers it (callback and sign-out URLs); the
    /// address the app listens on when `None`. For an app behind a TLS-ending proxy.
    pub public_app_url: Option<String>,
    /// Where the provider keeps its signing keys (created on start); in memory when `None`. A
    /// test that must sign a token with claims the provider never writes reads them from here.
    pub keys_file: Option<std::path::PathBuf>,
    /// The app's client is a public one (no secret; the app sends its `client_id` in the
    /// form instead), and the app is started without `COGNITO_CLIENT_SECRET`.
    pub public_client: bool,
    /// The path of the app's callback as the provider registers it and `COGNITO_REDIRECT_URI`
    /// names it; `/auth/callback` when `None`.
    pub callback_path: Option<&'static str>,
}

impl Default for IdpSetup {
    fn default() -> Self {
        Self {
            id_token_ttl: Duration::from_secs(3600),
            access_token_ttl: Duration::from_secs(3600),
            refresh_token_rotation: false,
            refresh_token_retry_grace: Duration::ZERO,
            refresh_token_ttl: Duration::from_secs(86_400),
            app_clock: None,
            public_app_url: None,
            keys_file: None,
            public_client: false,
            callback_path: None,
        }
    }
}

impl IdpSetup {
    /// Tokens that expire after `ttl`, and refresh tokens that rotate (each works once).
    pub fn rotating_tokens_lasting(ttl: Duration) -> Self {
        Self { id_token_ttl: ttl, access_token_ttl: ttl, refresh_token_rotation: true, ..Self::default() }
    }
}

/// A manual app clock starting at the real time.
pub fn app_clock_now() -> ManualClock {
    ManualClock::starting_at(SystemClock.now())
}

/// The embedded provider on a port of its own, with the app at `app_base_url` registered as its
/// client ([`defaults::CLIENT_ID`]).
pub async fn start_idp(app_base_url: &str, setup: &IdpSetup) -> TestIdp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let domain = format!("http://{addr}");
    let settings = LocalIdpSettings {
        addr,
        users_file: None,
        keys_file: "unused".into(),
        id_token_ttl: setup.id_token_ttl,
        access_token_ttl: setup.access_token_ttl,
        refresh_token_ttl: setup.refresh_token_ttl,
        refresh_token_rotation: setup.refresh_token_rotation,
        // No retry grace period by default, as at Cognito: the app's single-flight refresh
        // never presents a rotated-out refresh token, so it needs none (tests/refresh.rs).
        refresh_token_retry_grace: setup.refresh_token_retry_grace,
    };
    let mut options = LocalIdpOptions::from_settings(
        domain.clone(),
        &settings,
        &format!("{app_base_url}{}", setup.callback_path.unwrap_or("/auth/callback")),
        &format!("{app_base_url}/"),
        &["Google".to_string()],
    )
    .expect("provider options");
    options.keys_file = setup.keys_file.clone();
    if setup.public_client {
        let app_client = options.clients.iter_mut().find(|client| client.client_id == defaults::CLIENT_ID);
        let app_client = app_client.expect("the app's client");
        app_client.client_secret = None;
        // Cognito allows `client_credentials` only to confidential clients.
        app_client.allow_client_credentials = false;
    }
    // A second app client of the same pool, e.g. a machine client: its tokens must not pass
    // as the app's.
    options.clients.push(local_idp::ClientRegistration {
        client_id: OTHER_CLIENT.into(),
        client_secret: None,
        callback_urls: vec![],
        logout_urls: vec![],
        allowed_scopes: vec!["openid".into(), "email".into(), "profile".into()],
        allow_code_grant: false,
        allow_client_credentials: false,
        allow_user_password_auth: true,
        refresh_token_rotation: false,
        refresh_token_retry_grace: Duration::ZERO,
        identity_providers: vec![],
    });
    let idp = LocalIdp::new(options).expect("provider starts");
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    let served = idp.clone();
    tokio::spawn(async move {
        let _ = local_idp::serve(served, listener, async move {
            let _ = shutdown_rx.await;
        })
        .await;
    });
    TestIdp { idp, domain, shutdown: Some(shutdown) }
}

/// The app configured for "real Cognito" by environment variables, pointed at an embedded
/// provider on its own port: exactly the path a production deployment takes.
pub struct TestStack {
    pub app: TestApp,
    pub idp: TestIdp,
    vars: Vec<(String, String)>,
    clock: SharedClock,
    _serial: MutexGuard<'static, ()>,
}

/// A stack whose app fetches the pool's signing keys through `proxy` (its issuer names the
/// proxy) and accepts the tokens the provider signs as itself (`COGNITO_ISSUERS`): how a test
/// takes the key set out of reach (`proxy.keys_unavailable`) while the other endpoints answer.
pub async fn spawn_stack_with_keys_through(proxy: &proxy::TokenProxy, setup: IdpSetup) -> TestStack {
    let issuer = format!("{}/{}", proxy.url, defaults::USER_POOL_ID);
    let mut stack = spawn_stack_with(&[("COGNITO_ISSUER", issuer.as_str())], setup).await;
    proxy.forward_to(&stack.idp.domain);
    let accepted = format!("{}/{}", stack.idp.domain, defaults::USER_POOL_ID);
    stack.restart_app_with(&[("COGNITO_ISSUER", issuer.as_str()), ("COGNITO_ISSUERS", accepted.as_str())]).await;
    stack
}

pub async fn spawn_stack(vars: &[(&str, &str)]) -> TestStack {
    spawn_stack_with(vars, IdpSetup::default()).await
}

pub async fn spawn_stack_with(vars: &[(&str, &str)], setup: IdpSetup) -> TestStack {
    let serial = serial().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let idp = start_idp(setup.public_app_url.as_deref().unwrap_or(&base_url), &setup).await;
    let mut all: Vec<(String, String)> = vec![
        ("LOCAL_IDP".into(), "off".into()),
        ("COGNITO_ISSUER".into(), idp.idp.issuer()),
        ("COGNITO_DOMAIN".into(), idp.domain.clone()),
        ("COGNITO_CLIENT_ID".into(), defaults::CLIENT_ID.into()),
        ("COGNITO_CLIENT_SECRET".into(), defaults::CLIENT_SECRET.into()),
        ("COGNITO_IDENTITY_PROVIDERS".into(), "Google".into()),
    ];
    if setup.public_client {
        all.retain(|(name, _)| name != "COGNITO_CLIENT_SECRET");
    }
    if let Some(path) = setup.callback_path {
        all.push(("COGNITO_REDIRECT_URI".into(), format!("{base_url}{path}")));
    }
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let clock: SharedClock = match setup.app_clock {
        Some(clock) => Arc::new(clock),
        None => Arc::new(SystemClock),
    };
    let app = start_app(listener, &borrowed, clock.clone()).await;
    TestStack { app, idp, vars: all, clock, _serial: serial }
}

impl TestStack {
    /// Stops the app and starts it again on the same address, settings and provider.
    pub async fn restart_app(&mut self) {
        let addr = self.app.addr;
        self.app.stop();
        // Graceful shutdown releases the port once open connections close.
        let listener = loop {
            match TcpListener::bind(addr).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let borrowed: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.app = start_app(listener, &borrowed, self.clock.clone()).await;
    }

    /// Stops the app and starts it again with `vars` set (added, or replacing the same names).
    pub async fn restart_app_with(&mut self, vars: &[(&str, &str)]) {
        for (name, value) in vars {
            self.vars.retain(|(existing, _)| existing != name);
            self.vars.push((name.to_string(), value.to_string()));
        }
        self.restart_app().await;
    }

    /// A second instance of the app with the same settings (so the same session store and
    /// provider) on its own port, as behind a load balancer.
    pub async fn spawn_another_app(&self) -> TestApp {
        self.spawn_another_app_with(&[]).await
    }

    /// [`TestStack::spawn_another_app`] with `vars` in place of the stack's own (a listener of
    /// its own for metrics, say).
    pub async fn spawn_another_app_with(&self, vars: &[(&str, &str)]) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let mut all: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.retain(|(name, _)| !vars.iter().any(|(replaced, _)| replaced == name));
        all.extend_from_slice(vars);
        start_app(listener, &all, self.clock.clone()).await
    }

    /// Signs `user` in through the hosted UI, hop by hop; returns the app's final response to
    /// the callback.
    pub async fn sign_in(
        &self,
        browser: &reqwest::Client,
        user: (&str, &str),
        return_to: Option<&str>,
    ) -> reqwest::Response {
        let callback = self.callback_url(browser, user, return_to).await;
        browser.get(&callback).send().await.expect("callback")
    }

    /// Everything up to the provider's redirect back to the app: the callback URL with
    /// `code` and `state`, not yet visited.
    pub async fn callback_url(&self, browser: &reqwest::Client, user: (&str, &str), return_to: Option<&str>) -> String {
        hosted_ui_sign_in(browser, &self.app.base_url, user, return_to).await
    }
}

/// Signs in through the app's `/auth/login` and the provider's hosted form, hop by hop, and
/// returns the callback URL (with `code` and `state`) the provider sends the browser to.
pub async fn hosted_ui_sign_in(
    browser: &reqwest::Client,
    app_base_url: &str,
    user: (&str, &str),
    return_to: Option<&str>,
) -> String {
    let mut url = format!("{app_base_url}/auth/login");
    if let Some(path) = return_to {
        let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        url.push_str(&format!("?return_to={encoded}"));
    }
    let authorize = follow(browser, &url).await;
    assert!(authorize.contains("/oauth2/authorize?"), "login goes to the provider: {authorize}");
    sign_in_at_provider(browser, &authorize, user, &format!("{app_base_url}/auth/callback")).await
}

/// The provider's part of a sign-in: from its `authorize` URL through its hosted form to the
/// callback URL (starting with `callback_prefix`) it sends the browser back to.
pub async fn sign_in_at_provider(
    browser: &reqwest::Client,
    authorize: &str,
    user: (&str, &str),
    callback_prefix: &str,
) -> String {
    // Follow the provider's redirects: to its sign-in form, or straight back to the app
    // when its own session cookie makes the sign-in silent.
    let mut login_page_url = authorize.to_string();
    let page = loop {
        let response = browser.get(&login_page_url).send().await.expect("provider page");
        if !response.status().is_redirection() {
            break response;
        }
        let next = absolute(&login_page_url, &location(&response));
        if next.starts_with(callback_prefix) {
            return next;
        }
        login_page_url = next;
    };
    assert_eq!(page.status(), 200, "the provider shows its sign-in form");
    let html = page.text().await.expect("login page body");
    let action = absolute(&login_page_url, &attribute_after(&html, "<form method=\"post\" action=\"", "\""));
    let csrf = attribute_after(&html, "name=\"_csrf\" value=\"", "\"");
    let answer = browser
        .post(&action)
        .form(&[("_csrf", csrf.as_str()), ("username", user.0), ("password", user.1)])
        .send()
        .await
        .expect("login form post");
    assert!(answer.status().is_redirection(), "the provider accepts the sign-in: {}", answer.status());
    let callback = absolute(&action, &location(&answer));
    assert!(callback.starts_with(callback_prefix), "{callback}");
    callback
}

/// Signs in with `SESSION_STORE=store`, restarts the app, and checks the person is still
/// signed in: the contract of every persistent session store.
pub async fn assert_signed_in_across_a_restart(store: &str) {
    let mut stack = spawn_stack(&[("SESSION_STORE", store)]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    assert_eq!(browser.get(stack.app.url("/dashboard")).send().await.unwrap().status(), 200);

    stack.restart_app().await;
    let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(dashboard.status(), 200, "still signed in after the restart");
    assert!(dashboard.text().await.unwrap().contains(USER.0));
}

/// GETs `url` and returns the absolute URL it redirects to.
pub async fn follow(browser: &reqwest::Client, url: &str) -> String {
    let response = browser.get(url).send().await.expect("request");
    assert!(response.status().is_redirection(), "{url} should redirect, got {}", response.status());
    absolute(url, &location(&response))
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").expect("a Location header").to_str().expect("ascii").to_string()
}

pub fn absolute(base: &str, target: &str) -> String {
    url::Url::parse(base).and_then(|b| b.join(target)).expect("valid URL").to_string()
}

pub fn attribute_after(html: &str, marker: &str, end: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker} in {html}")) + marker.len();
    let value = &html[start..];
    html_unescape(&value[..value.find(end).expect("attribute end")])
}

fn html_unescape(value: &str) -> String {
    value.replace("&amp;", "&").replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

pub fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).expect("URL").query_pairs().into_owned().collect()
}

/// The value of the `lc_session` cookie a response sets (what a script would keep using).
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    set_cookies(response)
        .into_iter()
        .find_map(|c| c.strip_prefix("lc_session=").map(|rest| rest.split(';').next().unwrap_or("").to_string()))
}

pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
}

/// The `session` values of the sign-out forms in a page's "Your sessions" list, with whether
/// each is "this browser".
pub fn listed_sessions(html: &str) -> Vec<(String, bool)> {
    html.split("data-testid=\"session-item\"")
        .skip(1)
        .map(|item| {
            let current = item.starts_with(" data-current=\"true\"");
            let marker = "name=\"session\" value=\"";
            let start = item.find(marker).expect("a sign-out form") + marker.len();
            (item[start..start + item[start..].find('"').unwrap()].to_string(), current)
        })
        .collect()
}

/// The key of the first listed session that is not this browser's.
pub fn another_listed_session(html: &str) -> String {
    listed_sessions(html).into_iter().find(|(_, current)| !current).map(|(key, _)| key).expect("another session")
}

impl TestStack {
    /// Signs `browser` out with the sign-out form (`POST /auth/logout`), of every session of
    /// the person when `everywhere`.
    pub async fn sign_out(&self, browser: &reqwest::Client, everywhere: bool) -> reqwest::Response {
        let request = browser.post(self.app.url("/auth/logout")).header("origin", &self.app.base_url);
        let request = if everywhere { request.form(&[("everywhere", "true")]) } else { request };
        request.send().await.expect("the app answers")
    }

    /// Ends the listed session `key` from `browser`, as its sign-out button in the list does.
    pub async fn end_listed_session(&self, browser: &reqwest::Client, key: &str) -> reqwest::Response {
        let form = [("session", key)];
        let request = browser.post(self.app.url("/auth/sessions/end")).header("origin", &self.app.base_url);
        request.form(&form).send().await.expect("the app answers")
    }
}
