//! Sign-in with Amazon Cognito for Leptos apps on axum, through
//! [axum-cognito](https://docs.rs/axum-cognito): what server functions and components need.
//!
//! * [`identity`]: what the browser may know about the signed-in person ([`SignedInUser`],
//!   [`SessionInfo`]): claims of the verified ID token, never a token; the full list of claims
//!   only where a page asks for it ([`load_id_token_claims`]);
//! * [`session`]: the visitor's sign-in state, read once per page load before the page renders
//!   and sent with it ([`provide_session`], [`use_session`], `server::read_sign_in_for_page`
//!   on the server), and refreshed by the server function [`session::RefreshSession`];
//! * [`RequireUser`]: a protected view's body, its children for the signed-in person and a
//!   sign-in prompt for anyone else;
//! * [`keep_alive()`]: refreshes the session while a page is open (a timer before expiry, and when
//!   the tab regains focus), so claims on screen stay current;
//! * [`AuthError`]: one error type for every server function here (Leptos's
//!   `FromServerFnError`), which sets the response status on the server;
//! * `server` (feature `ssr`): the signed-in person inside any `#[server]` function
//!   (`server::signed_in()`), and control over the response.
//!
//! Its server functions answer under [`SERVER_FN_PREFIX`] (`/fn/…`), not Leptos's default
//! `/api/…`: an app's `/api/` is its JSON API, with its own rules (RFC 6750 errors, Bearer
//! tokens), which server functions do not follow. Give the app's own server functions the same
//! prefix (`#[server(prefix = "/fn")]`).
//!
//! The server provides the core as Leptos context (`provide_context(core.clone())`, where `core`
//! is the app's `Arc<axum_cognito::AuthCore>`) in `leptos_routes_with_context` and the server
//! function handler, inside axum-cognito's session layer, and reads each page's sign-in state
//! in a middleware in front of the pages (`server::read_sign_in_for_page`).
//!
//! # Example
//!
//! ```
//! use axum_cognito_leptos::{RequireUser, provide_session};
//! use leptos::prelude::*;
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     provide_session();
//!     view! {
//!         <RequireUser path="/profile" let:signed_in>
//!             <p>"Hello, " {signed_in.user.display_name().to_string()}</p>
//!         </RequireUser>
//!     }
//! }
//! # let _ = App;
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod identity;
pub mod keep_alive;
pub mod links;
pub mod require_user;
#[cfg(feature = "ssr")]
mod response;
#[cfg(feature = "ssr")]
pub mod server;
pub mod session;

/// Where the server functions of this crate answer (`#[server(prefix = "/fn")]`), with the
/// trailing slash: `path.starts_with(SERVER_FN_PREFIX)` tells a server function's request.
pub const SERVER_FN_PREFIX: &str = "/fn/";

pub use error::AuthError;
pub use identity::{IdTokenClaims, SessionInfo, SignedInUser};
pub use keep_alive::keep_alive;
pub use require_user::{RequireUser, SignInRequired, SignedIn, Visitor, is_admin, visitor};
pub use session::{ClaimsResource, SignInState, load_id_token_claims, provide_session, use_session};
