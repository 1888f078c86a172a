//! Adding a vehicle, and one vehicle's page (edit, deactivate, reactivate).

use crate::{
    components::page_title::PageTitle,
    components::{
        field::{Choice, Field, FormError, SelectField, error_of},
        notice::{Loading, or_notice},
        translate::{country_text, kind_text},
    },
    domain::{plate::Country, vehicle::VehicleKind},
    error::AppError,
    functions::fleet::{AddVehicle, SetVehicleActive, UpdateVehicle, get_vehicle},
    i18n::*,
    models::Vehicle,
};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

/// The fields shared by the add and edit forms, filled from `vehicle` when editing.
#[component]
fn VehicleFields(
    #[prop(into)] error: Signal<Option<AppError>>,
    vehicle: Option<Vehicle>,
) -> impl IntoView {
    let i18n = use_i18n();
    let value = |read: fn(&Vehicle) -> String| vehicle.as_ref().map(read);
    let kinds = VehicleKind::ALL
        .map(|kind| Choice {
            value: kind.code().to_string(),
            label: Signal::derive(move || kind_text(i18n, kind)),
        })
        .to_vec();
    let countries = Country::ALL
        .map(|country| Choice {
            value: country.code().to_string(),
            label: Signal::derive(move || country_text(i18n, country)),
        })
        .to_vec();
    view! {
        <SelectField
            name="country"
            label=move || t!(i18n, vehicle.country)
            choices=countries
            value=value(|vehicle| vehicle.country.code().to_string()).unwrap_or_else(|| "VN".into())
            error
        />
        <Field
            name="plate"
            label=move || t!(i18n, vehicle.plate)
            hint=move || t!(i18n, vehicle.plate_hint)
            value=value(|vehicle| vehicle.plate.canonical()).unwrap_or_default()
            autocomplete="off"
            error
        />
        <Field
            name="trailer_plate"
            label=move || t!(i18n, vehicle.trailer_plate)
            hint=move || t!(i18n, vehicle.trailer_plate_hint)
            value=value(|vehicle| vehicle.trailer_plate.as_ref().map(|plate| plate.canonical()).unwrap_or_default())
                .unwrap_or_default()
            autocomplete="off"
            error
        />
        <SelectField
            name="kind"
            label=move || t!(i18n, vehicle.kind)
            choices=kinds
            value=value(|vehicle| vehicle.kind.code().to_string()).unwrap_or_default()
            error
        />
        <Field
            name="axles"
            label=move || t!(i18n, vehicle.axles)
            value=value(|vehicle| vehicle.axles.to_string()).unwrap_or_default()
            inputmode="numeric"
            error
        />
        <Field
            name="gross_weight_kg"
            label=move || t!(i18n, vehicle.gross_weight_kg)
            value=value(|vehicle| vehicle.gross_weight_kg.to_string()).unwrap_or_default()
            inputmode="numeric"
            error
        />
    }
}

#[component]
pub fn NewVehiclePage() -> impl IntoView {
    let i18n = use_i18n();
    let add = ServerAction::<AddVehicle>::new();
    let error = error_of(add);
    view! {
        <PageTitle text=move || t_string!(i18n, vehicle.new_title).to_string() />
        <h1>{t!(i18n, vehicle.new_title)}</h1>
        <ActionForm action=add attr:class="form" attr:novalidate=true attr:id="vehicle-form">
            <FormError error />
            <VehicleFields error vehicle=None />
            <div class="actions">
                <button type="submit" class="primary">{t!(i18n, vehicle.save)}</button>
                <A href="/fleet">{t!(i18n, vehicle.cancel)}</A>
            </div>
        </ActionForm>
    }
}

#[component]
pub fn VehiclePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|params| params.get("id").unwrap_or_default());
    let update = ServerAction::<UpdateVehicle>::new();
    let set_active = ServerAction::<SetVehicleActive>::new();
    let vehicle = Resource::new(
        move || (id(), update.version().get(), set_active.version().get()),
        |(id, _, _)| get_vehicle(id),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(vehicle.await, move |vehicle| view! { <VehicleEditor vehicle update set_active /> })
            })}
        </Transition>
    }
}

#[component]
fn VehicleEditor(
    vehicle: Vehicle,
    update: ServerAction<UpdateVehicle>,
    set_active: ServerAction<SetVehicleActive>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let saved = move || {
        query.with(|query| query.get("saved").is_some())
            && update.value().with(|value| !matches!(value, Some(Err(_))))
    };
    let update_error = error_of(update);
    let activation_error = error_of(set_active);
    let plate = vehicle.plate.canonical();
    let title = plate.clone();
    let id_for_update = vehicle.id.to_string();
    let id_for_activation = id_for_update.clone();
    let active = vehicle.active;
    view! {
        <PageTitle text=move || t_string!(i18n, vehicle.edit_title, plate = title.clone()).to_string() />
        <h1>{t!(i18n, vehicle.edit_title, plate = move || plate.clone())}</h1>
        {move || saved().then(|| view! { <p class="notice success" role="status">{t!(i18n, vehicle.saved)}</p> })}
        {(!active).then(|| view! { <p class="notice">{t!(i18n, vehicle.inactive_notice)}</p> })}
        <ActionForm action=update attr:class="form" attr:novalidate=true attr:id="vehicle-form">
            <input type="hidden" name="vehicle_id" value=id_for_update />
            <FormError error=update_error />
            <VehicleFields error=update_error vehicle=Some(vehicle) />
            <div class="actions">
                <button type="submit" class="primary">{t!(i18n, vehicle.save)}</button>
                <A href="/fleet">{t!(i18n, vehicle.cancel)}</A>
            </div>
        </ActionForm>
        <ActionForm action=set_active attr:class="form danger-zone" attr:id="activation-form">
            <input type="hidden" name="vehicle_id" value=id_for_activation />
            <input type="hidden" name="active" value=if active { "false" } else { "true" } />
            <FormError error=activation_error field="plate" />
            <button type="submit" class=if active { "danger" } else { "" }>
                {move || {
                    if active {
                        t_string!(i18n, vehicle.deactivate).to_string()
                    } else {
                        t_string!(i18n, vehicle.reactivate).to_string()
                    }
                }}
            </button>
        </ActionForm>
    }
}
