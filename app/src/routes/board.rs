//! The public load board: for each gate and day, how full each slot is per direction,
//! and the receiving side's intake. No sign-in; works without JavaScript.

use crate::{
    components::{
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::direction_text,
    },
    domain::trip::Direction,
    functions::board::load_board,
    i18n::*,
    models::gates::{Board, Load},
};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn BoardPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let board = Resource::new(
        move || {
            query.with(|query| {
                (
                    query.get("gate").unwrap_or_default(),
                    query.get("day").unwrap_or_default(),
                )
            })
        },
        |(gate, day)| load_board(gate, day),
    );
    view! {
        <PageTitle text=move || t_string!(i18n, board.title).to_string() />
        <h1>{t!(i18n, board.title)}</h1>
        <p class="lead">{t!(i18n, board.lead)}</p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(board.await, |board| view! { <BoardView board /> }) })}
        </Transition>
    }
}

#[component]
fn BoardView(board: Board) -> impl IntoView {
    let i18n = use_i18n();
    let gate = board.gate.clone();
    let other_side = gate.other_side.clone();
    let gate_choices = board.gates.clone();
    let selected_gate = gate.id.clone();
    let day = board.day.clone();
    let day_options = board
        .days
        .iter()
        .map(|option| {
            let selected = *option == day;
            view! { <option value=option.clone() selected=selected>{option.clone()}</option> }
        })
        .collect_view();
    view! {
        <Form method="GET" action="" attr:class="board-filter">
            <label for="board-gate">{t!(i18n, board.gate)}</label>
            <select id="board-gate" name="gate">
                {gate_choices
                    .into_iter()
                    .map(|choice| {
                        let selected = choice.id == selected_gate;
                        let name = choice.name.clone();
                        view! { <option value=choice.id.clone() selected=selected>{move || name.get(i18n.get_locale()).to_string()}</option> }
                    })
                    .collect_view()}
            </select>
            <label for="board-day">{t!(i18n, board.day)}</label>
            <select id="board-day" name="day">
                {day_options}
            </select>
            <button type="submit">{t!(i18n, board.show)}</button>
        </Form>
        <h2>{move || gate.name.get(i18n.get_locale()).to_string()} " · " {day}</h2>
        <ul class="intake" id="board-intake">
            {board
                .intake
                .iter()
                .map(|intake| {
                    let direction = intake.direction;
                    let booked = intake.booked;
                    let limit = intake.limit;
                    view! {
                        <li>
                            <strong>{move || direction_text(i18n, direction)}</strong>
                            ": "
                            {move || match limit {
                                Some(limit) => t_string!(i18n, board.intake, booked, limit).to_string(),
                                None => t_string!(i18n, board.no_intake_limit).to_string(),
                            }}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <table class="board" id="board">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, board.time)}</th>
                    <th scope="col">{move || direction_text(i18n, Direction::Export)}</th>
                    <th scope="col">{move || direction_text(i18n, Direction::Import)}</th>
                </tr>
            </thead>
            <tbody>
                {board
                    .rows
                    .into_iter()
                    .map(|row| {
                        let other = other_side.clone();
                        view! {
                            <tr data-slot-start=row.time.starts_at.to_string()>
                                <th scope="row"><crate::routes::trips::SlotHours time=row.time other_side=Some(other) /></th>
                                <td data-direction="export">{row.export.map(|load| view! { <LoadCell load /> })}</td>
                                <td data-direction="import">{row.import.map(|load| view! { <LoadCell load /> })}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// "12/20" with a bar; "closed" for a slot without capacity.
#[component]
fn LoadCell(load: Load) -> impl IntoView {
    let i18n = use_i18n();
    if load.capacity == 0 {
        return view! { <span class="closed">{t!(i18n, board.closed)}</span> }.into_any();
    }
    let percent = (i64::from(load.booked) * 100 / i64::from(load.capacity)).clamp(0, 100);
    let reserve = load.perishable_reserve;
    view! {
        <span class="load" data-booked=load.booked data-capacity=load.capacity>
            <span class="load-figure">{load.booked} "/" {load.capacity}</span>
            // An SVG bar: its width is an attribute, not an inline style, which the
            // Content-Security-Policy forbids.
            <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
                <rect class="track" width="100" height="8" />
                <rect class="fill" width=percent height="8" />
            </svg>
            {(reserve > 0).then(|| view! { <small>{t!(i18n, board.perishable_reserve, reserve = move || reserve)}</small> })}
        </span>
    }
    .into_any()
}
