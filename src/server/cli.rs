//! The command line of the `leptos-cognito` binary.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "leptos-cognito", version, about = "Amazon Cognito sign-in for a Leptos + axum app")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the app (the default), with the embedded identity provider when LOCAL_IDP says so.
    Serve,
}

impl Cli {
    pub fn command(&self) -> Command {
        self.command.clone().unwrap_or(Command::Serve)
    }
}
