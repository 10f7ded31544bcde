use leptos::prelude::*;
use leptos_router::components::A;

use axum_cognito_leptos::use_session;

use crate::components::{
    theme::ThemeToggle,
    user_menu::{SignInButtons, UserMenu},
};

#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    let is_admin =
        move || session.get().and_then(|r| r.ok()).and_then(|info| info.user).is_some_and(|user| user.is_admin);

    view! {
        <header class="top-bar">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " leptos-cognito"
            </A>
            <nav class="nav" aria-label="Main">
                <A href="/">"Home"</A>
                <A href="/dashboard">"Dashboard"</A>
                <A href="/profile">"Profile"</A>
                <Transition fallback=|| ()>
                    <Show when=is_admin>
                        <A href="/admin">"Admin"</A>
                    </Show>
                </Transition>
            </nav>
            <div class="top-bar-actions">
                <Transition fallback=|| ()>
                    {move || {
                        session
                            .get()
                            .map(|result| {
                                let info = result.unwrap_or_default();
                                match info.user {
                                    Some(user) => view! { <UserMenu user /> }.into_any(),
                                    None => view! { <SignInButtons providers=info.identity_providers /> }.into_any(),
                                }
                            })
                    }}
                </Transition>
                <ThemeToggle />
            </div>
        </header>
    }
}
