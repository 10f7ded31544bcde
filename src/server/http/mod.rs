//! The HTTP surface: which router serves which path, and the layers around all of them.

mod app_service;
mod error_page;
mod health;
mod page_guard;
pub mod request_log;
mod response_headers;
mod session_store_outage;
mod static_files;

use axum::{
    Router,
    extract::{Request, State},
    http::{Method, Uri},
    middleware,
    routing::get,
};

pub use app_service::AppService;
use axum_cognito::routes::Routes;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower::util::MapRequestLayer;

use crate::app::{App, shell};
use crate::bundle::BundleFiles;
use crate::server::{
    api,
    session::{
        layer::{SkipWhenAuthorized, session_layer},
        store::AppSessionStore,
    },
    state::AppState,
};

/// Builds the whole app: plain axum routes first (they can set headers and redirects freely),
/// then the Leptos pages and server functions, then static files with the Leptos 404 page as
/// fallback; around those the page guard and sessions. The health checks sit outside the
/// session layer. Around the router, once ([`AppService`]): the request log, the session
/// store's outage answer and the response headers.
pub fn router(state: AppState, sessions: AppSessionStore) -> AppService {
    let leptos_routes = generate_route_list(App);
    let context_state = state.clone();
    let bundle = BundleFiles::from_options(&state.leptos_options);
    // Server functions read the app state, and axum-cognito-leptos's read the auth core; the
    // shell reads the bundle's file names.
    let provide_state = move || {
        provide_context(context_state.auth.clone());
        provide_context(context_state.clone());
        provide_context(bundle.clone());
    };

    // Static files, or the Leptos 404 page.
    let files = file_and_error_handler_with_context::<AppState, _>(provide_state.clone(), shell);
    let files_or_not_found = move |method: Method, uri: Uri, state: State<AppState>, request: Request| {
        let files = files.clone();
        async move { static_files::refuse_other_methods(&method, files(uri, state, request).await) }
    };
    // The pages, guarded before Leptos renders anything.
    let pages = Router::new()
        .leptos_routes_with_context(&state, leptos_routes, provide_state.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(files_or_not_found)
        .layer(middleware::from_fn_with_state(state.clone(), page_guard::guard_protected_pages));
    // Everything that may read the session: the auth routes and the pages.
    // Sign-in, the callback, sign-out and ending one of the person's sessions are the library's,
    // refusing with this app's pages. Outside the page guard: the callback does not read the
    // sign-in it is about to replace.
    let sign_in_routes = Routes::new().refusals(error_page::render_refusal).build::<AppState>(&state.auth.config);
    let with_sessions = sign_in_routes
        .merge(pages)
        .method_not_allowed_fallback(error_page::method_not_allowed)
        .layer(session_layer(sessions.clone(), &state.auth.config));
    // The API reads the session only for callers without a Bearer token.
    let api = api::router().layer(SkipWhenAuthorized(session_layer(sessions, &state.auth.config)));
    // Health checks never touch a session (`AppService` leaves them out of the log).
    let health_checks = Router::new()
        .route(health::LIVENESS_PATH, get(health::healthz))
        .route(health::READINESS_PATH, get(health::readyz))
        .method_not_allowed_fallback(error_page::method_not_allowed);
    let routes = Router::new()
        .merge(api)
        .merge(with_sessions)
        .layer(MapRequestLayer::new(request_log::record_route as fn(Request) -> Request))
        .merge(api::unrouted())
        .merge(health_checks)
        .with_state(state.clone());
    AppService::new(routes, response_headers::HeaderPolicy::for_config(&state.config))
}
