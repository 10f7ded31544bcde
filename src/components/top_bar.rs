use leptos::either::Either;
use leptos::prelude::*;

use axum_cognito_leptos::{SignedIn, Visitor, is_admin, use_session, visitor};

use crate::components::{
    nav_link::NavLink,
    theme::ThemeToggle,
    user_menu::{SignInButtons, UserMenu},
};

#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();

    view! {
        <header class="top-bar">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <a href="/" class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " leptos-cognito"
            </a>
            <nav class="nav" aria-label="Main">
                <NavLink href="/" label="Home" />
                <NavLink href="/dashboard" label="Dashboard" />
                <NavLink href="/profile" label="Profile" />
                {is_admin(session).then(|| view! { <NavLink href="/admin" label="Admin" /> })}
            </nav>
            <div class="top-bar-actions">
                {match visitor(session) {
                    Visitor::SignedIn(SignedIn { user, .. }) => Either::Left(view! { <UserMenu user /> }),
                    Visitor::SignedOut(info) => {
                        Either::Right(view! { <SignInButtons providers=info.identity_providers /> })
                    }
                }}
                <ThemeToggle />
            </div>
        </header>
    }
}
