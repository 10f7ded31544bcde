//! `cognito-local-idp`: the provider on its own, for any Cognito client's development and tests.
//!
//! Configured by the `LOCAL_IDP_*` variables (see [`cognito_local_idp::Settings`]) plus the
//! app client's URLs: `LOCAL_IDP_CALLBACK_URLS` and `LOCAL_IDP_LOGOUT_URLS` (comma-separated,
//! default `http://localhost:3000/auth/callback` and `http://localhost:3000/`) and
//! `LOCAL_IDP_IDENTITY_PROVIDERS` (federated providers to simulate, e.g. `Google`).

use std::process::ExitCode;

use cognito_local_idp::{LocalIdp, LocalIdpOptions, Settings, defaults};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cognito-local-idp: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let list = |name: &str, default: &str| -> Vec<String> {
        let value = std::env::var(name).unwrap_or_else(|_| default.to_string());
        value.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
    };
    let callbacks = list("LOCAL_IDP_CALLBACK_URLS", "http://localhost:3000/auth/callback");
    let logouts = list("LOCAL_IDP_LOGOUT_URLS", "http://localhost:3000/");
    let identity_providers = list("LOCAL_IDP_IDENTITY_PROVIDERS", "");
    // Bind first: with port 0 the domain (and so the issuer) names the port the system chose.
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {} (LOCAL_IDP_ADDR): {e}", settings.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut options = LocalIdpOptions::from_settings(
        format!("http://{addr}"),
        &settings,
        callbacks.first().map(String::as_str).unwrap_or_default(),
        logouts.first().map(String::as_str).unwrap_or_default(),
        &identity_providers,
    )
    .map_err(|e| e.to_string())?;
    options.clients[0].callback_urls = callbacks;
    options.clients[0].logout_urls = logouts;
    let idp = LocalIdp::new(options).map_err(|e| e.to_string())?;
    tracing::info!(
        issuer = %idp.issuer(),
        client_id = defaults::CLIENT_ID,
        "cognito-local-idp is listening (client secret and demo users: see the crate's README)"
    );
    cognito_local_idp::serve(idp, listener, shutdown_signal()).await.map_err(|e| e.to_string())
}

/// Ctrl-C, or SIGTERM from a container runtime or a test harness.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
