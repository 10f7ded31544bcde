use leptos::prelude::*;
use leptos_meta::Title;

/// `GET /auth/logout` only asks: signing out changes state, so it takes a POST.
#[component]
pub fn SignOutPage() -> impl IntoView {
    view! {
        <Title text="Sign out" />
        <section class="card">
            <h1>"Sign out?"</h1>
            <p>"You will be signed out of this app and of the sign-in page of the identity provider."</p>
            <form method="post" action="/auth/logout">
                <button type="submit" class="primary">"Sign out"</button>
            </form>
        </section>
    }
}
