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
const FILTERS: [TripStatus; 6] = [
    TripStatus::Draft,
    TripStatus::Declared,
    TripStatus::Booked,
    TripStatus::Cleared,
    TripStatus::Cancelled,
    TripStatus::NoShow,
];

#[component]
pub fn TripsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let status = Memo::new(move |_| query.with(|query| query.get("status").unwrap_or_default()));
    let trips = Resource::new(move || status.get(), list_trips);
    view! {
        <PageTitle text=move || t_string!(i18n, trips.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, trips.title)}</h1>
            <div class="actions">
                <A href="/trips/new" attr:class="button primary">{t!(i18n, trips.new)}</A>
            </div>
        </div>
        <nav class="filters" aria-label=move || t_string!(i18n, trip.status).to_string()>
            <A href="/trips" attr:class=move || if status.get().is_empty() { "chip current" } else { "chip" }>{t!(i18n, trips.all)}</A>
            {FILTERS
                .into_iter()
                .map(|filter| {
                    view! {
                        <A
                            href=format!("/trips?status={}", filter.code())
                            attr:class=move || if status.get() == filter.code() { "chip current" } else { "chip" }
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
    view! {
        <li class="card trip" data-trip=trip.id.to_string() data-status=status.code()>
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
