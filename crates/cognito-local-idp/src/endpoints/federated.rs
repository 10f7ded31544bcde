//! `GET|POST /federated`: a stand-in for a social or OIDC provider's own sign-in page.
//!
//! Cognito would send the browser to e.g. Google and receive it back on `/oauth2/idpresponse`.
//! Offline there is no Google, so this page plays it: the developer picks which local account
//! the provider vouches for, and the sign-in completes as a federated user would.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use super::{
    authorization::{self, AuthorizationRequest, AuthorizeError},
    login::{csrf_holds, new_form_token, with_csrf_cookie},
};
use crate::{
    clock::epoch_millis,
    identity::Identity,
    pages::{self, FederatedForm},
    params::Params,
    pool::Pool,
};

pub async fn show(State(pool): State<Arc<Pool>>, RawQuery(query): RawQuery) -> Response {
    match federated_request(&pool, query.as_deref()) {
        Ok((request, provider)) => chooser(&pool, &request, &provider, StatusCode::OK),
        Err(error) => error.into_response(),
    }
}

pub async fn submit(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (request, provider) = match federated_request(&pool, query.as_deref()) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let fields = match Params::from_form(&headers, body) {
        Ok(fields) if csrf_holds(&pool, &headers, &fields) => fields,
        _ => return chooser(&pool, &request, &provider, StatusCode::BAD_REQUEST),
    };
    let chosen = fields.get("username").and_then(|username| pool.users.iter().find(|u| u.username == username));
    let Some(user) = chosen.filter(|user| user.confirmed) else {
        return chooser(&pool, &request, &provider, StatusCode::BAD_REQUEST);
    };
    let identity = Identity::federated(user, &provider, &pool.pool_id, epoch_millis(pool.started_at));
    authorization::complete(&pool, &request, &identity, pool.now_seconds(), true)
}

fn federated_request(pool: &Pool, query: Option<&str>) -> Result<(AuthorizationRequest, String), AuthorizeError> {
    let request = authorization::validate(pool, query)?;
    let provider = request.identity_provider.clone().filter(|p| p != "COGNITO" && request.client.allows_provider(p));
    match provider {
        Some(provider) => Ok((request, provider)),
        None => Err(AuthorizeError::redirect(
            &request,
            "invalid_request",
            Some("identity_provider is not enabled for this client"),
        )),
    }
}

fn chooser(pool: &Pool, request: &AuthorizationRequest, provider: &str, status: StatusCode) -> Response {
    let csrf = new_form_token(pool);
    let accounts: Vec<(String, String)> = pool
        .users
        .iter()
        .filter(|user| user.confirmed)
        .map(|user| {
            let label = match &user.name {
                Some(name) => format!("{name} <{}>", user.email),
                None => user.email.clone(),
            };
            (user.username.clone(), label)
        })
        .collect();
    let query = request.params.to_query();
    let page = pages::federated_page(&FederatedForm { provider, query: &query, csrf: &csrf, accounts: &accounts });
    with_csrf_cookie(pool, pages::html(status, page), &csrf)
}
