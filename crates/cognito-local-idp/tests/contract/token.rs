//! `/oauth2/token`: codes, PKCE, client authentication and its errors.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::support::*;

#[tokio::test]
async fn pkce_mismatch_and_missing_verifier_are_invalid_grant() {
    let idp = spawn().await;
    let browser = browser();
    for verifier in [Some("wrong-verifier-wrong-verifier-wrong-verifier-x"), None] {
        let code = idp.code_for(&browser, WEB_CLIENT, USER).await;
        let mut form = vec![("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CALLBACK)];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        let (status, content_type, body) = oauth_error(idp.token(&form, Some((WEB_CLIENT, WEB_SECRET))).await).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::BAD_REQUEST, "application/json;charset=UTF-8"));
        assert_eq!(body["error"], "invalid_grant");
    }
}

/// RFC 9700 §2.1.1: a `code_verifier` for a code issued without a challenge is a PKCE
/// downgrade attempt, and is refused; without a verifier such a code still works.
#[tokio::test]
async fn a_verifier_for_a_code_without_a_challenge_is_refused() {
    let idp = spawn().await;
    let browser = browser();
    for (verifier, expected) in [(Some(VERIFIER), StatusCode::BAD_REQUEST), (None, StatusCode::OK)] {
        let authorize_url = idp.authorize_url(WEB_CLIENT, &[("code_challenge", ""), ("code_challenge_method", "")]);
        let first_hop = browser.get(&authorize_url).send().await.unwrap();
        let back = if location(&first_hop).starts_with(CALLBACK) {
            first_hop
        } else {
            idp.sign_in(&browser, &authorize_url, USER).await
        };
        let code = query_param(&location(&back), "code").expect("a code");
        let mut form = vec![("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CALLBACK)];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        let response = idp.token(&form, Some((WEB_CLIENT, WEB_SECRET))).await;
        assert_eq!(response.status(), expected, "verifier sent: {}", verifier.is_some());
        if expected != StatusCode::OK {
            assert_eq!(oauth_error(response).await.2["error"], "invalid_grant");
        }
    }
}

#[tokio::test]
async fn a_code_works_once() {
    let idp = spawn().await;
    let code = idp.code_for(&browser(), WEB_CLIENT, USER).await;
    idp.exchange(&code).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let (status, _, body) = oauth_error(idp.token(&form, Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let unknown = [("grant_type", "authorization_code"), ("code", "no-such-code"), ("redirect_uri", CALLBACK)];
    let (_, _, body) = oauth_error(idp.token(&unknown, Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_different_redirect_uri_is_unauthorized_client() {
    let idp = spawn().await;
    let code = idp.code_for(&browser(), WEB_CLIENT, USER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost:3000/other"),
        ("code_verifier", VERIFIER),
    ];
    let (status, _, body) = oauth_error(idp.token(&form, Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({ "error": "unauthorized_client", "error_description": "invalid_redirect" }));
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let idp = spawn().await;
    let code = idp.code_for(&browser(), WEB_CLIENT, USER).await;
    idp.advance(Duration::from_secs(301));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let (_, _, body) = oauth_error(idp.token(&form, Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn client_authentication_basic_post_and_public() {
    let idp = spawn().await;
    let browser = browser();
    let code = idp.code_for(&browser, WEB_CLIENT, USER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let (status, _, body) = oauth_error(idp.token(&form, Some((WEB_CLIENT, "wrong"))).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client")));

    let mut post = form.to_vec();
    post.extend([("client_id", WEB_CLIENT), ("client_secret", "wrong")]);
    let (_, _, body) = oauth_error(idp.token(&post, None).await).await;
    assert_eq!(body["error"], "invalid_client");

    // The failed attempts did not burn the code: client authentication comes first.
    let mut good_post = form.to_vec();
    good_post.extend([("client_id", WEB_CLIENT), ("client_secret", WEB_SECRET)]);
    assert_eq!(idp.token(&good_post, None).await.status(), StatusCode::OK, "client_secret_post works");

    let (_, _, body) = oauth_error(idp.token(&form, None).await).await;
    assert_eq!(body["error"], "invalid_client", "a confidential client must authenticate");

    let public_code = idp.code_for(&browser, PUBLIC_CLIENT, USER).await;
    let public = [
        ("grant_type", "authorization_code"),
        ("code", public_code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
        ("client_id", PUBLIC_CLIENT),
    ];
    let response = idp.token(&public, None).await;
    assert_eq!(response.status(), StatusCode::OK, "a public client sends only client_id");
}

#[tokio::test]
async fn malformed_token_requests_get_oauth_errors() {
    let idp = spawn().await;
    let http = reqwest::Client::new();
    let json_body = http
        .post(idp.url("/oauth2/token"))
        .basic_auth(WEB_CLIENT, Some(WEB_SECRET))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .expect("post");
    let (status, content_type, body) = oauth_error(json_body).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::BAD_REQUEST, "application/json;charset=UTF-8"));
    assert_eq!(body["error"], "invalid_request");

    let (_, _, body) = oauth_error(idp.token(&[("code", "x")], Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!(body["error"], "invalid_request", "missing grant_type");
    let (_, _, body) =
        oauth_error(idp.token(&[("grant_type", "password")], Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!(body["error"], "unsupported_grant_type");
    let (_, _, body) =
        oauth_error(idp.token(&[("grant_type", "refresh_token")], Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!(body["error"], "invalid_request", "refresh_token grant without a refresh token");
    let repeated = http
        .post(idp.url("/oauth2/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=client_credentials")
        .basic_auth(WEB_CLIENT, Some(WEB_SECRET))
        .send()
        .await
        .expect("post");
    assert_eq!(oauth_error(repeated).await.2["error"], "invalid_request");

    let huge = "x".repeat(64 * 1024);
    let (status, _, body) = oauth_error(
        idp.token(&[("grant_type", "client_credentials"), ("pad", &huge)], Some((WEB_CLIENT, WEB_SECRET))).await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "bodies are capped"
    );

    // Thousands of distinct names under the size cap: refused as a whole at once, not
    // compared with each other in search of a repeated one (quadratic time).
    let flood: String = (0..6_000).map(|n| format!("&p{n}=")).collect();
    let started = std::time::Instant::now();
    let many = http
        .post(idp.url("/oauth2/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials{flood}"))
        .basic_auth(WEB_CLIENT, Some(WEB_SECRET))
        .send()
        .await
        .expect("post");
    assert_eq!(oauth_error(many).await.2["error"], "invalid_request");
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());

    let get = http.get(idp.url("/oauth2/token")).send().await.expect("get");
    assert!(get.status().is_client_error());
}

#[tokio::test]
async fn client_credentials_gives_an_access_token_with_custom_scopes_only() {
    let idp = spawn().await;
    let response = idp
        .token(&[("grant_type", "client_credentials"), ("scope", "api/read openid")], Some((WEB_CLIENT, WEB_SECRET)))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let access = claims(&string(&body, "access_token"));
    assert_eq!((access["scope"].as_str(), access["sub"].as_str()), (Some("api/read"), Some(WEB_CLIENT)));
    assert_eq!(access["client_id"], WEB_CLIENT);

    let (_, _, body) = oauth_error(
        idp.token(&[("grant_type", "client_credentials"), ("scope", "openid")], Some((WEB_CLIENT, WEB_SECRET))).await,
    )
    .await;
    assert_eq!(body["error"], "invalid_scope");
    let (_, _, body) =
        oauth_error(idp.token(&[("grant_type", "client_credentials"), ("client_id", PUBLIC_CLIENT)], None).await).await;
    assert_eq!(body["error"], "unauthorized_client", "machine tokens need a client secret");
}
