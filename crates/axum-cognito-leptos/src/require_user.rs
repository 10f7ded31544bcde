//! A protected view's body: its children for the signed-in person, a sign-in prompt for anyone
//! else.

use leptos::either::Either;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    identity::{SessionInfo, SignedInUser},
    links::login_url,
    session::{SignInState, use_session},
};

/// Shown when a protected page is reached without a session (by client-side navigation: an
/// app's server can redirect full page loads itself, and an app built with Leptos's islands has
/// no client-side navigation). Sends the browser to sign-in.
#[component]
pub fn SignInRequired(
    /// The page's own path, to come back to after signing in.
    #[prop(into)]
    path: String,
) -> impl IntoView {
    let href = login_url(&path);
    let target = href.clone();
    Effect::new(move |_| {
        let _ = window().location().assign(&target);
    });
    view! {
        <section class="card">
            <h1>"Sign-in required"</h1>
            <p>"This page is only for signed-in users."</p>
            <p><a class="button primary" rel="external" href=href>"Sign in"</a></p>
        </section>
    }
}

/// Who a protected view is for: the signed-in person and when the server will next want to
/// refresh their tokens. Serializable, so it can be an island's prop in an app built with
/// Leptos's `islands` feature (the island that calls [`keep_alive`](crate::keep_alive()) there).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The signed-in person.
    pub user: SignedInUser,
    /// Seconds until the tokens are due for a refresh (see `SessionInfo::refresh_in_secs`).
    pub refresh_in_secs: Option<i64>,
}

/// Who is visiting: what a view branches on.
#[derive(Clone, Debug, PartialEq)]
pub enum Visitor {
    /// A signed-in person.
    SignedIn(SignedIn),
    /// Nobody is signed in; the state still says which identity providers a sign-in button may
    /// offer.
    SignedOut(SessionInfo),
}

/// The visitor as `session` says.
pub fn visitor(session: SignInState) -> Visitor {
    // Borrowed, then only the branch's part cloned.
    session.with(|info| match info {
        SessionInfo { user: Some(user), refresh_in_secs, .. } => {
            Visitor::SignedIn(SignedIn { user: user.clone(), refresh_in_secs: *refresh_in_secs })
        }
        info => Visitor::SignedOut(info.clone()),
    })
}

/// Whether `session`'s signed-in person is in the admin group, without copying the person.
pub fn is_admin(session: SignInState) -> bool {
    session.with(|info| info.user.as_ref().is_some_and(|user| user.is_admin))
}

/// A protected page's body: its children for the signed-in person, [`SignInRequired`] for
/// anyone else (needs [`crate::provide_session`] above it). Use it as
/// `<RequireUser path="/profile" let:signed_in>…</RequireUser>`. The sign-in state is there
/// from the first render, so the children run once; a resource they read is created outside
/// any `<Suspense>` that shows it (see [`crate::load_id_token_claims`]).
#[component]
pub fn RequireUser<F, V>(
    /// The page's own path, to come back to after signing in.
    #[prop(into)]
    path: String,
    /// The view for the signed-in person.
    children: F,
) -> impl IntoView
where
    F: Fn(SignedIn) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    match visitor(use_session()) {
        Visitor::SignedIn(signed_in) => Either::Left(children(signed_in)),
        Visitor::SignedOut(_) => Either::Right(view! { <SignInRequired path /> }),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::sync::Arc;

    use leptos::reactive::owner::Owner;

    use super::*;
    use crate::{
        identity::{SignedInUser, sample_user},
        server::PageSignIn,
    };

    /// `/profile`'s body as the server renders it for a page whose sign-in state is `info`.
    fn render_profile(info: SessionInfo) -> String {
        let (mut parts, ()) = axum::http::Request::new(()).into_parts();
        parts.extensions.insert(PageSignIn(Arc::new(info)));
        Owner::new().with(|| {
            provide_context(parts);
            crate::provide_session();
            view! {
                <RequireUser path="/profile" let:signed_in>
                    <p>"Hello " {signed_in.user.username}</p>
                </RequireUser>
            }
            .to_html()
        })
    }

    #[test]
    fn the_signed_in_person_gets_the_view_and_anyone_else_a_way_to_sign_in() {
        let html = render_profile(SessionInfo::default());
        assert!(html.contains("Sign-in required"), "{html}");
        assert!(html.contains(r#"href="/auth/login?return_to=%2Fprofile""#), "back to the page after: {html}");
        assert!(!html.contains("Hello"), "{html}");

        let user = SignedInUser { username: "ada".into(), ..sample_user() };
        let html = render_profile(SessionInfo { user: Some(user), ..SessionInfo::default() });
        assert!(html.contains("Hello ") && html.contains("ada"), "{html}");
        assert!(!html.contains("Sign-in required"), "{html}");
    }
}
