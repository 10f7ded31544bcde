//! `/auth/callback`: the identity provider sends the browser here with `code` and `state`.
//!
//! The page runs `complete_sign_in` as a blocking resource in an async-rendered route, so the
//! session cookie and the redirect are set before any byte of the response is sent.

use axum_cognito_leptos::AuthError;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CallbackOutcome {
    /// Signed in; the response is a 303 to this path.
    Redirect(String),
    Failed {
        title: String,
        message: String,
    },
}

#[server]
pub async fn complete_sign_in(
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
) -> Result<CallbackOutcome, AuthError> {
    use crate::server::{
        auth::sign_in::{CallbackParams, complete},
        leptos_bridge::app_state,
    };
    use axum::http::header;
    use axum_cognito_leptos::server::{see_other, session, set_header, set_status};
    use axum_extra::extract::cookie::CookieJar;

    let app = app_state()?;
    let session = session().await?;
    let jar = leptos_axum::extract::<CookieJar>().await.unwrap_or_default();
    let binding = jar.get(&app.auth.config.login_cookie_name()).map(|c| c.value().to_string());
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.unwrap_or_default();
    let user_agent = headers.get(header::USER_AGENT).and_then(|value| value.to_str().ok());
    // The callback URL carries a one-time code: never let it leak to another site.
    set_header(header::REFERRER_POLICY, "no-referrer");
    set_header(header::CACHE_CONTROL, "no-store");

    let params = CallbackParams { code, state, error, error_description };
    match complete(&app, &session, binding.as_deref(), user_agent, params).await {
        Ok(return_to) => {
            see_other(&return_to);
            Ok(CallbackOutcome::Redirect(return_to))
        }
        Err(error) => {
            tracing::warn!(%error, "sign-in failed");
            let failure = error.to_failure();
            set_status(failure.status);
            Ok(CallbackOutcome::Failed { title: failure.title.to_string(), message: failure.message })
        }
    }
}

#[component]
pub fn AuthCallbackPage() -> impl IntoView {
    let query = use_query_map();
    let outcome = Resource::new_blocking(
        || (),
        move |_| {
            let query = query.get_untracked();
            complete_sign_in(query.get("code"), query.get("state"), query.get("error"), query.get("error_description"))
        },
    );
    view! {
        <Title text="Signing in" />
        <Suspense fallback=|| view! { <p>"Signing you in…"</p> }>
            {move || {
                outcome
                    .get()
                    .map(|result| match result {
                        Ok(CallbackOutcome::Redirect(path)) => {
                            EitherOf3::A(view! {
                                <section class="card">
                                    <h1>"Signed in"</h1>
                                    <p><a href=path>"Continue"</a></p>
                                </section>
                            })
                        }
                        Ok(CallbackOutcome::Failed { title, message }) => {
                            EitherOf3::B(view! { <SignInFailed title message /> })
                        }
                        Err(_) => {
                            EitherOf3::C(view! {
                                <SignInFailed
                                    title="Sign-in failed".to_string()
                                    message="Something went wrong while signing you in.".to_string()
                                />
                            })
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn SignInFailed(title: String, message: String) -> impl IntoView {
    view! {
        <section class="card" data-testid="sign-in-error">
            <h1>{title}</h1>
            <p class="notice error">{message}</p>
            <p><a class="button primary" rel="external" href="/auth/login">"Sign in again"</a></p>
        </section>
    }
}
