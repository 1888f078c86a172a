//! What operators see: `/metrics` behind its token (requests by route template and
//! status, booking outcomes, the yards' queues, the push outbox, pool use, jobs, live
//! streams), and liveness (`/healthz`) kept apart from readiness (`/readyz`).

use crate::support::{self, Browser, TestApp, book, spawn, spawn_with, test_settings};
use app::server::Settings;
use reqwest::StatusCode;
use sqlx::PgPool;

const TOKEN: &str = "metrics-token-for-tests-7d1c";

async fn with_token(pool: PgPool) -> TestApp {
    spawn_with(
        pool,
        Settings {
            metrics_token: Some(TOKEN.into()),
            ..test_settings()
        },
    )
    .await
}

async fn scrape(app: &TestApp, authorization: Option<&str>) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().get(format!("http://{}/metrics", app.address));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The value of the sample line that starts with `series` (name and labels).
fn value_of(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_are_served_only_with_their_token(pool: PgPool) {
    let open = spawn(pool.clone()).await;
    assert_eq!(
        scrape(&open, Some(&format!("Bearer {TOKEN}"))).await.0,
        StatusCode::NOT_FOUND,
        "no token configured: no metrics"
    );
    let guarded = with_token(pool).await;
    assert_eq!(scrape(&guarded, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&guarded, Some("Bearer not-the-token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, text) = scrape(&guarded, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("# TYPE bgp_database_up gauge\nbgp_database_up 1\n"),
        "{text}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_show_routes_by_template_booking_outcomes_and_the_yard(pool: PgPool) {
    let app = with_token(pool).await;
    let (firm, trip, code, _) = support::trip_at_the_gate(&app, 801, false).await;
    // The same booking again under its key, and a refusal.
    let slot: i64 = sqlx::query_scalar("select slot_id from bookings where trip_id = $1::uuid")
        .bind(&trip)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        book(&firm, &trip, slot, "gate-key-00801").await.status,
        StatusCode::OK
    );
    let (status, _) = firm.get(&format!("/trips/{trip}")).await;
    assert_eq!(status, StatusCode::OK);
    let police = support::officer(&app, "traffic_police").await;
    let checked_in = police
        .call(
            "check_in",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("pass", code.as_str()),
            ],
        )
        .await;
    assert_eq!(checked_in.status, StatusCode::OK, "{checked_in:?}");
    let moved = firm
        .call(
            "move_booking",
            &[
                ("trip_id", trip.as_str()),
                ("slot_id", &slot.to_string()),
                ("request_key", "move-key-00801"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY, "{moved:?}");

    let (_, text) = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    let at_least_one = |series: &str| {
        assert!(
            value_of(&text, series).is_some_and(|value| value >= 1.0),
            "{series} in {text}"
        );
    };
    at_least_one(r#"bgp_http_requests_total{route="/trips/{id}",method="GET",status="200"}"#);
    at_least_one(r#"bgp_http_requests_total{route="/api/book_slot",method="POST",status="200"}"#);
    at_least_one(r#"bgp_http_request_duration_seconds_count{route="/api/check_in",method="POST"}"#);
    at_least_one(r#"bgp_bookings_total{kind="book",outcome="booked"}"#);
    at_least_one(r#"bgp_bookings_total{kind="book",outcome="replayed"}"#);
    at_least_one(r#"bgp_bookings_total{kind="move",outcome="refused",reason="trip_not_booked"}"#);
    assert!(!text.contains(&trip), "no ids in the labels");
    assert_eq!(
        value_of(
            &text,
            r#"bgp_yard_waiting{gate="huu-nghi",direction="export"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value_of(
            &text,
            r#"bgp_yard_waiting{gate="huu-nghi",direction="import"}"#
        ),
        Some(0.0)
    );
    for series in [
        "bgp_push_outbox_messages",
        "bgp_push_outbox_oldest_age_seconds",
        r#"bgp_database_pool_connections{state="idle"}"#,
        "bgp_database_pool_max_connections",
        "bgp_live_streams",
        "bgp_live_listening",
    ] {
        assert!(value_of(&text, series).is_some(), "{series} in {text}");
    }
}

async fn get(browser: &Browser, path: &str) -> (StatusCode, String) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_asks_for_every_migration_and_liveness_for_nothing(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    assert_eq!(
        get(&browser, "/healthz").await,
        (StatusCode::OK, "ok".into())
    );
    assert_eq!(
        get(&browser, "/readyz").await,
        (StatusCode::OK, "ready".into())
    );

    // A database a migration has not reached (as during a deploy of a newer build).
    sqlx::query(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        get(&browser, "/readyz").await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "1 migrations not applied".into()
        )
    );
    assert_eq!(get(&browser, "/healthz").await.0, StatusCode::OK);
}
