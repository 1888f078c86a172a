//! The second step of signing in: the authenticator's code, or a recovery code.

use crate::{
    components::{
        auth::Auth,
        field::{Field, FormError, error_of},
        page_title::PageTitle,
    },
    functions::{account::VerifySecondFactor, auth::Logout},
    i18n::*,
};
use leptos::prelude::*;

#[component]
pub fn SecondStepPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    let verify = ServerAction::<VerifySecondFactor>::new();
    let cancel = ServerAction::<Logout>::new();
    let error = error_of(verify);
    Effect::new(move |_| {
        if matches!(verify.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    view! {
        <PageTitle text=move || t_string!(i18n, login.code_title).to_string() />
        <h1>{t!(i18n, login.code_title)}</h1>
        <p>{t!(i18n, login.code_lead)}</p>
        <ActionForm action=verify attr:class="form" attr:novalidate=true attr:id="second-step-form">
            <FormError error />
            <Field
                name="code"
                label=move || t!(i18n, login.code)
                hint=move || t!(i18n, login.code_hint)
                autocomplete="one-time-code"
                error
            />
            <button type="submit" class="primary">{t!(i18n, login.code_submit)}</button>
        </ActionForm>
        <ActionForm action=cancel attr:class="inline">
            <button type="submit" class="link">{t!(i18n, login.code_cancel)}</button>
        </ActionForm>
    }
}
