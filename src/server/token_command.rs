//! `leptos-cognito token`: sign in with a username and password (Cognito's `InitiateAuth`)
//! and print the tokens, for curl and scripts.

use std::{io::BufRead, time::Duration};

use anyhow::Context;

use crate::server::{auth::initiate_auth::password_sign_in, config::AppConfig};

pub async fn run(config: &AppConfig, username: &str, password: &str, access_token_only: bool) -> anyhow::Result<()> {
    let password = if password == "-" { read_password_from_stdin()? } else { password.to_string() };
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;
    let tokens = password_sign_in(&http, &config.cognito, username, &password).await?;
    if access_token_only {
        println!("{}", tokens.access_token);
    } else {
        println!("{}", serde_json::to_string_pretty(&tokens)?);
    }
    Ok(())
}

/// `--password -` keeps the password out of the process list and shell history.
fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
