//! The `leptos-cognito` binary: parse the command line and configuration, then hand over.

use std::process::ExitCode;

use clap::Parser;
use leptos_cognito::server::{
    allocator::ServerAllocator,
    cli::{Cli, Command},
    config::AppConfig,
    serve, telemetry, token_command,
};

/// jemalloc, with a cheaper `realloc` for small blocks: see `server::allocator`.
#[global_allocator]
static ALLOCATOR: ServerAllocator = ServerAllocator;

/// Exit status for a configuration problem, distinct from a runtime failure (1).
const EXIT_CONFIG: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command();
    let config = match command {
        Command::LocalIdp => AppConfig::from_environment_for_local_idp(),
        Command::Serve | Command::Token { .. } => AppConfig::from_environment(),
    };
    let config = match config {
        Ok(config) => config,
        Err(error) => {
            eprintln!("leptos-cognito: configuration error: {error}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let outcome = match command {
        Command::Serve => {
            telemetry::init(config.log_format);
            serve::run(config).await
        }
        Command::LocalIdp => {
            telemetry::init(config.log_format);
            serve::run_local_idp_only(config).await
        }
        // Prints only the tokens, so its output can go straight into a variable.
        Command::Token { client_credentials: true, scope, access_token, client_id, client_secret, .. } => {
            let client = client_id.zip(client_secret);
            token_command::run_client_credentials(&config, client, &scope, access_token).await
        }
        Command::Token { username, password, access_token, .. } => {
            let (Some(username), Some(password)) = (username, password) else {
                eprintln!("leptos-cognito: token needs --username and --password, or --client-credentials");
                return ExitCode::from(EXIT_CONFIG);
            };
            token_command::run(&config, &username, &password, access_token).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leptos-cognito: {error:#}");
            ExitCode::FAILURE
        }
    }
}
