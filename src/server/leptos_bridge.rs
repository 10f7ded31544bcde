//! The app's state inside server functions; everything else they need about the request and
//! the signed-in person comes from `axum_cognito_leptos::server`.

use axum_cognito_leptos::AuthError;
use leptos::{prelude::use_context, server_fn::error::ServerFnErrorErr};

use crate::server::state::AppState;

/// The app state the router provides as context to pages and server functions.
pub fn app_state() -> Result<AppState, AuthError> {
    use_context::<AppState>()
        .ok_or_else(|| AuthError::ServerFn(ServerFnErrorErr::ServerError("application state is missing".into())))
}
