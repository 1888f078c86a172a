use crate::{components::page_title::PageTitle, i18n::*};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageTitle text=move || t_string!(i18n, not_found.title).to_string() />
        <h1>{t!(i18n, not_found.title)}</h1>
        <p>
            <A href="/">{t!(i18n, not_found.back)}</A>
        </p>
    }
}
