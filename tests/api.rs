//! `/api/v1`: session cookie or Bearer access token, RFC 6750 errors, group authorization.

mod common;

use cognito_local_idp::defaults;
use common::{
    ADMIN, IdpSetup, OTHER_CLIENT, USER, app_clock_now, browser, proxy::TokenProxy, spawn_stack, spawn_stack_with,
};
use serde_json::{Value, json};

async fn initiate_auth(domain: &str, user: (&str, &str)) -> Value {
    common::initiate_auth(domain, defaults::CLIENT_ID, user).await
}

/// A `client_credentials` token of the app's client for `api/read`: a machine caller's.
async fn machine_access_token(stack: &common::TestStack) -> String {
    let form = [("grant_type", "client_credentials"), ("scope", defaults::CUSTOM_SCOPE)];
    common::tokens::app_client_token(stack, &form).await
}

async fn get(url: &str, authorization: Option<&str>) -> (u16, Option<String>, Option<String>, Value) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
    let cache = response.headers().get("cache-control").map(|v| v.to_str().unwrap().to_string());
    (status, challenge, cache, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_malformed_credentials_get_401_with_a_challenge() {
    let stack = spawn_stack(&[]).await;
    let url = stack.app.url("/api/v1/ping");

    let (status, challenge, cache, body) = get(&url, None).await;
    assert_eq!(status, 401);
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"leptos-cognito\""));
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(body["error"], "unauthorized");
    assert!(body["error_description"].is_string());

    for header in ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"] {
        let (status, challenge, _, body) = get(&url, Some(header)).await;
        assert_eq!(status, 401, "{header}");
        assert_eq!(body["error"], "invalid_request", "{header}");
        assert!(challenge.unwrap().contains("error=\"invalid_request\""), "{header}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_access_tokens_are_verified() {
    let stack = spawn_stack(&[]).await;
    let tokens = initiate_auth(&stack.idp.domain, USER).await;
    let access = tokens["AccessToken"].as_str().unwrap();
    let id = tokens["IdToken"].as_str().unwrap();

    let (status, _, cache, me) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {access}"))).await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(me["username"], "user@example.com");
    assert_eq!(me["groups"], json!([]));
    assert_eq!(me["scopes"], json!(["aws.cognito.signin.user.admin"]));
    assert_eq!(me["credential"], "bearer");
    assert!(me["sub"].as_str().unwrap().len() >= 32);
    // Exactly these fields; the email, which an access token does not carry, from the provider.
    let fields: Vec<&str> = me.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, ["client_id", "credential", "email", "groups", "scopes", "sub", "username"]);
    assert_eq!(me["email"], "user@example.com");
    assert!(me["client_id"].is_string());

    // An ID token is not an access token, and is refused as such.
    let (status, challenge, _, body) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {id}"))).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(body["error_description"], "the token is an id token where an access token is required");
    assert!(challenge.unwrap().contains("error=\"invalid_token\""));

    // The verified token's signature on another payload (here: someone else's username), sent
    // while the real token sits in the verified-token cache: refused, and not served the
    // cached claims.
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let parts: Vec<&str> = access.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["username"] = json!("admin@example.com");
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    let (status, _, _, body) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {forged}"))).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")), "{body}");
    let (status, _, _, me) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {access}"))).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("user@example.com")), "the real token still works");

    // A tampered signature.
    let mut tampered = access.to_string();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let (status, _, _, body) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {tampered}"))).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");

    // Not a JWT at all.
    let (status, _, _, body) = get(&stack.app.url("/api/v1/me"), Some("Bearer not.a.jwt")).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")));
}

/// An access token carries no email, so `/me` asks the provider, with the token: `GetUser` for a
/// token of the user pools API (what the `token` command gets), userInfo for a token of the
/// hosted UI (`openid`). Once per token: the answer stays with the verified token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_callers_get_their_email_from_the_provider_once_per_token() {
    let stack = spawn_stack(&[]).await;
    let me = stack.app.url("/api/v1/me");
    let api_token = initiate_auth(&stack.idp.domain, USER).await["AccessToken"].as_str().unwrap().to_string();
    for _ in 0..3 {
        let (status, _, _, body) = get(&me, Some(&format!("Bearer {api_token}"))).await;
        assert_eq!((status, body["email"].as_str()), (200, Some("user@example.com")), "{body}");
    }
    assert_eq!((stack.idp.idp.stats().get_user, stack.idp.idp.stats().user_info), (1, 0));

    let hosted_ui_token = common::tokens::hosted_ui_access_token(&stack, ADMIN).await;
    for _ in 0..2 {
        let (status, _, _, body) = get(&me, Some(&format!("Bearer {hosted_ui_token}"))).await;
        assert_eq!((status, body["email"].as_str()), (200, Some("admin@example.com")), "{body}");
        assert!(body["scopes"].as_array().unwrap().iter().any(|scope| scope == "openid"), "{body}");
    }
    assert_eq!((stack.idp.idp.stats().get_user, stack.idp.idp.stats().user_info), (1, 1));

    // A machine token has no user: no email, and nobody is asked.
    let machine = machine_access_token(&stack).await;
    let (status, _, _, body) = get(&me, Some(&format!("Bearer {machine}"))).await;
    assert_eq!((status, &body["email"]), (200, &Value::Null), "{body}");
    assert_eq!((stack.idp.idp.stats().get_user, stack.idp.idp.stats().user_info), (1, 1));
}

/// The email adds to `/me`, it never fails it: while the provider cannot answer, a Bearer caller
/// gets its answer without one, the provider is not asked on every call (a back-off), and the
/// email is there again once the provider is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_me_answers_without_the_email_while_the_provider_is_down() {
    let stack = spawn_stack(&[]).await;
    let me = stack.app.url("/api/v1/me");
    let bearer = format!("Bearer {}", initiate_auth(&stack.idp.domain, USER).await["AccessToken"].as_str().unwrap());
    stack.idp.idp.set_unavailable(true);
    for _ in 0..5 {
        let (status, _, _, body) = get(&me, Some(&bearer)).await;
        assert_eq!((status, &body["email"], body["username"].as_str()), (200, &Value::Null, Some("user@example.com")));
    }
    // The first call asked; the next ones came within the back-off's first half second.
    assert_eq!(stack.idp.idp.stats().refused_while_unavailable, 1);
    stack.idp.idp.set_unavailable(false);
    let started = std::time::Instant::now();
    loop {
        let (status, _, _, body) = get(&me, Some(&bearer)).await;
        assert_eq!(status, 200);
        if body["email"] == "user@example.com" {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the email never came back: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stack.idp.idp.stats().get_user, 1, "asked again once the provider was back, not on every call");
}

/// A token the provider refuses (here: revoked with its refresh token, which a local check
/// cannot see) is still a valid credential for the API until it expires, as any locally
/// verified JWT; its email is known to be unavailable, and not asked for again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_provider_refuses_has_no_email_and_is_not_asked_about_again() {
    let stack = spawn_stack(&[]).await;
    let tokens = initiate_auth(&stack.idp.domain, USER).await;
    let revoked = reqwest::Client::new()
        .post(format!("{}/oauth2/revoke", stack.idp.domain))
        .basic_auth(defaults::CLIENT_ID, Some(defaults::CLIENT_SECRET))
        .form(&[("token", tokens["RefreshToken"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let bearer = format!("Bearer {}", tokens["AccessToken"].as_str().unwrap());
    for _ in 0..2 {
        let (status, _, _, body) = get(&stack.app.url("/api/v1/me"), Some(&bearer)).await;
        assert_eq!((status, &body["email"]), (200, &Value::Null), "{body}");
    }
    assert_eq!(stack.idp.idp.stats().get_user, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_route_checks_the_group() {
    let stack = spawn_stack(&[]).await;
    let user = initiate_auth(&stack.idp.domain, USER).await;
    let admin = initiate_auth(&stack.idp.domain, ADMIN).await;
    let url = stack.app.url("/api/v1/admin/ping");

    let (status, _, _, body) = get(&url, Some(&format!("Bearer {}", user["AccessToken"].as_str().unwrap()))).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "forbidden");
    let (status, _, _, body) = get(&url, Some(&format!("Bearer {}", admin["AccessToken"].as_str().unwrap()))).await;
    assert_eq!(status, 200);
    assert_eq!(body["admin"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_works_too() {
    let stack = spawn_stack(&[]).await;
    let browser = browser();
    assert_eq!(browser.get(stack.app.url("/api/v1/ping")).send().await.unwrap().status(), 401);
    stack.sign_in(&browser, ADMIN, None).await;

    let me: Value = browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "admin@example.com");
    assert_eq!(me["groups"], json!(["admin"]));
    assert_eq!(me["credential"], "session");
    assert!(me["scopes"].as_array().unwrap().iter().any(|s| s == "openid"));
    // Another scheme in `Authorization` (a staging site's Basic auth in front of the app) leaves
    // the cookie to decide; a Bearer header still wins over it.
    let behind_basic_auth =
        browser.get(stack.app.url("/api/v1/me")).header("authorization", "Basic dXNlcjpwYXNz").send().await.unwrap();
    assert_eq!(behind_basic_auth.status(), 200);
    assert_eq!(behind_basic_auth.json::<Value>().await.unwrap()["credential"], "session");
    let bad_bearer =
        browser.get(stack.app.url("/api/v1/me")).header("authorization", "Bearer not.a.token").send().await.unwrap();
    assert_eq!(bad_bearer.status(), 401, "a Bearer header is the credential, cookie or not");
    let admin = browser.get(stack.app.url("/api/v1/admin/ping")).send().await.unwrap();
    assert_eq!(admin.status(), 200);
    // The API never redirects nor answers HTML, even for unknown routes.
    for path in [
        "/api/v1/nope",
        "/api/v1/admin/nope",
        "/api/v1",
        "/api/v1/",
        "/api/v1/me/",
        "/api/v1//me",
        "/api",
        "/api/v2/me",
    ] {
        let unknown = browser.get(stack.app.url(path)).send().await.unwrap();
        assert_eq!(unknown.status(), 404, "{path}");
        assert_eq!(unknown.headers()["cache-control"], "no-store", "{path}");
        let body: Value = unknown.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
    }
    // A known route with another method: 405 with the methods it has (RFC 9110 §15.5.6).
    let post = browser.post(stack.app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET,HEAD");
    assert_eq!(post.headers()["cache-control"], "no-store");
}

/// Another app on the domain may set a cookie whose value is not ASCII (Latin-1, say), which
/// browsers then send in the same `Cookie` header: the session cookie beside it still counts,
/// for the API and the pages alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_that_is_not_ascii_does_not_hide_the_session() {
    let stack = spawn_stack(&[]).await;
    let signed_in = stack.sign_in(&browser(), USER, None).await;
    let session = common::session_cookie(&signed_in).expect("a session cookie");
    let header = reqwest::header::HeaderValue::from_bytes(format!("x=caf\u{e9}; lc_session={session}").as_bytes())
        .expect("a header of bytes");
    let latin1 =
        reqwest::header::HeaderValue::from_bytes(&[&b"x=caf\xe9; lc_session="[..], session.as_bytes()].concat())
            .unwrap();
    for cookie in [header, latin1] {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let me = client.get(stack.app.url("/api/v1/me")).header("cookie", cookie.clone()).send().await.unwrap();
        assert_eq!(me.status(), 200, "{cookie:?}");
        let page = client.get(stack.app.url("/dashboard")).header("cookie", cookie).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_command_prints_an_access_token_the_api_accepts() {
    let stack = spawn_stack(&[]).await;
    let run = |password: &'static str| {
        token_command(&stack, vec!["token", "--username", USER.0, "--password", password, "--access-token"])
    };
    let output = run(USER.1).await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_string();
    let (status, _, _, me) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], USER.0);

    let output = run("wrong-password").await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("incorrect username or password"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// `--password -` reads the password from standard input, so it stays out of the shell's
/// history and the process list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_command_reads_the_password_from_stdin() {
    let stack = spawn_stack(&[]).await;
    let args = vec!["token", "--username", USER.0, "--password", "-", "--access-token"];
    let output = token_command_with_stdin(&stack, args, format!("{}\n", USER.1)).await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_string();
    let (status, _, _, me) = get(&stack.app.url("/api/v1/me"), Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], USER.0);
}

/// Runs `leptos-cognito <args>` against the stack's provider, configured as real Cognito.
fn token_command(stack: &common::TestStack, args: Vec<&'static str>) -> tokio::task::JoinHandle<std::process::Output> {
    token_command_with_stdin(stack, args, String::new())
}

/// [`token_command`] with `stdin` as its standard input.
fn token_command_with_stdin(
    stack: &common::TestStack,
    args: Vec<&'static str>,
    stdin: String,
) -> tokio::task::JoinHandle<std::process::Output> {
    use std::io::Write;
    let (issuer, domain) = (stack.idp.idp.issuer(), stack.idp.domain.clone());
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leptos-cognito"))
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("LOCAL_IDP", "off")
            .env("COGNITO_ISSUER", issuer)
            .env("COGNITO_DOMAIN", domain)
            .env("COGNITO_CLIENT_ID", defaults::CLIENT_ID)
            .env("COGNITO_CLIENT_SECRET", defaults::CLIENT_SECRET)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Dropped after writing: the command sees the end of its input.
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
}

/// `token --client-credentials --scope api/read`: a machine token the machine route accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_command_gets_a_machine_token() {
    let stack = spawn_stack(&[]).await;
    let output = token_command(&stack, vec!["token", "--client-credentials", "--scope", "api/read", "--access-token"])
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert_eq!(stack.idp.idp.stats().client_credentials_grants, 1);
    let (status, _, _, body) = get(&stack.app.url("/api/v1/machine/ping"), Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clients_token_and_an_expired_token_are_refused() {
    let clock = app_clock_now();
    let stack = spawn_stack_with(&[], IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() }).await;
    let url = stack.app.url("/api/v1/me");

    let other = common::initiate_auth(&stack.idp.domain, OTHER_CLIENT, USER).await;
    let (status, challenge, _, body) =
        get(&url, Some(&format!("Bearer {}", other["AccessToken"].as_str().unwrap()))).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    assert!(body["error_description"].as_str().unwrap().contains("another app client"), "{body}");
    assert!(challenge.unwrap().contains("invalid_token"));

    let mine = initiate_auth(&stack.idp.domain, USER).await;
    let bearer = format!("Bearer {}", mine["AccessToken"].as_str().unwrap());
    assert_eq!(get(&url, Some(&bearer)).await.0, 200);
    clock.advance(2 * 3600);
    let (status, _, _, body) = get(&url, Some(&bearer)).await;
    assert_eq!(status, 401);
    assert!(body["error_description"].as_str().unwrap().contains("expired"), "{body}");
}

/// `API_ALLOWED_CLIENT_IDS` names other app clients of the pool whose access tokens the API
/// accepts as well (the client refused in `another_clients_token_and_an_expired_token_are_refused`);
/// the answer names the client the token was issued to, and the app's own client still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_clients_token_is_accepted() {
    let stack = spawn_stack(&[("API_ALLOWED_CLIENT_IDS", OTHER_CLIENT)]).await;
    let other = common::initiate_auth(&stack.idp.domain, OTHER_CLIENT, USER).await;
    let bearer = format!("Bearer {}", other["AccessToken"].as_str().unwrap());
    let (status, _, _, me) = get(&stack.app.url("/api/v1/me"), Some(&bearer)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["client_id"], OTHER_CLIENT);
    assert_eq!(me["credential"], "bearer");
    let (status, _, _, ping) = get(&stack.app.url("/api/v1/ping"), Some(&bearer)).await;
    assert_eq!(status, 200);
    assert_eq!(ping, json!({"pong": true, "sub": me["sub"]}));

    let mine = initiate_auth(&stack.idp.domain, USER).await;
    let bearer = format!("Bearer {}", mine["AccessToken"].as_str().unwrap());
    let (status, _, _, me) = get(&stack.app.url("/api/v1/me"), Some(&bearer)).await;
    assert_eq!(status, 200);
    assert_eq!(me["client_id"], defaults::CLIENT_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_routes_require_their_scope() {
    let stack = spawn_stack(&[]).await;
    let url = stack.app.url("/api/v1/machine/ping");
    let token = machine_access_token(&stack).await;
    let (status, _, _, body) = get(&url, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_id"], defaults::CLIENT_ID);

    let user = initiate_auth(&stack.idp.domain, USER).await;
    let (status, challenge, _, body) =
        get(&url, Some(&format!("Bearer {}", user["AccessToken"].as_str().unwrap()))).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "insufficient_scope");
    let challenge = challenge.unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"api/read\""),
        "{challenge}"
    );
}

/// Before the pool's signing keys have ever loaded (its key set out of reach since start-up), a
/// Bearer token cannot be checked either way: 503 `temporarily_unavailable` with `Retry-After`,
/// not a 401 that would tell a client holding a good token to drop it. Once the keys load, the
/// same token passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_while_the_keys_cannot_load_gets_503_not_401() {
    let proxy = TokenProxy::start().await;
    proxy.keys_unavailable(true);
    let clock = app_clock_now();
    let setup = IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() };
    let stack = common::spawn_stack_with_keys_through(&proxy, setup).await;
    let token = initiate_auth(&stack.idp.domain, USER).await["AccessToken"].as_str().unwrap().to_string();
    let url = stack.app.url("/api/v1/me");
    let bearer = format!("Bearer {token}");

    let response = reqwest::Client::new().get(&url).header("authorization", &bearer).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"), "says when to try again");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(!response.headers().contains_key("www-authenticate"), "no invalid_token challenge");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");

    proxy.keys_unavailable(false);
    clock.advance(11); // past the refetch interval for callers' tokens
    let (status, _, _, body) = get(&url, Some(&bearer)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], USER.0);
}
