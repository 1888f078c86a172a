//! "What to do now": the trip's status in large type and the driver's next step, as the
//! officers' decisions come in.

use crate::{
    components::translate::{agency_state_text, agency_text, hold_reason_text, status_text},
    domain::{clock::WallClock, trip::TripStatus},
    i18n::*,
    models::{clearance::AgencyState, trips::TripDetail},
};
use leptos::prelude::*;

#[component]
pub fn NextStep(trip: TripDetail) -> impl IntoView {
    let i18n = use_i18n();
    let status = trip.summary.status;
    let offset = trip.utc_offset_minutes;
    let window = trip.arrival_window;
    let lane = trip.lane.clone();
    let hold = trip.hold.clone();
    let agencies = trip.agencies.clone();
    let pending: Vec<_> = agencies
        .iter()
        .filter(|(_, state)| *state != AgencyState::Cleared)
        .map(|(agency, _)| *agency)
        .collect();
    let text = move || match status {
        TripStatus::Draft => t_string!(i18n, next.draft).to_string(),
        TripStatus::Declared => t_string!(i18n, next.declared).to_string(),
        TripStatus::Booked => match window {
            Some((opens, closes)) => {
                let opens = WallClock::at(opens, offset).day_and_time();
                let closes = WallClock::at(closes, offset).day_and_time();
                t_string!(i18n, next.booked, opens, closes).to_string()
            }
            None => status_text(i18n, status),
        },
        TripStatus::Arrived => t_string!(i18n, next.arrived).to_string(),
        TripStatus::CalledForward => match &lane {
            Some(lane) => t_string!(i18n, next.called_forward, lane = lane.clone()).to_string(),
            None => t_string!(i18n, next.called_forward_no_lane).to_string(),
        },
        TripStatus::Inspection => {
            let agencies = pending
                .iter()
                .map(|agency| agency_text(i18n, *agency))
                .collect::<Vec<_>>()
                .join(", ");
            t_string!(i18n, next.inspection, agencies).to_string()
        }
        TripStatus::Held => match &hold {
            Some(hold) => {
                let reason = match &hold.note {
                    Some(note) if !note.is_empty() => {
                        format!("{} — {note}", hold_reason_text(i18n, hold.reason))
                    }
                    _ => hold_reason_text(i18n, hold.reason),
                };
                t_string!(
                    i18n,
                    next.held,
                    agency = agency_text(i18n, hold.agency),
                    reason
                )
                .to_string()
            }
            None => status_text(i18n, status),
        },
        TripStatus::Cleared => t_string!(i18n, next.cleared).to_string(),
        TripStatus::Exited => t_string!(i18n, next.exited).to_string(),
        TripStatus::Rejected => t_string!(i18n, next.rejected).to_string(),
        TripStatus::Cancelled => t_string!(i18n, next.cancelled).to_string(),
        TripStatus::NoShow => t_string!(i18n, next.no_show).to_string(),
    };
    view! {
        <section class=format!("next-step status-{}", status.code()) id="next-step" aria-live="polite">
            <h2>{t!(i18n, trip.next)}</h2>
            <p class="next-text">{text}</p>
            {(!agencies.is_empty()).then(|| view! {
                <ul class="agencies" id="agencies">
                    {agencies
                        .iter()
                        .map(|(agency, state)| {
                            let (agency, state) = (*agency, *state);
                            view! {
                                <li class=format!("agency {}", match state {
                                    AgencyState::Cleared => "cleared",
                                    AgencyState::Held => "held",
                                    _ => "pending",
                                }) data-agency=agency.code()>
                                    <strong>{move || agency_text(i18n, agency)}</strong>
                                    ": "
                                    {move || agency_state_text(i18n, state)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            })}
        </section>
    }
}
