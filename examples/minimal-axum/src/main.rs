//! `cargo run -p minimal-axum` with `APP_URL=http://localhost:8080`, `COGNITO_REGION`,
//! `COGNITO_USER_POOL_ID`, `COGNITO_DOMAIN`, `COGNITO_CLIENT_ID` and `COGNITO_CLIENT_SECRET`
//! set (the other variables of leptos-cognito's table are optional); the app client's callback
//! URL must be `http://localhost:8080/auth/callback`.

use axum_cognito::AuthConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = AuthConfig::from_env()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    // The peer's address tells clients apart for the per-client limit of sign-ins started.
    let app = minimal_axum::app(config).await?.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).await?;
    Ok(())
}
