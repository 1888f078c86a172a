//! The frame of every page: the header with the portal's name, the navigation for the
//! signed-in role, the language switch and sign-out.

use super::{auth::Auth, language::LanguageSwitch};
use crate::{functions::auth::Logout, i18n::*, models::SessionUser};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout.version().get() > 0 {
            auth.refresh();
        }
    });

    let navigation = move |user: Option<SessionUser>| match user {
        Some(user) => {
            let manages_fleet = user.role.manages_fleet();
            let manages_people = user.role.manages_people();
            let declares_trips = user.role.declares_trips();
            let plans_gates = user.role.plans_gates();
            let works_console = user.role.works_console();
            let reads_security_log = user.role == crate::domain::role::Role::PlatformAdmin;
            view! {
                {declares_trips.then(|| view! { <A href="/trips">{t!(i18n, nav.trips)}</A> })}
                {works_console.then(|| view! { <A href="/console">{t!(i18n, nav.console)}</A> })}
                {plans_gates.then(|| view! { <A href="/gates">{t!(i18n, nav.gates)}</A> })}
                {plans_gates.then(|| view! { <A href="/staff">{t!(i18n, nav.staff)}</A> })}
                {manages_fleet.then(|| view! { <A href="/fleet">{t!(i18n, nav.fleet)}</A> })}
                {manages_people.then(|| view! { <A href="/people">{t!(i18n, nav.people)}</A> })}
                {reads_security_log.then(|| view! { <A href="/admin/security">{t!(i18n, nav.security)}</A> })}
                <A href="/board">{t!(i18n, nav.board)}</A>
                <A href="/account">{t!(i18n, nav.account)}</A>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="link">{t!(i18n, nav.sign_out)}</button>
                </ActionForm>
            }
            .into_any()
        }
        None => view! {
            <A href="/board">{t!(i18n, nav.board)}</A>
            <A href="/login">{t!(i18n, nav.sign_in)}</A>
            <A href="/register">{t!(i18n, nav.register)}</A>
        }
        .into_any(),
    };

    view! {
        <a class="skip" href="#main">{t!(i18n, nav.skip)}</a>
        <header class="top">
            <A href="/" attr:class="brand">
                <img src="/icons/icon.svg" alt="" width="28" height="28" />
                <span>{t!(i18n, app.short_name)}</span>
            </A>
            <LanguageSwitch />
        </header>
        <nav class="main-nav" aria-label=move || t_string!(i18n, nav.main).to_string()>
            <Transition>
                {move || Suspend::new(async move {
                    let user = auth.user.await.ok().flatten();
                    navigation(user)
                })}
            </Transition>
        </nav>
        // Shown by /register-sw.js while the phone has no network.
        <p class="notice offline-banner" id="offline-banner" role="status" hidden=true>{t!(i18n, offline.banner)}</p>
        <main id="main">{children()}</main>
    }
}
