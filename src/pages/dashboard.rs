//! `/dashboard`: who you are, from the verified ID token, and when your tokens expire. The page
//! keeps the session fresh while it is open: a timer (and regaining focus) asks the server to
//! refresh shortly before expiry, and the claims on screen update without a reload.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::{
    session::RefreshSession, sign_in_required::RequireUser, time_display::format_unix, your_sessions::YourSessions,
};
use crate::identity::SignedInUser;

/// Retry delay after a failed refresh call (network, provider outage).
const RETRY_SECS: u64 = 10;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <RequireUser path="/dashboard" let:signed_in>
            <Dashboard user=signed_in.user refresh_in_secs=signed_in.refresh_in_secs />
        </RequireUser>
    }
}

#[component]
fn Dashboard(user: SignedInUser, refresh_in_secs: Option<i64>) -> impl IntoView {
    let user = RwSignal::new(user);
    let next_refresh_in = RwSignal::new(refresh_in_secs);
    let refresh = ServerAction::<RefreshSession>::new();

    // One pending timer at a time, cleared when a new one is set and when the component goes
    // away (a timer firing after that would dispatch a disposed action). Plain shared state,
    // not a signal, so the cleanup can still reach it while the component is being disposed.
    let pending: Arc<Mutex<Option<TimeoutHandle>>> = Arc::default();
    let clear_pending = {
        let pending = pending.clone();
        move || {
            if let Some(handle) = pending.lock().ok().and_then(|mut p| p.take()) {
                handle.clear();
            }
        }
    };
    on_cleanup(clear_pending.clone());
    Effect::new(move |_| {
        clear_pending();
        let Some(delay) = next_refresh_in.get() else { return };
        let timer = set_timeout_with_handle(
            move || {
                refresh.dispatch(RefreshSession {});
            },
            Duration::from_secs(delay.max(1) as u64),
        );
        if let (Ok(handle), Ok(mut slot)) = (timer, pending.lock()) {
            *slot = Some(handle);
        }
    });
    Effect::new(move |_| {
        let handle = window_event_listener(ev::focus, move |_| {
            refresh.dispatch(RefreshSession {});
        });
        on_cleanup(move || handle.remove());
    });
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(info)) => match info.user {
            Some(fresh) => {
                user.set(fresh);
                next_refresh_in.set(info.refresh_in_secs);
            }
            None => {
                let _ = window().location().assign(&crate::links::session_expired_url("/dashboard"));
            }
        },
        Some(Err(_)) => next_refresh_in.set(Some(RETRY_SECS as i64)),
        None => {}
    });

    let verified = move || match user.with(|u| u.email_verified) {
        Some(true) => view! { <span class="badge ok">"verified"</span> }.into_any(),
        Some(false) => view! { <span class="badge">"not verified"</span> }.into_any(),
        None => ().into_any(),
    };
    let groups = move || {
        let groups = user.with(|u| u.groups.clone());
        if groups.is_empty() {
            view! { <span>"none"</span> }.into_any()
        } else {
            groups.into_iter().map(|g| view! { <span class="badge">{g}</span> }).collect_view().into_any()
        }
    };
    let text = move |f: fn(&SignedInUser) -> String| move || user.with(f);

    view! {
        <h1>"Welcome, " {text(|u| u.display_name().to_string())}</h1>
        <section class="card" aria-labelledby="who">
            <h2 id="who">"Who you are"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="claim-name">{text(|u| u.name.clone().unwrap_or_else(|| "—".into()))}</dd>
                <dt>"Email"</dt>
                <dd data-testid="claim-email">
                    {text(|u| u.email.clone().unwrap_or_else(|| "—".into()))} " " {verified}
                </dd>
                <dt>"Username"</dt>
                <dd>{text(|u| u.username.clone())}</dd>
                <dt>"Groups"</dt>
                <dd data-testid="claim-groups">{groups}</dd>
                <dt>"Subject (sub)"</dt>
                <dd class="mono">{text(|u| u.sub.clone())}</dd>
                <dt>"Signed in at"</dt>
                <dd>{text(|u| u.auth_time.map(format_unix).unwrap_or_else(|| "—".into()))}</dd>
                <dt>"ID token expires"</dt>
                <dd data-testid="id-token-expiry">{text(|u| format_unix(u.id_token_expires_at))}</dd>
                <dt>"Access token expires"</dt>
                <dd data-testid="access-token-expiry">{text(|u| format_unix(u.access_token_expires_at))}</dd>
            </dl>
            <p class="muted">"Tokens are refreshed on the server shortly before they expire."</p>
        </section>
        <p>
            <A href="/profile">"See every claim of your ID token"</A>
            " · "
            // `prompt=login`: the hosted UI asks for a password even with its own session.
            <a rel="external" href=format!("{}&prompt=login", crate::links::login_url("/dashboard")) data-testid="switch-account">
                "Sign in as someone else"
            </a>
        </p>
        <YourSessions />
    }
}
