//! The person's open sessions, on the account page: which browser, since when, last
//! used; ending one, or every one but this.

use crate::{
    components::{
        field::{FormError, error_of},
        notice::or_notice,
    },
    domain::clock::WallClock,
    functions::account::{EndOtherSessions, EndSession, list_sessions},
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Times are shown in Vietnam's (UTC+7), where the portal's people are.
const VIETNAM: i32 = 420;

#[component]
pub fn Sessions() -> impl IntoView {
    let i18n = use_i18n();
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let query = use_query_map();
    // Changing the password (another form of the page) ends sessions too: read again
    // when it comes back.
    let changed = move || query.with(|query| query.get("password_changed"));
    let sessions = Resource::new(
        move || (end.version().get(), end_others.version().get(), changed()),
        |_| list_sessions(),
    );
    let error = error_of(end);
    let ended_one = move || query.with(|query| query.get("session_ended").is_some());
    let ended_others = move || {
        query.with(|query| {
            query
                .get("sessions_ended")
                .and_then(|ended| ended.parse::<u64>().ok())
        })
    };
    view! {
        <section class="card" id="sessions">
            <h2>{t!(i18n, account.sessions_title)}</h2>
            {move || ended_one().then(|| view! {
                <p class="notice success" role="status">{t!(i18n, account.session_ended)}</p>
            })}
            {move || ended_others().map(|ended| view! {
                <p class="notice success" role="status" id="sessions-ended">
                    {t!(i18n, account.sessions_ended, n = move || ended.to_string())}
                </p>
            })}
            <FormError error />
            <Transition>
                {move || Suspend::new(async move {
                    or_notice(sessions.await, move |sessions| view! {
                        <ul class="cards" id="session-list">
                            {sessions
                                .into_iter()
                                .map(|session| {
                                    let started = WallClock::at(session.started_at, VIETNAM).day_and_time();
                                    let last = WallClock::at(session.last_seen_at, VIETNAM).day_and_time();
                                    let device = session.device.clone();
                                    let id = session.id.to_string();
                                    let id_for_end = id.clone();
                                    view! {
                                        <li class="card" class:current=session.current data-session=id>
                                            <strong>
                                                {match device {
                                                    Some(device) => device.into_any(),
                                                    None => t!(i18n, account.unknown_device).into_any(),
                                                }}
                                            </strong>
                                            {session.current.then(|| view! { <span class="badge">{t!(i18n, account.session_current)}</span> })}
                                            {session.pending.then(|| view! { <span class="badge">{t!(i18n, account.session_pending)}</span> })}
                                            <p class="meta">
                                                {t!(i18n, account.session_times, started = move || started.clone(), last = move || last.clone())}
                                            </p>
                                            {(!session.current).then(|| view! {
                                                <ActionForm action=end attr:class="inline">
                                                    <input type="hidden" name="session_id" value=id_for_end />
                                                    <button type="submit" class="link">{t!(i18n, account.session_end)}</button>
                                                </ActionForm>
                                            })}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            <ActionForm action=end_others attr:id="end-other-sessions">
                <button type="submit">{t!(i18n, account.sessions_end_others)}</button>
            </ActionForm>
        </section>
    }
}
