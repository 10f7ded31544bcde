//! `InitiateAuth` over the AWS JSON protocol.

use cognito_local_idp::secret_hash;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::support::*;

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
            "REFRESH_TOKEN_AUTH is not allowed",
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

/// With refresh token rotation on, `REFRESH_TOKEN_AUTH` (and its alias `REFRESH_TOKEN`) is refused
/// even for a live refresh token of that very client with a correct `SECRET_HASH`; the same
/// token still refreshes at the token endpoint (Amazon Cognito developer guide, "Refresh tokens").
#[tokio::test]
async fn rotation_refuses_refresh_token_auth_even_for_a_real_token() {
    let idp = spawn().await;
    let signed_in = idp.initiate_auth(&password_auth(ROTATING_CLIENT, USER.0, USER.1, Some(ROTATING_SECRET))).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let signed_in: Value = signed_in.json().await.expect("json");
    let refresh = string(&signed_in["AuthenticationResult"], "RefreshToken");

    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let request = json!({
            "AuthFlow": flow,
            "ClientId": ROTATING_CLIENT,
            "AuthParameters": {
                "REFRESH_TOKEN": refresh.as_str(),
                "SECRET_HASH": secret_hash(ROTATING_SECRET, USER.0, ROTATING_CLIENT),
            },
        });
        let (status, kind, body) = amz_error(idp.initiate_auth(&request).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{flow}");
        assert_eq!(kind, "NotAuthorizedException", "{flow}");
        assert_eq!(body["__type"], "NotAuthorizedException", "{flow}");
        assert_eq!(
            body["message"],
            "Refresh token rotation is enabled for this app client; REFRESH_TOKEN_AUTH is not allowed.",
            "{flow}"
        );
    }
    assert_eq!(idp.idp.stats().refresh_grants, 0);

    let response = idp
        .token(
            &[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())],
            Some((ROTATING_CLIENT, ROTATING_SECRET)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the refused token still works at /oauth2/token");
    let refreshed: Value = response.json().await.expect("json");
    assert!(refreshed["access_token"].is_string());
    assert_ne!(string(&refreshed, "refresh_token"), refresh, "and rotates there");
    assert_eq!(idp.idp.stats().refresh_grants, 1);
}
