//! The callback refuses every ID token that is not exactly right, even when the provider (here
//! a tampering proxy in front of the embedded one) sends it with a valid signature.

mod common;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use cognito_local_idp::defaults;
use common::{
    IdpSetup, OTHER_CLIENT, TestStack, USER, app_clock_now, browser, initiate_auth, location, proxy::TokenProxy,
    set_cookies, spawn_stack_with, tokens::resigned_id_token,
};

use serde_json::{Map, Value};

async fn stack_behind_proxy(extra: &[(&str, &str)], setup: IdpSetup) -> (TestStack, TokenProxy) {
    let proxy = TokenProxy::start().await;
    let mut vars = vec![("COGNITO_DOMAIN", proxy.url.as_str())];
    vars.extend_from_slice(extra);
    let stack = spawn_stack_with(&vars, setup).await;
    proxy.forward_to(&stack.idp.domain);
    (stack, proxy)
}

/// A stack whose provider's ID tokens arrive with their claims changed by `edit`, signed again
/// with the provider's own key (`resigned_id_token`). The directory holds the keys file.
async fn stack_with_edited_id_tokens(
    edit: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static,
) -> (TestStack, TokenProxy, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let keys_file = keys.path().join("keys.json");
    let setup = IdpSetup { keys_file: Some(keys_file.clone()), ..IdpSetup::default() };
    let (stack, proxy) = stack_behind_proxy(&[], setup).await;
    proxy.tamper(move |json| {
        let token = json["id_token"].as_str().unwrap().to_string();
        json["id_token"] = Value::String(resigned_id_token(&keys_file, &token, &edit));
    });
    (stack, proxy, keys)
}

/// Signs in and asserts the callback refused it: a 4xx page, no session, still signed out.
async fn assert_sign_in_refused(stack: &TestStack, why: &str) {
    let browser = browser();
    let callback = stack.sign_in(&browser, USER, None).await;
    assert_eq!(callback.status(), 401, "{why}");
    // The refused callback's URL holds the code too: the page must not pass it on.
    assert_eq!(callback.headers()["referrer-policy"], "no-referrer", "{why}");
    assert!(set_cookies(&callback).iter().all(|c| !c.starts_with("lc_session=")), "{why}: no session");
    assert!(callback.text().await.unwrap().contains("data-testid=\"sign-in-error\""), "{why}");
    let dashboard = browser.get(stack.app.url("/dashboard")).send().await.unwrap();
    assert!(location(&dashboard).starts_with("/auth/login"), "{why}: still signed out");
}

/// The status `/api/v1/me` answers a new access token of the stack's provider with.
async fn fresh_bearer_token_status(stack: &TestStack) -> u16 {
    let token = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    bearer_status(stack, token["AccessToken"].as_str().unwrap()).await
}

/// The status `/api/v1/me` answers `token` with, sent as a Bearer token.
async fn bearer_status(stack: &TestStack, token: &str) -> u16 {
    let url = stack.app.url("/api/v1/me");
    reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().status().as_u16()
}

fn replace_id_token(value: String) -> impl Fn(&mut Value) + Send + Sync + 'static {
    move |json: &mut Value| json["id_token"] = Value::String(value.clone())
}

fn with_header(token: &str, header: &str, signature: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    format!("{}.{payload}.{signature}", URL_SAFE_NO_PAD.encode(header))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_signature_is_refused() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    proxy.tamper(|json| {
        let token = json["id_token"].as_str().unwrap().to_string();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        bytes[0] ^= 0x01;
        json["id_token"] = Value::String(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes)));
    });
    assert_sign_in_refused(&stack, "tampered signature").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alg_none_and_hs256_are_refused() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    proxy.tamper(|json| {
        let token = json["id_token"].as_str().unwrap().to_string();
        json["id_token"] = Value::String(with_header(&token, r#"{"alg":"none","typ":"JWT"}"#, ""));
    });
    assert_sign_in_refused(&stack, "alg none").await;
    proxy.tamper(|json| {
        let token = json["id_token"].as_str().unwrap().to_string();
        json["id_token"] = Value::String(with_header(&token, r#"{"alg":"HS256","typ":"JWT"}"#, "c2lnbmF0dXJl"));
    });
    assert_sign_in_refused(&stack, "HS256").await;

    // The same for Bearer tokens: the key of the pool's key set decides, not the token.
    let access =
        initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await["AccessToken"].as_str().unwrap().to_string();
    let kid = serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(access.split('.').next().unwrap()).unwrap())
        .unwrap()["kid"]
        .clone();
    for (alg, signature) in [("none", ""), ("HS256", "c2lnbmF0dXJl")] {
        let header = serde_json::json!({ "alg": alg, "kid": kid, "typ": "JWT" }).to_string();
        assert_eq!(bearer_status(&stack, &with_header(&access, &header, signature)).await, 401, "Bearer, alg {alg}");
    }
    assert_eq!(bearer_status(&stack, &access).await, 200, "the token as issued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_client_is_refused() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    let other = initiate_auth(&stack.idp.domain, OTHER_CLIENT, USER).await;
    proxy.tamper(replace_id_token(other["IdToken"].as_str().unwrap().to_string()));
    assert_sign_in_refused(&stack, "wrong aud").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_our_nonce_is_refused() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    // Validly signed, right audience, but minted for another sign-in (no nonce).
    let replayed = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    proxy.tamper(replace_id_token(replayed["IdToken"].as_str().unwrap().to_string()));
    assert_sign_in_refused(&stack, "nonce mismatch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_in_place_of_the_id_token_is_refused() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    proxy.tamper(|json| json["id_token"] = json["access_token"].clone());
    assert_sign_in_refused(&stack, "token_use").await;
    proxy.tamper(|json| json["access_token"] = json["id_token"].clone());
    assert_sign_in_refused(&stack, "ID token as access token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_another_issuer_is_refused() {
    // The app expects the proxy's issuer; the provider signs as itself. The keys come through
    // the proxy, so the signature is valid and only `iss` is wrong.
    let proxy = TokenProxy::start().await;
    let issuer = format!("{}/{}", proxy.url, defaults::USER_POOL_ID);
    let stack = spawn_stack_with(&[("COGNITO_ISSUER", issuer.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    assert_sign_in_refused(&stack, "wrong iss").await;
    assert_eq!(fresh_bearer_token_status(&stack).await, 401, "a Bearer token of another issuer");
}

/// OpenID Connect Core §3.1.3.8: the ID token's `at_hash` binds it to the access token of the
/// same answer. An access token swapped for another of the same person and app client (validly
/// signed, not expired) is refused at sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_that_does_not_match_the_id_tokens_at_hash_is_refused() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    let other = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    assert_eq!(bearer_status(&stack, other["AccessToken"].as_str().unwrap()).await, 200, "a good access token");
    let swapped = other["AccessToken"].clone();
    proxy.tamper(move |json| json["access_token"] = swapped.clone());
    assert_sign_in_refused(&stack, "at_hash of another access token").await;
}

/// `COGNITO_ISSUERS` lists every `iss` the pool's tokens may carry (Cognito emits a pool's
/// issuer under two hosts): tokens naming any of them pass, at sign-in and as Bearer tokens.
/// The stack's provider signs as itself, which is not `COGNITO_ISSUER` here: refused, as in
/// `a_token_from_another_issuer_is_refused`, until the list names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_issuer_cognito_issuers_lists_is_accepted() {
    let proxy = TokenProxy::start().await;
    let primary = format!("{}/{}", proxy.url, defaults::USER_POOL_ID);
    let mut stack = spawn_stack_with(&[("COGNITO_ISSUER", primary.as_str())], IdpSetup::default()).await;
    proxy.forward_to(&stack.idp.domain);
    assert_sign_in_refused(&stack, "an issuer the app was not given").await;

    let issuers = format!("{primary},{}", stack.idp.idp.issuer());
    stack.restart_app_with(&[("COGNITO_ISSUERS", issuers.as_str())]).await;
    let browser = browser();
    let callback = stack.sign_in(&browser, USER, None).await;
    assert_eq!(callback.status(), 303, "signed in");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    assert_eq!(fresh_bearer_token_status(&stack).await, 200, "a Bearer token of the listed issuer");
}

/// A token past its `exp` by more than the 60 s allowed for clock skew is refused, at sign-in
/// and as a Bearer token; within it, it passes. One-minute tokens, checked while the sign-in
/// attempt itself (ten minutes) is still open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused() {
    for (past_expiry, accepted) in [(30, true), (240, false)] {
        let clock = app_clock_now();
        let minute = std::time::Duration::from_secs(60);
        let setup = IdpSetup {
            app_clock: Some(clock.clone()),
            id_token_ttl: minute,
            access_token_ttl: minute,
            ..IdpSetup::default()
        };
        let (stack, _proxy) = stack_behind_proxy(&[], setup).await;
        let browser = browser();
        let callback = stack.callback_url(&browser, USER, None).await;
        let bearer = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
        clock.advance(60 + past_expiry);
        let why = format!("{past_expiry} s past expiry");
        let response = browser.get(&callback).send().await.unwrap();
        assert_eq!(response.status(), if accepted { 303 } else { 401 }, "sign-in, {why}");
        let session = set_cookies(&response).iter().any(|c| c.starts_with("lc_session="));
        assert_eq!(session, accepted, "a session, {why}");
        let status = bearer_status(&stack, bearer["AccessToken"].as_str().unwrap()).await;
        assert_eq!(status, if accepted { 200 } else { 401 }, "Bearer, {why}");
    }
}

/// A token issued in the future (`iat`) by more than the 60 s allowed for clock skew is refused,
/// at sign-in and as a Bearer token; within it, it passes. The app's clock is set behind the
/// provider's to play the skew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_the_future_is_refused_beyond_the_clock_skew_allowed() {
    for (app_behind_secs, accepted) in [(30, true), (120, false)] {
        let clock = app_clock_now();
        clock.advance(-app_behind_secs);
        let setup = IdpSetup { app_clock: Some(clock.clone()), ..IdpSetup::default() };
        let (stack, _proxy) = stack_behind_proxy(&[], setup).await;
        let why = format!("the app's clock {app_behind_secs} s behind the provider's");
        if accepted {
            let callback = stack.sign_in(&browser(), USER, None).await;
            assert_eq!(callback.status(), 303, "{why}");
        } else {
            assert_sign_in_refused(&stack, &why).await;
        }
        assert_eq!(fresh_bearer_token_status(&stack).await, if accepted { 200 } else { 401 }, "Bearer, {why}");
    }
}

/// RFC 7519 §4.1.5: a token is not accepted before its `nbf`, with the same 60 s allowed for
/// clock skew. Cognito's tokens carry none; a validly signed one naming a time ten minutes
/// ahead is refused at sign-in, one naming half a minute ahead passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_not_valid_yet_is_refused() {
    for (ahead_secs, accepted) in [(30, true), (600, false)] {
        let (stack, _proxy, _keys) = stack_with_edited_id_tokens(move |claims| {
            let iat = claims["iat"].as_i64().unwrap();
            claims.insert("nbf".into(), Value::from(iat + ahead_secs));
        })
        .await;
        let why = format!("nbf {ahead_secs} s ahead");
        if accepted {
            assert_eq!(stack.sign_in(&browser(), USER, None).await.status(), 303, "{why}");
        } else {
            assert_sign_in_refused(&stack, &why).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_issued_more_than_a_day_ago_is_refused_at_sign_in() {
    let two_days = std::time::Duration::from_secs(2 * 86_400);
    for (age, accepted) in [(86_400 - 120, true), (86_400 + 120, false)] {
        let clock = app_clock_now();
        let setup = IdpSetup {
            app_clock: Some(clock.clone()),
            id_token_ttl: two_days,
            access_token_ttl: two_days,
            ..IdpSetup::default()
        };
        let (stack, _proxy) = stack_behind_proxy(&[], setup).await;
        // The provider issues tokens now; the app sees them `age` seconds after that.
        clock.advance(age);
        let browser = browser();
        let response = stack.sign_in(&browser, USER, None).await;
        let expected = if accepted { 303 } else { 401 };
        assert_eq!(response.status(), expected, "an ID token {age} s old");
        drop(stack);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_response_without_expires_in_is_valid() {
    let (stack, proxy) = stack_behind_proxy(&[], IdpSetup::default()).await;
    proxy.tamper(|json| {
        json.as_object_mut().unwrap().remove("expires_in");
    });
    let browser = browser();
    let response = stack.sign_in(&browser, USER, None).await;
    assert_eq!(response.status(), 303, "RFC 6749 §5.1 only recommends expires_in");
    assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

/// OpenID Connect Core §3.1.3.7 (step 5): an ID token's `azp`, when present, must be the
/// client's own id. Cognito's ID tokens carry none, so a token naming another party is refused
/// even with the right audience and a valid signature; one naming this app passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_authorized_for_another_party_is_refused() {
    for (azp, accepted) in [(defaults::CLIENT_ID, true), (OTHER_CLIENT, false)] {
        let (stack, _proxy, _keys) = stack_with_edited_id_tokens(move |claims| {
            claims.insert("azp".into(), Value::String(azp.into()));
        })
        .await;
        if accepted {
            let browser = browser();
            let callback = stack.sign_in(&browser, USER, None).await;
            assert_eq!(callback.status(), 303, "azp naming this app");
            assert_eq!(browser.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
        } else {
            assert_sign_in_refused(&stack, "azp naming another client").await;
        }
    }
}
