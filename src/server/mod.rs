//! Everything that runs only on the server. Nothing in here is compiled into the WASM bundle.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod leptos_bridge;
pub mod metrics;
pub mod serve;
pub mod session;
pub mod state;
pub mod telemetry;
pub mod token_command;
