//! Refresh grants with and without rotation, and `/oauth2/revoke`.

use std::time::Duration;

use cognito_local_idp::TokenLifetimes;
use reqwest::StatusCode;
use serde_json::Value;

use super::support::*;

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
    let old = rotating_refresh_token(&idp).await;
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

/// A signed-in refresh token of the rotating client.
async fn rotating_refresh_token(idp: &TestIdp) -> String {
    let code = idp.code_for(&browser(), ROTATING_CLIENT, USER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let tokens: Value = idp.token(&form, Some((ROTATING_CLIENT, ROTATING_SECRET))).await.json().await.expect("json");
    string(&tokens, "refresh_token")
}

async fn refresh_rotating(idp: &TestIdp, token: &str) -> reqwest::Response {
    idp.token(&[("grant_type", "refresh_token"), ("refresh_token", token)], Some((ROTATING_CLIENT, ROTATING_SECRET)))
        .await
}

/// Rotation with `RetryGracePeriodSeconds` (Amazon Cognito developer guide, "Refresh tokens"): a
/// rotated-out refresh token works once more inside the grace period, and not after it.
#[tokio::test]
async fn a_retry_grace_period_lets_the_old_refresh_token_work_once_more() {
    let idp = spawn_with(|options| {
        options.clients.iter_mut().for_each(|client| client.refresh_token_retry_grace = Duration::from_secs(10))
    })
    .await;
    let old = rotating_refresh_token(&idp).await;
    let first = refresh_rotating(&idp, &old).await;
    assert_eq!(first.status(), StatusCode::OK);
    let new = string(&first.json::<Value>().await.expect("json"), "refresh_token");

    // The client lost that answer and retries with the old token: inside the grace period, once.
    idp.advance(Duration::from_secs(5));
    let retry = refresh_rotating(&idp, &old).await;
    assert_eq!(retry.status(), StatusCode::OK, "the retry the grace period allows");
    let retried = string(&retry.json::<Value>().await.expect("json"), "refresh_token");
    assert!(retried != old && retried != new, "the retry rotates too");
    assert_eq!(oauth_error(refresh_rotating(&idp, &old).await).await.2["error"], "invalid_grant", "only once");
    assert_eq!(refresh_rotating(&idp, &new).await.status(), StatusCode::OK, "the first descendant works");
    assert_eq!(refresh_rotating(&idp, &retried).await.status(), StatusCode::OK, "so does the retry's");

    // Unused within the grace period, a rotated-out token dies when it ends.
    let old = rotating_refresh_token(&idp).await;
    assert_eq!(refresh_rotating(&idp, &old).await.status(), StatusCode::OK);
    idp.advance(Duration::from_secs(11));
    assert_eq!(oauth_error(refresh_rotating(&idp, &old).await).await.2["error"], "invalid_grant", "grace period over");
}

/// Rotation hands the sign-in's deadline to the new refresh token and never extends it
/// (`RefreshGrant::expires_at` in store.rs): tokens rotated shortly before the refresh lifetime
/// ends die when it ends, like the token they replaced.
#[tokio::test]
async fn rotation_never_extends_the_refresh_token_deadline() {
    let idp = spawn().await;
    let lifetime = TokenLifetimes::default().refresh;
    let original = rotating_refresh_token(&idp).await;

    // A minute before the deadline set at sign-in: rotation still works.
    idp.advance(lifetime - Duration::from_secs(60));
    let first = refresh_rotating(&idp, &original).await;
    assert_eq!(first.status(), StatusCode::OK);
    let rotated = string(&first.json::<Value>().await.expect("json"), "refresh_token");
    assert_ne!(rotated, original);

    // Half a minute before it: the rotated token works, and rotates again.
    idp.advance(Duration::from_secs(30));
    let second = refresh_rotating(&idp, &rotated).await;
    assert_eq!(second.status(), StatusCode::OK);
    let rotated_again = string(&second.json::<Value>().await.expect("json"), "refresh_token");
    assert!(rotated_again != original && rotated_again != rotated);

    // A second past the original deadline: the newest token is dead too, though it was issued
    // only 31 seconds ago.
    idp.advance(Duration::from_secs(31));
    let (status, _, body) = oauth_error(refresh_rotating(&idp, &rotated_again).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert_eq!(idp.idp.stats().refresh_grants, 2);
}
