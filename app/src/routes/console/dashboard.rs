//! The gate's dashboard: the day's counts, then four charts drawn as SVG on the server
//! (so they show before, and without, the WebAssembly): trucks expected and arrived per
//! hour, trucks cleared per hour, the median time from arrival to clearance, and the
//! wait the portal published beside the wait trucks really had.

use crate::{
    components::{
        live::{RefreshWithoutScript, follow_live},
        notice::{Loading, or_notice},
        page_title::PageTitle,
    },
    functions::clearance::get_dashboard,
    i18n::*,
    models::clearance::{Dashboard, HourStats},
};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let gate = move || params.with(|params| params.get("gate").unwrap_or_default());
    let heard = follow_live(Signal::derive(move || format!("/live/gates/{}", gate())));
    let dashboard = Resource::new(
        move || {
            (
                gate(),
                query.with(|query| query.get("day").unwrap_or_default()),
                heard.get(),
            )
        },
        |(gate, day, _)| get_dashboard(gate, day),
    );
    view! {
        <RefreshWithoutScript seconds=60 />
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(dashboard.await, |dashboard| view! { <DashboardView dashboard /> }) })}
        </Transition>
    }
}

#[component]
fn DashboardView(dashboard: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    let name = dashboard.gate.name.clone();
    let title = name.clone();
    let gate_id = dashboard.gate.id.clone();
    let counts = dashboard.counts;
    let hours = dashboard.hours;
    let series = |pick: fn(&HourStats) -> Option<i64>| hours.iter().map(pick).collect::<Vec<_>>();
    let expected = series(|hour| Some(hour.expected));
    let arrived = series(|hour| Some(hour.arrived));
    let cleared = series(|hour| Some(hour.cleared));
    let to_clear = series(|hour| hour.median_minutes_to_clear.map(i64::from));
    let published = series(|hour| hour.published_wait.map(i64::from));
    let real = series(|hour| hour.real_wait.map(i64::from));
    let labels: Vec<u32> = hours.iter().map(|hour| hour.hour).collect();
    let median = dashboard.median_minutes_to_clear;
    view! {
        <PageTitle text=move || t_string!(i18n, dashboard.title, gate = title.get(i18n.get_locale()).to_string()).to_string() />
        <div class="page-head">
            <h1>{move || t_string!(i18n, dashboard.title, gate = name.get(i18n.get_locale()).to_string()).to_string()}</h1>
            <nav class="filters">
                <A href=format!("/console/{gate_id}?direction=export") attr:class="chip">{t!(i18n, console.title)}</A>
            </nav>
        </div>
        <form method="get" class="inline-form day-nav" id="dashboard-day">
            <label for="dashboard-day-input">{t!(i18n, board.day)}</label>
            <input id="dashboard-day-input" type="date" name="day" value=dashboard.day.clone() />
            <button type="submit">{t!(i18n, board.show)}</button>
        </form>
        <super::CountCards counts />
        <p id="median-today">
            {match median {
                Some(minutes) => view! { {t!(i18n, dashboard.median_today, minutes = move || minutes)} }.into_any(),
                None => view! { {t!(i18n, dashboard.no_data)} }.into_any(),
            }}
        </p>
        <div class="charts">
            <Chart
                id="chart-arrivals"
                title=move || t_string!(i18n, dashboard.expected_vs_arrived).to_string()
                labels=labels.clone()
                series=vec![
                    (Signal::derive(move || t_string!(i18n, dashboard.expected).to_string()), "series-a", expected),
                    (Signal::derive(move || t_string!(i18n, dashboard.arrived).to_string()), "series-b", arrived),
                ]
            />
            <Chart
                id="chart-throughput"
                title=move || t_string!(i18n, dashboard.throughput).to_string()
                labels=labels.clone()
                series=vec![(Signal::derive(move || t_string!(i18n, console.cleared).to_string()), "series-b", cleared)]
            />
            <Chart
                id="chart-time-to-clear"
                title=move || t_string!(i18n, dashboard.time_to_clear).to_string()
                labels=labels.clone()
                series=vec![(Signal::derive(move || t_string!(i18n, dashboard.time_to_clear).to_string()), "series-a", to_clear)]
            />
            <Chart
                id="chart-waits"
                title=move || t_string!(i18n, dashboard.waits).to_string()
                labels=labels
                series=vec![
                    (Signal::derive(move || t_string!(i18n, dashboard.published).to_string()), "series-a", published),
                    (Signal::derive(move || t_string!(i18n, dashboard.real).to_string()), "series-b", real),
                ]
            />
        </div>
    }
}

/// Chart geometry, in SVG user units (the SVG scales to its box).
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 28.0;
const BOTTOM: f64 = 18.0;

/// A bar chart of one value per hour, one or two series side by side. A missing value
/// (no data that hour) draws no bar. Each bar carries its figure as a tooltip and
/// `data-value`, and the figures are also in a visually hidden table for screen readers.
#[component]
fn Chart(
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    labels: Vec<u32>,
    series: Vec<(Signal<String>, &'static str, Vec<Option<i64>>)>,
) -> impl IntoView {
    let top = series
        .iter()
        .flat_map(|(_, _, values)| values.iter().flatten().copied())
        .max()
        .unwrap_or(0);
    let scale = nice_ceiling(top);
    let hours = labels.len().max(1) as f64;
    let band = (WIDTH - LEFT) / hours;
    let bar = (band * 0.8) / series.len().max(1) as f64;
    let plot = HEIGHT - BOTTOM;
    let bars = series
        .iter()
        .enumerate()
        .flat_map(|(index, (_, class, values))| {
            values.iter().enumerate().filter_map(move |(hour, value)| {
                let value = (*value)?;
                let height = if scale == 0 {
                    0.0
                } else {
                    plot * value as f64 / scale as f64
                };
                let x = LEFT + band * hour as f64 + band * 0.1 + bar * index as f64;
                Some(view! {
                    <rect
                        class=*class
                        x=format!("{x:.1}")
                        y=format!("{:.1}", plot - height)
                        width=format!("{:.1}", bar.max(1.0))
                        height=format!("{height:.1}")
                        data-value=value
                    >
                        <title>{value}</title>
                    </rect>
                })
            })
        })
        .collect_view();
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(_, hour)| *hour % 3 == 0)
        .map(|(index, hour)| {
            let x = LEFT + band * index as f64 + band / 2.0;
            view! { <text x=format!("{x:.1}") y=format!("{:.1}", HEIGHT - 4.0) text-anchor="middle">{format!("{hour:02}")}</text> }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|(name, class, _)| {
            let name = *name;
            view! { <li><span class=format!("swatch {class}")></span> {move || name.get()}</li> }
        })
        .collect_view();
    let table_head = series
        .iter()
        .map(|(name, _, _)| {
            let name = *name;
            view! { <th>{move || name.get()}</th> }
        })
        .collect_view();
    let table_rows = labels
        .iter()
        .enumerate()
        .map(|(index, hour)| {
            let cells = series
                .iter()
                .map(|(_, _, values)| view! { <td>{values.get(index).copied().flatten().map(|value| value.to_string()).unwrap_or_default()}</td> })
                .collect_view();
            view! { <tr><th>{format!("{hour:02}:00")}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <figure class="chart card" id=id data-max=top>
            <figcaption>{move || title.get()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=move || title.get() preserveAspectRatio="none">
                <line class="axis" x1=LEFT y1=plot x2=WIDTH y2=plot />
                <line class="grid" x1=LEFT y1=0 x2=WIDTH y2=0 />
                <text x=LEFT - 4.0 y=10 text-anchor="end">{scale}</text>
                <text x=LEFT - 4.0 y=plot text-anchor="end">"0"</text>
                {bars}
                {ticks}
            </svg>
            <ul class="legend">{legend}</ul>
            <table class="visually-hidden">
                <thead><tr><th>{move || t_string!(use_i18n(), dashboard.hour).to_string()}</th>{table_head}</tr></thead>
                <tbody>{table_rows}</tbody>
            </table>
        </figure>
    }
}

/// The top of the chart's scale: the smallest of 1, 2 or 5 times a power of ten at or
/// above the largest value (0 when there is nothing to draw).
fn nice_ceiling(value: i64) -> i64 {
    if value <= 0 {
        return 0;
    }
    let mut power = 1;
    loop {
        for step in [1, 2, 5] {
            if step * power >= value {
                return step * power;
            }
        }
        power *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn the_scale_rounds_up_to_one_two_or_five() {
        assert_eq!(nice_ceiling(0), 0);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(200), 200);
        assert_eq!(nice_ceiling(201), 500);
    }
}
