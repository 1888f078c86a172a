//! The console of a gate and direction: counts, alerts, checking trucks in, the yard in
//! call order, the lanes with what each agency still has to decide, and the trucks
//! cleared to cross. Each officer acts only for their own agency. Live: any event at the
//! gate, from any officer or device, refreshes it.

use crate::{
    components::{
        field::{Field, FormError, error_of},
        live::{RefreshWithoutScript, follow_live},
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::{agency_state_text, agency_text, alert_text, direction_text, hold_reason_text},
    },
    domain::{
        clock::WallClock,
        lifecycle::HoldReason,
        role::Agency,
        trip::{Direction, TripStatus},
    },
    functions::clearance::{
        AcknowledgeAlert, CallForward, CheckIn, ConfirmExit, Decide, get_console,
    },
    i18n::*,
    models::clearance::{AgencyState, Console, QueueEntry},
};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

/// The console's actions, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    check_in: ServerAction<CheckIn>,
    call_forward: ServerAction<CallForward>,
    decide: ServerAction<Decide>,
    exit: ServerAction<ConfirmExit>,
    acknowledge: ServerAction<AcknowledgeAlert>,
}

#[component]
pub fn ConsolePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = Actions {
        check_in: ServerAction::new(),
        call_forward: ServerAction::new(),
        decide: ServerAction::new(),
        exit: ServerAction::new(),
        acknowledge: ServerAction::new(),
    };
    let gate = move || params.with(|params| params.get("gate").unwrap_or_default());
    let heard = follow_live(Signal::derive(move || format!("/live/gates/{}", gate())));
    let console = Resource::new(
        move || {
            (
                gate(),
                query.with(|query| query.get("direction").unwrap_or_default()),
                heard.get(),
                actions.check_in.version().get()
                    + actions.call_forward.version().get()
                    + actions.decide.version().get(),
                actions.exit.version().get() + actions.acknowledge.version().get(),
            )
        },
        |(gate, direction, _, _, _)| get_console(gate, direction),
    );
    view! {
        <RefreshWithoutScript seconds=20 />
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(console.await, move |console| view! { <ConsoleView console actions /> }) })}
        </Transition>
    }
}

#[component]
fn ConsoleView(console: Console, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let gate_id = console.gate.id.clone();
    let direction = console.direction;
    let agency = console.agency;
    let name = console.gate.name.clone();
    let title = name.clone();
    let counts = console.counts;
    let offset = console.gate.utc_offset_minutes;
    let check_in_error = error_of(actions.check_in);
    let call_error = error_of(actions.call_forward);
    let decide_error = error_of(actions.decide);
    let wait = console.expected_wait_minutes;
    let alerts = console.alerts;
    let gate = StoredValue::new(gate_id.clone());
    view! {
        <PageTitle text=move || format!("{} · {}", t_string!(i18n, console.title), title.get(i18n.get_locale())) />
        <div class="page-head">
            <h1>{move || name.get(i18n.get_locale()).to_string()}</h1>
            <nav class="filters">
                {Direction::ALL
                    .map(|option| {
                        let gate_id = gate_id.clone();
                        view! {
                            <A
                                href=format!("/console/{gate_id}?direction={}", option.code())
                                attr:class=if option == direction { "chip current" } else { "chip" }
                            >
                                {move || direction_text(i18n, option)}
                            </A>
                        }
                    })
                    .collect_view()}
                <A href=format!("/console/{gate_id}/dashboard") attr:class="chip">{t!(i18n, console.dashboard)}</A>
            </nav>
        </div>
        <p class="meta">
            {t!(i18n, console.your_agency, agency = move || agency_text(i18n, agency))}
            {wait.map(|minutes| view! { " · " {t!(i18n, console.expected_wait, minutes = move || minutes)} })}
        </p>
        <section aria-labelledby="counts-heading">
            <h2 id="counts-heading" class="visually-hidden">{t!(i18n, console.counts)}</h2>
            <super::CountCards counts />
        </section>

        {(!alerts.is_empty()).then(|| view! {
            <section class="alerts" id="alerts">
                <h2>{t!(i18n, console.alerts)}</h2>
                <ul>
                    {alerts
                        .into_iter()
                        .map(|alert| {
                            let kind = alert.kind.clone();
                            view! {
                                <li class="notice error">
                                    <strong>{move || alert_text(i18n, &kind)}</strong>
                                    {alert.plate.map(|plate| view! { " · " {plate} })}
                                    " · " {WallClock::at(alert.at, offset).time()}
                                    <ActionForm action=actions.acknowledge attr:class="inline">
                                        <Where gate direction />
                                        <input type="hidden" name="alert_id" value=alert.id.to_string() />
                                        <button type="submit" class="link">{t!(i18n, console.acknowledge)}</button>
                                    </ActionForm>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        })}

        <section class="card" id="check-in">
            <h2>{t!(i18n, console.check_in)}</h2>
            <ActionForm action=actions.check_in attr:class="form" attr:novalidate=true attr:id="check-in-form">
                <Where gate direction />
                <FormError error=check_in_error field="pass" />
                <Field name="pass" label=move || t!(i18n, console.pass) autocomplete="off" error=check_in_error />
                <div class="actions">
                    <button type="submit" class="primary">{t!(i18n, console.check_in_button)}</button>
                    <button type="button" id="scan-pass" hidden=true>{t!(i18n, console.scan)}</button>
                </div>
                <video id="scan-video" hidden=true playsinline=true muted=true></video>
            </ActionForm>
            <script src="/scanner.js" defer=true></script>
        </section>

        <section id="yard">
            <h2>{t!(i18n, console.yard)} " (" {console.yard.len()} ")"</h2>
            {(agency == Agency::TrafficPolice).then(|| view! {
                <ActionForm action=actions.call_forward attr:class="form inline-fields" attr:novalidate=true attr:id="call-form">
                    <Where gate direction />
                    <FormError error=call_error field="count" />
                    <Field name="count" label=move || t!(i18n, console.call_count) value="1".to_string() inputmode="numeric" error=call_error />
                    <Field name="lane" label=move || t!(i18n, console.lane) value="1".to_string() error=call_error />
                    <button type="submit" class="primary">{t!(i18n, console.call_forward)}</button>
                </ActionForm>
            })}
            {if console.yard.is_empty() {
                view! { <p class="empty">{t!(i18n, console.yard_empty)}</p> }.into_any()
            } else {
                view! {
                    <ol class="queue">
                        {console.yard.into_iter().map(|entry| view! { <Entry entry offset /> }).collect_view()}
                    </ol>
                }
                .into_any()
            }}
        </section>

        <section id="lanes">
            <h2>{t!(i18n, console.lanes)} " (" {console.lanes.len()} ")"</h2>
            <FormError error=decide_error />
            {if console.lanes.is_empty() {
                view! { <p class="empty">{t!(i18n, console.lanes_empty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="queue">
                        {console
                            .lanes
                            .into_iter()
                            .map(|entry| {
                                view! {
                                    <Entry entry=entry.clone() offset>
                                        <Decisions entry agency decide=actions.decide gate direction />
                                    </Entry>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>

        {(!console.cleared.is_empty()).then(|| view! {
            <section id="cleared">
                <h2>{t!(i18n, console.cleared_list)}</h2>
                <ul class="queue">
                    {console
                        .cleared
                        .into_iter()
                        .map(|entry| {
                            let trip_id = entry.trip_id.to_string();
                            view! {
                                <Entry entry offset>
                                    {(agency == Agency::BorderGuard).then(|| view! {
                                        <ActionForm action=actions.exit attr:class="inline">
                                            <Where gate direction />
                                            <input type="hidden" name="trip_id" value=trip_id.clone() />
                                            <button type="submit" class="primary">{t!(i18n, console.confirm_exit)}</button>
                                        </ActionForm>
                                    })}
                                </Entry>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        })}
    }
}

/// Which console a form was posted from (the server sends a plain post back there).
#[component]
fn Where(gate: StoredValue<String>, direction: Direction) -> impl IntoView {
    view! {
        <input type="hidden" name="gate_id" value=gate.get_value() />
        <input type="hidden" name="direction" value=direction.code() />
    }
}

/// One truck: plate, firm, slot, arrival, lane, where each agency stands.
#[component]
fn Entry(
    entry: QueueEntry,
    offset: i32,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let hold = entry.hold.clone();
    view! {
        <li class="card entry" class:perishable=entry.perishable data-trip=entry.trip_id.to_string() data-status=entry.status.code()>
            <strong class="plate">{entry.plate.clone()}</strong>
            {entry.lane.clone().map(|lane| view! { " · " <span class="badge">{t!(i18n, console.lane)} " " {lane}</span> })}
            {entry.perishable.then(|| view! { <span class="badge perishable">{t!(i18n, trips.perishable)}</span> })}
            <p class="meta">{entry.firm_name.clone()} " · " {entry.slot.local_hours()}</p>
            {entry.arrived_at.map(|at| {
                let time = WallClock::at(at, offset).time();
                view! { <p class="meta">{t!(i18n, console.arrived_at, time = move || time.clone())}</p> }
            })}
            {(!entry.agencies.is_empty()).then(|| view! {
                <ul class="agencies">
                    {entry
                        .agencies
                        .iter()
                        .map(|(agency, state)| {
                            let (agency, state) = (*agency, *state);
                            view! {
                                <li data-agency=agency.code()>
                                    {move || agency_text(i18n, agency)} ": " {move || agency_state_text(i18n, state)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            })}
            {hold.map(|hold| {
                let note = hold.note.clone().unwrap_or_default();
                view! { <p class="notice error">{move || hold_reason_text(i18n, hold.reason)} " " {note}</p> }
            })}
            {children.map(|children| children())}
        </li>
    }
}

/// The decision buttons of the officer's own agency for one truck in the lanes.
#[component]
fn Decisions(
    entry: QueueEntry,
    agency: Agency,
    decide: ServerAction<Decide>,
    gate: StoredValue<String>,
    direction: Direction,
) -> impl IntoView {
    let i18n = use_i18n();
    let trip_id = entry.trip_id.to_string();
    let state = entry
        .agencies
        .iter()
        .find(|(decided, _)| *decided == agency)
        .map(|(_, state)| *state);
    let holding = entry
        .hold
        .as_ref()
        .is_some_and(|hold| hold.agency == agency);
    // The label follows the language chosen, hydrated or not.
    let label = move |decision: &'static str, channel: &'static str| match (decision, channel) {
        ("release", _) => t_string!(i18n, console.release).to_string(),
        ("clear", "green") => t_string!(i18n, console.clear_green).to_string(),
        ("clear", "yellow") => t_string!(i18n, console.clear_yellow).to_string(),
        ("route", _) => t_string!(i18n, console.route_red).to_string(),
        _ => t_string!(i18n, console.clear).to_string(),
    };
    let form = move |decision: &'static str, channel: &'static str, class: &'static str| {
        let trip_id = trip_id.clone();
        view! {
            <ActionForm action=decide attr:class="inline">
                <Where gate direction />
                <input type="hidden" name="trip_id" value=trip_id />
                <input type="hidden" name="decision" value=decision />
                <input type="hidden" name="channel" value=channel />
                <button type="submit" class=class>{move || label(decision, channel)}</button>
            </ActionForm>
        }
    };
    let buttons = match (entry.status, state) {
        (_, None) => Vec::new(),
        (TripStatus::Held, _) if holding => vec![
            form("release", "", "primary").into_any(),
            reject_form(decide, entry.trip_id.to_string()).into_any(),
        ],
        (TripStatus::Held, _) | (_, Some(AgencyState::Cleared)) | (_, Some(AgencyState::Held)) => {
            Vec::new()
        }
        (_, Some(AgencyState::Pending)) if agency == Agency::Customs => vec![
            form("clear", "green", "primary").into_any(),
            form("clear", "yellow", "").into_any(),
            form("route", "red", "danger").into_any(),
            hold_form(decide, entry.trip_id.to_string()).into_any(),
        ],
        _ => vec![
            form("clear", "", "primary").into_any(),
            hold_form(decide, entry.trip_id.to_string()).into_any(),
        ],
    };
    view! { <div class="decisions">{buttons}</div> }
}

/// Holding a truck (a reason from the list, and a note) or, for a held one, rejecting
/// it (a note): a form folded under its button.
fn hold_form(decide: ServerAction<Decide>, trip_id: String) -> impl IntoView {
    folded_form(decide, trip_id, "hold")
}

fn reject_form(decide: ServerAction<Decide>, trip_id: String) -> impl IntoView {
    folded_form(decide, trip_id, "reject")
}

fn folded_form(
    decide: ServerAction<Decide>,
    trip_id: String,
    decision: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let gate_id = use_params_map().with_untracked(|params| params.get("gate").unwrap_or_default());
    let direction = use_query_map()
        .with_untracked(|query| query.get("direction").unwrap_or_else(|| "export".into()));
    let label = move || {
        if decision == "hold" {
            t_string!(i18n, console.hold)
        } else {
            t_string!(i18n, console.reject)
        }
    };
    view! {
        <details class="hold">
            <summary>{label}</summary>
            <ActionForm action=decide attr:class="form">
                <input type="hidden" name="gate_id" value=gate_id />
                <input type="hidden" name="direction" value=direction />
                <input type="hidden" name="trip_id" value=trip_id />
                <input type="hidden" name="decision" value=decision />
                {(decision == "hold").then(|| view! {
                    <label>
                        {t!(i18n, console.hold_reason)}
                        <select name="reason">
                            {HoldReason::ALL
                                .map(|reason| view! { <option value=reason.code()>{move || hold_reason_text(i18n, reason)}</option> })
                                .collect_view()}
                        </select>
                    </label>
                })}
                <label>{t!(i18n, console.note)} <input type="text" name="note" /></label>
                <button type="submit" class="danger">{label}</button>
            </ActionForm>
        </details>
    }
}
