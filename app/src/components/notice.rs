//! How a page shows a failed load: a translated sentence, the right HTTP status when
//! rendered on the server, and a way to sign in when that is what is missing.

use super::translate::error_text;
use crate::{error::AppError, i18n::*};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(seconds) = error.retry_after_seconds() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
    }
    let needs_sign_in = error == AppError::NotSignedIn;
    let text = error.clone();
    view! {
        <div class="notice error" role="alert">
            <p>{move || error_text(i18n, &text)}</p>
            {needs_sign_in.then(|| view! { <A href="/login" attr:class="button">{t!(i18n, nav.sign_in)}</A> })}
        </div>
    }
}

/// The view of a loaded value, or the notice of why it did not load.
///
/// Type-erased (`AnyView`): one shared body instead of a copy per page keeps the wasm
/// smaller than `Either` here (measured).
pub fn or_notice<T, V: IntoView + 'static>(
    result: Result<T, AppError>,
    render: impl FnOnce(T) -> V,
) -> AnyView {
    match result {
        Ok(value) => render(value).into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}

/// Shown while a page's data loads after a client-side navigation.
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading" aria-live="polite">{t!(i18n, error.loading)}</p> }
}
