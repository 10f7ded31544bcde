//! Fixed identity of the embedded user pool and its one app client.
//!
//! They are shaped like Cognito's (a `region_suffix` pool id, a 26-character client id) so
//! code that parses Cognito values accepts them. The secret is public on purpose: this pool
//! exists only on a developer's loopback interface.

/// Port the binary listens on (on 127.0.0.1) unless told otherwise.
pub const DEFAULT_PORT: u16 = 9229;
/// AWS region the pool pretends to live in; the prefix of [`USER_POOL_ID`].
pub const REGION: &str = "us-east-1";
/// User pool id, shaped like Cognito's `{region}_{suffix}`; the issuer is `{domain}/{USER_POOL_ID}`.
pub const USER_POOL_ID: &str = "us-east-1_LocalPool";
/// Client id of the one app client, 26 characters like Cognito's.
pub const CLIENT_ID: &str = "leptoscognitolocalclient01";
/// Client secret of the one app client (public on purpose, see above).
pub const CLIENT_SECRET: &str = "local-development-secret-not-for-production";
/// Where signing keys are kept between runs, relative to the working directory.
pub const DEFAULT_KEYS_FILE: &str = ".local/local-idp-keys.json";
/// Custom (resource-server) scope registered for the app client, for machine-to-machine tests.
pub const CUSTOM_SCOPE: &str = "api/read";
/// Cognito's authorization codes are single-use and live 5 minutes.
pub const CODE_LIFETIME_SECS: u64 = 300;
/// Cognito's managed-login session cookie lasts 1 hour.
pub const SESSION_LIFETIME_SECS: u64 = 3_600;
/// How long a sign-in form (its CSRF token) stays usable.
pub const FORM_LIFETIME_SECS: u64 = 3_600;
/// Largest request body any endpoint reads.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;
