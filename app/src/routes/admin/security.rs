//! `/admin/security`: the security log, newest first, for platform admins. The filter
//! is a plain GET form and the pages are links, so it all works without JavaScript.

use crate::{
    components::{
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::{role_text, security_event_text},
    },
    domain::{clock::WallClock, security::EventKind},
    functions::security::security_events,
    i18n::*,
    models::security::{SecurityEvent, SecurityLogPage},
};
use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::use_query_map,
};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let log = Resource::new(
        move || {
            query.with(|query| {
                (
                    query.get("kind").unwrap_or_default(),
                    query.get("page").unwrap_or_default(),
                )
            })
        },
        |(kind, page)| security_events(kind, page),
    );
    view! {
        <PageTitle text=move || t_string!(i18n, security.title).to_string() />
        <h1>{t!(i18n, security.title)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(log.await, |page| view! { <Log page /> }) })}
        </Transition>
    }
}

/// The link to another page of the same filter.
fn page_link(kind: Option<EventKind>, page: u32) -> String {
    match kind {
        Some(kind) => format!("/admin/security?kind={}&page={page}", kind.code()),
        None => format!("/admin/security?page={page}"),
    }
}

#[component]
fn Log(page: SecurityLogPage) -> impl IntoView {
    let i18n = use_i18n();
    let current = page.kind;
    let offset = page.utc_offset_minutes;
    let newer = (page.page > 1).then(|| page_link(current, page.page - 1));
    let older = page.has_older.then(|| page_link(current, page.page + 1));
    view! {
        <Form method="GET" action="" attr:class="inline-form" attr:id="security-filter">
            <label for="security-kind">{t!(i18n, security.filter_kind)}</label>
            <select id="security-kind" name="kind">
                <option value="" selected=current.is_none()>{t!(i18n, security.all_kinds)}</option>
                {EventKind::ALL
                    .into_iter()
                    .map(|kind| {
                        view! {
                            <option value=kind.code() selected=current == Some(kind)>
                                {move || security_event_text(i18n, kind)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit">{t!(i18n, security.show)}</button>
        </Form>
        {if page.events.is_empty() {
            view! { <p class="empty">{t!(i18n, security.none)}</p> }.into_any()
        } else {
            view! {
                <ul class="cards" id="security-events">
                    {page
                        .events
                        .into_iter()
                        .map(|event| view! { <Event event offset /> })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}
        <nav class="day-nav" aria-label=move || t_string!(i18n, security.pages).to_string()>
            {newer.map(|href| view! { <A href=href attr:rel="prev">{t!(i18n, security.newer)}</A> })}
            {older.map(|href| view! { <A href=href attr:rel="next">{t!(i18n, security.older)}</A> })}
        </nav>
    }
}

#[component]
fn Event(event: SecurityEvent, offset: i32) -> impl IntoView {
    let i18n = use_i18n();
    let kind = event.kind;
    let last = WallClock::at(event.last_at, offset).day_and_time();
    let when = if event.first_at == event.last_at {
        last
    } else {
        format!("{} – {last}", WallClock::at(event.first_at, offset).time())
    };
    let count = event.count;
    let who = event.account.map(|account| {
        let role = account.role;
        let name = match account.sign_in_name {
            Some(sign_in_name) => format!("{} ({sign_in_name})", account.full_name),
            None => account.full_name,
        };
        view! {
            {name}
            {role.map(|role| view! { " · " {move || role_text(i18n, role)} })}
        }
    });
    view! {
        <li class="card" data-kind=kind.code()>
            <strong>{move || security_event_text(i18n, kind)}</strong>
            {(count > 1).then(|| view! { " " <span class="badge">{t!(i18n, security.times, count)}</span> })}
            <p class="meta">
                <time>{when}</time>
                " · "
                {event.address.unwrap_or_else(|| "—".to_string())}
            </p>
            <p class="meta">
                {match who {
                    Some(who) => who.into_any(),
                    None => view! { {t!(i18n, security.no_account)} }.into_any(),
                }}
            </p>
            {(!event.detail.is_empty()).then(|| view! { <p class="meta"><code>{event.detail.clone()}</code></p> })}
        </li>
    }
}
