//! Setting a new password with a one-time code from an administrator (for people who
//! forgot theirs; drivers may have only a phone, so the code is read out to them).

use crate::{
    components::{
        auth::Auth,
        field::{Field, FormError, error_of},
        page_title::PageTitle,
    },
    functions::account::ResetPassword,
    i18n::*,
};
use leptos::prelude::*;

#[component]
pub fn ResetPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    let reset = ServerAction::<ResetPassword>::new();
    let error = error_of(reset);
    Effect::new(move |_| {
        if matches!(reset.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    view! {
        <PageTitle text=move || t_string!(i18n, reset.title).to_string() />
        <h1>{t!(i18n, reset.title)}</h1>
        <p>{t!(i18n, reset.lead)}</p>
        <ActionForm action=reset attr:class="form" attr:novalidate=true attr:id="reset-form">
            <FormError error />
            <Field
                name="identifier"
                label=move || t!(i18n, reset.identifier)
                hint=move || t!(i18n, login.identifier_hint)
                autocomplete="username"
                error
            />
            <Field
                name="code"
                label=move || t!(i18n, reset.code)
                hint=move || t!(i18n, reset.code_hint)
                autocomplete="one-time-code"
                error
            />
            <Field
                name="new_password"
                label=move || t!(i18n, reset.new_password)
                hint=move || t!(i18n, account.new_password_hint)
                input_type="password"
                autocomplete="new-password"
                error
            />
            <button type="submit" class="primary">{t!(i18n, reset.submit)}</button>
        </ActionForm>
    }
}
