//! Client authentication at the token and revocation endpoints (RFC 6749 §2.3.1): HTTP Basic
//! (`client_secret_basic`), body parameters (`client_secret_post`), or a bare `client_id` for a
//! public client.

use axum::http::{HeaderMap, header};
use base64::{Engine, engine::general_purpose::STANDARD};

use crate::{clients::ClientRegistration, params::Params, pool::Pool};

/// Authentication failed; the endpoint decides the status (`invalid_client` is 400 at the token
/// endpoint and 401 at revocation, as Cognito answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAuthFailed;

pub fn authenticate<'p>(
    pool: &'p Pool,
    headers: &HeaderMap,
    params: &Params,
) -> Result<&'p ClientRegistration, ClientAuthFailed> {
    let (client_id, secret) = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let (id, secret) = basic_credentials(value.to_str().map_err(|_| ClientAuthFailed)?)?;
            // One method per request (RFC 6749 §2.3): a second, different identity is refused.
            if params.get("client_secret").is_some() || params.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(ClientAuthFailed);
            }
            (id, secret)
        }
        None => {
            let id = params.get("client_id").ok_or(ClientAuthFailed)?.to_string();
            (id, params.get("client_secret").map(str::to_string))
        }
    };
    let client = pool.client(&client_id).ok_or(ClientAuthFailed)?;
    if client.secret_matches(secret.as_deref()) { Ok(client) } else { Err(ClientAuthFailed) }
}

fn basic_credentials(value: &str) -> Result<(String, Option<String>), ClientAuthFailed> {
    let (scheme, encoded) = value.trim().split_once(' ').ok_or(ClientAuthFailed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ClientAuthFailed);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ClientAuthFailed)?;
    let decoded = String::from_utf8(decoded).map_err(|_| ClientAuthFailed)?;
    let (id, secret) = decoded.split_once(':').ok_or(ClientAuthFailed)?;
    // A public client may still use Basic with an empty password.
    let secret = (!secret.is_empty()).then(|| secret.to_string());
    Ok((id.to_string(), secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_credentials() {
        let header = format!("Basic {}", STANDARD.encode("client:se:cret"));
        assert_eq!(basic_credentials(&header), Ok(("client".to_string(), Some("se:cret".to_string()))));
        let public = format!("basic {}", STANDARD.encode("client:"));
        assert_eq!(basic_credentials(&public), Ok(("client".to_string(), None)));
        assert_eq!(basic_credentials("Bearer abc"), Err(ClientAuthFailed));
        assert_eq!(basic_credentials("Basic !!!"), Err(ClientAuthFailed));
    }
}
