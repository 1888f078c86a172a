//! Issuing a one-time password reset code for a person (the people page for firm
//! admins, the staff page for gate and platform admins), and showing it once.

use crate::{
    domain::clock::WallClock,
    functions::account::{IssueResetCode, take_new_reset_code},
    i18n::*,
    models::account::IssuedResetCode,
};
use leptos::prelude::*;
use uuid::Uuid;

/// The code just issued: the action's answer once hydrated, or, after a plain form post,
/// the one waiting in its short-lived cookie (read once, then cleared).
pub fn issued_code(issue: ServerAction<IssueResetCode>) -> Signal<Option<IssuedResetCode>> {
    let waiting = Resource::new(|| (), |_| take_new_reset_code());
    Signal::derive(move || match issue.value().get() {
        Some(Ok(code)) => Some(code),
        _ => waiting.get().and_then(Result::ok).flatten(),
    })
}

/// The button that issues a code for `person_id`, and the code once it is issued.
#[component]
pub fn ResetCode(
    issue: ServerAction<IssueResetCode>,
    issued: Signal<Option<IssuedResetCode>>,
    person_id: Uuid,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {move || {
            issued.get().filter(|code| code.person_id == person_id).map(|code| {
                let until = WallClock::at(code.expires_at, 420).day_and_time();
                view! {
                    <div class="notice success new-reset-code" role="status">
                        <p>{t!(i18n, people.new_reset_code)}</p>
                        <p class="pass-code big-code">{code.code}</p>
                        <p>{t!(i18n, people.reset_code_until, time = move || until.clone())}</p>
                    </div>
                }
            })
        }}
        <ActionForm action=issue attr:class="inline">
            <input type="hidden" name="person_id" value=person_id.to_string() />
            <button type="submit" class="link">{t!(i18n, people.reset_code)}</button>
        </ActionForm>
    }
}
