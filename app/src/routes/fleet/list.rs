use crate::{
    components::page_title::PageTitle,
    components::{
        notice::{Loading, or_notice},
        translate::kind_text,
    },
    domain::plate::Plate,
    functions::fleet::list_vehicles,
    i18n::*,
    models::{FleetPage as Page, Vehicle},
};
use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::use_query_map,
};

#[component]
pub fn FleetPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|query| query.get("search").unwrap_or_default()));
    let added = move || {
        query
            .with(|query| query.get("added"))
            .and_then(|plate| Plate::from_normalised(&plate))
    };
    let page = Resource::new(move || search.get(), list_vehicles);

    view! {
        <PageTitle text=move || t_string!(i18n, fleet.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, fleet.title)}</h1>
            <div class="actions">
                <A href="/fleet/new" attr:class="button primary">{t!(i18n, fleet.add)}</A>
                <A href="/fleet/import" attr:class="button">{t!(i18n, fleet.import)}</A>
            </div>
        </div>
        {move || {
            added()
                .map(|plate| {
                    let plate = plate.canonical();
                    view! { <p class="notice success" role="status">{t!(i18n, fleet.added, plate = move || plate.clone())}</p> }
                })
        }}
        <Form method="GET" action="" attr:class="search" attr:role="search">
            <label for="search">{t!(i18n, fleet.search)}</label>
            <div class="search-row">
                <input id="search" type="search" name="search" value=move || search.get() autocomplete="off" />
                <button type="submit">{t!(i18n, fleet.search_button)}</button>
            </div>
        </Form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(page.await, move |page| view! { <VehicleList page search=search.get_untracked() /> })
            })}
        </Transition>
    }
}

#[component]
fn VehicleList(page: Page, search: String) -> impl IntoView {
    let i18n = use_i18n();
    if page.vehicles.is_empty() {
        return if search.is_empty() {
            view! { <p class="empty">{t!(i18n, fleet.empty)}</p> }.into_any()
        } else {
            view! { <p class="empty">{t!(i18n, fleet.no_match, search = move || search.clone())}</p> }.into_any()
        };
    }
    let count = page.vehicles.len();
    view! {
        <p class="count">{t!(i18n, fleet.count, count = move || count)}</p>
        {page.truncated.then(|| view! { <p class="notice">{t!(i18n, fleet.truncated, count = move || count)}</p> })}
        <ul class="cards" id="fleet-list">
            {page.vehicles.into_iter().map(|vehicle| view! { <VehicleCard vehicle /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn VehicleCard(vehicle: Vehicle) -> impl IntoView {
    let i18n = use_i18n();
    let kind = vehicle.kind;
    let active = vehicle.active;
    let axles = vehicle.axles;
    let stored_plate = vehicle.plate.as_str().to_string();
    view! {
        <li class="card" class:inactive=!active data-plate=stored_plate>
            <A href=format!("/fleet/{}", vehicle.id) attr:class="plate">{vehicle.plate.canonical()}</A>
            {vehicle.trailer_plate.map(|trailer| view! { <span class="trailer">"+ " {trailer.canonical()}</span> })}
            <p class="meta">
                {move || kind_text(i18n, kind)} " · " {t!(i18n, fleet.axles_count, count = move || axles)} " · "
                {vehicle.gross_weight_kg} " kg · " {vehicle.country.code()}
            </p>
            <p class="status">
                {move || if active { t_string!(i18n, fleet.active).to_string() } else { t_string!(i18n, fleet.inactive).to_string() }}
            </p>
        </li>
    }
}
