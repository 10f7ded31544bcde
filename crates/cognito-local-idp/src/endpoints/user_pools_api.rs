//! `POST /`: the user pools API, in the AWS JSON 1.1 protocol: the operation is named by
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, the body is a JSON object, and
//! errors are `400` with `x-amzn-ErrorType` (Amazon Cognito user pools API reference, "Common
//! errors"). The embedded provider serves `InitiateAuth` and `GetUser`.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

use super::{get_user, initiate_auth};
use crate::{
    error::{AmzError, amz_json},
    pool::{Counters, Pool},
};

const SERVICE: &str = "AWSCognitoIdentityProviderService";

pub async fn user_pools_api(
    State(pool): State<Arc<Pool>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.strip_prefix(SERVICE))
        .and_then(|operation| operation.strip_prefix('.'));
    let answer = match operation {
        Some("InitiateAuth") => {
            // Counted whether it succeeds or not.
            Counters::bump(&pool.counters.initiate_auth);
            request(&headers, body, "InitiateAuth").and_then(|request| initiate_auth::initiate_auth(&pool, request))
        }
        Some("GetUser") => {
            Counters::bump(&pool.counters.get_user);
            request(&headers, body, "GetUser").and_then(|request| get_user::get_user(&pool, request))
        }
        _ => Err(AmzError::new("UnknownOperationException", "The operation is not supported by this endpoint.")),
    };
    match answer {
        Ok(body) => amz_json(StatusCode::OK, &body),
        Err(error) => {
            tracing::info!(operation, kind = error.kind, "local IdP user pools API call refused");
            error.into_response()
        }
    }
}

/// The request body of `operation`, refused as the AWS JSON protocol refuses what it cannot read.
fn request<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    operation: &str,
) -> Result<T, AmzError> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next());
    if !media.is_some_and(|m| matches!(m.trim(), "application/x-amz-json-1.1" | "application/json")) {
        return Err(AmzError::new("SerializationException", "Expected Content-Type application/x-amz-json-1.1."));
    }
    let body = body.map_err(|_| AmzError::new("SerializationException", "The request body could not be read."))?;
    serde_json::from_slice(&body).map_err(|_| {
        AmzError::new("SerializationException", format!("The request body is not valid JSON for {operation}."))
    })
}
