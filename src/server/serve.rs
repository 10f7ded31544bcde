//! Binding the listener and running the app until a shutdown signal.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use crate::server::{
    clock::{SharedClock, SystemClock},
    config::AppConfig,
    http,
    session::store::AppSessionStore,
    state::AppState,
};

/// A bound, not yet running server. Tests bind to port 0 and read [`Server::local_addr`].
pub struct Server {
    listener: TcpListener,
    router: axum::Router,
}

impl Server {
    pub async fn bind(config: AppConfig) -> anyhow::Result<Server> {
        let listener = TcpListener::bind(config.site_addr)
            .await
            .with_context(|| format!("cannot listen on {} (LEPTOS_SITE_ADDR)", config.site_addr))?;
        Server::from_listener(listener, config).await
    }

    /// Serves on a listener bound by the caller, e.g. on port 0 before `APP_URL` is known.
    pub async fn from_listener(listener: TcpListener, config: AppConfig) -> anyhow::Result<Server> {
        Server::from_listener_with_clock(listener, config, Arc::new(SystemClock)).await
    }

    pub async fn from_listener_with_clock(
        listener: TcpListener,
        config: AppConfig,
        clock: SharedClock,
    ) -> anyhow::Result<Server> {
        let leptos_options = leptos_options(&config)?;
        let sessions = AppSessionStore::open(&config.session.store).await?;
        sessions.spawn_expired_deletion();
        let state = AppState::with_clock(config, leptos_options, clock)?;
        // Warm the key cache without delaying start-up or failing when the provider is down.
        let verifier = state.verifier.clone();
        tokio::spawn(async move { verifier.jwks().preload().await });
        Ok(Server { listener, router: http::router(state, sessions) })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await?;
        Ok(())
    }
}

/// Runs the app until Ctrl-C or SIGTERM.
pub async fn run(config: AppConfig) -> anyhow::Result<()> {
    let app_url = config.app_url.clone();
    let server = Server::bind(config).await?;
    tracing::info!(addr = %server.local_addr()?, %app_url, "leptos-cognito is listening");
    server.run_until(shutdown_signal()).await
}

/// Leptos's own settings (site root, asset names), as cargo-leptos passes them in the
/// environment, with the listen address taken from our validated configuration.
fn leptos_options(config: &AppConfig) -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)
        .context("cannot read the Leptos settings (LEPTOS_* variables)")?
        .leptos_options;
    options.site_addr = config.site_addr;
    if options.output_name.is_empty() {
        // Built by plain `cargo` (tests) rather than cargo-leptos.
        options.output_name = env!("CARGO_PKG_NAME").into();
    }
    Ok(options)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
