use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use axum_cognito_leptos::{AuthError, RequireUser};

/// What the admin view shows: how this deployment talks to its user pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub admin_group: String,
    pub issuer: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub identity_providers: Vec<String>,
    pub embedded_identity_provider: bool,
}

/// Checked again here, not only by the page guard: a server function is an endpoint of its
/// own that anyone can call.
#[server(prefix = "/fn")]
pub async fn get_admin_overview() -> Result<AdminOverview, AuthError> {
    use crate::server::leptos_bridge::app_state;
    use axum_cognito_leptos::server::require_group;
    let state = app_state()?;
    require_group(&state, &state.config.auth.admin_group).await?;
    // One a page: what shows that the page created its resource once (see `AdminPage`).
    tracing::debug!("read the admin overview");
    let cognito = &state.config.auth.cognito;
    Ok(AdminOverview {
        admin_group: state.config.auth.admin_group.clone(),
        issuer: cognito.issuer.clone(),
        client_id: cognito.client_id.clone(),
        scopes: cognito.scopes.clone(),
        identity_providers: cognito.identity_providers.clone(),
        embedded_identity_provider: state.config.local_idp.is_some(),
    })
}

#[component]
pub fn AdminPage() -> impl IntoView {
    // Created outside the `<Suspense>` that shows it (in `AdminView`): a resource created in a
    // suspense's children is created again, and its server function called again, each time
    // Leptos walks them while rendering on the server (leptos-rs/leptos#4866). Full page loads
    // reach here only signed in (the page guard redirects anyone else); for someone outside the
    // group the call answers 403, which the page already says.
    let overview = OnceResource::new(get_admin_overview());
    view! {
        <Title text="Admin" />
        <RequireUser path="/admin" let:signed_in>
            {if signed_in.user.is_admin {
                Either::Left(view! { <AdminView overview /> })
            } else {
                Either::Right(view! { <Forbidden /> })
            }}
        </RequireUser>
    }
}

#[component]
fn AdminView(overview: OnceResource<Result<AdminOverview, AuthError>>) -> impl IntoView {
    view! {
        <h1>"Admin"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                overview
                    .get()
                    .map(|result| match result {
                        Ok(o) => {
                            Either::Left(view! {
                                <section class="card" data-testid="admin-overview">
                                    <h2>"User pool connection"</h2>
                                    <dl class="facts">
                                        <dt>"Admin group"</dt>
                                        <dd>{o.admin_group}</dd>
                                        <dt>"Issuer"</dt>
                                        <dd class="mono">{o.issuer}</dd>
                                        <dt>"App client id"</dt>
                                        <dd class="mono">{o.client_id}</dd>
                                        <dt>"Scopes"</dt>
                                        <dd>{o.scopes.join(" ")}</dd>
                                        <dt>"Federated providers"</dt>
                                        <dd>
                                            {if o.identity_providers.is_empty() {
                                                "none".to_string()
                                            } else {
                                                o.identity_providers.join(", ")
                                            }}
                                        </dd>
                                        <dt>"Identity provider"</dt>
                                        <dd>
                                            {if o.embedded_identity_provider {
                                                "embedded (local development)"
                                            } else {
                                                "Amazon Cognito"
                                            }}
                                        </dd>
                                    </dl>
                                </section>
                            })
                        }
                        Err(_) => Either::Right(view! { <Forbidden /> }),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Forbidden() -> impl IntoView {
    view! {
        <section class="card" data-testid="forbidden">
            <h1>"403 · Not allowed"</h1>
            <p>"This page is only for members of the admin group."</p>
        </section>
    }
}
