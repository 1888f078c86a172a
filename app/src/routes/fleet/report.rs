use crate::{
    components::page_title::PageTitle,
    components::{
        notice::{Loading, or_notice},
        translate::problem_text,
    },
    functions::fleet::get_import,
    i18n::*,
    models::ImportReport,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn ImportReportPage() -> impl IntoView {
    let params = use_params_map();
    let report = Resource::new(
        move || params.with(|params| params.get("id").unwrap_or_default()),
        get_import,
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(report.await, move |report| view! { <Report report /> })
            })}
        </Transition>
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let (added, rejected) = (report.added(), report.rejected());
    let file = report.file_name.clone();
    let title_file = file.clone();
    view! {
        <PageTitle text=move || t_string!(i18n, import.report_title, file = title_file.clone()).to_string() />
        <h1>{t!(i18n, import.report_title, file = move || file.clone())}</h1>
        <p class="notice" class:success=rejected == 0 role="status" id="import-summary">
            {t!(i18n, import.summary, added = move || added, rejected = move || rejected)}
        </p>
        <table class="report" id="import-report">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, import.line)}</th>
                    <th scope="col">{t!(i18n, vehicle.plate)}</th>
                    <th scope="col">{t!(i18n, import.result)}</th>
                </tr>
            </thead>
            <tbody>
                {report
                    .rows
                    .into_iter()
                    .map(|row| {
                        let ok = row.problems.is_empty();
                        let problems = row.problems.clone();
                        view! {
                            <tr class:rejected=!ok data-line=row.line>
                                <td>{row.line}</td>
                                <td class="plate">{row.plate}</td>
                                <td>
                                    {move || {
                                        if ok {
                                            t_string!(i18n, import.row_added).to_string()
                                        } else {
                                            problems
                                                .iter()
                                                .map(|error| problem_text(i18n, error.problem))
                                                .collect::<Vec<_>>()
                                                .join(" ")
                                        }
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <p>
            <A href="/fleet" attr:class="button">{t!(i18n, import.back)}</A>
        </p>
    }
}
