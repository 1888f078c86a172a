//! A gate's capacity plan: slot length, hours, places per slot and direction, the
//! receiving side's intake and the booking rules; closures; and the bookings a cut left
//! beyond capacity, to be moved.

use super::devices::Devices;
use crate::{
    components::{
        field::{Field, FormError, error_of},
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::direction_text,
    },
    domain::clock::WallClock,
    functions::gates::{AddClosure, RemoveClosure, UpdateGatePlan, get_gate_plan},
    i18n::*,
    models::gates::GatePlan,
};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn GatePlanPage() -> impl IntoView {
    let params = use_params_map();
    let update = ServerAction::<UpdateGatePlan>::new();
    let add = ServerAction::<AddClosure>::new();
    let remove = ServerAction::<RemoveClosure>::new();
    let plan = Resource::new(
        move || {
            (
                params.with(|params| params.get("id").unwrap_or_default()),
                update.version().get(),
                add.version().get(),
                remove.version().get(),
            )
        },
        |(id, _, _, _)| get_gate_plan(id),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(plan.await, move |plan| view! { <Plan plan update add remove /> }) })}
        </Transition>
    }
}

#[component]
fn Plan(
    plan: GatePlan,
    update: ServerAction<UpdateGatePlan>,
    add: ServerAction<AddClosure>,
    remove: ServerAction<RemoveClosure>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let error = error_of(update);
    let closure_error = error_of(add);
    let gate_id = plan.gate.id.clone();
    let name = plan.gate.name.clone();
    let title = name.clone();
    let offset = plan.gate.utc_offset_minutes;
    let policy = plan.policy.clone();
    let number = |value: i64| value.to_string();
    let intake = |value: Option<i32>| value.map(|limit| limit.to_string()).unwrap_or_default();
    let (gate_for_plan, gate_for_closure, gate_for_removal) =
        (gate_id.clone(), gate_id.clone(), gate_id.clone());
    view! {
        <PageTitle text=move || title.get(i18n.get_locale()).to_string() />
        <h1>{move || name.get(i18n.get_locale()).to_string()}</h1>
        <p class="meta">{plan.gate.border_markers.clone()} " · " {plan.gate.time_zone.clone()}</p>
        <p><A href=format!("/console/{gate_id}/dashboard")>{t!(i18n, console.dashboard)}</A></p>
        {move || query.with(|query| query.get("saved").is_some()).then(|| view! { <p class="notice success" role="status">{t!(i18n, gates.saved)}</p> })}

        <h2>{t!(i18n, gates.displaced)}</h2>
        {if plan.displaced.is_empty() {
            view! { <p class="empty" id="displaced">{t!(i18n, gates.no_displaced)}</p> }.into_any()
        } else {
            view! {
                <ul class="cards" id="displaced">
                    {plan
                        .displaced
                        .into_iter()
                        .map(|booking| {
                            let direction = booking.direction;
                            view! {
                                <li class="card">
                                    <strong class="plate">{booking.plate}</strong>
                                    <p class="meta">{booking.firm_name}</p>
                                    <p class="meta">
                                        <crate::routes::trips::SlotHours time=booking.time /> " · " {move || direction_text(i18n, direction)}
                                    </p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}

        <h2>{t!(i18n, gates.plan)}</h2>
        <ActionForm action=update attr:class="form" attr:novalidate=true attr:id="plan-form">
            <input type="hidden" name="gate_id" value=gate_for_plan />
            <FormError error />
            <Field name="slot_minutes" label=move || t!(i18n, gates.slot_minutes) value=number(policy.slot_minutes) inputmode="numeric" error />
            <Field name="opens" label=move || t!(i18n, gates.opens) value=plan.opens.clone() error />
            <Field name="closes" label=move || t!(i18n, gates.closes) value=plan.closes.clone() error />
            <Field name="export_capacity" label=move || t!(i18n, gates.export_capacity) value=plan.export_capacity.to_string() inputmode="numeric" error />
            <Field name="import_capacity" label=move || t!(i18n, gates.import_capacity) value=plan.import_capacity.to_string() inputmode="numeric" error />
            <Field name="export_daily_intake" label=move || t!(i18n, gates.export_daily_intake) value=intake(plan.export_daily_intake) inputmode="numeric" error />
            <Field name="import_daily_intake" label=move || t!(i18n, gates.import_daily_intake) value=intake(plan.import_daily_intake) inputmode="numeric" error />
            <Field name="horizon_days" label=move || t!(i18n, gates.horizon_days) value=number(policy.horizon_days) inputmode="numeric" error />
            <Field name="lead_minutes" label=move || t!(i18n, gates.lead_minutes) value=number(policy.lead_minutes) inputmode="numeric" error />
            <Field name="free_change_minutes" label=move || t!(i18n, gates.free_change_minutes) value=number(policy.free_change_minutes) inputmode="numeric" error />
            <Field name="firm_share_percent" label=move || t!(i18n, gates.firm_share_percent) value=number(policy.firm_share_percent) inputmode="numeric" error />
            <Field name="perishable_share_percent" label=move || t!(i18n, gates.perishable_share_percent) value=number(policy.perishable_share_percent) inputmode="numeric" error />
            <Field name="perishable_release_hours" label=move || t!(i18n, gates.perishable_release_hours) value=number(policy.perishable_release_hours) inputmode="numeric" error />
            <button type="submit" class="primary">{t!(i18n, gates.save)}</button>
        </ActionForm>

        <h2>{t!(i18n, gates.closures)}</h2>
        {if plan.closures.is_empty() {
            view! { <p class="empty">{t!(i18n, gates.no_closures)}</p> }.into_any()
        } else {
            view! {
                <ul class="cards" id="closures">
                    {plan
                        .closures
                        .into_iter()
                        .map(|closure| {
                            let gate_id = gate_for_removal.clone();
                            view! {
                                <li class="card">
                                    <strong>{WallClock::at(closure.starts_at, offset).day_and_time()} " – " {WallClock::at(closure.ends_at, offset).day_and_time()}</strong>
                                    <p class="meta">{closure.reason}</p>
                                    <ActionForm action=remove attr:class="inline">
                                        <input type="hidden" name="gate_id" value=gate_id />
                                        <input type="hidden" name="closure_id" value=closure.id.to_string() />
                                        <button type="submit" class="link">{t!(i18n, gates.remove_closure)}</button>
                                    </ActionForm>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}
        <ActionForm action=add attr:class="form" attr:novalidate=true attr:id="closure-form">
            <input type="hidden" name="gate_id" value=gate_for_closure />
            <FormError error=closure_error />
            <Field name="starts_at" label=move || t!(i18n, gates.closure_starts) input_type="datetime-local" error=closure_error />
            <Field name="ends_at" label=move || t!(i18n, gates.closure_ends) input_type="datetime-local" error=closure_error />
            <Field name="reason" label=move || t!(i18n, gates.closure_reason) error=closure_error />
            <button type="submit">{t!(i18n, gates.add_closure)}</button>
        </ActionForm>
        <Devices gate_id=gate_id.clone() />
        <p><A href="/gates">{t!(i18n, gates.title)}</A></p>
    }
}
