//! leptos-cognito: sign in with Amazon Cognito user pools from a Leptos + axum app.
//!
//! The crate is built twice by cargo-leptos: once with `ssr` (the server binary, which owns
//! every token and secret) and once with `hydrate` (the WASM front end, which only ever sees
//! what server functions choose to return).

// The dashboard's view type, with its island inside, is deeper than rustc's default limit allows
// when computing its layout in release builds (where Leptos does not erase component types).
#![recursion_limit = "256"]

pub mod app;
/// The bundle's `<link>` and `<script>` tags for the server-rendered shell.
#[cfg(feature = "ssr")]
pub mod bundle;
pub mod components;
/// What the browser may know about the signed-in person: axum-cognito-leptos's types.
pub use axum_cognito_leptos::identity;
pub mod links;
pub mod pages;

/// Server-only code: configuration, auth core, sessions, HTTP surface.
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point called by the loader script (see `bundle`) once the WASM is instantiated, before
/// it hydrates each island. The app is built with Leptos's `islands` feature: only the
/// components marked `#[island]` are in the bundle and hydrate; the rest of each page is the
/// server's HTML, left as it is.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A panic's message in the browser console. The release bundle aborts at once on a panic,
    // without formatting a message (`cargo_leptos_release` in scripts/lib/setup.sh): no hook
    // would ever run, and leaving it out keeps the formatting code out of the bundle.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
