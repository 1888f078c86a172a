//! Uploading a CSV file of vehicles. Without JavaScript the form posts the file straight
//! to the server function, which answers with a redirect to the report; with it, the
//! file is sent in the background and the router follows the same redirect.

use crate::{
    components::field::FormError,
    components::page_title::PageTitle,
    domain::fleet_csv::COLUMNS,
    error::AppError,
    functions::fleet::{ImportVehicles, import_vehicles},
    i18n::*,
};
use leptos::{
    prelude::*,
    server::ServerActionError,
    server_fn::{ServerFn, error::ServerFnUrlError},
    wasm_bindgen::JsCast,
    web_sys::{FormData, HtmlFormElement, SubmitEvent},
};
use leptos_router::components::A;

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let upload = Action::new_local(|data: &FormData| import_vehicles(data.clone().into()));
    // A refusal of a plain form post comes back in the URL (see server_fn's form redirects).
    let refused_without_javascript = use_context::<ServerActionError>()
        .filter(|refusal| refusal.path() == ImportVehicles::PATH)
        .map(|refusal| ServerFnUrlError::<AppError>::decode_err(refusal.err()));
    let error = Signal::derive(move || match upload.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(_)) => None,
        None => refused_without_javascript.clone(),
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = FormData::new_with_form(&form) {
            upload.dispatch_local(data);
        }
    };
    view! {
        <PageTitle text=move || t_string!(i18n, import.title).to_string() />
        <h1>{t!(i18n, import.title)}</h1>
        <p>{t!(i18n, import.explain)}</p>
        <p>
            {t!(i18n, import.columns)} ": " <code>{COLUMNS.join(",")}</code> " · "
            <a href="/fleet-template.csv" download="fleet-template.csv">{t!(i18n, import.template)}</a>
        </p>
        <form
            class="form"
            id="import-form"
            method="post"
            action=ImportVehicles::PATH
            enctype="multipart/form-data"
            on:submit=on_submit
        >
            <FormError error field="file" />
            <div class="field">
                <label for="field-file">{t!(i18n, import.file)}</label>
                <input id="field-file" type="file" name="file" accept=".csv,text/csv" />
            </div>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || upload.pending().get()>{t!(i18n, import.submit)}</button>
                <A href="/fleet">{t!(i18n, import.back)}</A>
            </div>
        </form>
    }
}
