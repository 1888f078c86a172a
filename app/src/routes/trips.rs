//! Trips: the list, the declaration form, one trip, booking a slot, the gate pass.

pub mod book;
pub mod detail;
pub mod form;
pub mod list;
pub mod next_step;
pub mod pass;

use crate::{
    components::translate::direction_text, i18n::*, models::gates::SlotTime,
    models::trips::TripSummary,
};
use leptos::prelude::*;

/// "14:00–15:00 (Giờ phía Hữu Nghị Quan: 15:00–16:00)": a slot on both clocks.
#[component]
pub fn SlotHours(
    time: SlotTime,
    /// The other side's name, for "their clock"; without it the country is named.
    #[prop(optional_no_strip)]
    other_side: Option<crate::models::gates::Localized>,
) -> impl IntoView {
    let i18n = use_i18n();
    let local = format!(
        "{} {}",
        crate::domain::clock::WallClock::at(time.starts_at, time.utc_offset_minutes).iso_date(),
        time.local_hours()
    );
    view! {
        <span class="slot-hours">
            <strong>{local}</strong>
            {(time.clocks_differ())
                .then(|| {
                    let other = other_side.clone();
                    let hours = time.other_side_hours();
                    view! {
                        " "
                        <small class="other-clock">
                            {move || {
                                let side = other.as_ref().map_or_else(
                                    || crate::components::translate::country_text(i18n, crate::domain::plate::Country::China),
                                    |name| name.get(i18n.get_locale()).to_string(),
                                );
                                t_string!(i18n, trip.other_side_clock, side, hours = hours.clone()).to_string()
                            }}
                        </small>
                    }
                })}
        </span>
    }
}

/// The line under a trip's plate: direction, gate and date.
pub fn route_line(i18n: crate::components::translate::I18n, trip: &TripSummary) -> String {
    let mut parts = Vec::new();
    if let Some(direction) = trip.direction {
        parts.push(direction_text(i18n, direction));
    }
    if let Some(gate) = &trip.gate_name {
        parts.push(gate.get(i18n.get_locale()).to_string());
    }
    if let Some(day) = &trip.planned_date {
        parts.push(day.clone());
    }
    parts.join(" · ")
}
