//! The baselines for `scripts/bench.sh`: the smallest axum 0.8 server answering `/healthz` with
//! the same JSON as the app, on the same runtime, and (with `BASELINE_ISSUER` set) the plain
//! way to answer a Bearer `/api/v1/me`: jsonwebtoken checks an access token once, a map keyed by
//! the token's SHA-256 keeps its claims, and later calls with the same token are a lookup and
//! the JSON. Not a criterion benchmark: it serves until it is killed, so the load generator
//! measures the ceiling this machine allows, and the app's figures can be read against it.
//! `cargo bench --bench plain_axum` with `BASELINE_ADDR` (and `BASELINE_ISSUER`,
//! `BASELINE_CLIENT_ID`) set.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{SystemTime, UNIX_EPOCH},
};

use aws_lc_rs::digest;
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
    serve::ListenerExt,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// What a Cognito access token says that `/me` answers with.
#[derive(Deserialize)]
struct AccessClaims {
    sub: String,
    client_id: String,
    token_use: String,
    exp: u64,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
}

#[derive(Serialize)]
struct Me<'a> {
    client_id: &'a str,
    groups: &'a [String],
    scopes: Vec<&'a str>,
    sub: &'a str,
    username: &'a str,
}

struct Verifier {
    issuer: String,
    client_id: String,
    keys: RwLock<HashMap<String, DecodingKey>>,
    verified: RwLock<HashMap<[u8; 32], Arc<AccessClaims>>>,
}

impl Verifier {
    async fn verify(&self, token: &str) -> Option<Arc<AccessClaims>> {
        let fingerprint: [u8; 32] = digest::digest(&digest::SHA256, token.as_bytes()).as_ref().try_into().ok()?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        if let Some(claims) = self.verified.read().ok()?.get(&fingerprint) {
            return (claims.exp > now).then(|| claims.clone());
        }
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        if !self.keys.read().ok()?.contains_key(&kid) {
            self.load_keys().await?;
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.validate_aud = false;
        let claims = {
            let keys = self.keys.read().ok()?;
            jsonwebtoken::decode::<AccessClaims>(token, keys.get(&kid)?, &validation).ok()?.claims
        };
        if claims.token_use != "access" || claims.client_id != self.client_id {
            return None;
        }
        let claims = Arc::new(claims);
        let mut verified = self.verified.write().ok()?;
        if verified.len() >= 10_000 {
            verified.clear();
        }
        verified.insert(fingerprint, claims.clone());
        Some(claims)
    }

    async fn load_keys(&self) -> Option<()> {
        let url = format!("{}/.well-known/jwks.json", self.issuer);
        let set: JwkSet = reqwest::get(url).await.ok()?.json().await.ok()?;
        let mut keys = self.keys.write().ok()?;
        for jwk in &set.keys {
            if let (Some(kid), Ok(key)) = (jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk)) {
                keys.insert(kid, key);
            }
        }
        Some(())
    }
}

async fn me(State(verifier): State<Arc<Verifier>>, headers: HeaderMap) -> Result<Response, StatusCode> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let claims = verifier.verify(token).await.ok_or(StatusCode::UNAUTHORIZED)?;
    let me = Me {
        client_id: &claims.client_id,
        groups: &claims.groups,
        scopes: claims.scope.split_whitespace().collect(),
        sub: &claims.sub,
        username: claims.username.as_deref().unwrap_or(&claims.sub),
    };
    Ok(Json(me).into_response())
}

#[tokio::main]
async fn main() {
    let addr = std::env::var("BASELINE_ADDR").unwrap_or_else(|_| "127.0.0.1:3510".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind BASELINE_ADDR");
    // As the app does: without TCP_NODELAY a keep-alive client waits for delayed ACKs.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let mut app = Router::new().route("/healthz", get(healthz));
    if let Ok(issuer) = std::env::var("BASELINE_ISSUER") {
        let verifier = Verifier {
            issuer,
            client_id: std::env::var("BASELINE_CLIENT_ID").expect("BASELINE_CLIENT_ID with BASELINE_ISSUER"),
            keys: RwLock::default(),
            verified: RwLock::default(),
        };
        app = app.merge(Router::new().route("/api/v1/me", get(me)).with_state(Arc::new(verifier)));
    }
    axum::serve(listener, app).await.expect("serve");
}
