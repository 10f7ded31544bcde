//! `/oauth2/userInfo`.

use std::time::Duration;

use reqwest::StatusCode;

use super::support::*;

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
