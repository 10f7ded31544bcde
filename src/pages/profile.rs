use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{session::use_session, sign_in_required::SignInRequired};
use crate::identity::SignedInUser;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Profile" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                session
                    .get()
                    .map(|result| match result.ok().and_then(|info| info.user) {
                        Some(user) => view! { <ClaimsTable user /> }.into_any(),
                        None => view! { <SignInRequired path="/profile" /> }.into_any(),
                    })
            }}
        </Transition>
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
