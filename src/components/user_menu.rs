use leptos::prelude::*;

use crate::identity::SignedInUser;

/// The signed-in person's name with an avatar initial, and a sign-out button.
///
/// Sign-out is a plain POST form, so it works before hydration and without JavaScript.
#[component]
pub fn UserMenu(user: SignedInUser) -> impl IntoView {
    view! {
        <span class="user-chip" data-testid="user-chip">
            <span class="avatar" aria-hidden="true">{user.initial()}</span>
            <span class="user-name">{user.display_name().to_string()}</span>
        </span>
        <form class="inline-form" method="post" action="/auth/logout">
            <button type="submit" data-testid="sign-out">"Sign out"</button>
        </form>
    }
}

#[component]
pub fn SignInButtons(providers: Vec<String>) -> impl IntoView {
    view! {
        <a class="button primary" rel="external" href="/auth/login" data-testid="sign-in">"Sign in"</a>
        {providers
            .into_iter()
            .map(|provider| {
                let href = format!("/auth/login?provider={provider}");
                view! {
                    <a class="button" rel="external" href=href>{format!("Sign in with {provider}")}</a>
                }
            })
            .collect_view()}
    }
}
