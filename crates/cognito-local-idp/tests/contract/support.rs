//! Helpers for the embedded identity provider's contract tests: a real provider on a real
//! socket (port 0), a browser-like client, and the steps of the code flow.

#![allow(dead_code)] // not every test uses every helper

use std::{sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use cognito_local_idp::{
    ClientRegistration, LocalIdp, LocalIdpOptions, ManualClock, TokenLifetimes, defaults, serve, users,
};
use reqwest::{StatusCode, header};
use serde_json::Value;
use tokio::{net::TcpListener, sync::oneshot};

pub const WEB_CLIENT: &str = "webclient0000000000000001";
pub const WEB_SECRET: &str = "web-client-secret";
pub const ROTATING_CLIENT: &str = "rotatingclient00000000001";
pub const ROTATING_SECRET: &str = "rotating-client-secret";
pub const PUBLIC_CLIENT: &str = "publicclient0000000000001";
pub const CALLBACK: &str = "http://localhost:3000/auth/callback";
pub const LOGOUT: &str = "http://localhost:3000/";
pub const ADMIN: (&str, &str) = ("admin@example.com", "Admin-Passw0rd!");
pub const USER: (&str, &str) = ("user@example.com", "User-Passw0rd!");
pub const UNCONFIRMED: (&str, &str) = ("unconfirmed@example.com", "Unconfirmed-Passw0rd!");
/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct TestIdp {
    pub idp: LocalIdp,
    pub base: String,
    pub clock: Arc<ManualClock>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn client(id: &str, secret: Option<&str>, rotation: bool) -> ClientRegistration {
    ClientRegistration {
        client_id: id.to_string(),
        client_secret: secret.map(str::to_string),
        callback_urls: vec![CALLBACK.to_string()],
        logout_urls: vec![LOGOUT.to_string()],
        allowed_scopes: ["openid", "email", "profile", "phone", "aws.cognito.signin.user.admin", "api/read"]
            .map(str::to_string)
            .to_vec(),
        allow_code_grant: true,
        allow_client_credentials: secret.is_some(),
        allow_user_password_auth: true,
        refresh_token_rotation: rotation,
        refresh_token_retry_grace: Duration::ZERO,
        identity_providers: vec!["Google".to_string()],
    }
}

pub fn options(base: &str, clock: Arc<ManualClock>) -> LocalIdpOptions {
    LocalIdpOptions {
        domain: base.to_string(),
        pool_id: defaults::USER_POOL_ID.to_string(),
        clients: vec![
            client(WEB_CLIENT, Some(WEB_SECRET), false),
            client(ROTATING_CLIENT, Some(ROTATING_SECRET), true),
            client(PUBLIC_CLIENT, None, false),
        ],
        users: users::demo_users(),
        keys_file: None,
        lifetimes: TokenLifetimes::default(),
        clock,
    }
}

pub async fn spawn() -> TestIdp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut LocalIdpOptions)) -> TestIdp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let clock = Arc::new(ManualClock::starting_now());
    let mut options = options(&base, clock.clone());
    adjust(&mut options);
    let idp = LocalIdp::new(options).expect("provider starts");
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(idp.clone(), listener, async move {
        let _ = stopped.await;
    }));
    TestIdp { idp, base, clock, shutdown: Some(shutdown) }
}

impl TestIdp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn issuer(&self) -> String {
        format!("{}/{}", self.base, defaults::USER_POOL_ID)
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// `/oauth2/authorize` with the usual app parameters plus `extra` (which may override them).
    pub fn authorize_url(&self, client_id: &str, extra: &[(&str, &str)]) -> String {
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email profile"),
            ("state", "state-123"),
            ("nonce", "nonce-456"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in extra {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        self.url(&format!("/oauth2/authorize?{query}"))
    }

    /// Browser sign-in through the hosted form; returns the redirect back to the app.
    pub async fn sign_in(
        &self,
        browser: &reqwest::Client,
        authorize_url: &str,
        user: (&str, &str),
    ) -> reqwest::Response {
        let to_login = browser.get(authorize_url).send().await.expect("authorize");
        assert_eq!(to_login.status(), StatusCode::FOUND);
        let login_path = location(&to_login);
        assert!(login_path.starts_with("/login?"), "{login_path}");
        let page = browser.get(self.url(&login_path)).send().await.expect("login page");
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("html");
        browser
            .post(self.url(&login_path))
            .form(&[("_csrf", csrf(&html).as_str()), ("username", user.0), ("password", user.1)])
            .send()
            .await
            .expect("login post")
    }

    /// A sign-in that must succeed, through the form or silently when the browser already has a
    /// provider session; returns the code.
    pub async fn code_for(&self, browser: &reqwest::Client, client_id: &str, user: (&str, &str)) -> String {
        let authorize_url = self.authorize_url(client_id, &[]);
        let first_hop = browser.get(&authorize_url).send().await.expect("authorize");
        let back = if location(&first_hop).starts_with(CALLBACK) {
            first_hop
        } else {
            self.sign_in(browser, &authorize_url, user).await
        };
        assert_eq!(back.status(), StatusCode::FOUND);
        query_param(&location(&back), "code").expect("code in redirect")
    }

    pub async fn token(&self, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> reqwest::Response {
        let mut request = reqwest::Client::new().post(self.url("/oauth2/token")).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        request.send().await.expect("token endpoint")
    }

    pub async fn exchange(&self, code: &str) -> Value {
        let response = self
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", VERIFIER),
                ],
                Some((WEB_CLIENT, WEB_SECRET)),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    /// Signs in `user` at the web client and exchanges the code.
    pub async fn tokens_for(&self, user: (&str, &str)) -> Value {
        let browser = browser();
        let code = self.code_for(&browser, WEB_CLIENT, user).await;
        self.exchange(&code).await
    }

    pub async fn userinfo(&self, access_token: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.url("/oauth2/userInfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userInfo")
    }

    pub async fn initiate_auth(&self, body: &Value) -> reqwest::Response {
        self.user_pools_api("InitiateAuth", body).await
    }

    /// `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<operation>`.
    pub async fn user_pools_api(&self, operation: &str, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/"))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header(header::CONTENT_TYPE, "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .expect("user pools API")
    }
}

/// A client that keeps cookies and does not follow redirects, so each hop is visible.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no Location header on {}", response.status()))
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes()).find(|(n, _)| n == name).map(|(_, v)| v.into_owned())
}

pub fn csrf(html: &str) -> String {
    let marker = r#"name="_csrf" value=""#;
    let start = html.find(marker).expect("form has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_string()
}

pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

pub fn string(value: &Value, name: &str) -> String {
    value[name].as_str().unwrap_or_else(|| panic!("{name} is not a string in {value}")).to_string()
}

pub fn header_of(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Status, content type and JSON body of an OAuth error answer.
pub async fn oauth_error(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = header_of(&response, "content-type");
    (status, content_type, response.json().await.expect("JSON error body"))
}
