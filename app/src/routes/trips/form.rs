//! Declaring a trip, or editing one not yet booked. "Save draft" checks only what is
//! filled in; "Declare" checks everything.

use crate::{
    components::{
        field::{CheckboxField, Choice, Field, FormError, SelectField, TextareaField, error_of},
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::direction_text,
    },
    domain::trip::Direction,
    functions::trips::{SaveTrip, get_trip_form},
    i18n::*,
    models::trips::TripFormOptions,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn NewTripPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| get_trip_form(String::new()));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(options.await, |options| view! { <TripForm options /> }) })}
        </Transition>
    }
}

#[component]
pub fn EditTripPage() -> impl IntoView {
    let params = use_params_map();
    let options = Resource::new(
        move || params.with(|params| params.get("id").unwrap_or_default()),
        get_trip_form,
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(options.await, |options| view! { <TripForm options /> }) })}
        </Transition>
    }
}

#[component]
fn TripForm(options: TripFormOptions) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveTrip>::new();
    let error = error_of(save);
    let editing = options.trip_id;
    let form = options.form.clone();
    let choose = Signal::derive(move || t_string!(i18n, trip.choose).to_string());
    let vehicles = options
        .vehicles
        .iter()
        .map(|choice| Choice::plain(choice.value.clone(), choice.label.clone()))
        .collect::<Vec<_>>();
    let drivers = options
        .drivers
        .iter()
        .map(|choice| Choice::plain(choice.value.clone(), choice.label.clone()))
        .collect::<Vec<_>>();
    let directions = Direction::ALL
        .map(|direction| Choice {
            value: direction.code().to_string(),
            label: Signal::derive(move || direction_text(i18n, direction)),
        })
        .to_vec();
    let gates = options
        .gates
        .iter()
        .map(|(id, name)| {
            let name = name.clone();
            Choice {
                value: id.clone(),
                label: Signal::derive(move || name.get(i18n.get_locale()).to_string()),
            }
        })
        .collect::<Vec<_>>();
    let today = options.today.clone();
    view! {
        <PageTitle text=move || {
            if editing.is_some() { t_string!(i18n, trip.edit_title).to_string() } else { t_string!(i18n, trip.new_title).to_string() }
        } />
        <h1>{move || if editing.is_some() { t_string!(i18n, trip.edit_title).to_string() } else { t_string!(i18n, trip.new_title).to_string() }}</h1>
        <ActionForm action=save attr:class="form" attr:novalidate=true attr:id="trip-form">
            <input type="hidden" name="trip_id" value=editing.map(|id| id.to_string()).unwrap_or_default() />
            <FormError error field="_form" />
            <FormError error />
            <fieldset>
                <legend>{t!(i18n, trip.section_vehicle)}</legend>
                <SelectField name="vehicle_id" label=move || t!(i18n, trip.vehicle) choices=vehicles value=form.vehicle_id.clone() placeholder=choose error />
                <SelectField name="driver_id" label=move || t!(i18n, trip.driver) choices=drivers value=form.driver_id.clone() placeholder=choose error />
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, trip.section_route)}</legend>
                <SelectField name="direction" label=move || t!(i18n, trip.direction) choices=directions value=form.direction.clone() placeholder=choose error />
                <SelectField name="gate_id" label=move || t!(i18n, trip.gate) choices=gates value=form.gate_id.clone() placeholder=choose error />
                <Field name="planned_date" label=move || t!(i18n, trip.planned_date) input_type="date" value=form.planned_date.clone() min=today error />
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, trip.section_cargo)}</legend>
                <Field name="cargo_description" label=move || t!(i18n, trip.cargo_description) value=form.cargo_description.clone() error />
                <Field name="hs_code" label=move || t!(i18n, trip.hs_code) value=form.hs_code.clone() inputmode="decimal" error />
                <Field name="cargo_weight_kg" label=move || t!(i18n, trip.cargo_weight_kg) value=form.cargo_weight_kg.clone() inputmode="numeric" error />
                <Field name="packages" label=move || t!(i18n, trip.packages) value=form.packages.clone() inputmode="numeric" error />
                <CheckboxField name="perishable" label=move || t!(i18n, trip.perishable) checked=form.perishable.is_some() error />
                <CheckboxField name="refrigerated" label=move || t!(i18n, trip.refrigerated) checked=form.refrigerated.is_some() error />
                <Field name="set_temperature" label=move || t!(i18n, trip.set_temperature) value=form.set_temperature.clone() inputmode="decimal" error />
                <CheckboxField name="quarantine_required" label=move || t!(i18n, trip.quarantine_required) checked=form.quarantine_required.is_some() error />
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, trip.section_papers)}</legend>
                <TextareaField name="containers" label=move || t!(i18n, trip.containers) value=form.containers.clone() error />
                <Field name="customs_declaration" label=move || t!(i18n, trip.customs_declaration) value=form.customs_declaration.clone() inputmode="numeric" error />
                <Field name="seal_number" label=move || t!(i18n, trip.seal_number) value=form.seal_number.clone() error />
            </fieldset>
            <div class="actions">
                <button type="submit" name="intent" value="declare" class="primary">{t!(i18n, trip.declare)}</button>
                <button type="submit" name="intent" value="draft">{t!(i18n, trip.save_draft)}</button>
                <A href="/trips">{t!(i18n, trips.title)}</A>
            </div>
        </ActionForm>
    }
}
