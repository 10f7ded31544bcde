//! The embedded identity provider's wire contract, checked over a real socket the way the app,
//! a browser and aws-jwt-verify would see it (COGNITO.md is the reference for every answer).

#![cfg(feature = "ssr")]

mod local_idp_support;

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use leptos_cognito::local_idp::{LocalIdp, LocalIdpOptions, defaults, secret_hash, users};
use local_idp_support::*;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

fn header_of(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn oauth_error(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = header_of(&response, "content-type");
    (status, content_type, response.json().await.expect("JSON error body"))
}

// ---------------------------------------------------------------- discovery

#[tokio::test]
async fn discovery_document_has_cognitos_fields() {
    let idp = spawn().await;
    let path = format!("/{}/.well-known/openid-configuration", defaults::USER_POOL_ID);
    let doc: Value = reqwest::get(idp.url(&path)).await.expect("get").json().await.expect("json");
    assert_eq!(doc["issuer"], json!(idp.issuer()));
    assert_eq!(doc["jwks_uri"], json!(format!("{}/.well-known/jwks.json", idp.issuer())));
    assert_eq!(doc["authorization_endpoint"], json!(idp.url("/oauth2/authorize")));
    assert_eq!(doc["token_endpoint"], json!(idp.url("/oauth2/token")));
    assert_eq!(doc["userinfo_endpoint"], json!(idp.url("/oauth2/userInfo")));
    assert_eq!(doc["revocation_endpoint"], json!(idp.url("/oauth2/revoke")));
    assert_eq!(doc["end_session_endpoint"], json!(idp.url("/logout")));
    assert_eq!(doc["id_token_signing_alg_values_supported"], json!(["RS256"]));
    assert_eq!(doc["token_endpoint_auth_methods_supported"], json!(["client_secret_basic", "client_secret_post"]));
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert!(doc.get("introspection_endpoint").is_none());
}

#[tokio::test]
async fn jwks_publishes_two_rsa_keys_and_id_and_access_tokens_use_different_ones() {
    let idp = spawn().await;
    let jwks: Value =
        reqwest::get(format!("{}/.well-known/jwks.json", idp.issuer())).await.expect("get").json().await.expect("json");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(
            (key["alg"].as_str(), key["kty"].as_str(), key["use"].as_str()),
            (Some("RS256"), Some("RSA"), Some("sig"))
        );
        assert_eq!(key["e"], "AQAB");
        assert!(key["n"].as_str().is_some_and(|n| n.len() > 300), "2048-bit modulus");
        assert!(key["kid"].is_string());
    }
    let tokens = idp.tokens_for(USER).await;
    let kid = |token: &Value| jsonwebtoken::decode_header(token.as_str().unwrap_or_default()).ok().and_then(|h| h.kid);
    assert_ne!(kid(&tokens["id_token"]), kid(&tokens["access_token"]));
    assert_eq!(idp.idp.stats().jwks_requests, 1);
}

// ---------------------------------------------------------------- the code flow

#[tokio::test]
async fn full_code_flow_through_the_login_form() {
    let idp = spawn().await;
    let browser = browser();
    let back = idp.sign_in(&browser, &idp.authorize_url(WEB_CLIENT, &[]), ADMIN).await;
    assert_eq!(back.status(), StatusCode::FOUND);
    let cookie = back
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("cognito="))
        .expect("provider session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=3600"),
        "{cookie}"
    );
    let redirect = location(&back);
    assert!(redirect.starts_with(&format!("{CALLBACK}?code=")), "{redirect}");
    assert_eq!(query_param(&redirect, "state").as_deref(), Some("state-123"));

    let code = query_param(&redirect, "code").expect("code");
    let response = idp
        .token(
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
            Some((WEB_CLIENT, WEB_SECRET)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, "content-type"), "application/json;charset=UTF-8");
    assert_eq!(header_of(&response, "access-control-allow-origin"), "*");
    let tokens: Value = response.json().await.expect("json");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let refresh = string(&tokens, "refresh_token");
    assert_eq!(refresh.split('.').count(), 1, "refresh tokens are opaque, not JWTs");

    let id = claims(&string(&tokens, "id_token"));
    let access = claims(&string(&tokens, "access_token"));
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], WEB_CLIENT);
    assert_eq!(id["iss"], json!(idp.issuer()));
    assert_eq!(id["cognito:username"], ADMIN.0);
    assert_eq!(id["email"], ADMIN.0);
    assert_eq!(id["email_verified"], json!(true));
    assert_eq!(id["cognito:groups"], json!(["admin"]));
    assert_eq!(id["name"], "Ada Admin");
    assert_eq!(id["nonce"], "nonce-456");
    assert!(uuid::Uuid::parse_str(id["sub"].as_str().unwrap_or_default()).is_ok());
    for claim in ["auth_time", "iat", "exp", "jti", "origin_jti", "event_id", "at_hash"] {
        assert!(id.get(claim).is_some(), "ID token lacks {claim}");
    }
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], WEB_CLIENT);
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(access["username"], ADMIN.0);
    assert_eq!(access["version"], 2);
    assert_eq!(access["sub"], id["sub"]);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert!(access.get("aud").is_none());

    let info = idp.userinfo(&string(&tokens, "access_token")).await;
    assert_eq!(info.status(), StatusCode::OK);
    let info: Value = info.json().await.expect("json");
    assert_eq!(info["sub"], id["sub"]);
    assert_eq!(info["email"], ADMIN.0);
    assert_eq!(info["email_verified"], json!("true"), "userInfo sends booleans as strings");
    assert_eq!(info["username"], ADMIN.0);
    assert_eq!(info["name"], "Ada Admin");
    assert_eq!(idp.idp.stats().code_grants, 1);
}

#[tokio::test]
async fn user_without_groups_has_no_groups_claim_and_scope_limits_userinfo() {
    let idp = spawn().await;
    let browser = browser();
    let url = idp.authorize_url(WEB_CLIENT, &[("scope", "openid")]);
    let code = query_param(&location(&idp.sign_in(&browser, &url, USER).await), "code").expect("code");
    let tokens = idp.exchange(&code).await;
    assert!(claims(&string(&tokens, "id_token")).get("cognito:groups").is_none());
    let info: Value = idp.userinfo(&string(&tokens, "access_token")).await.json().await.expect("json");
    assert!(info.get("email").is_none() && info.get("name").is_none(), "{info}");
    assert_eq!(info["username"], USER.0);
}

#[tokio::test]
async fn wrong_password_and_unconfirmed_user_stay_on_the_form() {
    let idp = spawn().await;
    let browser = browser();
    let wrong = idp.sign_in(&browser, &idp.authorize_url(WEB_CLIENT, &[]), (USER.0, "not-the-password")).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.headers().get(header::LOCATION).is_none());
    let html = wrong.text().await.expect("html");
    assert!(html.contains("Incorrect username or password."));
    assert!(!html.contains("not-the-password"), "the page never echoes a password");

    let unknown = idp.sign_in(&browser, &idp.authorize_url(WEB_CLIENT, &[]), ("nobody@example.com", "x")).await;
    assert!(unknown.text().await.expect("html").contains("Incorrect username or password."));

    let unconfirmed = idp.sign_in(&browser, &idp.authorize_url(WEB_CLIENT, &[]), UNCONFIRMED).await;
    assert_eq!(unconfirmed.status(), StatusCode::BAD_REQUEST);
    assert!(unconfirmed.text().await.expect("html").contains("User is not confirmed."));
}

#[tokio::test]
async fn login_form_needs_its_csrf_token() {
    let idp = spawn().await;
    let browser = browser();
    let login_path = location(&browser.get(idp.authorize_url(WEB_CLIENT, &[])).send().await.expect("authorize"));
    let html = browser.get(idp.url(&login_path)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(r#"<label for="username">"#) && html.contains(r#"<label for="password">"#));
    let forged = browser
        .post(idp.url(&login_path))
        .form(&[("_csrf", "forged"), ("username", USER.0), ("password", USER.1)])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(forged.headers().get(header::LOCATION).is_none());

    // A token from another browser (no matching cookie) is refused too.
    let other = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let stolen = other
        .post(idp.url(&login_path))
        .form(&[("_csrf", csrf(&html).as_str()), ("username", USER.0), ("password", USER.1)])
        .send()
        .await
        .expect("post");
    assert_eq!(stolen.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn second_sign_in_is_silent_with_the_provider_cookie_unless_prompt_login() {
    let idp = spawn().await;
    let browser = browser();
    let first = idp.code_for(&browser, WEB_CLIENT, ADMIN).await;
    let first_tokens = idp.exchange(&first).await;

    idp.advance(Duration::from_secs(60));
    let again = browser.get(idp.authorize_url(WEB_CLIENT, &[("state", "second")])).send().await.expect("authorize");
    assert_eq!(again.status(), StatusCode::FOUND);
    let redirect = location(&again);
    assert!(redirect.starts_with(CALLBACK), "silent: straight back to the app, got {redirect}");
    assert_eq!(query_param(&redirect, "state").as_deref(), Some("second"));
    let second_tokens = idp.exchange(&query_param(&redirect, "code").expect("code")).await;
    assert_eq!(
        claims(&string(&second_tokens, "id_token"))["auth_time"],
        claims(&string(&first_tokens, "id_token"))["auth_time"],
        "silent sign-in keeps the original authentication time"
    );

    let forced = browser.get(idp.authorize_url(WEB_CLIENT, &[("prompt", "login")])).send().await.expect("authorize");
    assert!(location(&forced).starts_with("/login?"));

    let fresh = crate::browser();
    let none = fresh.get(idp.authorize_url(WEB_CLIENT, &[("prompt", "none")])).send().await.expect("authorize");
    assert_eq!(query_param(&location(&none), "error").as_deref(), Some("login_required"));

    idp.advance(Duration::from_secs(3_600));
    let expired = browser.get(idp.authorize_url(WEB_CLIENT, &[])).send().await.expect("authorize");
    assert!(location(&expired).starts_with("/login?"), "the session lasts one hour");
}

// ---------------------------------------------------------------- authorize errors

#[tokio::test]
async fn authorize_refuses_untrusted_clients_and_redirects_with_a_page() {
    let idp = spawn().await;
    let browser = browser();
    let unknown = browser.get(idp.authorize_url("nosuchclient", &[])).send().await.expect("authorize");
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(unknown.headers().get(header::LOCATION).is_none());
    assert!(header_of(&unknown, "content-type").starts_with("text/html"));

    let elsewhere = browser
        .get(idp.authorize_url(WEB_CLIENT, &[("redirect_uri", "https://evil.example/cb")]))
        .send()
        .await
        .expect("authorize");
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST);
    assert!(elsewhere.headers().get(header::LOCATION).is_none());

    let prefix = browser
        .get(idp.authorize_url(WEB_CLIENT, &[("redirect_uri", "http://localhost:3000/auth/callback/extra")]))
        .send()
        .await
        .expect("authorize");
    assert_eq!(prefix.status(), StatusCode::BAD_REQUEST, "redirect URIs match exactly");
}

#[tokio::test]
async fn authorize_errors_go_back_to_the_app_with_state() {
    let idp = spawn().await;
    let browser = browser();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("code_challenge_method", "plain")], "invalid_request"),
        (&[("code_challenge_method", "")], "invalid_request"),
        (&[("code_challenge", "")], "invalid_request"),
        (&[("response_type", "")], "invalid_request"),
        (&[("response_type", "token")], "unauthorized_client"),
        (&[("response_type", "id_token")], "unsupported_response_type"),
        (&[("scope", "openid \"quoted\"")], "invalid_scope"),
        (&[("identity_provider", "Facebook")], "invalid_request"),
    ];
    for (extra, expected) in cases {
        let response = browser.get(idp.authorize_url(WEB_CLIENT, extra)).send().await.expect("authorize");
        assert_eq!(response.status(), StatusCode::FOUND, "{extra:?}");
        let redirect = location(&response);
        assert!(redirect.starts_with(CALLBACK), "{extra:?}: {redirect}");
        assert_eq!(query_param(&redirect, "error").as_deref(), Some(*expected), "{extra:?}");
        assert_eq!(query_param(&redirect, "state").as_deref(), Some("state-123"), "{extra:?}");
    }
}

#[tokio::test]
async fn unknown_and_disallowed_scopes_are_ignored() {
    let idp = spawn().await;
    let browser = browser();
    let url = idp.authorize_url(WEB_CLIENT, &[("scope", "openid email made/up other")]);
    let code = query_param(&location(&idp.sign_in(&browser, &url, USER).await), "code").expect("code");
    let tokens = idp.exchange(&code).await;
    assert_eq!(claims(&string(&tokens, "access_token"))["scope"], "openid email");

    // The provider session from the first sign-in makes this one silent.
    let without_openid = idp.authorize_url(WEB_CLIENT, &[("scope", "api/read")]);
    let silent = browser.get(&without_openid).send().await.expect("authorize");
    let code = query_param(&location(&silent), "code").expect("code");
    let tokens = idp.exchange(&code).await;
    assert!(tokens.get("id_token").is_none(), "no openid scope, no ID token");
    assert_eq!(claims(&string(&tokens, "access_token"))["scope"], "api/read");
}

// ---------------------------------------------------------------- token endpoint

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

// ---------------------------------------------------------------- refresh and revocation

#[tokio::test]
async fn refresh_without_rotation_keeps_the_old_refresh_token() {
    let idp = spawn().await;
    let tokens = idp.tokens_for(USER).await;
    let refresh = string(&tokens, "refresh_token");
    idp.advance(Duration::from_secs(120));
    for _ in 0..2 {
        let response = idp
            .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)], Some((WEB_CLIENT, WEB_SECRET)))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let refreshed: Value = response.json().await.expect("json");
        assert!(refreshed.get("refresh_token").is_none(), "rotation off: no new refresh token");
        let id = claims(&string(&refreshed, "id_token"));
        let original = claims(&string(&tokens, "id_token"));
        assert_eq!(id["auth_time"], original["auth_time"], "refreshed ID token keeps auth_time");
        assert!(id["iat"].as_u64() > original["iat"].as_u64());
        assert_eq!(id["origin_jti"], original["origin_jti"]);
        assert!(id.get("nonce").is_none());
    }
    assert_eq!(idp.idp.stats().refresh_grants, 2);
}

#[tokio::test]
async fn refresh_with_rotation_retires_the_old_token() {
    let idp = spawn().await;
    let code = idp.code_for(&browser(), ROTATING_CLIENT, USER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let tokens: Value = idp.token(&form, Some((ROTATING_CLIENT, ROTATING_SECRET))).await.json().await.expect("json");
    let old = string(&tokens, "refresh_token");
    let response = idp
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &old)], Some((ROTATING_CLIENT, ROTATING_SECRET)))
        .await;
    let refreshed: Value = response.json().await.expect("json");
    let new = string(&refreshed, "refresh_token");
    assert_ne!(new, old);
    let (_, _, body) = oauth_error(
        idp.token(
            &[("grant_type", "refresh_token"), ("refresh_token", &old)],
            Some((ROTATING_CLIENT, ROTATING_SECRET)),
        )
        .await,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let again = idp
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &new)], Some((ROTATING_CLIENT, ROTATING_SECRET)))
        .await;
    assert_eq!(again.status(), StatusCode::OK);

    // Another client cannot use it.
    let (_, _, body) = oauth_error(
        idp.token(&[("grant_type", "refresh_token"), ("refresh_token", &new)], Some((WEB_CLIENT, WEB_SECRET))).await,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn an_expired_refresh_token_is_invalid_grant() {
    let idp = spawn().await;
    let refresh = string(&idp.tokens_for(USER).await, "refresh_token");
    idp.advance(Duration::from_secs(30 * 24 * 3_600 + 1));
    let (_, _, body) = oauth_error(
        idp.token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)], Some((WEB_CLIENT, WEB_SECRET)))
            .await,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
}

async fn revoke(idp: &TestIdp, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(idp.url("/oauth2/revoke")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    request.send().await.expect("revoke")
}

#[tokio::test]
async fn revocation_kills_the_refresh_token_and_its_access_tokens() {
    let idp = spawn().await;
    let tokens = idp.tokens_for(USER).await;
    let other = idp.tokens_for(USER).await;
    let refresh = string(&tokens, "refresh_token");
    let access = string(&tokens, "access_token");
    assert_eq!(idp.userinfo(&access).await.status(), StatusCode::OK);

    let response = revoke(&idp, &[("token", &refresh)], Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("body").is_empty());

    let (_, _, body) = oauth_error(
        idp.token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)], Some((WEB_CLIENT, WEB_SECRET)))
            .await,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let info = idp.userinfo(&access).await;
    assert_eq!(info.status(), StatusCode::UNAUTHORIZED);
    assert!(header_of(&info, "www-authenticate").contains("error=\"invalid_token\""));

    // Other sign-ins of the same user are untouched.
    assert_eq!(idp.userinfo(&string(&other, "access_token")).await.status(), StatusCode::OK);
    let again = revoke(&idp, &[("token", &refresh)], Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(again.status(), StatusCode::OK, "already revoked is still 200");
    assert_eq!(idp.idp.stats().revocations, 1);
}

#[tokio::test]
async fn revocation_errors() {
    let idp = spawn().await;
    let tokens = idp.tokens_for(USER).await;
    let unknown = revoke(&idp, &[("token", "no-such-token")], Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    assert!(unknown.text().await.expect("body").is_empty());

    let (status, _, body) =
        oauth_error(revoke(&idp, &[("token", &string(&tokens, "access_token"))], Some((WEB_CLIENT, WEB_SECRET))).await)
            .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_token_type")));
    let (status, _, body) = oauth_error(revoke(&idp, &[], Some((WEB_CLIENT, WEB_SECRET))).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let (status, _, body) =
        oauth_error(revoke(&idp, &[("token", &string(&tokens, "refresh_token"))], Some((WEB_CLIENT, "wrong"))).await)
            .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    // The failed attempt did not revoke anything.
    let refresh = string(&tokens, "refresh_token");
    let response = idp
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)], Some((WEB_CLIENT, WEB_SECRET)))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

// ---------------------------------------------------------------- userInfo

#[tokio::test]
async fn userinfo_errors_are_cognitos() {
    let idp = spawn().await;
    let http = reqwest::Client::new();
    let missing = http.get(idp.url("/oauth2/userInfo")).send().await.expect("get");
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        header_of(&missing, "www-authenticate"),
        r#"error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint""#
    );
    let garbage = idp.userinfo("not-a-token").await;
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&garbage, "www-authenticate"),
        r#"error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out.""#
    );
    let tokens = idp.tokens_for(USER).await;
    assert_eq!(
        idp.userinfo(&string(&tokens, "id_token")).await.status(),
        StatusCode::UNAUTHORIZED,
        "an ID token is not an access token"
    );
    let post =
        http.post(idp.url("/oauth2/userInfo")).bearer_auth(string(&tokens, "access_token")).send().await.expect("post");
    assert_eq!(post.status(), StatusCode::OK, "POST works too");
    idp.advance(Duration::from_secs(3_601));
    assert_eq!(idp.userinfo(&string(&tokens, "access_token")).await.status(), StatusCode::UNAUTHORIZED, "expired");
}

// ---------------------------------------------------------------- logout

#[tokio::test]
async fn logout_with_a_registered_uri_clears_the_session() {
    let idp = spawn().await;
    let browser = browser();
    let tokens = idp.exchange(&idp.code_for(&browser, WEB_CLIENT, USER).await).await;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("client_id", WEB_CLIENT), ("logout_uri", LOGOUT)])
        .finish();
    let out = browser.get(idp.url(&format!("/logout?{query}"))).send().await.expect("logout");
    assert_eq!(out.status(), StatusCode::FOUND);
    assert_eq!(location(&out), LOGOUT);
    assert!(header_of(&out, "set-cookie").contains("Max-Age=0"));
    let next = browser.get(idp.authorize_url(WEB_CLIENT, &[])).send().await.expect("authorize");
    assert!(location(&next).starts_with("/login?"), "no silent sign-in after logout");
    assert_eq!(
        idp.userinfo(&string(&tokens, "access_token")).await.status(),
        StatusCode::OK,
        "logout does not revoke tokens"
    );

    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", WEB_CLIENT),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("state", "s"),
        ])
        .finish();
    let relogin = browser.get(idp.url(&format!("/logout?{query}"))).send().await.expect("logout");
    assert_eq!(relogin.status(), StatusCode::FOUND);
    assert!(location(&relogin).starts_with("/login?"));
}

#[tokio::test]
async fn logout_refuses_unknown_clients_and_unregistered_uris() {
    let idp = spawn().await;
    let http = browser();
    for query in [
        format!("client_id={WEB_CLIENT}&logout_uri=https%3A%2F%2Fevil.example%2F"),
        format!("client_id={WEB_CLIENT}"),
        "logout_uri=http%3A%2F%2Flocalhost%3A3000%2F".to_string(),
        "client_id=nosuchclient&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F".to_string(),
        format!("client_id={WEB_CLIENT}&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fauth%2Fcallback"),
    ] {
        let response = http.get(idp.url(&format!("/logout?{query}"))).send().await.expect("logout");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(response.headers().get(header::LOCATION).is_none(), "{query}");
        assert!(header_of(&response, "content-type").starts_with("text/html"));
    }
}

// ---------------------------------------------------------------- federated sign-in

#[tokio::test]
async fn simulated_google_sign_in_yields_a_federated_user() {
    let idp = spawn().await;
    let browser = browser();
    let to_google =
        browser.get(idp.authorize_url(WEB_CLIENT, &[("identity_provider", "Google")])).send().await.expect("authorize");
    assert_eq!(to_google.status(), StatusCode::FOUND);
    let page_path = location(&to_google);
    assert!(page_path.starts_with("/federated?"), "{page_path}");
    let html = browser.get(idp.url(&page_path)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("Sign in with Google") && html.contains(ADMIN.0));
    assert!(!html.contains(UNCONFIRMED.0), "only confirmed users can be chosen");
    let back = browser
        .post(idp.url(&page_path))
        .form(&[("_csrf", csrf(&html).as_str()), ("username", ADMIN.0)])
        .send()
        .await
        .expect("choose");
    assert_eq!(back.status(), StatusCode::FOUND);
    let tokens = idp.exchange(&query_param(&location(&back), "code").expect("code")).await;
    let id = claims(&string(&tokens, "id_token"));
    assert!(id["cognito:username"].as_str().is_some_and(|u| u.starts_with("Google_")), "{id}");
    assert_eq!(id["identities"][0]["providerName"], "Google");
    assert_eq!(id["identities"][0]["primary"], "true");
    assert_eq!(id["cognito:groups"], json!(["admin", format!("{}_Google", defaults::USER_POOL_ID)]));
    assert_eq!(id["email"], ADMIN.0);
    let info: Value = idp.userinfo(&string(&tokens, "access_token")).await.json().await.expect("json");
    assert_eq!(info["username"], id["cognito:username"]);
}

// ---------------------------------------------------------------- InitiateAuth

fn password_auth(client_id: &str, username: &str, password: &str, secret: Option<&str>) -> Value {
    let mut parameters = json!({ "USERNAME": username, "PASSWORD": password });
    if let Some(secret) = secret {
        parameters["SECRET_HASH"] = json!(secret_hash(secret, username, client_id));
    }
    json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id, "AuthParameters": parameters })
}

async fn amz_error(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let kind = header_of(&response, "x-amzn-errortype");
    (status, kind, response.json().await.expect("json"))
}

#[tokio::test]
async fn initiate_auth_signs_in_with_a_password() {
    let idp = spawn().await;
    let response = idp.initiate_auth(&password_auth(WEB_CLIENT, ADMIN.0, ADMIN.1, Some(WEB_SECRET))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, "content-type"), "application/x-amz-json-1.1");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["ChallengeParameters"], json!({}));
    let result = &body["AuthenticationResult"];
    assert_eq!((result["TokenType"].as_str(), result["ExpiresIn"].as_u64()), (Some("Bearer"), Some(3600)));
    let access = string(result, "AccessToken");
    assert_eq!(claims(&access)["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(claims(&string(result, "IdToken"))["cognito:groups"], json!(["admin"]));
    assert_eq!(idp.userinfo(&access).await.status(), StatusCode::UNAUTHORIZED, "API tokens carry no openid scope");

    let refresh = json!({
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": WEB_CLIENT,
        "AuthParameters": { "REFRESH_TOKEN": string(result, "RefreshToken"), "SECRET_HASH": secret_hash(WEB_SECRET, ADMIN.0, WEB_CLIENT) },
    });
    let refreshed: Value = idp.initiate_auth(&refresh).await.json().await.expect("json");
    assert!(refreshed["AuthenticationResult"]["AccessToken"].is_string());
    assert!(refreshed["AuthenticationResult"].get("RefreshToken").is_none());

    let public = idp.initiate_auth(&password_auth(PUBLIC_CLIENT, USER.0, USER.1, None)).await;
    assert_eq!(public.status(), StatusCode::OK, "a public client needs no SECRET_HASH");
    assert_eq!(idp.idp.stats().initiate_auth, 3);
}

#[tokio::test]
async fn initiate_auth_errors_are_aws_json() {
    let idp = spawn().await;
    let cases = [
        (
            password_auth(WEB_CLIENT, USER.0, "wrong", Some(WEB_SECRET)),
            "NotAuthorizedException",
            "Incorrect username or password.",
        ),
        (
            password_auth(WEB_CLIENT, "nobody@example.com", "x", Some(WEB_SECRET)),
            "NotAuthorizedException",
            "Incorrect username or password.",
        ),
        (
            password_auth(WEB_CLIENT, UNCONFIRMED.0, UNCONFIRMED.1, Some(WEB_SECRET)),
            "UserNotConfirmedException",
            "User is not confirmed.",
        ),
        (
            password_auth(WEB_CLIENT, USER.0, USER.1, Some("not-the-secret")),
            "NotAuthorizedException",
            "Unable to verify secret hash for client webclient0000000000000001",
        ),
        (
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nosuchclient", "AuthParameters": {} }),
            "ResourceNotFoundException",
            "",
        ),
        (json!({ "AuthFlow": "MAGIC", "ClientId": WEB_CLIENT, "AuthParameters": {} }), "InvalidParameterException", ""),
        (
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": WEB_CLIENT, "AuthParameters": { "PASSWORD": "x" } }),
            "InvalidParameterException",
            "",
        ),
        (json!({ "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {} }), "InvalidParameterException", ""),
        (
            json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": ROTATING_CLIENT, "AuthParameters": { "REFRESH_TOKEN": "x" } }),
            "NotAuthorizedException",
            "",
        ),
        (
            json!({ "AuthFlow": "REFRESH_TOKEN", "ClientId": PUBLIC_CLIENT, "AuthParameters": { "REFRESH_TOKEN": "no-such-token" } }),
            "NotAuthorizedException",
            "",
        ),
    ];
    for (request, kind, message) in cases {
        let (status, header_kind, body) = amz_error(idp.initiate_auth(&request).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}");
        assert_eq!(header_kind, kind, "{request}");
        assert_eq!(body["__type"], kind, "{request}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(message)), "{request}: {body}");
    }

    let http = reqwest::Client::new();
    let unknown = http
        .post(idp.url("/"))
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
        .header(header::CONTENT_TYPE, "application/x-amz-json-1.1")
        .body("{}")
        .send()
        .await
        .expect("post");
    let (status, kind, _) = amz_error(unknown).await;
    assert_eq!((status, kind.as_str()), (StatusCode::BAD_REQUEST, "UnknownOperationException"));
    let not_json = http
        .post(idp.url("/"))
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------- verification like aws-jwt-verify

/// What aws-jwt-verify does: JWKS over HTTP, key by `kid`, RS256 only, exact issuer, `token_use`,
/// `aud` for ID tokens and `client_id` for access tokens, and expiry.
async fn verify_like_aws_jwt_verify(idp: &TestIdp, token: &str, token_use: &str, client_id: &str) -> Value {
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", idp.issuer()))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid");
    let jwk = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == kid).expect("kid is published");
    assert_eq!(jwk["alg"], "RS256");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().expect("n"), jwk["e"].as_str().expect("e")).expect("key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[idp.issuer()]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    if token_use == "id" {
        validation.set_audience(&[client_id]);
    } else {
        validation.validate_aud = false;
    }
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation).expect("verifies").claims;
    assert_eq!(claims["token_use"], token_use);
    if token_use == "access" {
        assert_eq!(claims["client_id"], client_id);
    }
    claims
}

#[tokio::test]
async fn tokens_verify_the_way_aws_jwt_verify_checks_them() {
    let idp = spawn().await;
    let tokens = idp.tokens_for(ADMIN).await;
    let id = verify_like_aws_jwt_verify(&idp, &string(&tokens, "id_token"), "id", WEB_CLIENT).await;
    let access = verify_like_aws_jwt_verify(&idp, &string(&tokens, "access_token"), "access", WEB_CLIENT).await;
    assert_eq!(id["at_hash"], json!(at_hash(&string(&tokens, "access_token"))));
    assert!(access["exp"].as_u64() > access["iat"].as_u64());

    // A verifier checking the wrong audience, or the wrong issuer, fails.
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", idp.issuer()))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let token = string(&tokens, "id_token");
    let kid = jsonwebtoken::decode_header(&token).expect("header").kid.expect("kid");
    let jwk = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == kid).expect("published").clone();
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap_or(""), jwk["e"].as_str().unwrap_or(""))
        .expect("key");
    let mut wrong_audience = Validation::new(Algorithm::RS256);
    wrong_audience.set_audience(&["someoneelse"]);
    assert!(jsonwebtoken::decode::<Value>(&token, &key, &wrong_audience).is_err());
    let mut hs256 = Validation::new(Algorithm::HS256);
    hs256.validate_aud = false;
    assert!(jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_secret(b"x"), &hs256).is_err());
}

fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

// ---------------------------------------------------------------- keys, outage, configuration

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
    let settings = leptos_cognito::server::config::LocalIdpSettings {
        addr: "127.0.0.1:9229".parse().expect("addr"),
        users_file: None,
        keys_file: dir.path().join("keys.json"),
        id_token_ttl: Duration::from_secs(300),
        access_token_ttl: Duration::from_secs(600),
        refresh_token_ttl: Duration::from_secs(3_600),
        refresh_token_rotation: true,
    };
    let options =
        LocalIdpOptions::for_app("http://127.0.0.1:9229".into(), &settings, CALLBACK, LOGOUT, &["Google".to_string()])
            .expect("options");
    assert_eq!(options.clients[0].client_id, defaults::CLIENT_ID);
    assert!(options.clients[0].refresh_token_rotation);
    assert_eq!(options.lifetimes.access, Duration::from_secs(600));
    let idp = LocalIdp::new(options).expect("starts");
    assert_eq!(idp.issuer(), format!("http://127.0.0.1:9229/{}", defaults::USER_POOL_ID));
    assert!(dir.path().join("keys.json").exists(), "keys are created on first start");

    let users_file = dir.path().join("users.json");
    std::fs::write(&users_file, "[\n  {\"username\": \"a\",\n   \"password\": 5}\n]").expect("write");
    let settings = leptos_cognito::server::config::LocalIdpSettings { users_file: Some(users_file), ..settings };
    let error = LocalIdpOptions::for_app("http://127.0.0.1:9229".into(), &settings, CALLBACK, LOGOUT, &[])
        .err()
        .expect("bad file");
    let message = error.to_string();
    assert!(message.starts_with("LOCAL_IDP_USERS file ") && message.contains("users.json: line 3:"), "{message}");
    assert!(users::load_file(&dir.path().join("missing.json")).is_err());
}

#[tokio::test]
async fn initiate_auth_refuses_a_flow_the_client_does_not_allow() {
    let idp = spawn_with(|options| {
        for client in &mut options.clients {
            client.allow_user_password_auth = false;
        }
    })
    .await;
    let request = password_auth(PUBLIC_CLIENT, USER.0, USER.1, None);
    let (status, kind, body) = amz_error(idp.initiate_auth(&request).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(kind, "NotAuthorizedException");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("not enabled")), "{body}");
}
