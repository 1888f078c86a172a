//! Officers at the gate (tablet and desktop): their posts, the console of a gate and
//! direction, and the gate's dashboard.

pub mod dashboard;
pub mod gate;
pub mod posts;

use crate::{components::translate::I18n, i18n::*, models::clearance::Counts};
use leptos::prelude::*;

/// The gate's counts by status, as big figures (console and dashboard).
#[component]
pub fn CountCards(counts: Counts) -> impl IntoView {
    let i18n = use_i18n();
    let cards: [(fn(I18n) -> String, i64); 7] = [
        (
            |i18n| t_string!(i18n, console.expected).to_string(),
            counts.expected_this_hour,
        ),
        (
            |i18n| t_string!(i18n, console.in_yard).to_string(),
            counts.in_yard,
        ),
        (
            |i18n| t_string!(i18n, console.called).to_string(),
            counts.called_forward,
        ),
        (
            |i18n| t_string!(i18n, console.in_inspection).to_string(),
            counts.in_inspection,
        ),
        (
            |i18n| t_string!(i18n, console.held).to_string(),
            counts.held,
        ),
        (
            |i18n| t_string!(i18n, console.cleared).to_string(),
            counts.cleared,
        ),
        (
            |i18n| t_string!(i18n, console.exited).to_string(),
            counts.exited_today,
        ),
    ];
    view! {
        <ul class="counts" id="counts">
            {cards
                .into_iter()
                .map(|(label, count)| view! { <li><span class="count-figure">{count}</span> <span>{move || label(i18n)}</span></li> })
                .collect_view()}
        </ul>
    }
}
