//! `cargo run -p minimal-axum` with `COGNITO_REGION`, `COGNITO_USER_POOL_ID`, `COGNITO_DOMAIN`,
//! `COGNITO_CLIENT_ID` and `COGNITO_CLIENT_SECRET` set; the app client's callback URL must be
//! `http://localhost:8080/auth/callback`.

use axum_cognito::{AuthConfig, config::CognitoSettings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let var = |name: &str| std::env::var(name).map_err(|_| anyhow::anyhow!("set {name}"));
    let app_url = "http://localhost:8080/".parse()?;
    let domain = var("COGNITO_DOMAIN")?.parse()?;
    let pool = var("COGNITO_USER_POOL_ID")?;
    let mut cognito =
        CognitoSettings::user_pool(&var("COGNITO_REGION")?, &pool, domain, var("COGNITO_CLIENT_ID")?, &app_url);
    cognito.client_secret = std::env::var("COGNITO_CLIENT_SECRET").ok().map(Into::into);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    axum::serve(listener, minimal_axum::app(AuthConfig::new(cognito)).await?).await?;
    Ok(())
}
