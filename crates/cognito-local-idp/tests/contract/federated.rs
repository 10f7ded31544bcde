//! The simulated federated (Google) sign-in.

use cognito_local_idp::defaults;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::*;

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
