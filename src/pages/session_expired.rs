use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::links::login_url;

/// Where a page request lands when the refresh token has expired or was revoked.
#[component]
pub fn SessionExpiredPage() -> impl IntoView {
    let query = use_query_map();
    let href = move || {
        let return_to =
            query.with(|q| q.get("return_to")).filter(|p| p.starts_with('/')).unwrap_or_else(|| "/dashboard".into());
        login_url(&return_to)
    };
    view! {
        <Title text="Session expired" />
        <section class="card" data-testid="session-expired">
            <h1>"Your session has expired"</h1>
            <p class="notice">"For your security you were signed out. Sign in again to continue where you left off."</p>
            <p><a class="button primary" rel="external" href=href>"Sign in again"</a></p>
        </section>
    }
}
