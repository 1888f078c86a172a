use crate::{
    components::{
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::status_text,
    },
    domain::trip::TripStatus,
    functions::trips::list_trips,
    i18n::*,
    models::trips::TripSummary,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

/// Filters offered above the list, in the order a trip lives them.
const FILTERS: [TripStatus; 10] = [
    TripStatus::Draft,
    TripStatus::Declared,
    TripStatus::Booked,
    TripStatus::Arrived,
    TripStatus::Inspection,
    TripStatus::Held,
    TripStatus::Cleared,
    TripStatus::Exited,
    TripStatus::Cancelled,
    TripStatus::NoShow,
];

/// The list's address for a day filter ("" or "today") and a status ("" for all).
fn filtered(day: &str, status: &str) -> String {
    match (day, status) {
        ("", "") => "/trips".to_string(),
        ("", status) => format!("/trips?status={status}"),
        (day, "") => format!("/trips?day={day}"),
        (day, status) => format!("/trips?day={day}&status={status}"),
    }
}

#[component]
pub fn TripsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let status = Memo::new(move |_| query.with(|query| query.get("status").unwrap_or_default()));
    let day = Memo::new(move |_| {
        query.with(|query| {
            if query.get("day").as_deref() == Some("today") {
                "today".to_string()
            } else {
                String::new()
            }
        })
    });
    let trips = Resource::new(
        move || (status.get(), day.get()),
        |(status, day)| list_trips(status, day),
    );
    let chip = |current: bool| if current { "chip current" } else { "chip" };
    view! {
        <PageTitle text=move || t_string!(i18n, trips.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, trips.title)}</h1>
            <div class="actions">
                <A href="/trips/new" attr:class="button primary">{t!(i18n, trips.new)}</A>
            </div>
        </div>
        <nav class="filters" id="day-filter">
            <A href=move || filtered("", &status.get()) attr:class=move || chip(day.get().is_empty())>{t!(i18n, trips.every_day)}</A>
            <A href=move || filtered("today", &status.get()) attr:class=move || chip(!day.get().is_empty())>{t!(i18n, trips.today)}</A>
        </nav>
        <nav class="filters" id="status-filter" aria-label=move || t_string!(i18n, trip.status).to_string()>
            <A href=move || filtered(&day.get(), "") attr:class=move || chip(status.get().is_empty())>{t!(i18n, trips.all)}</A>
            {FILTERS
                .into_iter()
                .map(|filter| {
                    view! {
                        <A
                            href=move || filtered(&day.get(), filter.code())
                            attr:class=move || chip(status.get() == filter.code())
                        >
                            {move || status_text(i18n, filter)}
                        </A>
                    }
                })
                .collect_view()}
        </nav>
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(trips.await, |trips| view! { <TripList trips /> }) })}
        </Transition>
    }
}

#[component]
fn TripList(trips: Vec<TripSummary>) -> impl IntoView {
    let i18n = use_i18n();
    if trips.is_empty() {
        return view! { <p class="empty">{t!(i18n, trips.empty)}</p> }.into_any();
    }
    view! {
        <ul class="cards" id="trip-list">
            {trips.into_iter().map(|trip| view! { <TripCard trip /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn TripCard(trip: TripSummary) -> impl IntoView {
    let i18n = use_i18n();
    let status = trip.status;
    let plate = trip.plate.as_ref().map(|plate| plate.canonical());
    let route = trip.clone();
    // Upcoming trips with a slot: the service worker keeps their page and gate pass for
    // use without network (see public/register-sw.js).
    let offline = trip
        .slot
        .is_some()
        .then(|| format!("/trips/{id} /trips/{id}/pass", id = trip.id));
    view! {
        <li class="card trip" data-trip=trip.id.to_string() data-status=status.code() data-offline=offline>
            <A href=format!("/trips/{}", trip.id) attr:class="plate">
                {match plate {
                    Some(plate) => plate.into_any(),
                    None => view! { <span>{t!(i18n, trips.no_plate)}</span> }.into_any(),
                }}
            </A>
            <span class=format!("badge status-{}", status.code())>{move || status_text(i18n, status)}</span>
            <p class="meta">{move || super::route_line(i18n, &route)}</p>
            {trip.slot.map(|time| view! { <p class="meta"><super::SlotHours time /></p> })}
            {trip.cargo_description.clone().map(|cargo| view! { <p class="meta">{cargo}</p> })}
            {trip.perishable.then(|| view! { <span class="badge perishable">{t!(i18n, trips.perishable)}</span> })}
        </li>
    }
}
