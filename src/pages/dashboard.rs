use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::{session::use_session, sign_in_required::SignInRequired, time_display::format_unix};
use crate::identity::SignedInUser;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Dashboard" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                session
                    .get()
                    .map(|result| match result.ok().and_then(|info| info.user) {
                        Some(user) => view! { <Dashboard user /> }.into_any(),
                        None => view! { <SignInRequired path="/dashboard" /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn Dashboard(user: SignedInUser) -> impl IntoView {
    let verified = match user.email_verified {
        Some(true) => view! { <span class="badge ok">"verified"</span> }.into_any(),
        Some(false) => view! { <span class="badge">"not verified"</span> }.into_any(),
        None => ().into_any(),
    };
    let groups = if user.groups.is_empty() {
        view! { <span>"none"</span> }.into_any()
    } else {
        user.groups.iter().map(|g| view! { <span class="badge">{g.clone()}</span> }).collect_view().into_any()
    };
    view! {
        <h1>"Welcome, " {user.display_name().to_string()}</h1>
        <section class="card" aria-labelledby="who">
            <h2 id="who">"Who you are"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="claim-name">{user.name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Email"</dt>
                <dd data-testid="claim-email">{user.email.clone().unwrap_or_else(|| "—".into())} " " {verified}</dd>
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
        </section>
        <p>
            <A href="/profile">"See every claim of your ID token"</A>
        </p>
    }
}
