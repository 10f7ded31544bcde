//! Signing keys across restarts and rotation, outages, the pool built from settings, and the
//! server's read timeout.

use std::time::Duration;

use cognito_local_idp::{LocalIdp, LocalIdpOptions, defaults, users};
use reqwest::StatusCode;
use serde_json::Value;

use super::support::*;

#[tokio::test]
async fn keys_survive_a_restart_and_rotation_keeps_old_kids_published() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys_file = dir.path().join("state/keys.json");
    let first = spawn_with(|o| o.keys_file = Some(keys_file.clone())).await;
    let tokens = first.tokens_for(USER).await;
    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let jwks_url = |idp: &TestIdp| format!("{}/.well-known/jwks.json", idp.issuer());
    let before: Value = reqwest::get(jwks_url(&first)).await.expect("jwks").json().await.expect("json");
    let first_domain = first.base.clone();
    drop(first);

    // Same keys file and same public domain (so the same issuer), as after restarting the process.
    let second = spawn_with(|o| {
        o.keys_file = Some(keys_file.clone());
        o.domain = first_domain.clone();
    })
    .await;
    let after: Value = reqwest::get(jwks_url(&second)).await.expect("jwks").json().await.expect("json");
    assert_eq!(kids(&before), kids(&after), "same keys after a restart");
    let info = second.userinfo(&string(&tokens, "access_token")).await;
    assert_eq!(info.status(), StatusCode::OK, "access tokens survive a restart");
    // Refresh tokens live in memory: the restarted provider no longer knows them.
    let refresh_token = string(&tokens, "refresh_token");
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())];
    let forgotten = second.token(&refresh, Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(forgotten.status(), StatusCode::BAD_REQUEST, "refresh tokens do not survive a restart");
    assert_eq!(forgotten.json::<Value>().await.expect("json")["error"], "invalid_grant");
    let old_kid = jsonwebtoken::decode_header(string(&tokens, "id_token")).expect("header").kid.expect("kid");

    second.idp.rotate_keys().expect("rotates");
    let rotated: Value = reqwest::get(jwks_url(&second)).await.expect("jwks").json().await.expect("json");
    assert_eq!(kids(&rotated).len(), 4);
    assert!(kids(&rotated).contains(&old_kid), "old keys stay published");
    let fresh = second.tokens_for(USER).await;
    let new_kid = jsonwebtoken::decode_header(string(&fresh, "id_token")).expect("header").kid.expect("kid");
    assert_ne!(new_kid, old_kid, "new tokens use the new key");
    drop(second);

    let third = spawn_with(|o| o.keys_file = Some(keys_file.clone())).await;
    let reloaded: Value = reqwest::get(jwks_url(&third)).await.expect("jwks").json().await.expect("json");
    assert_eq!(kids(&reloaded), kids(&rotated), "rotation is persisted");
}

#[tokio::test]
async fn an_unavailable_provider_answers_503_everywhere() {
    let idp = spawn().await;
    idp.idp.set_unavailable(true);
    let jwks = reqwest::get(format!("{}/.well-known/jwks.json", idp.issuer())).await.expect("get");
    assert_eq!(jwks.status(), StatusCode::SERVICE_UNAVAILABLE);
    let token = idp.token(&[("grant_type", "client_credentials")], Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(token.status(), StatusCode::SERVICE_UNAVAILABLE);
    idp.idp.set_unavailable(false);
    let token = idp.token(&[("grant_type", "client_credentials")], Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(token.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_app_pool_is_built_from_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = cognito_local_idp::Settings {
        addr: "127.0.0.1:9229".parse().expect("addr"),
        users_file: None,
        keys_file: dir.path().join("keys.json"),
        id_token_ttl: Duration::from_secs(300),
        access_token_ttl: Duration::from_secs(600),
        refresh_token_ttl: Duration::from_secs(3_600),
        refresh_token_rotation: true,
        refresh_token_retry_grace: Duration::from_secs(30),
    };
    let options = LocalIdpOptions::from_settings(
        "http://127.0.0.1:9229".into(),
        &settings,
        CALLBACK,
        LOGOUT,
        &["Google".to_string()],
    )
    .expect("options");
    assert_eq!(options.clients[0].client_id, defaults::CLIENT_ID);
    assert!(options.clients[0].refresh_token_rotation);
    assert_eq!(options.clients[0].refresh_token_retry_grace, Duration::from_secs(30));
    assert_eq!(options.lifetimes.access, Duration::from_secs(600));
    let usernames = |options: &LocalIdpOptions| options.users.iter().map(|u| u.username.clone()).collect::<Vec<_>>();
    assert!(usernames(&options).contains(&"admin@example.com".to_string()), "the demo users without a file");
    let idp = LocalIdp::new(options).expect("starts");
    assert_eq!(idp.issuer(), format!("http://127.0.0.1:9229/{}", defaults::USER_POOL_ID));
    assert!(dir.path().join("keys.json").exists(), "keys are created on first start");

    // A users file replaces the demo users (their published passwords would let anyone in as
    // `admin`), it does not add to them.
    let users_file = dir.path().join("users.json");
    let one_user = r#"[{"username": "carol", "password": "Carol-Passw0rd!", "email": "carol@example.com"}]"#;
    std::fs::write(&users_file, one_user).expect("write");
    let with_file = cognito_local_idp::Settings { users_file: Some(users_file.clone()), ..settings.clone() };
    let options = LocalIdpOptions::from_settings("http://127.0.0.1:9229".into(), &with_file, CALLBACK, LOGOUT, &[])
        .expect("a valid file");
    assert_eq!(usernames(&options), ["carol"], "only the file's users");

    std::fs::write(&users_file, "[\n  {\"username\": \"a\",\n   \"password\": 5}\n]").expect("write");
    let settings = cognito_local_idp::Settings { users_file: Some(users_file), ..settings };
    let error = LocalIdpOptions::from_settings("http://127.0.0.1:9229".into(), &settings, CALLBACK, LOGOUT, &[])
        .err()
        .expect("bad file");
    let message = error.to_string();
    assert!(message.starts_with("LOCAL_IDP_USERS file ") && message.contains("users.json: line 3:"), "{message}");
    assert!(users::load_file(&dir.path().join("missing.json")).is_err());
}

/// Reads one HTTP/1.1 answer with a `content-length` from `stream`, and no more.
async fn read_whole_answer(stream: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    loop {
        if let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 "), "{head}");
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .expect("a content-length");
            if answer.len() >= head_end + 4 + length {
                return;
            }
        }
        let mut buffer = [0u8; 4096];
        let read = stream.read(&mut buffer).await.expect("an answer");
        assert!(read > 0, "closed before the answer ended");
        answer.extend_from_slice(&buffer[..read]);
    }
}

/// A client that stops sending (halfway through a request's head, idle on a new connection, or
/// kept alive after an answer) is let go after the read timeout, not held for good.
#[tokio::test]
async fn a_silent_connection_is_closed_after_the_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let base = format!("http://{address}");
    let clock = std::sync::Arc::new(cognito_local_idp::ManualClock::starting_now());
    let idp = LocalIdp::new(options(&base, clock)).expect("idp");
    let timeout = Duration::from_millis(500);
    tokio::spawn(cognito_local_idp::serve_with_read_timeout(idp, listener, timeout, std::future::pending()));

    let mut halfway = tokio::net::TcpStream::connect(address).await.expect("connect");
    halfway.write_all(b"GET /logout HTTP/1.1\r\nHost: x\r\nX-Half: a").await.expect("write");
    let mut idle = tokio::net::TcpStream::connect(address).await.expect("connect");
    let started = std::time::Instant::now();
    // Kept alive after a whole request and its answer, then silent.
    let mut kept_alive = tokio::net::TcpStream::connect(address).await.expect("connect");
    kept_alive.write_all(b"GET /no-such-path HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    read_whole_answer(&mut kept_alive).await;
    for connection in [&mut halfway, &mut idle, &mut kept_alive] {
        let mut buffer = [0u8; 512];
        let read = tokio::time::timeout(Duration::from_secs(5), connection.read(&mut buffer)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "closed, not left open: {read:?}");
    }
    assert!(started.elapsed() >= timeout, "not before the timeout: {:?}", started.elapsed());
}
