use leptos::prelude::*;
use leptos_meta::Title;

use crate::identity::SignedInUser;
use axum_cognito_leptos::RequireUser;

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Profile" />
        <RequireUser path="/profile" let:signed_in>
            <ClaimsTable user=signed_in.user />
        </RequireUser>
    }
}

#[component]
fn ClaimsTable(user: SignedInUser) -> impl IntoView {
    view! {
        <h1>"Your profile"</h1>
        <section class="card">
            <p>
                "Every claim of your verified ID token. The token itself never leaves the server."
            </p>
            <table class="claims" data-testid="claims-table">
                <caption class="visually-hidden">"ID token claims"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Claim"</th>
                        <th scope="col">"Value"</th>
                    </tr>
                </thead>
                <tbody>
                    {user
                        .claims
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
        </section>
    }
}
