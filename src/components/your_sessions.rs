//! "Your sessions": every browser the signed-in person is signed in with, on any instance, each
//! with its own sign-out, and a button that signs out everywhere.
//!
//! Both actions are plain POST forms (to `/auth/sessions/end` and `/auth/logout`), so they
//! work before hydration and without JavaScript.

use axum_cognito_leptos::AuthError;
use leptos::either::Either;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::time_display::format_unix;

/// One session as its owner may see it: no token, no session id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Names the session in the sign-out form.
    pub key: String,
    /// "Firefox on Linux".
    pub device: String,
    pub signed_in_at: i64,
    pub last_active: i64,
    /// The session of the browser looking at the list.
    pub current: bool,
}

#[server(prefix = "/fn")]
pub async fn list_my_sessions() -> Result<Vec<SessionSummary>, AuthError> {
    use crate::server::leptos_bridge::app_state;
    use axum_cognito_leptos::server::signed_in;
    let state = app_state()?;
    let Some(auth) = signed_in(&state).await? else {
        return Ok(Vec::new());
    };
    let entries = state.directory.list(&auth.sub, state.session_lifetimes(), state.clock.now()).await.map_err(|e| {
        tracing::error!(error = %e, "could not list sessions");
        AuthError::Unavailable("the list of sessions".into()).respond()
    })?;
    // One a page: what shows that the page created its resource once (see `load_my_sessions`).
    tracing::debug!(sessions = entries.len(), "listed the person's sessions");
    Ok(entries
        .into_iter()
        .filter(|entry| entry.belongs_to(&state.auth.config.cognito.client_id))
        .map(|entry| SessionSummary {
            current: entry.session_key == auth.session_key,
            key: entry.session_key,
            device: entry.device,
            signed_in_at: entry.signed_in_at,
            last_active: entry.last_active,
        })
        .collect())
}

/// The signed-in person's sessions, loading.
pub type SessionsResource = OnceResource<Result<Vec<SessionSummary>, AuthError>>;

/// Starts loading the list, once per page: a `OnceResource` (nothing to refetch it on; it skips
/// a `Resource`'s tracked source). Call it outside the `<Suspense>` that shows it (in the page's
/// component): a resource created inside one is created again (and its server function called
/// again) each time Leptos walks the suspense's children while rendering on the server
/// (leptos-rs/leptos#4866).
pub fn load_my_sessions() -> SessionsResource {
    OnceResource::new(list_my_sessions())
}

/// The list of `sessions` (from [`load_my_sessions`]) and the "sign out everywhere" button.
#[component]
pub fn YourSessions(sessions: SessionsResource) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="your-sessions">
            <h2 id="your-sessions">"Your sessions"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    sessions
                        .get()
                        .map(|result| match result {
                            Ok(list) => Either::Left(view! { <SessionList list /> }),
                            Err(_) => {
                                Either::Right(view! {
                                    <p class="notice error">"Your sessions cannot be listed right now."</p>
                                })
                            }
                        })
                }}
            </Suspense>
            <form method="post" action="/auth/logout">
                <input type="hidden" name="everywhere" value="true" />
                <button type="submit" class="danger" data-testid="sign-out-everywhere">
                    "Sign out everywhere"
                </button>
            </form>
        </section>
    }
}

#[component]
fn SessionList(list: Vec<SessionSummary>) -> impl IntoView {
    view! {
        <ul class="session-list" data-testid="session-list">
            {list
                .into_iter()
                .map(|session| {
                    let this = session.current;
                    view! {
                        <li data-testid="session-item" data-current=this.to_string()>
                            <span class="session-device">
                                {session.device} {this.then(|| view! { <span class="badge ok">"this browser"</span> })}
                            </span>
                            <span class="muted">
                                "Signed in " {format_unix(session.signed_in_at)} " · last active "
                                {format_unix(session.last_active)}
                            </span>
                            <form class="inline-form" method="post" action="/auth/sessions/end">
                                <input type="hidden" name="session" value=session.key />
                                <button type="submit" data-testid="end-session">"Sign out"</button>
                            </form>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
