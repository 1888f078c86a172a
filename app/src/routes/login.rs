use crate::{
    components::page_title::PageTitle,
    components::{
        auth::Auth,
        field::{Field, FormError, error_of},
    },
    functions::auth::Login,
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::components::A;

pub mod code;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    let login = ServerAction::<Login>::new();
    let error = error_of(login);
    Effect::new(move |_| {
        if matches!(login.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    view! {
        <PageTitle text=move || t_string!(i18n, login.title).to_string() />
        <h1>{t!(i18n, login.title)}</h1>
        <ActionForm action=login attr:class="form" attr:novalidate=true attr:id="login-form">
            <FormError error />
            <Field
                name="identifier"
                label=move || t!(i18n, login.identifier)
                hint=move || t!(i18n, login.identifier_hint)
                autocomplete="username"
                error
            />
            <Field
                name="password"
                label=move || t!(i18n, login.password)
                input_type="password"
                autocomplete="current-password"
                error
            />
            <button type="submit" class="primary">{t!(i18n, login.submit)}</button>
        </ActionForm>
        <p class="aside">
            {t!(i18n, login.forgot)} " " <A href="/reset">{t!(i18n, login.reset_link)}</A>
        </p>
        <p class="aside">
            {t!(i18n, login.no_account)} " " <A href="/register">{t!(i18n, nav.register)}</A>
        </p>
    }
}
