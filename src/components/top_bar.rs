use leptos::prelude::*;
use leptos_router::components::A;

use axum_cognito_leptos::{SignedIn, Visitor, is_admin, use_session, visitor};

use crate::components::{
    theme::ThemeToggle,
    user_menu::{SignInButtons, UserMenu},
};

#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();

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
                {is_admin(session).then(|| view! { <A href="/admin">"Admin"</A> })}
            </nav>
            <div class="top-bar-actions">
                {match visitor(session) {
                    Visitor::SignedIn(SignedIn { user, .. }) => view! { <UserMenu user /> }.into_any(),
                    Visitor::SignedOut(info) => view! { <SignInButtons providers=info.identity_providers /> }.into_any(),
                }}
                <ThemeToggle />
            </div>
        </header>
    }
}
