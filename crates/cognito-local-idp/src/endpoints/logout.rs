//! `GET /logout` (Amazon Cognito developer guide, "Logout endpoint"): ends the managed-login
//! session; it never revokes tokens.

use std::sync::Arc;

use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};

use super::found;
use crate::{cookies, error::PageError, params::Params, pool::Pool};

pub async fn logout(State(pool): State<Arc<Pool>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    match destination(&pool, query.as_deref()) {
        Ok(location) => {
            if let Some(session) = cookies::read(&headers, cookies::SESSION) {
                pool.store().remove_session(&session);
            }
            let mut response = found(&location);
            if let Some(cookie) = cookies::clear(cookies::SESSION, pool.secure_cookies()) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => error.into_response(),
    }
}

/// Where to send the browser: an exactly registered `logout_uri`, or back to sign-in when the
/// request names a registered `redirect_uri` and a `response_type`.
fn destination(pool: &Pool, query: Option<&str>) -> Result<String, PageError> {
    let params = Params::from_query(query).map_err(|problem| PageError::bad_request(problem.describe()))?;
    let client_id = params
        .get("client_id")
        .ok_or_else(|| PageError::bad_request("Required String parameter 'client_id' is not present"))?;
    let client = pool
        .client(client_id)
        .ok_or_else(|| PageError::bad_request("invalid_client: the client_id is not registered."))?;
    if let Some(logout_uri) = params.get("logout_uri") {
        if client.logout_urls.iter().any(|url| url == logout_uri) {
            return Ok(logout_uri.to_string());
        }
        return Err(PageError::bad_request("The logout_uri is not registered as a sign-out URL for this client."));
    }
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| PageError::bad_request("Required String parameter 'redirect_uri' is not present"))?;
    if !client.callback_urls.iter().any(|url| url == redirect_uri) {
        return Err(PageError::bad_request("redirect_mismatch: the redirect_uri is not registered for this client."));
    }
    if params.get("response_type").is_none() {
        return Err(PageError::bad_request("Required String parameter 'response_type' is not present"));
    }
    Ok(format!("/login?{}", params.to_query()))
}
