use leptos::prelude::*;

use crate::links::login_url;

/// Shown when a protected page is reached by client-side navigation without a session (the
/// server redirects full page loads itself). Sends the browser to sign-in.
#[component]
pub fn SignInRequired(#[prop(into)] path: String) -> impl IntoView {
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
