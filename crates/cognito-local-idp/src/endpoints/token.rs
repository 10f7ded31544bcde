//! `POST /oauth2/token` (Amazon Cognito developer guide, "Token endpoint").

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::client_auth::authenticate;
use crate::{
    clients::ClientRegistration,
    error::{OAuthError, oauth_json},
    params::Params,
    pkce,
    pool::{Counters, IssuedTokens, Pool, SignIn},
    tokens::{MintError, MintedTokens, random_token},
};

pub async fn token(State(pool): State<Arc<Pool>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    match grant(&pool, &headers, body) {
        Ok(body) => oauth_json(StatusCode::OK, &body),
        Err(error) => error.into_response(),
    }
}

fn grant(pool: &Pool, headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Value, OAuthError> {
    let params = Params::from_form(headers, body).map_err(|_| OAuthError::invalid_request())?;
    let grant_type = params.get("grant_type").ok_or_else(OAuthError::invalid_request)?;
    let client = authenticate(pool, headers, &params).map_err(|_| OAuthError::invalid_client())?;
    match grant_type {
        "authorization_code" => authorization_code(pool, client, &params),
        "refresh_token" => refresh_token(pool, client, &params),
        "client_credentials" => client_credentials(pool, client, &params),
        _ => Err(OAuthError::new("unsupported_grant_type")),
    }
}

fn authorization_code(pool: &Pool, client: &ClientRegistration, params: &Params) -> Result<Value, OAuthError> {
    if !client.allow_code_grant {
        return Err(OAuthError::unauthorized_client());
    }
    let code = params.get("code").ok_or_else(OAuthError::invalid_request)?;
    let redirect_uri = params.get("redirect_uri").ok_or_else(OAuthError::invalid_request)?;
    // The code is gone from here on, whether or not the rest checks out: it can be tried only once.
    let entry = pool.store().take_code(code, pool.now()).ok_or_else(OAuthError::invalid_grant)?;
    if entry.client_id != client.client_id {
        return Err(OAuthError::invalid_grant());
    }
    if entry.redirect_uri != redirect_uri {
        // Cognito's quirk: a mismatched redirect is `unauthorized_client`, not `invalid_grant`.
        return Err(OAuthError::unauthorized_client().described("invalid_redirect"));
    }
    match (&entry.code_challenge, params.get("code_verifier")) {
        (Some(challenge), verifier) => {
            if !verifier.is_some_and(|verifier| pkce::verifier_matches(challenge, verifier)) {
                return Err(OAuthError::invalid_grant());
            }
        }
        // A verifier for a code issued without a challenge is a PKCE downgrade attempt
        // (RFC 9700 §2.1.1): refused.
        (None, Some(_)) => return Err(OAuthError::invalid_grant()),
        (None, None) => {}
    }
    let with_id_token = entry.scopes.iter().any(|s| s == "openid");
    let issued = pool
        .sign_in_tokens(SignIn {
            identity: &entry.identity,
            client_id: &client.client_id,
            scopes: &entry.scopes,
            auth_time: entry.auth_time,
            nonce: entry.nonce.as_deref(),
            with_id_token,
            with_refresh_token: true,
        })
        .map_err(server_error)?;
    Counters::bump(&pool.counters.code_grants);
    let IssuedTokens { minted, refresh_token } = issued;
    Ok(token_response(pool, minted, refresh_token))
}

fn refresh_token(pool: &Pool, client: &ClientRegistration, params: &Params) -> Result<Value, OAuthError> {
    let presented = params.get("refresh_token").ok_or_else(OAuthError::invalid_request)?;
    let now = pool.now();
    let (grant, rotated) = {
        let mut store = pool.store();
        let grant = store.refresh_grant(presented, now).map_err(|_| OAuthError::invalid_grant())?;
        if grant.client_id != client.client_id {
            return Err(OAuthError::invalid_grant());
        }
        // The old token leaves in the same critical section that issues the new one: with no
        // retry grace period, of two concurrent refreshes exactly one wins
        // (Amazon Cognito developer guide, "Refresh tokens").
        let rotated = if client.refresh_token_rotation {
            let fresh = random_token(64);
            store
                .rotate_refresh_token(presented, fresh.clone(), now, client.refresh_token_retry_grace)
                .ok_or_else(OAuthError::invalid_grant)?;
            Some(fresh)
        } else {
            None
        };
        (grant, rotated)
    };
    let minted = pool.refreshed_tokens(&grant).map_err(server_error)?;
    Counters::bump(&pool.counters.refresh_grants);
    Ok(token_response(pool, minted, rotated))
}

fn client_credentials(pool: &Pool, client: &ClientRegistration, params: &Params) -> Result<Value, OAuthError> {
    if !client.allow_client_credentials || client.client_secret.is_none() {
        return Err(OAuthError::unauthorized_client());
    }
    let scopes = client.machine_scopes(params.get("scope")).ok_or_else(|| OAuthError::new("invalid_scope"))?;
    let access_token = pool.machine_token(&client.client_id, &scopes).map_err(server_error)?;
    Counters::bump(&pool.counters.client_credentials_grants);
    Ok(json!({
        "access_token": access_token,
        "expires_in": pool.lifetimes.access.as_secs(),
        "token_type": "Bearer",
    }))
}

fn token_response(pool: &Pool, minted: MintedTokens, refresh_token: Option<String>) -> Value {
    let mut body = Map::new();
    if let Some(id_token) = minted.id_token {
        body.insert("id_token".into(), json!(id_token));
    }
    body.insert("access_token".into(), json!(minted.access_token));
    if let Some(refresh_token) = refresh_token {
        body.insert("refresh_token".into(), json!(refresh_token));
    }
    body.insert("expires_in".into(), json!(pool.lifetimes.access.as_secs()));
    body.insert("token_type".into(), json!("Bearer"));
    Value::Object(body)
}

fn server_error(error: MintError) -> OAuthError {
    tracing::error!(%error, "local IdP could not sign a token");
    OAuthError::new("server_error").with_status(StatusCode::INTERNAL_SERVER_ERROR)
}
