//! The `cognito-local-idp` binary, started as a developer would start it (`cargo run -p
//! cognito-local-idp`), configured only by environment variables.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-local-idp"));
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("RUST_LOG", "info");
    command
}

/// Starts the binary on port 0 with the app client's URLs of these tests, and returns it with
/// the issuer it prints.
fn start(keys_file: &std::path::Path) -> (Running, String) {
    start_with(
        keys_file,
        &[
            ("LOCAL_IDP_CALLBACK_URLS", "http://localhost:8080/callback, http://localhost:8080/other"),
            ("LOCAL_IDP_LOGOUT_URLS", "http://localhost:8080/signed-out"),
            ("LOCAL_IDP_IDENTITY_PROVIDERS", "Google"),
        ],
    )
}

/// Starts the binary on port 0 with `vars` and returns it with the issuer it prints.
fn start_with(keys_file: &std::path::Path, vars: &[(&str, &str)]) -> (Running, String) {
    let mut child = binary()
        .env("LOCAL_IDP_ADDR", "127.0.0.1:0")
        .env("LOCAL_IDP_KEYS_FILE", keys_file)
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    // Read on a thread, so a binary that never prints its start-up line fails the test in 30 s
    // rather than hanging it.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("issuer=").nth(1) {
                let issuer = rest.split_whitespace().next().unwrap_or_default().to_string();
                let _ = sender.send(issuer);
                return;
            }
        }
    });
    let issuer = receiver.recv_timeout(Duration::from_secs(30)).expect("a start-up line naming the issuer within 30 s");
    (running, issuer)
}

#[tokio::test]
async fn serves_discovery_and_the_code_flow_entry_from_environment_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_running, issuer) = start(&dir.path().join("keys.json"));
    assert!(issuer.starts_with("http://127.0.0.1:") && issuer.ends_with("/us-east-1_LocalPool"), "{issuer}");

    let discovery: serde_json::Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(discovery["issuer"], issuer.as_str());
    assert!(dir.path().join("keys.json").exists(), "signing keys are kept in LOCAL_IDP_KEYS_FILE");

    // Both callback URLs from LOCAL_IDP_CALLBACK_URLS are registered; any other is refused.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let domain = issuer.rsplit_once('/').expect("pool id").0;
    // `/oauth2/authorize` for `redirect_uri`, naming `identity_provider` if given.
    let authorize_via = |redirect_uri: &'static str, identity_provider: Option<&'static str>| {
        let mut query = vec![
            ("response_type", "code"),
            ("client_id", cognito_local_idp::defaults::CLIENT_ID),
            ("redirect_uri", redirect_uri),
            ("scope", "openid"),
            ("state", "s"),
        ];
        query.extend(identity_provider.map(|provider| ("identity_provider", provider)));
        client.get(format!("{domain}/oauth2/authorize")).query(&query).send()
    };
    let authorize = |redirect_uri: &'static str| authorize_via(redirect_uri, None);
    for registered in ["http://localhost:8080/callback", "http://localhost:8080/other"] {
        let response = authorize(registered).await.expect("authorize");
        assert!(response.status().is_redirection(), "{registered}: {}", response.status());
    }
    let response = authorize("http://localhost:8080/elsewhere").await.expect("authorize");
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);

    // LOCAL_IDP_IDENTITY_PROVIDERS: a listed provider goes to its simulated sign-in, another
    // is refused back to the app.
    let federated = |provider: &'static str| authorize_via("http://localhost:8080/callback", Some(provider));
    let google = federated("Google").await.expect("authorize");
    let location = google.headers()["location"].to_str().expect("ascii").to_string();
    assert!(location.starts_with("/federated?"), "{location}");
    let okta = federated("Okta").await.expect("authorize");
    let location = okta.headers()["location"].to_str().expect("ascii").to_string();
    assert!(location.starts_with("http://localhost:8080/callback?") && location.contains("error=invalid_request"));

    // LOCAL_IDP_LOGOUT_URLS: a registered sign-out URL is where /logout sends the browser;
    // any other is refused.
    let logout = |logout_uri: &'static str| {
        client
            .get(format!("{domain}/logout"))
            .query(&[("client_id", cognito_local_idp::defaults::CLIENT_ID), ("logout_uri", logout_uri)])
            .send()
    };
    let signed_out = logout("http://localhost:8080/signed-out").await.expect("logout");
    assert_eq!(signed_out.headers()["location"], "http://localhost:8080/signed-out");
    let elsewhere = logout("http://localhost:8080/elsewhere").await.expect("logout");
    assert_eq!(elsewhere.status(), reqwest::StatusCode::BAD_REQUEST);
}

/// Without the URL variables the app client is registered for the leptos-cognito app on
/// `http://localhost:3000`, as the README's table says.
#[tokio::test]
async fn without_url_settings_the_client_is_registered_for_localhost_3000() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_running, issuer) = start_with(&dir.path().join("keys.json"), &[]);
    let domain = issuer.rsplit_once('/').expect("pool id").0.to_string();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let authorize = |redirect_uri: &str| {
        let query = [
            ("response_type", "code"),
            ("client_id", cognito_local_idp::defaults::CLIENT_ID),
            ("redirect_uri", redirect_uri),
            ("scope", "openid"),
            ("state", "s"),
        ];
        client.get(format!("{domain}/oauth2/authorize")).query(&query).send()
    };
    let response = authorize("http://localhost:3000/auth/callback").await.expect("authorize");
    assert!(response.status().is_redirection(), "the default callback URL: {}", response.status());
    let response = authorize("http://localhost:8080/callback").await.expect("authorize");
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST, "no other");
    let logout = |logout_uri: &str| {
        let query = [("client_id", cognito_local_idp::defaults::CLIENT_ID), ("logout_uri", logout_uri)];
        client.get(format!("{domain}/logout")).query(&query).send()
    };
    let signed_out = logout("http://localhost:3000/").await.expect("logout");
    assert_eq!(signed_out.headers()["location"], "http://localhost:3000/", "the default sign-out URL");
    assert_eq!(logout("http://localhost:8080/").await.expect("logout").status(), reqwest::StatusCode::BAD_REQUEST);
}

#[test]
fn a_bad_setting_stops_it_with_one_line_naming_the_variable() {
    let output = binary().env("LOCAL_IDP_ACCESS_TOKEN_SECS", "soon").output().expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "cognito-local-idp: LOCAL_IDP_ACCESS_TOKEN_SECS: \"soon\" is not a positive whole number of seconds"
    );
}
