//! A link of the main navigation, marked `aria-current="page"` while its page (or a page below
//! it) is open, as WAI-ARIA asks of the current item in a set of links.
//!
//! Leptos's `<A>` does this too, and first resolves its `href` against the current route (for
//! relative links), which parses a URL on every server render: the navigation's paths are
//! absolute, so comparing them with the location is all it takes. The app is built with Leptos's
//! islands, so the router runs on the server alone and every link is a full page load.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A link to the absolute path `href`, marked current while the location is at or below it.
/// Its text is a plain string: children would be a type-erased view, which Leptos's server
/// render writes into a buffer of its own.
#[component]
pub fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    let location = use_location();
    let current = move || location.pathname.with(|path| is_current(href, path)).then_some("page");
    view! { <a href=href aria-current=current>{label}</a> }
}

/// Whether the page at `path` is `href`'s or below it (`/dashboard` for `/dashboard/x`, not
/// for `/dashboardx`); the root is current only at the root.
fn is_current(href: &str, path: &str) -> bool {
    let href = href.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    if href.is_empty() {
        return path.is_empty();
    }
    path.strip_prefix(href).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::is_current;

    #[test]
    fn a_link_is_current_at_its_page_and_below() {
        assert!(is_current("/dashboard", "/dashboard"));
        assert!(is_current("/dashboard", "/dashboard/"));
        assert!(is_current("/dashboard", "/dashboard/sessions"));
        assert!(!is_current("/dashboard", "/dashboardx"));
        assert!(!is_current("/dashboard", "/"));
        assert!(!is_current("/profile", "/dashboard"));
    }

    #[test]
    fn home_is_current_only_at_the_root() {
        assert!(is_current("/", "/"));
        assert!(is_current("/", ""));
        assert!(!is_current("/", "/dashboard"));
    }
}
