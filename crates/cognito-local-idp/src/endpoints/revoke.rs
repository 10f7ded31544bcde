//! `POST /oauth2/revoke` (Amazon Cognito developer guide, "Revoke endpoint").

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::client_auth::authenticate;
use crate::{
    error::OAuthError,
    params::Params,
    pool::{Counters, Pool},
    tokens::is_our_jwt,
};

pub async fn revoke(
    State(pool): State<Arc<Pool>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match revoke_token(&pool, &headers, body) {
        // RFC 7009 §2.2: success, and an unknown or already revoked token, are both an empty 200.
        Ok(()) => {
            (StatusCode::OK, [(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"))]).into_response()
        }
        Err(error) => error.into_response(),
    }
}

fn revoke_token(pool: &Pool, headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<(), OAuthError> {
    let params = Params::from_form(headers, body).map_err(|_| OAuthError::invalid_request())?;
    let client = authenticate(pool, headers, &params)
        .map_err(|_| OAuthError::invalid_client().with_status(StatusCode::UNAUTHORIZED))?;
    let token = params.get("token").ok_or_else(OAuthError::invalid_request)?;
    // Only refresh tokens can be revoked; ID and access tokens are JWTs and are refused.
    if is_our_jwt(&pool.keys(), token) {
        return Err(OAuthError::new("unsupported_token_type"));
    }
    let now = pool.now();
    let remember_until = pool.revocation_memory();
    let mut store = pool.store();
    let origin = store
        .refresh_token_owner(token)
        .filter(|(owner, _)| *owner == client.client_id)
        .map(|(_, origin)| origin.to_string());
    // Someone else's token is left alone, and the caller learns nothing about it.
    if let Some(origin) = origin {
        store.revoke_origin(&origin, remember_until, now);
        Counters::bump(&pool.counters.revocations);
        tracing::info!(client_id = %client.client_id, "local IdP revoked a refresh token family");
    }
    Ok(())
}
