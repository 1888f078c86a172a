//! The gate pass on the driver's phone: the QR code a scanner verifies offline, and the
//! plate, slot and code in large type for a guard to read.

use super::SlotHours;
use crate::{
    components::{
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::direction_text,
    },
    domain::clock::WallClock,
    functions::bookings::get_gate_pass,
    i18n::*,
    models::trips::GatePass,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PassPage() -> impl IntoView {
    let params = use_params_map();
    let pass = Resource::new(
        move || params.with(|params| params.get("id").unwrap_or_default()),
        get_gate_pass,
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move { or_notice(pass.await, |pass| view! { <Pass pass /> }) })}
        </Transition>
    }
}

#[component]
fn Pass(pass: GatePass) -> impl IntoView {
    let i18n = use_i18n();
    let offset = pass.time.utc_offset_minutes;
    let arrive_from = WallClock::at(pass.valid_from, offset).day_and_time();
    let arrive_until = WallClock::at(pass.expires_at, offset).day_and_time();
    let direction = pass.direction;
    let gate = pass.gate_name.clone();
    view! {
        <PageTitle text=move || t_string!(i18n, pass.title).to_string() />
        <article class="gate-pass" id="gate-pass">
            <h1>{t!(i18n, pass.title)}</h1>
            <p class="pass-plate">{pass.plate.canonical()}</p>
            {pass.trailer_plate.as_ref().map(|trailer| view! { <p class="pass-trailer">"+ " {trailer.canonical()}</p> })}
            <p class="pass-slot"><SlotHours time=pass.time /></p>
            <p class="meta">
                {move || gate.get(i18n.get_locale()).to_string()} " · " {move || direction_text(i18n, direction)}
            </p>
            <div class="qr" role="img" aria-label=move || t_string!(i18n, pass.qr_label).to_string() inner_html=pass.qr_svg.clone()></div>
            <p class="pass-code">{pass.pass_code.clone()}</p>
            <p>{t!(i18n, pass.valid, from = move || arrive_from.clone(), until = move || arrive_until.clone())}</p>
            <p class="meta">{t!(i18n, pass.driver)} ": " {pass.driver_name.clone()}</p>
            <p class="hint">{t!(i18n, pass.scan_hint)}</p>
            <crate::routes::trips::detail::AsOf at=pass.as_of offset=pass.utc_offset_minutes />
        </article>
    }
}
