//! The portal under faults, over real HTTP: the database dropping every connection
//! (as a restart or a failover does), the database unreachable for a while, officers
//! calling forward at the same moment, background jobs through an outage.
//!
//! A dropped connection is made with SQL (`pg_terminate_backend` on every other
//! connection of the test's database: what PostgreSQL does to each at a restart). An
//! outage is made by a small TCP relay between the portal and PostgreSQL that the test
//! cuts (every connection through it closed, new ones refused) and mends; the database
//! itself, shared by every test, is never stopped. Deadlines are generous liveness
//! bounds, not speed assertions.

use crate::support::{Browser, TestApp, book, declare_trip, firm_with_fleet, slot_in, spawn};
use reqwest::StatusCode;
use sqlx::PgPool;
use std::time::Duration;

/// Longer than anything here should take, by far.
const DEADLINE: Duration = Duration::from_secs(30);

/// Ends every connection to the test's database but the one asking, as PostgreSQL does
/// at a restart (`57P01 terminating connection due to administrator command`). Returns
/// how many it ended.
async fn drop_every_connection(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()) as ended",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A firm with `count` declared export trips at Huu Nghi and a slot with room for all.
async fn firm_with_trips(app: &TestApp, tag: u32, count: usize) -> (Browser, Vec<String>, i64) {
    sqlx::query("update gates set firm_share_percent = 100, perishable_share_percent = 0 where id = 'huu-nghi'")
        .execute(&app.pool)
        .await
        .unwrap();
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, tag).await;
    let mut trips = Vec::new();
    for _ in 0..count {
        trips.push(declare_trip(&firm, &vehicle, &driver, "export", false).await);
    }
    let slot = slot_in(app, "export", 300, 50).await;
    (firm, trips, slot)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_booking_after_the_database_dropped_every_connection_succeeds(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trips, slot) = firm_with_trips(&app, 701, 4).await;
    // The booking path's readers and lanes open their connections.
    let first = book(&firm, &trips[0], slot, "fault-key-first").await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");

    for (index, trip) in trips.iter().enumerate().skip(1) {
        assert!(drop_every_connection(&app.pool).await > 0);
        let booked = book(&firm, trip, slot, &format!("fault-key-{index:04}")).await;
        assert_eq!(
            booked.status,
            StatusCode::OK,
            "booking {index} after the connections were dropped: {booked:?}"
        );
    }

    // A retry under the first key, on connections dropped again, gets the same booking.
    drop_every_connection(&app.pool).await;
    let again = book(&firm, &trips[0], slot, "fault-key-first").await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body, first.body);
    let (booked, active): (i32, i64) = sqlx::query_as(
        "select s.booked, (select count(*) from bookings b where b.slot_id = s.id and b.status = 'active')
           from slots s where s.id = $1",
    )
    .bind(slot)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((booked, active), (4, 4));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_of_bookings_on_dropped_connections_is_booked_once_each(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trips, slot) = firm_with_trips(&app, 702, 13).await;
    let warm = book(&firm, &trips[0], slot, "batch-key-0000").await;
    assert_eq!(warm.status, StatusCode::OK, "{warm:?}");
    drop_every_connection(&app.pool).await;

    // Concurrent bookings meet the dead connections together, in batches.
    let keys: Vec<String> = (0..trips.len())
        .map(|index| format!("batch-key-{index:04}"))
        .collect();
    let answers = futures::future::join_all(
        trips
            .iter()
            .zip(&keys)
            .skip(1)
            .map(|(trip, key)| book(&firm, trip, slot, key)),
    )
    .await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    }
    let (booked, active, requests): (i32, i64, i64) = sqlx::query_as(
        "select s.booked,
                (select count(*) from bookings b where b.slot_id = s.id and b.status = 'active'),
                (select count(*) from booking_requests where key like 'batch-key-%' and booking_id is not null)
           from slots s where s.id = $1",
    )
    .bind(slot)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((booked, active, requests), (13, 13, 13));
}
