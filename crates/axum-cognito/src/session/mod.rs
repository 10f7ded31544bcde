//! Server-side sessions: the browser holds only an opaque id in an HttpOnly cookie; tokens
//! and claims live in the store.

pub mod auth_session;
pub mod directory;
pub mod layer;
pub mod login_transactions;
pub mod memory_store;
#[cfg(feature = "redis")]
pub mod redis_store;
pub mod refresh_lock;
pub mod store;
