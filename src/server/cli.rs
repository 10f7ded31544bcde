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
    /// Run only the embedded Cognito-compatible identity provider on LOCAL_IDP_ADDR.
    LocalIdp,
    /// Sign in with USER_PASSWORD_AUTH (Cognito's InitiateAuth) and print the tokens as JSON;
    /// or, with --client-credentials, get a machine token from /oauth2/token.
    Token {
        #[arg(long, required_unless_present = "client_credentials")]
        username: Option<String>,
        /// The password, or `-` to read it from standard input.
        #[arg(long, required_unless_present = "client_credentials")]
        password: Option<String>,
        /// Print only the access token (for `Authorization: Bearer ...`).
        #[arg(long)]
        access_token: bool,
        /// A machine token: the client_credentials grant with the app client's id and secret,
        /// or with --client-id and --client-secret.
        #[arg(long, conflicts_with_all = ["username", "password"])]
        client_credentials: bool,
        /// The machine client to ask as, when it is not the app client (Cognito allows
        /// client_credentials only on a client without the code grant).
        #[arg(long, requires = "client_credentials", requires = "client_secret")]
        client_id: Option<String>,
        /// That client's secret, or `-` to read it from standard input.
        #[arg(long, requires = "client_id")]
        client_secret: Option<String>,
        /// A custom scope to ask for (repeatable), e.g. api/read.
        #[arg(long, requires = "client_credentials")]
        scope: Vec<String>,
    },
}

impl Cli {
    pub fn command(&self) -> Command {
        self.command.clone().unwrap_or(Command::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_serves_without_a_subcommand() {
        assert!(matches!(Cli::parse_from(["leptos-cognito"]).command(), Command::Serve));
        assert!(matches!(Cli::parse_from(["leptos-cognito", "local-idp"]).command(), Command::LocalIdp));
    }
}
