//! The auth core: starting a sign-in (state, nonce, PKCE), talking to Cognito's OAuth
//! endpoints, verifying tokens against the pool's JWKS, and completing or ending a sign-in.

pub mod access_token_cache;
pub mod claims;
pub mod core;
pub mod initiate_auth;
pub mod jwks;
pub mod login_transaction;
pub mod oauth_client;
pub mod pkce;
pub mod provider_backoff;
pub mod random;
pub mod refresh;
pub mod return_to;
pub mod secret_hash;
pub mod sign_in;
pub mod sign_in_options;
pub mod sign_out;
pub mod token_string;
pub mod user_email;
pub mod verify;
