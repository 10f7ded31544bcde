//! A protected view's body: its children for the signed-in person, a sign-in prompt for anyone
//! else.

use leptos::prelude::*;

use crate::{
    identity::{SessionInfo, SignedInUser},
    links::login_url,
    session::{SessionResource, use_session},
};

/// Shown when a protected page is reached without a session (by client-side navigation: an
/// app's server can redirect full page loads itself). Sends the browser to sign-in.
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
/// refresh their tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedIn {
    /// The signed-in person.
    pub user: SignedInUser,
    /// Seconds until the tokens are due for a refresh (see `SessionInfo::refresh_in_secs`).
    pub refresh_in_secs: Option<i64>,
}

/// Who is visiting, once the session resource has loaded: what a view branches on.
#[derive(Clone, Debug, PartialEq)]
pub enum Visitor {
    /// A signed-in person.
    SignedIn(SignedIn),
    /// Nobody is signed in (or the session could not be read); the state still says which
    /// identity providers a sign-in button may offer.
    SignedOut(SessionInfo),
}

/// The visitor as `session` says, or `None` while it loads. Read it inside a `<Transition>` (or
/// `<Suspense>`): it tracks the resource. An error reading the session counts as signed out.
pub fn visitor(session: SessionResource) -> Option<Visitor> {
    // Borrowed, then only the branch's part cloned: a page reads the visitor several times while
    // it renders, and `get` would clone the whole state each time.
    session.with(|loaded| {
        loaded.as_ref().map(|result| match result {
            Ok(SessionInfo { user: Some(user), refresh_in_secs, .. }) => {
                Visitor::SignedIn(SignedIn { user: user.clone(), refresh_in_secs: *refresh_in_secs })
            }
            Ok(info) => Visitor::SignedOut(info.clone()),
            Err(_) => Visitor::SignedOut(SessionInfo::default()),
        })
    })
}

/// Whether `session` has loaded and its signed-in person is in the admin group; `false` while it
/// loads. Tracks the resource like [`visitor`], without copying the person.
pub fn is_admin(session: SessionResource) -> bool {
    session.with(|loaded| matches!(loaded, Some(Ok(SessionInfo { user: Some(user), .. })) if user.is_admin))
}

/// A protected page's body: its children for the signed-in person, [`SignInRequired`] for
/// anyone else, "Loading…" while the session loads (needs [`crate::provide_session`] above it).
/// Use it as `<RequireUser path="/profile" let:signed_in>…</RequireUser>`. Create the resources
/// the view needs in the page's component, above `RequireUser`, and read them inside (as
/// [`crate::load_id_token_claims`] asks): Leptos's server render runs the children more than
/// once, and a resource created in them would be created, and loaded, each time.
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
    let session = use_session();
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                visitor(session)
                    .map(|visitor| match visitor {
                        Visitor::SignedIn(signed_in) => children(signed_in).into_any(),
                        Visitor::SignedOut(_) => view! { <SignInRequired path=path.clone() /> }.into_any(),
                    })
            }}
        </Transition>
    }
}
