//! Tokens verified the way aws-jwt-verify checks them.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use super::support::*;

/// The RS256 key the provider's JWKS publishes under the token's `kid`, fetched over HTTP.
async fn published_key(idp: &TestIdp, token: &str) -> DecodingKey {
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", idp.issuer()))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let kid = jsonwebtoken::decode_header(token).expect("header").kid.expect("kid");
    let jwk = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == kid).expect("kid is published");
    assert_eq!(jwk["alg"], "RS256");
    DecodingKey::from_rsa_components(jwk["n"].as_str().expect("n"), jwk["e"].as_str().expect("e")).expect("key")
}

/// What aws-jwt-verify does: JWKS over HTTP, key by `kid`, RS256 only, exact issuer, `token_use`,
/// `aud` for ID tokens and `client_id` for access tokens, and expiry.
async fn verify_like_aws_jwt_verify(idp: &TestIdp, token: &str, token_use: &str, client_id: &str) -> Value {
    assert_eq!(jsonwebtoken::decode_header(token).expect("header").alg, Algorithm::RS256);
    let key = published_key(idp, token).await;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[idp.issuer()]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    if token_use == "id" {
        validation.set_audience(&[client_id]);
    } else {
        validation.validate_aud = false;
    }
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation).expect("verifies").claims;
    assert_eq!(claims["token_use"], token_use);
    if token_use == "access" {
        assert_eq!(claims["client_id"], client_id);
    }
    claims
}

#[tokio::test]
async fn tokens_verify_the_way_aws_jwt_verify_checks_them() {
    let idp = spawn().await;
    let tokens = idp.tokens_for(ADMIN).await;
    let id = verify_like_aws_jwt_verify(&idp, &string(&tokens, "id_token"), "id", WEB_CLIENT).await;
    let access = verify_like_aws_jwt_verify(&idp, &string(&tokens, "access_token"), "access", WEB_CLIENT).await;
    assert_eq!(id["at_hash"], json!(at_hash(&string(&tokens, "access_token"))));
    assert!(access["exp"].as_u64() > access["iat"].as_u64());

    // A verifier checking the wrong audience, or accepting HS256 with a guessed secret, fails.
    let token = string(&tokens, "id_token");
    let key = published_key(&idp, &token).await;
    let mut wrong_audience = Validation::new(Algorithm::RS256);
    wrong_audience.set_audience(&["someoneelse"]);
    assert!(jsonwebtoken::decode::<Value>(&token, &key, &wrong_audience).is_err());
    let mut hs256 = Validation::new(Algorithm::HS256);
    hs256.validate_aud = false;
    assert!(jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_secret(b"x"), &hs256).is_err());
}

fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}
