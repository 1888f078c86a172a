use crate::{
    components::page_title::PageTitle,
    components::{
        auth::Auth,
        field::{Field, FormError, error_of},
    },
    functions::firms::RegisterFirm,
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    let register = ServerAction::<RegisterFirm>::new();
    let error = error_of(register);
    Effect::new(move |_| {
        if matches!(register.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    view! {
        <PageTitle text=move || t_string!(i18n, register.title).to_string() />
        <h1>{t!(i18n, register.title)}</h1>
        <ActionForm action=register attr:class="form" attr:novalidate=true attr:id="register-form">
            <FormError error />
            <fieldset>
                <legend>{t!(i18n, register.firm_section)}</legend>
                <Field name="firm_name" label=move || t!(i18n, register.firm_name) autocomplete="organization" error />
                <Field
                    name="tax_code"
                    label=move || t!(i18n, register.tax_code)
                    hint=move || t!(i18n, register.tax_code_hint)
                    inputmode="numeric"
                    error
                />
                <Field name="address" label=move || t!(i18n, register.address) autocomplete="street-address" error />
                <Field name="firm_phone" label=move || t!(i18n, register.firm_phone) input_type="tel" autocomplete="tel" error />
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, register.admin_section)}</legend>
                <Field name="admin_name" label=move || t!(i18n, register.admin_name) autocomplete="name" error />
                <Field name="email" label=move || t!(i18n, register.email) input_type="email" autocomplete="email" error />
                <Field
                    name="password"
                    label=move || t!(i18n, register.password)
                    hint=move || t!(i18n, register.password_hint)
                    input_type="password"
                    autocomplete="new-password"
                    error
                />
            </fieldset>
            <button type="submit" class="primary">{t!(i18n, register.submit)}</button>
        </ActionForm>
        <p class="aside">
            {t!(i18n, register.have_account)} " " <A href="/login">{t!(i18n, nav.sign_in)}</A>
        </p>
    }
}
