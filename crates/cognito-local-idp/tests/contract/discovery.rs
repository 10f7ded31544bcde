//! Discovery document and JWKS at Cognito's paths and with Cognito's fields, and the answers
//! to a path or method that is none of the endpoints.

use cognito_local_idp::defaults;
use serde_json::{Value, json};

use super::support::*;

#[tokio::test]
async fn discovery_document_has_cognitos_fields() {
    let idp = spawn().await;
    let path = format!("/{}/.well-known/openid-configuration", defaults::USER_POOL_ID);
    let doc: Value = reqwest::get(idp.url(&path)).await.expect("get").json().await.expect("json");
    assert_eq!(doc["issuer"], json!(idp.issuer()));
    assert_eq!(doc["jwks_uri"], json!(format!("{}/.well-known/jwks.json", idp.issuer())));
    assert_eq!(doc["authorization_endpoint"], json!(idp.url("/oauth2/authorize")));
    assert_eq!(doc["token_endpoint"], json!(idp.url("/oauth2/token")));
    assert_eq!(doc["userinfo_endpoint"], json!(idp.url("/oauth2/userInfo")));
    assert_eq!(doc["revocation_endpoint"], json!(idp.url("/oauth2/revoke")));
    assert_eq!(doc["end_session_endpoint"], json!(idp.url("/logout")));
    assert_eq!(doc["id_token_signing_alg_values_supported"], json!(["RS256"]));
    assert_eq!(doc["token_endpoint_auth_methods_supported"], json!(["client_secret_basic", "client_secret_post"]));
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert!(doc.get("introspection_endpoint").is_none());
}

#[tokio::test]
async fn jwks_publishes_two_rsa_keys_and_id_and_access_tokens_use_different_ones() {
    let idp = spawn().await;
    let jwks: Value =
        reqwest::get(format!("{}/.well-known/jwks.json", idp.issuer())).await.expect("get").json().await.expect("json");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(
            (key["alg"].as_str(), key["kty"].as_str(), key["use"].as_str()),
            (Some("RS256"), Some("RSA"), Some("sig"))
        );
        assert_eq!(key["e"], "AQAB");
        assert!(key["n"].as_str().is_some_and(|n| n.len() > 300), "2048-bit modulus");
        assert!(key["kid"].is_string());
    }
    let tokens = idp.tokens_for(USER).await;
    let kid = |token: &Value| jsonwebtoken::decode_header(token.as_str().unwrap_or_default()).ok().and_then(|h| h.kid);
    assert_ne!(kid(&tokens["id_token"]), kid(&tokens["access_token"]));
    assert_eq!(idp.idp.stats().jwks_requests, 1);
}

/// An unknown path is a 404, and a known one asked with a method it does not answer a 405 that
/// says so and lists its methods (RFC 9110 §15.5.6), never an empty answer.
#[tokio::test]
async fn unknown_paths_and_methods_are_explained() {
    let idp = spawn().await;
    let http = reqwest::Client::new();
    let missing = http.get(idp.url("/nowhere")).send().await.expect("get");
    assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
    for (method, path) in [(reqwest::Method::PUT, "/oauth2/token"), (reqwest::Method::GET, "/")] {
        let response = http.request(method.clone(), idp.url(path)).send().await.expect("request");
        assert_eq!(response.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(response.headers().contains_key("allow"), "{method} {path}");
        let text = response.text().await.expect("text");
        assert!(text.contains(&format!("does not answer {method}")), "{method} {path}: {text:?}");
    }
}
