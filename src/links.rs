//! Links that carry a path to come back to, encoded the one way axum-cognito-leptos does.

pub use axum_cognito_leptos::links::login_url;

/// The notice shown when a session has ended, which offers to sign in again and return to `path`.
pub fn session_expired_url(path: &str) -> String {
    axum_cognito_leptos::links::with_return_to("/auth/session-expired", path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_are_encoded_as_one_query_value() {
        assert_eq!(login_url("/admin?tab=a&b=c"), "/auth/login?return_to=%2Fadmin%3Ftab%3Da%26b%3Dc");
        assert_eq!(session_expired_url("/profile"), "/auth/session-expired?return_to=%2Fprofile");
    }
}
