//! Changing the password, on the account page: every other session ends.

use crate::{
    components::field::{Field, FormError, error_of},
    functions::account::ChangePassword,
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let error = error_of(change);
    // Changing posts, then comes back to `/account?password_changed=<sessions ended>`.
    let query = use_query_map();
    let changed = move || {
        query.with(|query| {
            query
                .get("password_changed")
                .and_then(|ended| ended.parse::<u64>().ok())
        })
    };
    view! {
        <section class="card" id="change-password">
            <h2>{t!(i18n, account.password_title)}</h2>
            {move || changed().map(|ended| view! {
                <p class="notice success" role="status" id="password-changed">
                    {t!(i18n, account.password_changed, n = move || ended.to_string())}
                </p>
            })}
            <ActionForm action=change attr:class="form" attr:novalidate=true attr:id="password-form">
                <FormError error />
                <Field
                    name="current_password"
                    label=move || t!(i18n, account.current_password)
                    input_type="password"
                    autocomplete="current-password"
                    error
                />
                <Field
                    name="new_password"
                    label=move || t!(i18n, account.new_password)
                    hint=move || t!(i18n, account.new_password_hint)
                    input_type="password"
                    autocomplete="new-password"
                    error
                />
                <button type="submit" class="primary">{t!(i18n, account.password_submit)}</button>
            </ActionForm>
        </section>
    }
}
