//! Switching between Vietnamese, English and Chinese in one tap.
//!
//! Each choice is a plain link to `/lang/{code}`, which sets the language cookie and
//! comes back (this works with no JavaScript at all); once hydrated, a tap writes the
//! same cookie and switches in place.
//!
//! The server reads the cookie on every request ([`SavedLanguage`]) and renders the page
//! in that language; the browser takes the language from the page's `<html lang>`. Only
//! the user's choice writes the cookie: were every render to write it back, a slow
//! response started before a switch could land after it and undo it.

use crate::i18n::*;
use leptos::{ev::MouseEvent, prelude::*};
use leptos_router::hooks::use_location;

/// Percent-encodes everything but unreserved characters and `/`, for a `next=` parameter.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The language cookie (the one leptos_i18n reads) for a year on the whole site, as
/// both the browser and `/lang/{code}` write it.
pub fn language_cookie(code: &str) -> String {
    format!("{LANGUAGE_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax")
}

pub const LANGUAGE_COOKIE: &str = "i18n_pref_locale";

#[cfg(feature = "ssr")]
fn locale_of(code: &str) -> Option<Locale> {
    match code {
        "vi" => Some(Locale::vi),
        "en" => Some(Locale::en),
        "zh" => Some(Locale::zh),
        _ => None,
    }
}

/// Renders the page in the language the request's cookie names (server side only; the
/// hydrating browser reads `<html lang>` instead).
#[component]
pub fn SavedLanguage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(locale) = crate::server::request::cookie(LANGUAGE_COOKIE)
        .as_deref()
        .and_then(locale_of)
    {
        use_i18n().set_locale(locale);
    }
}

/// Writes the language cookie from the browser.
fn remember(code: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Ok(document) = document().dyn_into::<leptos::web_sys::HtmlDocument>() {
        let _ = document.set_cookie(&language_cookie(code));
    }
}

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let here = move || {
        let search = location.search.get();
        let search = if search.is_empty() || search.starts_with('?') {
            search
        } else {
            format!("?{search}")
        };
        encode_component(&format!("{}{}", location.pathname.get(), search))
    };
    let link = move |locale: Locale, code: &'static str, label: Signal<String>| {
        view! {
            <a
                href=move || format!("/lang/{code}?next={}", here())
                rel="external"
                lang=code
                hreflang=code
                aria-current=move || (i18n.get_locale() == locale).then_some("true")
                on:click=move |event: MouseEvent| {
                    event.prevent_default();
                    remember(code);
                    i18n.set_locale(locale);
                }
            >
                {label}
            </a>
        }
    };
    view! {
        <nav class="languages" aria-label=move || t_string!(i18n, nav.language).to_string()>
            {link(Locale::vi, "vi", Signal::derive(move || t_string!(i18n, lang.vi).to_string()))}
            {link(Locale::en, "en", Signal::derive(move || t_string!(i18n, lang.en).to_string()))}
            {link(Locale::zh, "zh", Signal::derive(move || t_string!(i18n, lang.zh).to_string()))}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_parameter_is_encoded() {
        assert_eq!(
            super::encode_component("/fleet?search=12C 1&x=é"),
            "/fleet%3Fsearch%3D12C%201%26x%3D%C3%A9"
        );
    }
}
