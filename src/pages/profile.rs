//! `/profile`: every claim of the verified ID token, in a table.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use axum_cognito_leptos::{IdTokenClaims, RequireUser, load_id_token_claims};

#[component]
pub fn ProfilePage() -> impl IntoView {
    // Outside the `<Suspense>` that shows them, so they load once: see `load_id_token_claims`.
    let claims = load_id_token_claims();
    view! {
        <Title text="Profile" />
        <RequireUser path="/profile" let:_signed_in>
            <h1>"Your profile"</h1>
            <section class="card">
                <p>
                    "Every claim of your verified ID token. The token itself never leaves the server."
                </p>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || {
                        claims
                            .get()
                            .map(|result| match result {
                                Ok(claims) => Either::Left(view! { <ClaimsTable claims /> }),
                                Err(_) => {
                                    Either::Right(view! {
                                        <p class="notice error">"Your claims cannot be shown right now."</p>
                                    })
                                }
                            })
                    }}
                </Suspense>
            </section>
        </RequireUser>
    }
}

#[component]
fn ClaimsTable(claims: IdTokenClaims) -> impl IntoView {
    view! {
        <table class="claims" data-testid="claims-table">
            <caption class="visually-hidden">"ID token claims"</caption>
            <thead>
                <tr>
                    <th scope="col">"Claim"</th>
                    <th scope="col">"Value"</th>
                </tr>
            </thead>
            <tbody>
                {claims
                    .into_iter()
                    .map(|(name, value)| {
                        view! {
                            <tr>
                                <th scope="row" class="mono">{name}</th>
                                <td class="mono">{value}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
