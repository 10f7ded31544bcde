//! A plain axum app signed in with Amazon Cognito through `axum-cognito`: the sign-in routes, a
//! page for everyone, a page for signed-in people, and a JSON API that takes the session cookie
//! or a Cognito access token as Bearer. Tokens never reach the browser.

use axum::{Json, Router, routing::get};
use axum_cognito::{ApiCaller, AuthConfig, AuthCore, SignedIn, routes};
use serde_json::{Value, json};

/// The whole app, for `config` (see `main.rs` for real Cognito).
pub async fn app(config: AuthConfig) -> anyhow::Result<Router> {
    let core = AuthCore::start(config).await?;
    Ok(Router::new()
        .route("/", get(home))
        .route("/private", get(private))
        .route("/api/me", get(api_me))
        .merge(routes::router(&core.config))
        .layer(core.session_layer())
        .with_state(core))
}

async fn home(user: Option<SignedIn>) -> String {
    match user {
        Some(SignedIn(user)) => format!("Hello, {}. Sign out: POST /auth/logout", user.username),
        None => "Hello, stranger. Sign in: /auth/login?return_to=/private".to_string(),
    }
}

/// 401 unless signed in (`SignInRequired` is the rejection; map it to a redirect if you like).
async fn private(SignedIn(user): SignedIn) -> Json<Value> {
    Json(json!({ "sub": user.sub, "email": user.email, "groups": user.groups }))
}

/// RFC 6750 errors (`ApiError`) for a missing or bad credential.
async fn api_me(caller: ApiCaller) -> Json<Value> {
    Json(json!({ "sub": caller.sub, "scopes": caller.scopes, "credential": caller.credential }))
}
