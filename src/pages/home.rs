use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use axum_cognito_leptos::{SignedIn, Visitor, use_session, visitor};

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Amazon Cognito sign-in, done right"</h1>
            <p class="lead">
                "This app signs people in through the Cognito hosted UI with state, nonce and PKCE, "
                "verifies every token against the user pool's keys, and keeps the tokens on the "
                "server behind an opaque, HttpOnly session cookie."
            </p>
        </section>
        {match visitor(session) {
            Visitor::SignedIn(SignedIn { user, .. }) => {
                Either::Left(view! {
                    <p class="notice" data-testid="sign-in-state">
                        "You are signed in as " <strong>{user.display_name().to_string()}</strong> ". "
                        <a href="/dashboard">"Open your dashboard"</a>
                    </p>
                })
            }
            Visitor::SignedOut(_) => {
                Either::Right(view! {
                    <p class="notice" data-testid="sign-in-state">
                        "You are signed out. "
                        <a rel="external" href="/auth/login">"Sign in"</a>
                        " to see your dashboard."
                    </p>
                })
            }
        }}
    }
}
