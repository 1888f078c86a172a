//! `/metrics`: what the portal counted (`app::server::metrics`: requests, bookings,
//! connection faults, background jobs, push sends) and what it reads at each scrape
//! (the pool's connections, open live streams, the listener, and from the database the
//! trucks waiting in each yard and the push outbox's depth and age), in the Prometheus
//! text format.
//!
//! Not public: served only with `METRICS_TOKEN` set, to a request carrying it as
//! `Authorization: Bearer <token>` (401 otherwise); without the setting the route does
//! not exist (404). The database's figures are read with a short timeout; during an
//! outage they are left out and `bgp_database_up` is 0, the rest still answers.

use app::server::{AppState, metrics};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{collections::HashSet, sync::OnceLock, time::Duration, time::Instant};

/// How long a scrape waits for the database's figures.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// Times and counts every request under its route template (never the raw path, which
/// holds ids): the matched route, a server function's own path, or `fallback` (static
/// files and unknown paths).
pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = route_of(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::increment(
        "bgp_http_requests_total",
        &[("route", route), ("method", &method), ("status", &status)],
    );
    metrics::observe(
        "bgp_http_request_duration_seconds",
        &[("route", route), ("method", &method)],
        started.elapsed().as_secs_f64(),
    );
    response
}

fn route_of(request: &Request) -> &'static str {
    let Some(matched) = request.extensions().get::<MatchedPath>() else {
        return "fallback";
    };
    if matched.as_str() == "/api/{*function}" {
        return server_function_paths()
            .get(request.uri().path())
            .copied()
            .unwrap_or("/api/{unknown}");
    }
    route_template(matched.as_str())
}

/// The registered server functions' paths (a fixed set: the label never holds a path a
/// client made up).
fn server_function_paths() -> &'static HashSet<&'static str> {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| {
        server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect()
    })
}

/// A route template as a `&'static str`, each distinct one kept once (the router has a
/// fixed set).
fn route_template(template: &str) -> &'static str {
    static TEMPLATES: OnceLock<std::sync::RwLock<HashSet<&'static str>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(Default::default);
    if let Some(known) = templates
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(template)
    {
        return known;
    }
    let mut templates = templates
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = templates.get(template) {
        return known;
    }
    let kept: &'static str = Box::leak(template.to_string().into_boxed_str());
    templates.insert(kept);
    kept
}

/// Whether the request carries the configured token (compared in constant time).
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.settings.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !authorised(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        )
            .into_response();
    }
    let mut out = String::new();
    metrics::render(&mut out);
    process_figures(&state, &mut out);
    database_figures(&state, &mut out).await;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response()
}

fn gauge(out: &mut String, name: &str, help: &str, samples: &[(String, f64)]) {
    metrics::describe(out, name, "gauge", help);
    for (labels, value) in samples {
        metrics::sample(out, name, labels, *value);
    }
}

/// What this process knows without asking the database.
fn process_figures(state: &AppState, out: &mut String) {
    let size = state.pool.size() as f64;
    let idle = state.pool.num_idle() as f64;
    gauge(
        out,
        "bgp_database_pool_connections",
        "The shared pool's open connections, in use and idle.",
        &[
            (metrics::labels_text(&[("state", "in_use")]), size - idle),
            (metrics::labels_text(&[("state", "idle")]), idle),
        ],
    );
    gauge(
        out,
        "bgp_database_pool_max_connections",
        "The shared pool's size (DATABASE_POOL_SIZE).",
        &[(
            String::new(),
            state.pool.options().get_max_connections() as f64,
        )],
    );
    gauge(
        out,
        "bgp_live_streams",
        "Live streams (server-sent events) open in this process.",
        &[(String::new(), state.live.open_streams() as f64)],
    );
    gauge(
        out,
        "bgp_live_listening",
        "1 while this process listens for trip events, 0 while its listener reconnects.",
        &[(String::new(), f64::from(u8::from(state.live.listening())))],
    );
    metrics::describe(
        out,
        "bgp_live_listener_reconnections_total",
        "counter",
        "Times the trip event listener lost its connection and listened again.",
    );
    metrics::sample(
        out,
        "bgp_live_listener_reconnections_total",
        "",
        state.live.reconnections() as f64,
    );
}

#[derive(sqlx::FromRow)]
struct Yard {
    gate_id: String,
    direction: String,
    waiting: i64,
}

/// What is read from the database at each scrape; left out during an outage.
async fn database_figures(state: &AppState, out: &mut String) {
    let read = async {
        let yards: Vec<Yard> = sqlx::query_as(
            "select g.id as gate_id, d.direction,
                    (select count(*) from trips t join bookings b on b.trip_id = t.id and b.status = 'arrived'
                       join slots s on s.id = b.slot_id
                      where t.status = 'arrived' and s.gate_id = g.id and s.direction = d.direction) as waiting
               from gates g cross join (values ('export'), ('import')) as d (direction)
              where g.active
              order by 1, 2",
        )
        .fetch_all(&state.pool)
        .await?;
        let outbox: (i64, Option<f64>) = sqlx::query_as(
            "select count(*), extract(epoch from now() - min(created_at))::float8 from push_outbox",
        )
        .fetch_one(&state.pool)
        .await?;
        Ok::<_, sqlx::Error>((yards, outbox))
    };
    let answered = match tokio::time::timeout(DATABASE_TIMEOUT, read).await {
        Ok(Ok(figures)) => Some(figures),
        Ok(Err(error)) => {
            app::server::outage::note(&error);
            tracing::warn!(%error, "metrics: the database's figures are missing");
            None
        }
        Err(_) => None,
    };
    gauge(
        out,
        "bgp_database_up",
        "1 when the database answered this scrape's questions in time.",
        &[(String::new(), f64::from(u8::from(answered.is_some())))],
    );
    let Some((yards, (depth, oldest))) = answered else {
        return;
    };
    let yards: Vec<(String, f64)> = yards
        .iter()
        .map(|yard| {
            (
                metrics::labels_text(&[("gate", &yard.gate_id), ("direction", &yard.direction)]),
                yard.waiting as f64,
            )
        })
        .collect();
    gauge(
        out,
        "bgp_yard_waiting",
        "Trucks checked in and waiting to be called forward, per gate and direction.",
        &yards,
    );
    gauge(
        out,
        "bgp_push_outbox_messages",
        "Push messages queued and not yet delivered.",
        &[(String::new(), depth as f64)],
    );
    gauge(
        out,
        "bgp_push_outbox_oldest_age_seconds",
        "Age of the oldest queued push message (0 when none).",
        &[(String::new(), oldest.unwrap_or(0.0).max(0.0))],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_bearer_token_opens_the_metrics() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            headers
        };
        assert!(authorised(&with("Bearer s3cret-token"), "s3cret-token"));
        assert!(!authorised(&with("Bearer s3cret-tokeN"), "s3cret-token"));
        assert!(!authorised(&with("Bearer s3cret"), "s3cret-token"));
        assert!(!authorised(&with("Basic s3cret-token"), "s3cret-token"));
        assert!(!authorised(&HeaderMap::new(), "s3cret-token"));
    }
}
