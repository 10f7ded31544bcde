//! `InitiateAuth` of the user pools API (Amazon Cognito user pools API reference,
//! "InitiateAuth"), used by the `token` command to sign in without a browser.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{
    clients::{ADMIN_SCOPE, ClientRegistration, secret_hash_matches},
    error::AmzError,
    identity::Identity,
    lockout::PASSWORD_ATTEMPTS_EXCEEDED,
    pool::{Counters, IssuedTokens, Pool, SignIn},
    store::RefreshProblem,
    tokens::{MintError, MintedTokens},
};

const FLOWS: &str = "[USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, \
                     USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InitiateAuthRequest {
    auth_flow: Option<String>,
    client_id: Option<String>,
    #[serde(default)]
    auth_parameters: HashMap<String, String>,
}

/// Signs in with a password, or refreshes.
pub fn initiate_auth(pool: &Pool, request: InitiateAuthRequest) -> Result<Value, AmzError> {
    let client_id = request.client_id.as_deref().ok_or_else(|| {
        AmzError::invalid_parameter("1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
    })?;
    let flow = request.auth_flow.as_deref().ok_or_else(|| {
        AmzError::invalid_parameter("1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null")
    })?;
    if !FLOWS.trim_matches(['[', ']']).split(", ").any(|known| known == flow) {
        return Err(AmzError::invalid_parameter(format!(
            "1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: {FLOWS}"
        )));
    }
    let client = pool.client(client_id).ok_or_else(|| {
        AmzError::new("ResourceNotFoundException", format!("User pool client {client_id} does not exist."))
    })?;
    let parameters = &request.auth_parameters;
    match flow {
        "USER_PASSWORD_AUTH" => user_password(pool, client, parameters),
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => refresh(pool, client, parameters),
        other => Err(AmzError::invalid_parameter(format!("{other} is not supported by the local identity provider."))),
    }
}

fn user_password(
    pool: &Pool,
    client: &ClientRegistration,
    parameters: &HashMap<String, String>,
) -> Result<Value, AmzError> {
    // Cognito answers a flow the client does not allow with NotAuthorizedException
    // (Amazon Cognito user pools API reference, "InitiateAuth"), not
    // InvalidParameterException.
    if !client.allow_user_password_auth {
        return Err(AmzError::not_authorized("USER_PASSWORD_AUTH flow not enabled for this client"));
    }
    let username = required(parameters, "USERNAME")?;
    let password = required(parameters, "PASSWORD")?;
    check_secret_hash(client, parameters, &[username])?;
    let incorrect = || AmzError::not_authorized("Incorrect username or password.");
    let user = pool.user(username).ok_or_else(incorrect)?;
    let now = pool.now();
    if pool.lockouts.admit(&user.username, now).is_err() {
        return Err(AmzError::not_authorized(PASSWORD_ATTEMPTS_EXCEEDED));
    }
    if !user.password_matches(password) {
        pool.lockouts.failed(&user.username, now);
        return Err(incorrect());
    }
    pool.lockouts.succeeded(&user.username);
    if !user.confirmed {
        return Err(AmzError::new("UserNotConfirmedException", "User is not confirmed."));
    }
    let identity = Identity::local(user, &pool.pool_id);
    let scopes = vec![ADMIN_SCOPE.to_string()];
    let IssuedTokens { minted, refresh_token } = pool
        .sign_in_tokens(SignIn {
            identity: &identity,
            client_id: &client.client_id,
            scopes: &scopes,
            auth_time: pool.now_seconds(),
            nonce: None,
            with_id_token: true,
            with_refresh_token: true,
        })
        .map_err(internal)?;
    Ok(result(pool, minted, refresh_token))
}

fn refresh(pool: &Pool, client: &ClientRegistration, parameters: &HashMap<String, String>) -> Result<Value, AmzError> {
    if client.refresh_token_rotation {
        // Amazon Cognito developer guide, "Refresh tokens": with rotation on, only the token
        // endpoint (or GetTokensFromRefreshToken) refreshes.
        return Err(AmzError::not_authorized(
            "Refresh token rotation is enabled for this app client; REFRESH_TOKEN_AUTH is not allowed.",
        ));
    }
    let token = required(parameters, "REFRESH_TOKEN")?;
    let grant = match pool.store().refresh_grant(token, pool.now()) {
        Ok(grant) if grant.client_id == client.client_id => grant,
        Err(RefreshProblem::Expired) => return Err(AmzError::not_authorized("Refresh Token has expired")),
        _ => return Err(AmzError::not_authorized("Invalid Refresh Token")),
    };
    // The hash is over the pool's username for the user; the `sub` is accepted too, as with aliases.
    check_secret_hash(client, parameters, &[&grant.identity.username, &grant.identity.sub])?;
    let minted = pool.refreshed_tokens(&grant).map_err(internal)?;
    Counters::bump(&pool.counters.refresh_grants);
    Ok(result(pool, minted, None))
}

fn required<'a>(parameters: &'a HashMap<String, String>, name: &str) -> Result<&'a str, AmzError> {
    parameters
        .get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| AmzError::invalid_parameter(format!("Missing required parameter {name}")))
}

fn check_secret_hash(
    client: &ClientRegistration,
    parameters: &HashMap<String, String>,
    usernames: &[&str],
) -> Result<(), AmzError> {
    let Some(secret) = &client.client_secret else { return Ok(()) };
    let id = &client.client_id;
    let Some(presented) = parameters.get("SECRET_HASH") else {
        return Err(AmzError::not_authorized(format!(
            "Client {id} is configured for secret but secret was not received"
        )));
    };
    if usernames.iter().any(|username| secret_hash_matches(secret, username, id, presented)) {
        Ok(())
    } else {
        Err(AmzError::not_authorized(format!("Unable to verify secret hash for client {id}")))
    }
}

fn result(pool: &Pool, minted: MintedTokens, refresh_token: Option<String>) -> Value {
    let mut result = Map::new();
    result.insert("AccessToken".into(), json!(minted.access_token));
    result.insert("ExpiresIn".into(), json!(pool.lifetimes.access.as_secs()));
    if let Some(id_token) = minted.id_token {
        result.insert("IdToken".into(), json!(id_token));
    }
    if let Some(refresh_token) = refresh_token {
        result.insert("RefreshToken".into(), json!(refresh_token));
    }
    result.insert("TokenType".into(), json!("Bearer"));
    json!({ "AuthenticationResult": result, "ChallengeParameters": {} })
}

fn internal(error: MintError) -> AmzError {
    tracing::error!(%error, "local IdP could not sign a token");
    AmzError::new("InternalErrorException", "An internal error occurred.")
}
