//! `GetUser`: a user's attributes for an access token with `aws.cognito.signin.user.admin`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::*;

async fn get_user(idp: &TestIdp, access_token: &str) -> (StatusCode, String, Value) {
    let response = idp.user_pools_api("GetUser", &json!({ "AccessToken": access_token })).await;
    let status = response.status();
    let kind = header_of(&response, "x-amzn-errortype");
    (status, kind, response.json().await.expect("json"))
}

fn attribute<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer["UserAttributes"].as_array()?.iter().find(|pair| pair["Name"] == name)?["Value"].as_str()
}

#[tokio::test]
async fn get_user_answers_the_attributes_of_an_api_token() {
    let idp = spawn().await;
    let signed_in = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": PUBLIC_CLIENT,
        "AuthParameters": { "USERNAME": USER.0, "PASSWORD": USER.1 },
    });
    let tokens: Value = idp.initiate_auth(&signed_in).await.json().await.expect("json");
    let access = string(&tokens["AuthenticationResult"], "AccessToken");

    let (status, _, answer) = get_user(&idp, &access).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["Username"], claims(&access)["username"]);
    assert_eq!(attribute(&answer, "email"), Some(USER.0));
    assert_eq!(attribute(&answer, "email_verified"), Some("true"), "a text, as in the user pools API");
    assert_eq!(attribute(&answer, "sub"), claims(&access)["sub"].as_str());
    assert_eq!(idp.idp.stats().get_user, 1);

    idp.advance(Duration::from_secs(3_601));
    let (status, kind, body) = get_user(&idp, &access).await;
    assert_eq!((status, kind.as_str()), (StatusCode::BAD_REQUEST, "NotAuthorizedException"), "expired: {body}");
}

#[tokio::test]
async fn get_user_refuses_what_cognito_refuses() {
    let idp = spawn().await;
    // A hosted-UI token of a client that did not ask for the admin scope.
    let web = idp.tokens_for(USER).await;
    let (status, kind, body) = get_user(&idp, &string(&web, "access_token")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::BAD_REQUEST, "NotAuthorizedException"));
    assert_eq!(body["message"], "Access Token does not have required scopes");

    let (status, kind, body) = get_user(&idp, "not-a-token").await;
    assert_eq!(
        (status, kind.as_str(), body["message"].as_str()),
        (StatusCode::BAD_REQUEST, "NotAuthorizedException", Some("Invalid Access Token"))
    );
    let (status, kind, _) = get_user(&idp, &string(&web, "id_token")).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::BAD_REQUEST, "NotAuthorizedException"),
        "an ID token is not an access token"
    );

    let missing = idp.user_pools_api("GetUser", &json!({})).await;
    assert_eq!(header_of(&missing, "x-amzn-errortype"), "InvalidParameterException");
    let unknown = idp.user_pools_api("AdminGetUser", &json!({})).await;
    assert_eq!(header_of(&unknown, "x-amzn-errortype"), "UnknownOperationException");
}
