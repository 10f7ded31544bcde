//! The HTML shell and the route table shared by server rendering and hydration.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use axum_cognito_leptos::provide_session;

use crate::components::{footer::Footer, theme::ThemeProvider, top_bar::TopBar};
use crate::pages::{
    admin::AdminPage, dashboard::DashboardPage, home::HomePage, not_found::NotFoundPage, profile::ProfilePage,
    session_expired::SessionExpiredPage, sign_out::SignOutPage,
};

/// The document around the app, rendered only on the server. The bundle's file names come from
/// context (read once when the router is built, see `bundle`), or from `options` otherwise.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use crate::bundle::{BundleFiles, BundleTags};
    use leptos_meta::MetaTags;

    let bundle = use_context::<BundleFiles>().unwrap_or_else(|| BundleFiles::from_options(&options));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <BundleTags files=bundle />
                <AutoReload options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();

    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "leptos-cognito".to_string() } else { format!("{page} · leptos-cognito") }
        } />
        <Router>
            <ThemeProvider>
                <TopBar />
                <main id="main" class="main">
                    // Async: every resource of these pages is a lookup in the session store, so streaming
                    // would only split the page into more writes (a system call and a TCP segment
                    // each; see docs/benchmarks.md).
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                        <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async />
                        <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                        <Route path=path!("/auth/logout") view=SignOutPage ssr=SsrMode::Async />
                        <Route path=path!("/auth/session-expired") view=SessionExpiredPage ssr=SsrMode::Async />
                    </Routes>
                </main>
                <Footer />
            </ThemeProvider>
        </Router>
    }
}
