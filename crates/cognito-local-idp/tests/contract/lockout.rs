//! Cognito's lockout after repeated wrong passwords ("Lockout behavior for failed sign-in
//! attempts" in the Cognito Developer Guide): five failures, then 2^(n-5) seconds, shared by the
//! managed-login form and `InitiateAuth`; attempts during a lockout answer "Password attempts
//! exceeded", even with the right password, and the user can sign in once it has passed.

use std::time::Duration;

use cognito_local_idp::secret_hash;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::*;

const EXCEEDED: &str = "Password attempts exceeded";

fn password_auth(username: &str, password: &str) -> Value {
    json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": WEB_CLIENT,
        "AuthParameters": {
            "USERNAME": username,
            "PASSWORD": password,
            "SECRET_HASH": secret_hash(WEB_SECRET, username, WEB_CLIENT),
        },
    })
}

/// `InitiateAuth`'s error type and message.
async fn api_sign_in(idp: &TestIdp, password: &str) -> (StatusCode, String, String) {
    let response = idp.initiate_auth(&password_auth(USER.0, password)).await;
    let status = response.status();
    let kind = header_of(&response, "x-amzn-errortype");
    let body: Value = response.json().await.expect("json");
    (status, kind, body["message"].as_str().unwrap_or_default().to_string())
}

/// The form's answer: the status and the error shown, if any.
async fn form_sign_in(idp: &TestIdp, password: &str) -> (StatusCode, String) {
    let response = idp.sign_in(&browser(), &idp.authorize_url(WEB_CLIENT, &[]), (USER.0, password)).await;
    let status = response.status();
    let html = response.text().await.expect("html");
    let shown = [EXCEEDED, "Incorrect username or password."].into_iter().find(|m| html.contains(m)).unwrap_or("");
    (status, shown.to_string())
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_user_out_of_the_api_and_the_form_until_the_delay_passes() {
    let idp = spawn().await;
    for attempt in 1..=5 {
        let (status, kind, message) = api_sign_in(&idp, "wrong-password").await;
        assert_eq!(
            (status, kind.as_str(), message.as_str()),
            (StatusCode::BAD_REQUEST, "NotAuthorizedException", "Incorrect username or password."),
            "attempt {attempt}"
        );
    }
    // Locked for one second: the right password is refused too, through either door.
    let (status, kind, message) = api_sign_in(&idp, USER.1).await;
    assert_eq!(
        (status, kind.as_str(), message.as_str()),
        (StatusCode::BAD_REQUEST, "NotAuthorizedException", EXCEEDED)
    );
    assert_eq!(form_sign_in(&idp, USER.1).await, (StatusCode::BAD_REQUEST, EXCEEDED.to_string()));
    let other = idp.initiate_auth(&password_auth(ADMIN.0, ADMIN.1)).await;
    assert_eq!(other.status(), StatusCode::OK, "another user is not locked");

    idp.advance(Duration::from_secs(1));
    // The sixth failure locks for two seconds.
    assert_eq!(form_sign_in(&idp, "wrong-password").await.1, "Incorrect username or password.");
    idp.advance(Duration::from_secs(1));
    assert_eq!(api_sign_in(&idp, USER.1).await.2, EXCEEDED, "one second into a two-second lockout");
    idp.advance(Duration::from_secs(1));
    let back = idp.sign_in(&browser(), &idp.authorize_url(WEB_CLIENT, &[]), USER).await;
    assert_eq!(back.status(), StatusCode::FOUND, "the lockout has passed: signed in");
    assert!(location(&back).starts_with(CALLBACK));

    // A success starts the count again: one more failure locks nothing.
    assert_eq!(api_sign_in(&idp, "wrong-password").await.2, "Incorrect username or password.");
    assert_eq!(api_sign_in(&idp, USER.1).await.0, StatusCode::OK);
}

#[tokio::test]
async fn fifteen_quiet_minutes_end_even_a_long_lockout() {
    let idp = spawn().await;
    for _ in 0..14 {
        api_sign_in(&idp, "wrong-password").await;
        idp.advance(Duration::from_secs(600));
    }
    // The 14th failure locked for 2^9 = 512 s; the 15th would lock for the longest, 15 minutes.
    assert_eq!(api_sign_in(&idp, "wrong-password").await.2, "Incorrect username or password.");
    idp.advance(Duration::from_secs(899));
    assert_eq!(api_sign_in(&idp, USER.1).await.2, EXCEEDED);
    idp.advance(Duration::from_secs(15 * 60));
    // Fifteen minutes without an attempt: the count starts again, so one more failure locks
    // nothing (without the reset it would be the 16th, fifteen minutes).
    assert_eq!(api_sign_in(&idp, "wrong-password").await.2, "Incorrect username or password.");
    assert_eq!(api_sign_in(&idp, USER.1).await.0, StatusCode::OK);
}
