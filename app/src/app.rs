//! The document shell, the router and the providers every page relies on.

use crate::{
    components::{auth::Auth, language::SavedLanguage, layout::Layout},
    i18n::*,
    routes::{
        account::{AccountPage, second_factor::SecondFactorPage},
        admin::security::SecurityPage,
        board::BoardPage,
        console::{dashboard::DashboardPage, gate::ConsolePage, posts::PostsPage},
        fleet::{
            import::ImportPage,
            list::FleetPage,
            report::ImportReportPage,
            vehicle::{NewVehiclePage, VehiclePage},
        },
        gates::{list::GatesPage, plan::GatePlanPage},
        home::HomePage,
        login::{LoginPage, code::SecondStepPage},
        not_found::NotFound,
        people::PeoplePage,
        register::RegisterPage,
        reset::ResetPage,
        staff::StaffPage,
        trips::{
            book::BookPage,
            detail::TripPage,
            form::{EditTripPage, NewTripPage},
            list::TripsPage,
            pass::PassPage,
        },
    },
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0b5d3b" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <HydrationScripts options />
                // The service worker: offline copies, and showing pushed notifications.
                <script src="/register-sw.js" defer=true></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The language is never guessed from the browser: Vietnamese until the user picks
/// another (see `components::language` for how the choice is kept).
fn ignore_accept_language() -> leptos_use::UseLocalesOptions {
    leptos_use::UseLocalesOptions::default().ssr_lang_header_getter(|| None)
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Auth::provide();

    // Tells end-to-end tests (and curious developers) that the WebAssembly took over.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/border-gate.css" />
        <I18nContextProvider ssr_lang_header_getter=ignore_accept_language()>
            <SavedLanguage />
            <Router>
                <Layout>
                    <Routes fallback=NotFound>
                        <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("register") view=RegisterPage ssr=SsrMode::Async />
                        <Route path=path!("login") view=LoginPage ssr=SsrMode::Async />
                        <Route path=path!("login/code") view=SecondStepPage ssr=SsrMode::Async />
                        <Route path=path!("reset") view=ResetPage ssr=SsrMode::Async />
                        <Route path=path!("account") view=AccountPage ssr=SsrMode::Async />
                        <Route path=path!("account/second-factor") view=SecondFactorPage ssr=SsrMode::Async />
                        <Route path=path!("staff") view=StaffPage ssr=SsrMode::Async />
                        <Route path=path!("fleet") view=FleetPage ssr=SsrMode::Async />
                        <Route path=path!("fleet/new") view=NewVehiclePage ssr=SsrMode::Async />
                        <Route path=path!("fleet/import") view=ImportPage ssr=SsrMode::Async />
                        <Route path=path!("fleet/imports/:id") view=ImportReportPage ssr=SsrMode::Async />
                        <Route path=path!("fleet/:id") view=VehiclePage ssr=SsrMode::Async />
                        <Route path=path!("people") view=PeoplePage ssr=SsrMode::Async />
                        <Route path=path!("trips") view=TripsPage ssr=SsrMode::Async />
                        <Route path=path!("trips/new") view=NewTripPage ssr=SsrMode::Async />
                        <Route path=path!("trips/:id") view=TripPage ssr=SsrMode::Async />
                        <Route path=path!("trips/:id/edit") view=EditTripPage ssr=SsrMode::Async />
                        <Route path=path!("trips/:id/book") view=BookPage ssr=SsrMode::Async />
                        <Route path=path!("trips/:id/pass") view=PassPage ssr=SsrMode::Async />
                        <Route path=path!("board") view=BoardPage ssr=SsrMode::Async />
                        <Route path=path!("gates") view=GatesPage ssr=SsrMode::Async />
                        <Route path=path!("gates/:id") view=GatePlanPage ssr=SsrMode::Async />
                        <Route path=path!("console") view=PostsPage ssr=SsrMode::Async />
                        <Route path=path!("console/:gate") view=ConsolePage ssr=SsrMode::Async />
                        <Route path=path!("console/:gate/dashboard") view=DashboardPage ssr=SsrMode::Async />
                        <Route path=path!("admin/security") view=SecurityPage ssr=SsrMode::Async />
                    </Routes>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}
