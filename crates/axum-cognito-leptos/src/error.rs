//! One error type for the server functions of a signed-in app, mapped to a status in one place.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Why a server function could not answer. On the server, `AuthError::respond` (feature `ssr`) also sets the
/// response's status (and `Retry-After`); in the browser it arrives as the same value, so a view
/// can match on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AuthError {
    /// Nobody is signed in (401).
    #[error("sign-in required")]
    SignInRequired,
    /// Signed in, but not allowed (403): not in the group the view is for.
    #[error("forbidden")]
    Forbidden,
    /// The session's tokens need renewing and the identity provider cannot renew them now (503,
    /// `Retry-After`).
    #[error("the identity provider is unreachable; try again in {retry_after_secs} s")]
    ProviderUnavailable {
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// The session store (or something else the server needs) failed; details are in the
    /// server's log (503).
    #[error("{0} is unavailable")]
    Unavailable(String),
    /// The server function call itself failed (network, encoding, a missing context).
    #[error(transparent)]
    ServerFn(#[from] ServerFnErrorErr),
}

impl AuthError {
    /// The HTTP status that goes with the error: a request the server function cannot read is
    /// the client's mistake (400; 413 when its body is over the size limit), not the server's.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::SignInRequired => 401,
            AuthError::Forbidden => 403,
            AuthError::ProviderUnavailable { .. } | AuthError::Unavailable(_) => 503,
            // The text of http-body-util's `LengthLimitError`, which axum's body limit raises
            // while the arguments are read; the error reaches here only as text.
            AuthError::ServerFn(ServerFnErrorErr::Deserialization(why)) if why.contains("length limit exceeded") => 413,
            AuthError::ServerFn(
                ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_),
            ) => 400,
            AuthError::ServerFn(_) => 500,
        }
    }

    /// Sets the status (and `Retry-After`) of the response being built, and returns the error:
    /// `return Err(AuthError::Forbidden.respond())`. Outside a request it only returns it.
    #[cfg(feature = "ssr")]
    pub fn respond(self) -> Self {
        crate::response::set_status(self.status());
        if let AuthError::ProviderUnavailable { retry_after_secs } = &self {
            crate::response::set_header(axum::http::header::RETRY_AFTER, &retry_after_secs.to_string());
        }
        self
    }
}

impl FromServerFnError for AuthError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = AuthError::ServerFn(value);
        // On the server this is how a request that cannot be read (bad arguments, a body over
        // the limit) arrives, before the function runs; without a status of its own it would
        // answer 500. In the browser, `respond` is not there and nothing needs setting.
        #[cfg(feature = "ssr")]
        let error = error.respond();
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_round_trip() {
        assert_eq!(AuthError::SignInRequired.status(), 401);
        assert_eq!(AuthError::Forbidden.status(), 403);
        assert_eq!(AuthError::ProviderUnavailable { retry_after_secs: 5 }.status(), 503);
        let bad_request = |error| AuthError::ServerFn(error).status();
        assert_eq!(bad_request(ServerFnErrorErr::Args("Multiple values for one key".into())), 400);
        assert_eq!(bad_request(ServerFnErrorErr::Deserialization("invalid utf-8 sequence".into())), 400);
        assert_eq!(bad_request(ServerFnErrorErr::Deserialization("length limit exceeded".into())), 413);
        assert_eq!(bad_request(ServerFnErrorErr::ServerError("no context".into())), 500);
        assert_eq!(AuthError::Unavailable("the session store".into()).to_string(), "the session store is unavailable");
        let error = AuthError::ProviderUnavailable { retry_after_secs: 7 };
        assert_eq!(AuthError::de(error.ser()), error, "the browser gets the same value");
    }
}
