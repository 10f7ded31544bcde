//! `/dashboard`: who you are, from the verified ID token, and when your tokens expire. The page
//! keeps the session fresh while it is open: a timer (and regaining focus) asks the server to
//! refresh shortly before expiry, and the claims on screen update without a reload. That part
//! is an island (`LiveIdentity`); the rest of the page is the server's HTML.

use axum_cognito_leptos::{RequireUser, SignedIn, keep_alive};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{
    time_display::format_unix,
    your_sessions::{SessionsResource, YourSessions, load_my_sessions},
};
use crate::identity::SignedInUser;

#[component]
pub fn DashboardPage() -> impl IntoView {
    // Out here, not in `Dashboard`: see `load_my_sessions`.
    let sessions = load_my_sessions();
    view! {
        <Title text="Dashboard" />
        <RequireUser path="/dashboard" let:signed_in>
            <Dashboard signed_in sessions />
        </RequireUser>
    }
}

#[component]
fn Dashboard(signed_in: SignedIn, sessions: SessionsResource) -> impl IntoView {
    view! {
        <LiveIdentity signed_in />
        <p>
            <a href="/profile">"See every claim of your ID token"</a>
            " · "
            // `prompt=login`: the hosted UI asks for a password even with its own session.
            <a rel="external" href=format!("{}&prompt=login", crate::links::login_url("/dashboard")) data-testid="switch-account">
                "Sign in as someone else"
            </a>
        </p>
        <YourSessions sessions />
    }
}

/// The greeting and the "Who you are" card, kept current by the keep-alive: an island, so it
/// hydrates with `signed_in` (sent with the page as the island's props) and no other context.
#[island]
fn LiveIdentity(signed_in: SignedIn) -> impl IntoView {
    let user = keep_alive(signed_in, || {
        let _ = window().location().assign(&crate::links::session_expired_url("/dashboard"));
    });
    // One reactive closure for the whole card rather than one per claim: a refresh replaces
    // every claim at once, and each reactive closure costs the server an owner and an effect
    // while it renders the page (callgrind, docs/benchmarks.md). A change rebuilds the card in
    // place: the same view with new texts.
    move || user.with(identity_card)
}

fn identity_card(user: &SignedInUser) -> impl IntoView + use<> {
    let verified = match user.email_verified {
        Some(true) => EitherOf3::A(view! { <span class="badge ok">"verified"</span> }),
        Some(false) => EitherOf3::B(view! { <span class="badge">"not verified"</span> }),
        None => EitherOf3::C(()),
    };
    let groups = if user.groups.is_empty() {
        Either::Left(view! { <span>"none"</span> })
    } else {
        Either::Right(user.groups.iter().map(|g| view! { <span class="badge">{g.clone()}</span> }).collect_view())
    };
    let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "—".into());

    view! {
        <h1>"Welcome, " {user.display_name().to_string()}</h1>
        <section class="card" aria-labelledby="who">
            <h2 id="who">"Who you are"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="claim-name">{or_dash(&user.name)}</dd>
                <dt>"Email"</dt>
                <dd data-testid="claim-email">{or_dash(&user.email)} " " {verified}</dd>
                <dt>"Username"</dt>
                <dd>{user.username.clone()}</dd>
                <dt>"Groups"</dt>
                <dd data-testid="claim-groups">{groups}</dd>
                <dt>"Subject (sub)"</dt>
                <dd class="mono">{user.sub.clone()}</dd>
                <dt>"Signed in at"</dt>
                <dd>{user.auth_time.map(format_unix).unwrap_or_else(|| "—".into())}</dd>
                <dt>"ID token expires"</dt>
                <dd data-testid="id-token-expiry">{format_unix(user.id_token_expires_at)}</dd>
                <dt>"Access token expires"</dt>
                <dd data-testid="access-token-expiry">{format_unix(user.access_token_expires_at)}</dd>
            </dl>
            <p class="muted">"Tokens are refreshed on the server shortly before they expire."</p>
        </section>
    }
}
