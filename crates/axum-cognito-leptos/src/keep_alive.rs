//! Keeps a session fresh while a page is open: a timer asks the server to refresh shortly before
//! the tokens expire, and so does the tab regaining focus (timers are throttled in background
//! tabs); the claims on screen update without a reload.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use leptos::{ev, prelude::*};

use crate::{identity::SignedInUser, require_user::SignedIn, session::RefreshSession};

/// Retry delay after a failed refresh call (network, provider outage).
const RETRY_SECS: i64 = 10;

/// Keeps `signed_in`'s session fresh for as long as the calling component lives, and returns
/// the person, updated after each refresh. `on_ended` runs when the server reports the session
/// over (signed out elsewhere, refresh token revoked): send the browser somewhere, typically a
/// "session expired" page.
///
/// It needs the browser: in an app built with Leptos's `islands` feature, call it in an
/// `#[island]` that takes the [`SignedIn`] as a prop (it is serializable).
pub fn keep_alive(signed_in: SignedIn, on_ended: impl Fn() + Send + Sync + 'static) -> RwSignal<SignedInUser> {
    let user = RwSignal::new(signed_in.user);
    let next_refresh_in = RwSignal::new(signed_in.refresh_in_secs);
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
            None => on_ended(),
        },
        Some(Err(_)) => next_refresh_in.set(Some(RETRY_SECS)),
        None => {}
    });
    user
}
