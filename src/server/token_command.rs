//! `leptos-cognito token`: sign in with a username and password (Cognito's `InitiateAuth`)
//! and print the tokens, for curl and scripts.

use std::{io::BufRead, time::Duration};

use anyhow::Context;

use crate::server::{
    auth::{initiate_auth::password_sign_in, oauth_client::CognitoOAuthClient},
    config::AppConfig,
};

pub async fn run(config: &AppConfig, username: &str, password: &str, access_token_only: bool) -> anyhow::Result<()> {
    let password = if password == "-" { read_line_from_stdin("the password")? } else { password.to_string() };
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;
    let tokens = password_sign_in(&http, &config.auth.cognito, username, &password).await?;
    if access_token_only {
        println!("{}", tokens.access_token);
    } else {
        println!("{}", serde_json::to_string_pretty(&tokens)?);
    }
    Ok(())
}

/// `token --client-credentials [--client-id ID --client-secret S] [--scope S]...`: a machine
/// token from `/oauth2/token`, with the app client's id and secret or with `client` (an id and
/// a secret, `-` to read it from standard input). The client must allow the grant and scopes.
pub async fn run_client_credentials(
    config: &AppConfig,
    client: Option<(String, String)>,
    scopes: &[String],
    access_token_only: bool,
) -> anyhow::Result<()> {
    let mut cognito = config.auth.cognito.clone();
    if let Some((client_id, secret)) = client {
        let secret = if secret == "-" { read_line_from_stdin("the client secret")? } else { secret };
        cognito.client_id = client_id;
        cognito.client_secret = Some(secret.into());
    }
    if cognito.client_secret.is_none() {
        anyhow::bail!(
            "the client_credentials grant needs a confidential client: set COGNITO_CLIENT_SECRET, or give --client-id and --client-secret"
        );
    }
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;
    let client = CognitoOAuthClient::new(http, cognito);
    let tokens = client.client_credentials(scopes).await.context("client_credentials at /oauth2/token")?;
    if access_token_only {
        println!("{}", tokens.access_token.expose());
    } else {
        let json = serde_json::json!({
            "access_token": tokens.access_token.expose(),
            "token_type": tokens.token_type,
            "expires_in": tokens.expires_in,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    }
    Ok(())
}

/// `--password -` and `--client-secret -` keep secrets out of the process list and shell
/// history.
fn read_line_from_stdin(what: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).with_context(|| format!("cannot read {what} from stdin"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
