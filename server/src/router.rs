//! The whole HTTP surface: server functions under `/api/`, the pages, the language
//! switch, static files; wrapped in the guards every request meets (see `router`).

use crate::{
    device_api, flash, headers, health, input_limits, language, live_routes, metrics, middleware,
};
use app::{
    app::{App, shell},
    server::AppState,
};
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
    routing::{get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{
    LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
    handle_server_fns_with_context,
};
use tower_http::{catch_panic::CatchPanicLayer, compression::CompressionLayer};

async fn server_function(
    State(state): State<AppState>,
    request: Request<Body>,
) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), request).await
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            app::server::request::provide_page_nonce();
        }
    };
    let options = state.leptos_options.clone();
    Router::new()
        .route("/api/{*function}", post(server_function))
        .route("/lang/{code}", get(language::switch))
        .route("/devices/v1/plate-reads", post(device_api::plate_read))
        .route("/live/trips/{id}", get(live_routes::trip))
        .route("/live/gates/{id}", get(live_routes::gate))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::serve))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        // From the inside out: pages say whose they are (for the service worker),
        // refused plain forms keep typed values off URLs, errors get their status (403s
        // are recorded), input its limits, other sites are refused (and recorded), every
        // answer gets its security headers, a bug that panics still answers (500), and
        // every answer is counted under its route for /metrics.
        .layer(from_fn_with_state(
            state.clone(),
            app::server::offline::mark_pages,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            flash::keep_typed_values_off_urls,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::app_error_status,
        ))
        .layer(from_fn(input_limits::check_input))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::refuse_cross_site,
        ))
        .layer(from_fn_with_state(state.clone(), headers::security_headers))
        .layer(CatchPanicLayer::custom(middleware::panicked))
        .layer(CompressionLayer::new())
        .layer(from_fn(metrics::observe))
        .with_state(state)
}
