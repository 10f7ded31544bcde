//! `/logout`.

use reqwest::{StatusCode, header};

use super::support::*;

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
