//! The `leptos-cognito` binary: parse the command line and configuration, then hand over.

use std::process::ExitCode;

use clap::Parser;
use leptos_cognito::server::{
    cli::{Cli, Command},
    config::AppConfig,
    serve, telemetry,
};

/// Exit status for a configuration problem, distinct from a runtime failure (1).
const EXIT_CONFIG: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match AppConfig::from_environment() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("leptos-cognito: configuration error: {error}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    telemetry::init();

    let outcome = match cli.command() {
        Command::Serve => serve::run(config).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("leptos-cognito: {error:#}");
            ExitCode::FAILURE
        }
    }
}
