//! Choosing a slot: one day of the trip's gate and direction, each slot with how many
//! places this trip could still take, or why it cannot. One tap books (or moves).

use super::SlotHours;
use crate::{
    components::{
        field::{FormError, error_of},
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::{direction_text, problem_text},
    },
    functions::bookings::{BookSlot, MoveBooking, get_day_slots},
    i18n::*,
    models::gates::{DaySlots, SlotOffer},
};
use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn BookPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let book = ServerAction::<BookSlot>::new();
    let relocate = ServerAction::<MoveBooking>::new();
    let slots = Resource::new(
        move || {
            (
                params.with(|params| params.get("id").unwrap_or_default()),
                query.with(|query| query.get("day").unwrap_or_default()),
                book.version().get(),
                relocate.version().get(),
            )
        },
        |(id, day, _, _)| get_day_slots(id, day),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(slots.await, move |day| view! { <Day day book relocate /> }) })}
        </Transition>
    }
}

#[component]
fn Day(
    day: DaySlots,
    book: ServerAction<BookSlot>,
    relocate: ServerAction<MoveBooking>,
) -> impl IntoView {
    let i18n = use_i18n();
    let book_error = error_of(book);
    let move_error = error_of(relocate);
    let trip_id = day.trip.id;
    let moving = day.moving;
    let plate = day
        .trip
        .plate
        .as_ref()
        .map(|plate| plate.canonical())
        .unwrap_or_default();
    let direction = day.trip.direction;
    let gate_name = day.gate.name.clone();
    let other_side = day.gate.other_side.clone();
    let title = move || {
        if moving {
            t_string!(i18n, book.move_title).to_string()
        } else {
            t_string!(i18n, book.title).to_string()
        }
    };
    let day_link = move |target: &str| format!("/trips/{trip_id}/book?day={target}");
    view! {
        <PageTitle text=title />
        <h1>{title}</h1>
        <p class="meta">
            <strong>{plate}</strong>
            " · "
            {move || direction.map(|direction| direction_text(i18n, direction)).unwrap_or_default()}
            " · "
            {move || gate_name.get(i18n.get_locale()).to_string()}
        </p>
        {day.late_change.then(|| view! { <p class="notice">{t!(i18n, book.late_move_warning)}</p> })}
        <FormError error=book_error field="slot" />
        <FormError error=move_error field="slot" />
        <nav class="day-nav">
            {day.previous_day.clone().map(|previous| view! { <A href=day_link(&previous)>{t!(i18n, book.previous_day)}</A> })}
            <Form method="GET" action="" attr:class="inline-form">
                <label for="day">{t!(i18n, book.day)}</label>
                <input id="day" type="date" name="day" value=day.day.clone() />
                <button type="submit">{t!(i18n, book.show_day)}</button>
            </Form>
            {day.next_day.clone().map(|next| view! { <A href=day_link(&next)>{t!(i18n, book.next_day)}</A> })}
        </nav>
        {if day.slots.is_empty() {
            view! { <p class="empty">{t!(i18n, book.no_slots)}</p> }.into_any()
        } else {
            view! {
                <ul class="slots" id="slot-list">
                    {day
                        .slots
                        .into_iter()
                        .map(|offer| {
                            view! { <Slot offer trip_id=trip_id.to_string() request_key=day.request_key.clone() moving other_side=other_side.clone() book relocate /> }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}
    }
}

#[component]
fn Slot(
    offer: SlotOffer,
    trip_id: String,
    request_key: String,
    moving: bool,
    other_side: crate::models::gates::Localized,
    book: ServerAction<BookSlot>,
    relocate: ServerAction<MoveBooking>,
) -> impl IntoView {
    let i18n = use_i18n();
    let free = offer.free_for_trip;
    let capacity = offer.capacity;
    let refusal = offer.refusal;
    let fields = move || {
        view! {
            <input type="hidden" name="trip_id" value=trip_id.clone() />
            <input type="hidden" name="slot_id" value=offer.time.slot_id.to_string() />
            <input type="hidden" name="request_key" value=request_key.clone() />
        }
    };
    let action = match (offer.current, refusal, moving) {
        (true, _, _) => view! { <span class="badge">{t!(i18n, book.current)}</span> }.into_any(),
        (false, Some(problem), _) => {
            view! { <span class="refusal">{move || problem_text(i18n, problem)}</span> }.into_any()
        }
        (false, None, false) => view! {
            <ActionForm action=book attr:class="inline">
                {fields()}
                <button type="submit" class="primary">{t!(i18n, book.choose)}</button>
            </ActionForm>
        }
        .into_any(),
        (false, None, true) => view! {
            <ActionForm action=relocate attr:class="inline">
                {fields()}
                <button type="submit" class="primary">{t!(i18n, book.move_here)}</button>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <li class="slot" class:unavailable=refusal.is_some() class:current=offer.current data-slot=offer.time.slot_id.to_string() data-start=offer.time.starts_at.to_string()>
            <SlotHours time=offer.time other_side=Some(other_side) />
            <span class="free">{t!(i18n, book.free, free = move || free, capacity = move || capacity)}</span>
            {action}
        </li>
    }
}
