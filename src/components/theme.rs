//! Light/dark theme, remembered in localStorage.
//!
//! The server cannot know the stored choice, so it always renders the light theme and the
//! browser applies the stored one in an effect after hydration. Reading localStorage during
//! render would make the client's first render differ from the server's HTML and break
//! hydration.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

const STORAGE_KEY: &str = "leptos-cognito.theme";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        match value {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    pub fn toggled(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

/// The theme's root element, around the whole page. The server cannot know the stored choice:
/// it renders the light theme, and [`ThemeToggle`] applies the stored one in the browser.
/// The children keep their type (`TypedChildren`): they are the whole page, and a type-erased
/// view would be written into a buffer of its own by Leptos's server render, then copied.
#[component]
pub fn ThemeProvider<V>(children: TypedChildren<V>) -> impl IntoView
where
    V: IntoView + 'static,
{
    let children = children.into_inner();
    view! {
        <div class="app" data-theme=Theme::Light.as_str()>
            {children()}
        </div>
    }
}

/// The theme switch: an island, so it is the only part of the page's frame that hydrates. The
/// theme's root element is server-rendered around the whole page, outside the island, so the
/// island sets its `data-theme` attribute itself (an island cannot own the page around it
/// without hydrating all of it).
#[island]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(Theme::Light);

    // Effects run only in the browser, after hydration: safe to touch localStorage here.
    Effect::new(move |_| {
        if let Ok(stored) = LocalStorage::get::<String>(STORAGE_KEY)
            && let Some(stored) = Theme::parse(&stored)
        {
            theme.set(stored);
        }
    });
    Effect::new(move |_| {
        let current = theme.get();
        // The first element with the attribute is ThemeProvider's: it is around everything else.
        if let Ok(Some(root)) = document().query_selector("[data-theme]") {
            let _ = root.set_attribute("data-theme", current.as_str());
        }
    });

    let toggle = move |_| {
        let next = theme.get_untracked().toggled();
        theme.set(next);
        // Storage can be full or disabled (private mode); the toggle still works for this page.
        let _ = LocalStorage::set(STORAGE_KEY, next.as_str());
    };
    let label = move || match theme.get() {
        Theme::Light => "Switch to dark theme",
        Theme::Dark => "Switch to light theme",
    };

    view! {
        <button
            type="button"
            class="theme-toggle"
            data-testid="theme-toggle"
            aria-label=label
            title=label
            on:click=toggle
        >
            <span aria-hidden="true">{move || match theme.get() { Theme::Light => "☾", Theme::Dark => "☀" }}</span>
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn toggling_twice_returns_to_the_start() {
        assert_eq!(Theme::Light.toggled(), Theme::Dark);
        assert_eq!(Theme::Light.toggled().toggled(), Theme::Light);
    }

    #[test]
    fn parses_only_known_names() {
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse(Theme::Light.as_str()), Some(Theme::Light));
        assert_eq!(Theme::parse("blue"), None);
    }
}
