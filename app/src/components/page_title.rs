//! The document title, translated.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets `<title>` from `text`, re-rendered when the language changes.
///
/// `<Title text=move || ...>` would keep the closure and call it when the server injects
/// the `<head>`, after the request's reactive arena is gone; reading the language signal
/// there panics. Here the closure runs while the page renders, and the title receives a
/// plain string.
#[component]
pub fn PageTitle(text: impl Fn() -> String + Send + Sync + 'static) -> impl IntoView {
    move || {
        let text = text();
        view! { <Title text /> }
    }
}
