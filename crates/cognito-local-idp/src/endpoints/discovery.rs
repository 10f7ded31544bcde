//! `/{pool id}/.well-known/jwks.json` and `/openid-configuration` (OpenID Connect Discovery
//! 1.0 §4; RFC 7517 for the key set).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::pool::{Counters, Pool};

pub async fn jwks(State(pool): State<Arc<Pool>>) -> Response {
    Counters::bump(&pool.counters.jwks_requests);
    let body = pool.keys().jwks();
    public_json(&body)
}

pub async fn openid_configuration(State(pool): State<Arc<Pool>>) -> Response {
    // The same fields as Cognito's document; endpoints live on the domain, the JWKS under the issuer.
    let body = json!({
        "authorization_endpoint": pool.endpoint("/oauth2/authorize"),
        "end_session_endpoint": pool.endpoint("/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": pool.issuer,
        "jwks_uri": format!("{}/.well-known/jwks.json", pool.issuer),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": pool.endpoint("/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": pool.endpoint("/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": pool.endpoint("/oauth2/userInfo"),
    });
    public_json(&body)
}

fn public_json(body: &Value) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ],
        body.to_string(),
    )
        .into_response()
}
