//! Tokens the tests make themselves: the embedded provider's tokens with edited claims, signed
//! again with its own key, so that only the edited claim can make the app refuse them.

use std::path::Path;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use cognito_local_idp::defaults;
use serde_json::{Map, Value};

/// `token` with its claims changed by `edit`, signed again with the provider's own ID-token key
/// (read from its keys file, `IdpSetup::keys_file`): a token exactly as valid as the
/// provider's, with claims it never writes.
pub fn resigned_id_token(keys_file: &Path, token: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let keys: Value = serde_json::from_str(&std::fs::read_to_string(keys_file).unwrap()).unwrap();
    let key = keys["keys"].as_array().unwrap().iter().rev().find(|key| key["purpose"] == "id").unwrap();
    let pkcs8 = key["pkcs8"].as_str().unwrap();
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{pkcs8}\n-----END PRIVATE KEY-----\n");
    let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap();
    let mut claims: Map<String, Value> = serde_json::from_slice(&payload).unwrap();
    edit(&mut claims);
    let header = jsonwebtoken::Header {
        kid: Some(key["kid"].as_str().unwrap().to_string()),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256)
    };
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()).unwrap()
}

/// A hosted-UI sign-in of `user` at the provider (`openid email profile`), its code exchanged by
/// hand as the app's client: the access token, as a client of the hosted UI holds it.
pub async fn hosted_ui_access_token(stack: &super::TestStack, user: (&str, &str)) -> String {
    let redirect_uri = stack.app.url("/auth/callback");
    let authorize = url::Url::parse_with_params(
        &format!("{}/oauth2/authorize", stack.idp.domain),
        [
            ("response_type", "code"),
            ("client_id", defaults::CLIENT_ID),
            ("redirect_uri", redirect_uri.as_str()),
            ("scope", "openid email profile"),
            ("state", "a-state-of-this-test"),
        ],
    )
    .unwrap();
    let callback = super::sign_in_at_provider(&super::browser(), authorize.as_str(), user, &redirect_uri).await;
    let code = super::query_of(&callback).remove("code").unwrap();
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", redirect_uri.as_str())];
    app_client_token(stack, &form).await
}

/// The access token the provider's token endpoint answers `form` with, asked as the app's
/// (confidential) client.
pub async fn app_client_token(stack: &super::TestStack, form: &[(&str, &str)]) -> String {
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", stack.idp.domain))
        .basic_auth(defaults::CLIENT_ID, Some(defaults::CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().expect("an access token").to_string()
}
