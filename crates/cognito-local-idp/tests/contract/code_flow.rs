//! The authorization code flow through the hosted sign-in form.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::support::*;

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
    let redeem_code = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let response = idp.token(&redeem_code, Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, "content-type"), "application/json;charset=UTF-8");
    assert_eq!(header_of(&response, "access-control-allow-origin"), "*");
    // Token answers are never cached (RFC 6749 §5.1).
    assert_eq!(header_of(&response, "cache-control"), "no-store");
    assert_eq!(header_of(&response, "pragma"), "no-cache");
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

    // Error answers of the token endpoint are not cached either: the spent code, replayed.
    let replay = idp.token(&redeem_code, Some((WEB_CLIENT, WEB_SECRET))).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header_of(&replay, "cache-control"), "no-store");
    assert_eq!(header_of(&replay, "pragma"), "no-cache");
    let (_, _, body) = oauth_error(replay).await;
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(idp.idp.stats().code_grants, 1);
}

#[tokio::test]
async fn user_without_groups_has_no_groups_claim_and_scope_limits_userinfo() {
    let idp = spawn().await;
    let browser = browser();
    // `openid profile`: the profile attributes, not the email (Amazon Cognito developer guide,
    // "The user attributes endpoint").
    let url = idp.authorize_url(WEB_CLIENT, &[("scope", "openid profile")]);
    let code = query_param(&location(&idp.sign_in(&browser, &url, USER).await), "code").expect("code");
    let tokens = idp.exchange(&code).await;
    assert!(claims(&string(&tokens, "id_token")).get("cognito:groups").is_none());
    let info: Value = idp.userinfo(&string(&tokens, "access_token")).await.json().await.expect("json");
    assert!(info.get("email").is_none() && info.get("name").is_some(), "{info}");
    assert_eq!(info["username"], USER.0);
    // `openid` alone: every attribute.
    let url = idp.authorize_url(WEB_CLIENT, &[("scope", "openid")]);
    let code =
        query_param(&location(&idp.sign_in(&super::support::browser(), &url, USER).await), "code").expect("code");
    let tokens = idp.exchange(&code).await;
    let info: Value = idp.userinfo(&string(&tokens, "access_token")).await.json().await.expect("json");
    assert!(info["email"] == USER.0 && info.get("name").is_some(), "{info}");
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
    assert!(stolen.text().await.expect("html").contains("This sign-in page has expired."));
}

/// A request that is not the page's form says what is wrong with it, not that the page expired.
#[tokio::test]
async fn an_unreadable_login_form_is_refused_with_its_reason() {
    let idp = spawn().await;
    let browser = browser();
    let login_path = location(&browser.get(idp.authorize_url(WEB_CLIENT, &[])).send().await.expect("authorize"));
    let html = browser.get(idp.url(&login_path)).send().await.expect("page").text().await.expect("html");
    let csrf = csrf(&html);
    let cases = [
        ("application/json", r#"{"username":"x"}"#.to_string(), "The request is not a form."),
        (
            "application/x-www-form-urlencoded",
            format!("_csrf={csrf}&username=a&username=b&password=p"),
            "A parameter was sent more than once.",
        ),
    ];
    for (content_type, body, reason) in cases {
        let refused = browser
            .post(idp.url(&login_path))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{content_type}");
        assert!(refused.headers().get(header::LOCATION).is_none());
        let page = refused.text().await.expect("html");
        assert!(page.contains("The sign-in form could not be read") && page.contains(reason), "{page}");
        assert!(!page.contains("expired"), "{page}");
    }
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

    let fresh = super::support::browser();
    let none = fresh.get(idp.authorize_url(WEB_CLIENT, &[("prompt", "none")])).send().await.expect("authorize");
    assert_eq!(query_param(&location(&none), "error").as_deref(), Some("login_required"));

    idp.advance(Duration::from_secs(3_600));
    let expired = browser.get(idp.authorize_url(WEB_CLIENT, &[])).send().await.expect("authorize");
    assert!(location(&expired).starts_with("/login?"), "the session lasts one hour");
}
