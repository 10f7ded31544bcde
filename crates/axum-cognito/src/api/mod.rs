//! A JSON API's callers: [`caller::ApiCaller`] accepts a Cognito access token as
//! `Authorization: Bearer` or, without that header, the session cookie; refusals are
//! [`error::ApiError`], answered with RFC 6750 challenges and a JSON body.

pub mod caller;
pub mod error;

pub use caller::{ApiCaller, Credential, is_bearer_attempt};
pub use error::{ApiError, ApiRejection};
