//! Fixed identity of the embedded user pool and its one app client.
//!
//! They are shaped like Cognito's (a `region_suffix` pool id, a 26-character client id) so
//! code that parses Cognito values accepts them. The secret is public on purpose: this pool
//! exists only on a developer's loopback interface.

pub const DEFAULT_PORT: u16 = 9229;
pub const REGION: &str = "us-east-1";
pub const USER_POOL_ID: &str = "us-east-1_LocalPool";
pub const CLIENT_ID: &str = "leptoscognitolocalclient01";
pub const CLIENT_SECRET: &str = "local-development-secret-not-for-production";
/// Where signing keys are kept between runs, relative to the working directory.
pub const DEFAULT_KEYS_FILE: &str = ".local/local-idp-keys.json";
