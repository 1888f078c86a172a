//! One trip: where it stands, its slot and pass, what may be done now, its timeline.

use super::{SlotHours, route_line};
use crate::{
    components::{
        field::{Choice, FormError, SelectField, error_of},
        live::{RefreshWithoutScript, follow_live},
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::{event_text, status_text},
    },
    domain::{clock::WallClock, trip::TripStatus},
    functions::{
        bookings::CancelBooking,
        trips::{ChangeDriver, get_trip},
    },
    i18n::*,
    models::trips::TripDetail,
};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn TripPage() -> impl IntoView {
    let params = use_params_map();
    let cancel = ServerAction::<CancelBooking>::new();
    let change_driver = ServerAction::<ChangeDriver>::new();
    let id = move || params.with(|params| params.get("id").unwrap_or_default());
    // Each event of the trip, written by any officer or device, refetches the page's data.
    let heard = follow_live(Signal::derive(move || format!("/live/trips/{}", id())));
    let trip = Resource::new(
        move || {
            (
                id(),
                cancel.version().get(),
                change_driver.version().get(),
                heard.get(),
            )
        },
        |(id, _, _, _)| get_trip(id),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(trip.await, move |trip| view! { <Trip trip cancel change_driver /> })
            })}
        </Transition>
    }
}

/// The notice a redirect asked for (`?booked=1` after booking, and so on).
fn notice_of(
    query: &leptos_router::params::ParamsMap,
    i18n: crate::components::translate::I18n,
) -> Option<String> {
    [
        ("saved", t_string!(i18n, trip.saved).to_string()),
        (
            "declared",
            t_string!(i18n, trip.declared_notice).to_string(),
        ),
        ("booked", t_string!(i18n, trip.booked_notice).to_string()),
        ("moved", t_string!(i18n, trip.moved_notice).to_string()),
        (
            "cancelled",
            t_string!(i18n, trip.cancelled_notice).to_string(),
        ),
    ]
    .into_iter()
    .find(|(key, _)| query.get(key).is_some())
    .map(|(_, text)| text)
}

#[component]
fn Trip(
    trip: TripDetail,
    cancel: ServerAction<CancelBooking>,
    change_driver: ServerAction<ChangeDriver>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let cancel_error = error_of(cancel);
    let driver_error = error_of(change_driver);
    let summary = trip.summary.clone();
    let id = summary.id.to_string();
    let status = summary.status;
    let plate = summary
        .plate
        .as_ref()
        .map(|plate| plate.canonical())
        .unwrap_or_default();
    let title_plate = plate.clone();
    let route = summary.clone();
    let booking = trip.booking.clone();
    let offset = trip.utc_offset_minutes;
    let facts = facts(&trip);
    let drivers: Vec<Choice> = trip
        .drivers
        .iter()
        .map(|choice| Choice::plain(choice.value.clone(), choice.label.clone()))
        .collect();
    let current_driver = trip.form.driver_id.clone();
    let at_the_gate = matches!(
        status,
        TripStatus::Booked
            | TripStatus::Arrived
            | TripStatus::CalledForward
            | TripStatus::Inspection
            | TripStatus::Held
            | TripStatus::Cleared
    );
    let can_change_booking = trip.can_change_booking;
    let other_offset = trip.other_side_offset_minutes;
    let (id_for_cancel, id_for_driver) = (id.clone(), id.clone());
    view! {
        <PageTitle text=move || t_string!(i18n, trip.title, plate = title_plate.clone()).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, trip.title, plate = move || plate.clone())}</h1>
            <span class=format!("badge big status-{}", status.code()) id="trip-status">{move || status_text(i18n, status)}</span>
        </div>
        <p class="meta">{move || route_line(i18n, &route)}</p>
        <AsOf at=trip.as_of offset=trip.utc_offset_minutes />
        {move || query.with(|query| notice_of(query, i18n)).map(|text| view! { <p class="notice success" role="status">{text}</p> })}
        {at_the_gate.then(|| view! { <RefreshWithoutScript seconds=30 /> })}
        <super::next_step::NextStep trip=trip.clone() />
        <FormError error=cancel_error field="slot" />

        {booking.map(|booking| {
            let pass_link = format!("/trips/{id}/pass");
            let move_link = format!("/trips/{id}/book");
            view! {
                <section class="booking card" id="booking">
                    <h2>{t!(i18n, trip.booking)}</h2>
                    <p><SlotHours time=booking.time other_side=None /></p>
                    <p>{t!(i18n, trip.pass_code)} ": " <strong class="pass-code">{booking.pass_code.clone()}</strong></p>
                    {booking.must_move.then(|| view! { <p class="notice error" role="alert">{t!(i18n, trip.must_move)}</p> })}
                    {can_change_booking.then(|| view! {
                        <div class="actions">
                            <A href=pass_link.clone() attr:class="button primary">{t!(i18n, trip.gate_pass)}</A>
                            <A href=move_link.clone() attr:class="button">{t!(i18n, trip.move_booking)}</A>
                        </div>
                    })}
                </section>
            }
        })}

        <div class="actions">
            {trip.can_book.then(|| view! { <A href=format!("/trips/{}/book", summary.id) attr:class="button primary">{t!(i18n, trip.book)}</A> })}
            {trip.can_edit.then(|| view! { <A href=format!("/trips/{}/edit", summary.id) attr:class="button">{t!(i18n, trip.edit)}</A> })}
        </div>

        {trip.can_change_booking.then(|| {
            let late = trip.late_change;
            view! {
                <ActionForm action=cancel attr:class="form danger-zone" attr:id="cancel-form">
                    <input type="hidden" name="trip_id" value=id_for_cancel.clone() />
                    {late.then(|| view! { <p class="notice">{t!(i18n, trip.cancel_late_warning)}</p> })}
                    <button type="submit" class="danger">{t!(i18n, trip.cancel_booking)}</button>
                </ActionForm>
            }
        })}

        {trip.can_change_driver.then(|| view! {
            <ActionForm action=change_driver attr:class="form" attr:id="driver-form">
                <input type="hidden" name="trip_id" value=id_for_driver.clone() />
                <SelectField name="driver_id" label=move || t!(i18n, trip.driver) choices=drivers.clone() value=current_driver.clone() error=driver_error />
                <button type="submit">{t!(i18n, trip.change_driver)}</button>
            </ActionForm>
        })}

        <h2>{t!(i18n, trip.details)}</h2>
        <dl class="facts" id="trip-facts">
            {facts
                .into_iter()
                .map(|(label, value)| view! {
                    <dt>{move || label(i18n)}</dt>
                    <dd>{value}</dd>
                })
                .collect_view()}
        </dl>

        <h2>{t!(i18n, trip.timeline)}</h2>
        <ol class="timeline" id="timeline">
            {trip
                .events
                .into_iter()
                .map(|event| {
                    let kind = event.kind.clone();
                    let when = WallClock::at(event.at, offset).day_and_time();
                    let other_clock = (other_offset != offset).then(|| WallClock::at(event.at, other_offset).time());
                    view! {
                        <li data-kind=event.kind.clone()>
                            <time>{when}</time>
                            {other_clock.map(|time| view! { " " <small class="other-clock">"(" {time} ")"</small> })}
                            " "
                            <strong>{move || event_text(i18n, &kind)}</strong>
                            {event.late.then(|| view! { " " <span>{t!(i18n, trip.late)}</span> })}
                            {event.slot.map(|time| view! { " · " <SlotHours time /> })}
                            {event.actor_name.clone().map(|name| view! { <span class="meta">" · " {name}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

type Label = fn(crate::components::translate::I18n) -> String;

/// The filled-in fields of a trip, as (label, value) rows.
fn facts(trip: &TripDetail) -> Vec<(Label, String)> {
    let form = &trip.form;
    let summary = &trip.summary;
    let plate = summary.plate.as_ref().map(|plate| {
        let trailer = trip
            .trailer_plate
            .as_ref()
            .map(|trailer| format!(" + {}", trailer.canonical()))
            .unwrap_or_default();
        format!("{}{trailer}", plate.canonical())
    });
    let temperature = trip.set_temperature.clone();
    let rows: Vec<(Label, Option<String>)> = vec![
        (|i18n| t_string!(i18n, trip.vehicle).to_string(), plate),
        (
            |i18n| t_string!(i18n, trip.driver).to_string(),
            summary.driver_name.clone(),
        ),
        (
            |i18n| t_string!(i18n, trip.cargo_description).to_string(),
            summary.cargo_description.clone(),
        ),
        (
            |i18n| t_string!(i18n, trip.hs_code).to_string(),
            Some(form.hs_code.clone()).filter(|text| !text.is_empty()),
        ),
        (
            |i18n| t_string!(i18n, trip.cargo_weight_kg).to_string(),
            Some(form.cargo_weight_kg.clone()).filter(|text| !text.is_empty()),
        ),
        (
            |i18n| t_string!(i18n, trip.packages).to_string(),
            Some(form.packages.clone()).filter(|text| !text.is_empty()),
        ),
        (
            |i18n| t_string!(i18n, trip.containers).to_string(),
            Some(trip.containers.join(", ")).filter(|text| !text.is_empty()),
        ),
        (
            |i18n| t_string!(i18n, trip.customs_declaration).to_string(),
            Some(form.customs_declaration.clone()).filter(|text| !text.is_empty()),
        ),
        (
            |i18n| t_string!(i18n, trip.seal_number).to_string(),
            Some(form.seal_number.clone()).filter(|text| !text.is_empty()),
        ),
        (
            |i18n| t_string!(i18n, trip.set_temperature).to_string(),
            temperature,
        ),
    ];
    let mut facts: Vec<(Label, String)> = rows
        .into_iter()
        .filter_map(|(label, value)| value.map(|value| (label, value)))
        .collect();
    if summary.perishable {
        facts.push((
            |i18n| t_string!(i18n, trip.perishable).to_string(),
            "✓".to_string(),
        ));
    }
    if form.quarantine_required.is_some() {
        facts.push((
            |i18n| t_string!(i18n, trip.quarantine_required).to_string(),
            "✓".to_string(),
        ));
    }
    facts
}

/// When the page's facts were read: a copy the phone kept for offline use says its age.
#[component]
pub fn AsOf(at: i64, offset: i32) -> impl IntoView {
    let i18n = use_i18n();
    let time = crate::domain::clock::WallClock::at(at, offset).day_and_time();
    view! { <p class="meta as-of" id="as-of" data-as-of=at>{t!(i18n, offline.as_of, time = move || time.clone())}</p> }
}
