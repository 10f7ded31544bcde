//! Everything that runs only on the server. Nothing in here is compiled into the WASM bundle.

pub mod allocator;
pub mod api;
pub mod cli;
pub mod config;
pub mod http;
pub mod leptos_bridge;
pub mod serve;
pub mod state;
pub mod telemetry;
pub mod token_command;

/// The auth core (sign-in, verification, sessions, refresh, sign-out) lives in the
/// `axum-cognito` crate; these are its modules under the names the app has always used.
pub use axum_cognito::{auth, clock, metrics, request_span, session};
