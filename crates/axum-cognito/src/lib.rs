//! Sign in with Amazon Cognito user pools from an axum app, with tokens kept on the server.
//!
//! The auth core of leptos-cognito, with no Leptos in it:
//!
//! * [`auth`]: login transactions (`state`, nonce, PKCE), the Cognito OAuth client, JWKS cache
//!   and token verification, completing a sign-in, refresh with single flight, sign-out;
//! * [`session`]: the session store (memory; SQLite and Redis behind the `sqlite` and `redis`
//!   cargo features, both on by default) and what lives beside sessions (refresh locks, sign-ins
//!   in flight, each person's list of sessions);
//! * [`config`]: the settings, built in code ([`config::CognitoSettings::user_pool`]) or read
//!   from the environment ([`AuthConfig::from_env`], [`config::env`]);
//! * [`routes`]: `/auth/login`, `/auth/callback`, `POST /auth/logout` and
//!   `POST /auth/sessions/end`, with a per-client budget of sign-ins ([`client_limit`]);
//! * [`metrics`]: Prometheus metrics of the auth paths through the `metrics` facade.
//!
//! [`AuthCore`] holds it all; sign-in, refresh and sign-out take it.
//!
//! # Example: settings for a user pool
//!
//! ```
//! use axum_cognito::config::CognitoSettings;
//!
//! let app_url = "https://app.example.com/".parse().unwrap();
//! let cognito = CognitoSettings::user_pool(
//!     "eu-west-1",
//!     "eu-west-1_AbC123",
//!     "https://auth.example.com".parse().unwrap(),
//!     "1example23456789",
//!     &app_url,
//! );
//! assert_eq!(cognito.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
//! assert_eq!(cognito.redirect_uri.as_str(), "https://app.example.com/auth/callback");
//! assert_eq!(cognito.jwks_uri(), format!("{}/.well-known/jwks.json", cognito.issuer));
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod client_limit;
pub mod clock;
pub mod config;
pub mod extract;
pub mod metrics;
pub mod request_span;
pub mod routes;
pub mod session;

pub use api::{ApiCaller, ApiError, ApiRejection};
pub use auth::core::{AuthCore, StartError};
pub use config::AuthConfig;
pub use extract::{SignInRequired, SignedIn};
