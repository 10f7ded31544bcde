//! `/oauth2/authorize` errors, answered as Cognito answers them.

use reqwest::{StatusCode, header};

use super::support::*;

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
        // A malformed S256 challenge (RFC 7636 §4.2: 43 to 128 characters).
        (&[("code_challenge", "short"), ("code_challenge_method", "S256")], "invalid_request"),
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

/// A huge query of distinct names is refused at once (no pairwise comparison of the names),
/// whether by the provider (a 400 page) or by the HTTP layer below it (too long a request
/// line), and the provider keeps serving.
#[tokio::test]
async fn a_flood_of_parameters_is_refused_quickly() {
    let idp = spawn().await;
    for count in [5_000, 40_000] {
        let flood: String = (0..count).map(|n| format!("&p{n}=")).collect();
        let url = format!("{}{flood}", idp.authorize_url(WEB_CLIENT, &[]));
        let started = std::time::Instant::now();
        match browser().get(&url).send().await {
            Ok(refused) => assert!(refused.status().is_client_error(), "{count}: {}", refused.status()),
            // Only the longer one may be cut off below the provider, as a request line too long.
            Err(error) => assert!(count > 5_000, "{count}: {error}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{count}: {:?}", started.elapsed());
    }
    let normal = browser().get(idp.authorize_url(WEB_CLIENT, &[])).send().await.expect("authorize");
    assert_eq!(normal.status(), StatusCode::FOUND);
}
