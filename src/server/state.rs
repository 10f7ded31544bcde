//! Shared application state, handed to axum handlers and (as context) to server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::server::{
    auth::core::AuthCore,
    clock::{SharedClock, SystemClock},
    config::AppConfig,
    session::store::AppSessionStore,
};

/// Cloned for every request (axum's `State`, each middleware, server-function context), so it
/// is one reference count: everything it shares sits behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// `leptos_axum` reads the Leptos options from the router state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<AppConfig>,
    pub auth: Arc<AuthCore>,
}

/// Extractors of the auth core (`ApiCaller`, `SignedIn`) find it in the app's state.
impl FromRef<AppState> for Arc<AuthCore> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// The auth core's parts (`state.directory`, `state.verifier`, ...) read as the state's own, and
/// `&state` is accepted wherever the core is asked for.
impl std::ops::Deref for SharedState {
    type Target = AuthCore;

    fn deref(&self) -> &AuthCore {
        &self.auth
    }
}

impl AppState {
    pub async fn new(
        config: AppConfig,
        leptos_options: LeptosOptions,
        sessions: AppSessionStore,
    ) -> anyhow::Result<Self> {
        Self::with_clock(config, leptos_options, sessions, Arc::new(SystemClock)).await
    }

    pub async fn with_clock(
        config: AppConfig,
        leptos_options: LeptosOptions,
        sessions: AppSessionStore,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let auth = AuthCore::new(config.auth.clone(), sessions, clock).await?;
        Ok(AppState(Arc::new(SharedState { leptos_options, config: Arc::new(config), auth: Arc::new(auth) })))
    }
}
