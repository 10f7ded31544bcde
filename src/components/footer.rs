use leptos::prelude::*;

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="footer">
            <p>
                "leptos-cognito · Amazon Cognito sign-in for Leptos, with tokens kept on the server."
            </p>
        </footer>
    }
}
