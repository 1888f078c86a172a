//! Two-step verification: its state on the account page, and the page that sets up an
//! authenticator app (a QR code drawn on the server, the key as text, a code to confirm)
//! and then shows the ten recovery codes once. Officers and admins reach that page
//! straight after their password when they have none yet; it is all they can open.

use crate::{
    components::{
        auth::Auth,
        field::{Field, FormError, error_of},
        notice::or_notice,
        page_title::PageTitle,
    },
    functions::account::{
        ConfirmSecondFactor, begin_second_factor, get_second_factor_status, take_new_recovery_codes,
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

/// The account page's card.
#[component]
pub fn SecondFactorStatus() -> impl IntoView {
    let i18n = use_i18n();
    let status = Resource::new(|| (), |_| get_second_factor_status());
    view! {
        <section class="card" id="second-factor">
            <h2>{t!(i18n, account.second_factor_title)}</h2>
            <Transition>
                {move || Suspend::new(async move {
                    or_notice(status.await, move |status| {
                        let left = status.recovery_codes_left;
                        view! {
                            {if status.set_up {
                                view! { <p id="second-factor-on">{t!(i18n, account.second_factor_on, n = move || left.to_string())}</p> }.into_any()
                            } else {
                                view! { <p id="second-factor-off">{t!(i18n, account.second_factor_off)}</p> }.into_any()
                            }}
                            {status.required.then(|| view! { <p class="hint">{t!(i18n, account.second_factor_required)}</p> })}
                            <A href="/account/second-factor" attr:class="button">
                                {if status.set_up { t!(i18n, account.second_factor_again).into_any() } else { t!(i18n, account.second_factor_set_up).into_any() }}
                            </A>
                        }
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    let confirm = ServerAction::<ConfirmSecondFactor>::new();
    let error = error_of(confirm);
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    // Confirming comes back to `?done=1`; after a plain form post the recovery codes
    // wait in a short-lived cookie, read (and cleared) once.
    let query = use_query_map();
    let done = move || query.with(|query| query.get("done").is_some());
    let waiting_codes = Resource::new(done, |done| async move {
        if done {
            take_new_recovery_codes().await
        } else {
            Ok(None)
        }
    });
    let setup = Resource::new(done, |done| async move {
        if done {
            Ok(None)
        } else {
            begin_second_factor().await.map(Some)
        }
    });
    let new_codes = move || match confirm.value().get() {
        Some(Ok(codes)) => Some(codes),
        _ => waiting_codes.get().and_then(Result::ok).flatten(),
    };
    let home = move || {
        auth.user
            .get()
            .and_then(|user| user.ok().flatten())
            .map_or("/", |user| user.role.home_path())
            .to_string()
    };
    view! {
        <PageTitle text=move || t_string!(i18n, second_factor.title).to_string() />
        <h1>{t!(i18n, second_factor.title)}</h1>
        <Transition>
            {move || done().then(|| view! {
                <p class="notice success" role="status" id="second-factor-done">{t!(i18n, second_factor.done)}</p>
                {new_codes().map(|codes| view! {
                    <section class="card" id="recovery-codes">
                        <h2>{t!(i18n, second_factor.recovery_title)}</h2>
                        <p>{t!(i18n, second_factor.recovery_lead)}</p>
                        <ul class="recovery-codes">
                            {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                        </ul>
                    </section>
                })}
                <A href=home attr:class="button">{t!(i18n, second_factor.go_on)}</A>
            })}
            {move || Suspend::new(async move {
                or_notice(setup.await, move |setup| setup.map(|setup| view! {
                    {setup.signing_in.then(|| view! { <p class="notice">{t!(i18n, second_factor.required_lead)}</p> })}
                    <p>{t!(i18n, second_factor.lead)}</p>
                    {setup.replaces.then(|| view! { <p class="hint">{t!(i18n, second_factor.replaces)}</p> })}
                    <div
                        class="qr"
                        role="img"
                        aria-label=move || t_string!(i18n, second_factor.qr_label).to_string()
                        inner_html=setup.qr_svg.clone()
                    ></div>
                    <p>{t!(i18n, second_factor.secret)} " " <code id="second-factor-secret">{setup.secret_text.clone()}</code></p>
                    <ActionForm action=confirm attr:class="form" attr:novalidate=true attr:id="second-factor-form">
                        <FormError error />
                        <Field
                            name="code"
                            label=move || t!(i18n, second_factor.code)
                            autocomplete="one-time-code"
                            inputmode="numeric"
                            error
                        />
                        <button type="submit" class="primary">{t!(i18n, second_factor.submit)}</button>
                    </ActionForm>
                }))
            })}
        </Transition>
    }
}
