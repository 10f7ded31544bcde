//! The embedded identity provider's wire contract, checked over a real socket the way the app,
//! a browser and aws-jwt-verify would see it (Amazon Cognito's user pools endpoints and API
//! reference are the reference for every answer). One test binary, a module per endpoint family.

mod support;

mod authorize;
mod code_flow;
mod discovery;
mod federated;
mod get_user;
mod initiate_auth;
mod keys_and_settings;
mod lockout;
mod logout;
mod refresh_and_revocation;
mod token;
mod userinfo;
mod verification;
