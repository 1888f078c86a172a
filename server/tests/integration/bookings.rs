//! Trips and gate slots over real HTTP against a real PostgreSQL: capacity under
//! concurrency, idempotency, atomic moves, cut-offs, no-shows and strikes, plan changes,
//! passes, the public board, and another firm's ids.

use crate::support;

use reqwest::StatusCode;
use sqlx::PgPool;
use support::{
    Browser, PASSWORD, TestApp, book, declare_trip, firm_with_fleet, materialise, refusal, slot_in,
    spawn, test_state,
};

/// Room in every rule but the slot's own capacity, to see the capacity alone at work.
async fn only_capacity_limits(app: &TestApp) {
    sqlx::query("update gates set firm_share_percent = 100, perishable_share_percent = 0 where id = 'huu-nghi'")
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn slot_counts(pool: &PgPool, slot_id: i64) -> (i32, i64) {
    let booked: i32 = sqlx::query_scalar("select booked from slots where id = $1")
        .bind(slot_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let active: i64 = sqlx::query_scalar(
        "select count(*) from bookings where slot_id = $1 and status = 'active'",
    )
    .bind(slot_id)
    .fetch_one(pool)
    .await
    .unwrap();
    (booked, active)
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_bookers_fill_a_slot_exactly_to_capacity(pool: PgPool) {
    let app = spawn(pool).await;
    only_capacity_limits(&app).await;
    let slot = slot_in(&app, "export", 180, 5).await;
    let mut trips = Vec::new();
    for tag in 0..4 {
        let browser = app.browser();
        let (vehicle, driver) = firm_with_fleet(&browser, 100 + tag).await;
        for _ in 0..10 {
            let trip = declare_trip(&browser, &vehicle, &driver, "export", false).await;
            trips.push((browser.cookie("bgp_session").unwrap(), trip));
        }
    }

    let base = format!("http://{}", app.address);
    let attempts = trips
        .into_iter()
        .enumerate()
        .map(|(index, (cookie, trip))| {
            let base = base.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let response = client
                    .post(format!("{base}/api/book_slot"))
                    .header("cookie", cookie)
                    .form(&[
                        ("trip_id", trip.as_str()),
                        ("slot_id", &slot.to_string()),
                        ("request_key", &format!("storm-key-{index:04}")),
                    ])
                    .send()
                    .await
                    .unwrap();
                response.status()
            })
        });
    let statuses: Vec<StatusCode> = futures_join(attempts).await;

    let confirmed = statuses
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    assert_eq!(confirmed, 5, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::OK || *status == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert_eq!(slot_counts(&app.pool, slot).await, (5, 5));
}

/// Bookings waiting together go to PostgreSQL in one statement (`book_slots`, used by
/// the booking lanes of `app/src/server/bookings/lanes.rs`): each runs as if alone, so
/// one refused in the middle undoes itself only, and its answer says why.
#[sqlx::test(migrations = "../migrations")]
async fn a_refusal_inside_a_batch_of_bookings_undoes_only_itself(pool: PgPool) {
    let app = spawn(pool).await;
    only_capacity_limits(&app).await;
    let slot = slot_in(&app, "export", 180, 2).await;
    let browser = app.browser();
    let (vehicle, driver) = firm_with_fleet(&browser, 31).await;
    let mut trips = Vec::new();
    for _ in 0..3 {
        let trip = declare_trip(&browser, &vehicle, &driver, "export", false).await;
        trips.push(uuid::Uuid::parse_str(&trip).unwrap());
    }
    let (firm, actor): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "select t.firm_id, u.id from trips t join users u on u.firm_id = t.firm_id
          where t.id = $1 and u.role = 'firm_admin'",
    )
    .bind(trips[0])
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // The first trip, the first trip again (already booked: refused), the second trip,
    // then the third (the slot of two is full by then: refused).
    let batch = [trips[0], trips[0], trips[1], trips[2]];
    let rows: Vec<(i32, Option<uuid::Uuid>, Option<String>, Option<String>)> = sqlx::query_as(
        "select ordinal, booking, error_code, error_message
           from book_slots($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) order by ordinal",
    )
    .bind(vec![firm; 4])
    .bind(vec![actor; 4])
    .bind(batch.to_vec())
    .bind(vec![slot; 4])
    .bind(
        (1..=4)
            .map(|n| format!("batch-key-{n}"))
            .collect::<Vec<_>>(),
    )
    .bind(
        batch
            .iter()
            .map(|trip| format!("book:{trip}:{slot}"))
            .collect::<Vec<_>>(),
    )
    .bind(vec![2; 4])
    .bind(vec![2; 4])
    .bind((1..=4).map(|n| format!("BTCH-000{n}")).collect::<Vec<_>>())
    .bind(vec![false; 4])
    .bind(vec![false; 4])
    .fetch_all(&app.pool)
    .await
    .unwrap();

    assert_eq!(rows.len(), 4);
    assert!(rows[0].1.is_some() && rows[0].2.is_none(), "{rows:?}");
    assert!(rows[1].1.is_none() && rows[1].2.is_some(), "{rows:?}");
    assert!(rows[2].1.is_some() && rows[2].2.is_none(), "{rows:?}");
    assert_eq!(rows[3].2.as_deref(), Some("BG001"), "{rows:?}");
    assert_eq!(slot_counts(&app.pool, slot).await, (2, 2));
    let keys: Vec<String> = sqlx::query_scalar("select key from booking_requests order by key")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        keys,
        ["batch-key-1", "batch-key-3"],
        "a refused booking leaves no claim"
    );
    let events: i64 = sqlx::query_scalar("select count(*) from trip_events where kind = 'booked'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(events, 2);
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await.unwrap());
    }
    results
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_itself_refuses_an_overbooked_slot(pool: PgPool) {
    let app = spawn(pool).await;
    let slot = slot_in(&app, "export", 180, 2).await;
    let broken = sqlx::query("update slots set booked = 3 where id = $1")
        .bind(slot)
        .execute(&app.pool)
        .await;
    let error = broken.unwrap_err();
    assert!(
        error.to_string().contains("slots_never_overbooked"),
        "{error}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retry_under_the_same_key_never_books_twice(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 180, 10).await;
    let other_slot = slot_in(&app, "export", 300, 10).await;

    let first = book(&clerk, &trip, slot, "retry-key-0001").await;
    let again = book(&clerk, &trip, slot, "retry-key-0001").await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(first.body, again.body, "the retry gets the same booking");
    assert_eq!(slot_counts(&app.pool, slot).await, (1, 1));

    let reused = book(&clerk, &trip, other_slot, "retry-key-0001").await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refusal(&reused), "key_reused");
    assert_eq!(slot_counts(&app.pool, other_slot).await, (0, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn simultaneous_retries_of_one_request_make_one_booking(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 180, 10).await;
    let cookie = clerk.cookie("bgp_session").unwrap();
    let base = format!("http://{}", app.address);
    let tries = (0..8).map(|_| {
        let (base, cookie, trip) = (base.clone(), cookie.clone(), trip.clone());
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/api/book_slot"))
                .header("cookie", cookie)
                .form(&[
                    ("trip_id", trip.as_str()),
                    ("slot_id", &slot.to_string()),
                    ("request_key", "same-key-0001"),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    });
    let answers = futures_join(tries).await;
    let bookings: std::collections::BTreeSet<&String> = answers.iter().collect();
    assert_eq!(
        bookings.len(),
        1,
        "every retry names the same booking: {answers:?}"
    );
    assert_eq!(slot_counts(&app.pool, slot).await, (1, 1));
}

#[sqlx::test(migrations = "../migrations")]
async fn moving_is_atomic_and_a_refused_move_keeps_the_old_slot(pool: PgPool) {
    let app = spawn(pool).await;
    only_capacity_limits(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let filler = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let first = slot_in(&app, "export", 300, 5).await;
    let second = slot_in(&app, "export", 400, 5).await;
    let full = slot_in(&app, "export", 500, 1).await;
    assert_eq!(
        book(&clerk, &trip, first, "move-key-0001").await.status,
        StatusCode::OK
    );
    assert_eq!(
        book(&clerk, &filler, full, "move-key-0002").await.status,
        StatusCode::OK
    );

    let moved = clerk
        .call(
            "move_booking",
            &[
                ("trip_id", &trip),
                ("slot_id", &second.to_string()),
                ("request_key", "move-key-0003"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(slot_counts(&app.pool, first).await, (0, 0));
    assert_eq!(slot_counts(&app.pool, second).await, (1, 1));

    let refused = clerk
        .call(
            "move_booking",
            &[
                ("trip_id", &trip),
                ("slot_id", &full.to_string()),
                ("request_key", "move-key-0004"),
            ],
        )
        .await;
    assert_eq!(refusal(&refused), "slot_full");
    assert_eq!(
        slot_counts(&app.pool, second).await,
        (1, 1),
        "still holds its slot"
    );
    let active: i64 = sqlx::query_scalar(
        "select count(*) from bookings where trip_id = $1::uuid and status = 'active'",
    )
    .bind(&trip)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(active, 1, "never two slots, never none");
}

#[sqlx::test(migrations = "../migrations")]
async fn slots_are_bookable_only_between_the_lead_time_and_the_horizon(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let soon = slot_in(&app, "export", 30, 10).await;
    let far = slot_in(&app, "export", 8 * 24 * 60, 10).await;
    assert_eq!(
        refusal(&book(&clerk, &trip, soon, "cutoff-key-01").await),
        "slot_too_soon"
    );
    assert_eq!(
        refusal(&book(&clerk, &trip, far, "cutoff-key-02").await),
        "slot_too_far"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_firm_holds_at_most_its_share_and_perishables_keep_their_reserve(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let slot = slot_in(&app, "export", 600, 10).await;
    for key in ["share-key-01", "share-key-02"] {
        let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
        assert_eq!(book(&clerk, &trip, slot, key).await.status, StatusCode::OK);
    }
    let third = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    assert_eq!(
        refusal(&book(&clerk, &third, slot, "share-key-03").await),
        "firm_share_reached"
    );

    sqlx::query("update gates set firm_share_percent = 100 where id = 'huu-nghi'")
        .execute(&app.pool)
        .await
        .unwrap();
    for index in 3..8 {
        let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
        assert_eq!(
            book(&clerk, &trip, slot, &format!("share-key-{index:02}x"))
                .await
                .status,
            StatusCode::OK
        );
    }
    let regular = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    assert_eq!(
        refusal(&book(&clerk, &regular, slot, "share-key-08").await),
        "reserved_for_perishable"
    );
    let fruit = declare_trip(&clerk, &vehicle, &driver, "export", true).await;
    assert_eq!(
        book(&clerk, &fruit, slot, "share-key-09").await.status,
        StatusCode::OK,
        "the reserve is for perishables"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_receiving_sides_daily_intake_is_respected(pool: PgPool) {
    let app = spawn(pool).await;
    only_capacity_limits(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    // Whatever the time of day the test runs: two slots on one day at the gate, and one
    // on the next day.
    let first = slot_at_gate_hour(&app, "export", 2, 9, 10).await;
    let second = slot_at_gate_hour(&app, "export", 2, 10, 10).await;
    let next_day = slot_at_gate_hour(&app, "export", 3, 9, 10).await;
    sqlx::query("update gate_days set intake_limit = 1 where (gate_id, direction, local_day) = (select gate_id, direction, local_day from slots where id = $1)")
        .bind(first)
        .execute(&app.pool)
        .await
        .unwrap();
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    assert_eq!(
        book(&clerk, &trip, first, "intake-key-01").await.status,
        StatusCode::OK
    );
    let next = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let answer = book(&clerk, &next, second, "intake-key-02").await;
    assert_eq!(refusal(&answer), "daily_intake_reached");
    // Moving within the same day gives its own place back first: allowed.
    let moved = clerk
        .call(
            "move_booking",
            &[
                ("trip_id", &trip),
                ("slot_id", &second.to_string()),
                ("request_key", "intake-key-03"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(
        book(&clerk, &next, next_day, "intake-key-04").await.status,
        StatusCode::OK,
        "another day has its own intake"
    );
}

/// A slot of Huu Nghi starting at `hour` o'clock of the gate's clock, `days` days from
/// today at the gate, with `capacity` and its day counter: the same day and hour
/// whatever time the test runs.
async fn slot_at_gate_hour(
    app: &TestApp,
    direction: &str,
    days: i32,
    hour: i32,
    capacity: i32,
) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "with start as (
           select ((date_trunc('day', now() at time zone 'Asia/Ho_Chi_Minh')
                    + make_interval(days => $2, hours => $3))
                   at time zone 'Asia/Ho_Chi_Minh') + interval '17 seconds' as at)
         insert into slots (gate_id, direction, starts_at, ends_at, local_day, capacity)
         select 'huu-nghi', $1, at, at + interval '1 hour',
                (at at time zone 'Asia/Ho_Chi_Minh')::date, $4 from start
         returning id",
    )
    .bind(direction)
    .bind(days)
    .bind(hour)
    .bind(capacity)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into gate_days (gate_id, direction, local_day)
         select gate_id, direction, local_day from slots where id = $1 on conflict do nothing",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    id
}

#[sqlx::test(migrations = "../migrations")]
async fn cancelling_frees_the_place_and_late_cancels_are_strikes(pool: PgPool) {
    let app = spawn(pool).await;
    only_capacity_limits(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let early = slot_in(&app, "export", 600, 5).await;
    let close = slot_in(&app, "export", 90, 5).await;

    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    assert_eq!(
        book(&clerk, &trip, early, "cancel-key-01").await.status,
        StatusCode::OK
    );
    assert_eq!(
        clerk
            .call("cancel_booking", &[("trip_id", &trip)])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(slot_counts(&app.pool, early).await, (0, 0));
    let status: String = sqlx::query_scalar("select status from trips where id = $1::uuid")
        .bind(&trip)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "declared", "the trip can book again");

    for key in ["cancel-key-02", "cancel-key-03"] {
        let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
        assert_eq!(book(&clerk, &trip, close, key).await.status, StatusCode::OK);
        assert_eq!(
            clerk
                .call("cancel_booking", &[("trip_id", &trip)])
                .await
                .status,
            StatusCode::OK
        );
    }
    let late: i64 = sqlx::query_scalar("select count(*) from bookings where late")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(late, 2, "cancelled within two hours of the slot");

    let blocked = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let answer = book(&clerk, &blocked, early, "cancel-key-04").await;
    assert_eq!(
        refusal(&answer),
        "vehicle_blocked",
        "two late cancels in 30 days block the vehicle"
    );
    let until = answer.body["Invalid"]["fields"][0]["problem"]["until"]
        .as_i64()
        .unwrap();
    let in_six_days = chrono::Utc::now().timestamp() + 6 * 86_400;
    assert!(until > in_six_days, "blocked for seven days: {until}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_no_show_sweep_marks_each_late_booking_once_and_blocks_its_vehicle(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 120, 5).await;
    assert_eq!(
        book(&clerk, &trip, slot, "noshow-key-01").await.status,
        StatusCode::OK
    );

    let state = test_state(&app).await;
    let now = chrono::Utc::now();
    assert_eq!(
        app::server::bookings::mark_no_shows(&state, now)
            .await
            .unwrap(),
        0,
        "the window is still open"
    );
    let after_window = now + chrono::Duration::hours(4);
    assert_eq!(
        app::server::bookings::mark_no_shows(&state, after_window)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::server::bookings::mark_no_shows(&state, after_window)
            .await
            .unwrap(),
        0,
        "nothing twice"
    );
    let status: String = sqlx::query_scalar("select status from trips where id = $1::uuid")
        .bind(&trip)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "no_show");
    let events: i64 = sqlx::query_scalar(
        "select count(*) from trip_events where trip_id = $1::uuid and kind = 'no_show'",
    )
    .bind(&trip)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(events, 1);

    // The strike is dated when it was marked; for the block check, date it now.
    sqlx::query("update bookings set ended_at = now() where status = 'no_show'")
        .execute(&app.pool)
        .await
        .unwrap();
    let next = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let later = slot_in(&app, "export", 600, 5).await;
    assert_eq!(
        refusal(&book(&clerk, &next, later, "noshow-key-02").await),
        "vehicle_blocked"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn events_are_append_only(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let update = sqlx::query("update trip_events set kind = 'forged'")
        .execute(&app.pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("delete from trip_events")
        .execute(&app.pool)
        .await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

async fn gate_admin(app: &TestApp) -> Browser {
    let hash = app::server::passwords::Passwords::new()
        .hash(&app::domain::person::NewPassword::parse(PASSWORD).unwrap())
        .await
        .unwrap();
    let admin: uuid::Uuid = sqlx::query_scalar(
        "insert into users (role, full_name, email, password_hash) values ('gate_admin', 'Chu Văn Đức', 'gate@test.example', $1) returning id",
    )
    .bind(hash)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query("insert into gate_staff (gate_id, user_id) values ('huu-nghi', $1)")
        .bind(admin)
        .execute(&app.pool)
        .await
        .unwrap();
    support::give_second_factor(app, admin).await;
    let browser = app.browser();
    let signed_in = browser
        .call(
            "login",
            &[("identifier", "gate@test.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert_eq!(support::second_step(&browser).await.status, StatusCode::OK);
    browser
}

fn plan_form(export_capacity: &str) -> Vec<(&'static str, String)> {
    [
        ("gate_id", "huu-nghi"),
        ("slot_minutes", "60"),
        ("opens", "00:00"),
        ("closes", "24:00"),
        ("import_capacity", "14"),
        ("export_daily_intake", ""),
        ("import_daily_intake", ""),
        ("horizon_days", "7"),
        ("lead_minutes", "60"),
        ("free_change_minutes", "120"),
        ("firm_share_percent", "100"),
        ("perishable_share_percent", "0"),
        ("perishable_release_hours", "6"),
    ]
    .into_iter()
    .map(|(name, value)| (name, value.to_string()))
    .chain([("export_capacity", export_capacity.to_string())])
    .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_capacity_cut_keeps_every_booking_and_lists_those_to_move(pool: PgPool) {
    let app = spawn(pool).await;
    materialise(&app).await;
    only_capacity_limits(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let slot: i64 = sqlx::query_scalar(
        "select id from slots where gate_id = 'huu-nghi' and direction = 'export' and starts_at > now() + interval '1 day' order by starts_at limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut trips = Vec::new();
    for index in 0..3 {
        let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
        assert_eq!(
            book(&clerk, &trip, slot, &format!("plan-key-{index:03}"))
                .await
                .status,
            StatusCode::OK
        );
        trips.push(trip);
    }

    let admin = gate_admin(&app).await;
    let form = plan_form("1");
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let saved = admin.call("update_gate_plan", &pairs).await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    assert_eq!(saved.body, 2, "two bookings no longer fit");

    let (capacity, overflow, booked): (i32, i32, i32) =
        sqlx::query_as("select capacity, overflow, booked from slots where id = $1")
            .bind(slot)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (capacity, overflow, booked),
        (1, 2, 3),
        "nothing dropped silently"
    );
    let plan = admin.call("gate_plan", &[("gate_id", "huu-nghi")]).await;
    let displaced: Vec<String> = plan.body["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["trip_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(displaced.len(), 2);
    assert!(
        !displaced.contains(&trips[0]),
        "the newest bookings are the ones to move"
    );
    let told: i64 = sqlx::query_scalar("select count(*) from trip_events where kind = 'must_move'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(told, 2, "their firms are told on the trip");

    let newcomer = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    assert_eq!(
        refusal(&book(&clerk, &newcomer, slot, "plan-key-100").await),
        "slot_full"
    );
    // A displaced booking that cancels shrinks the overflow.
    assert_eq!(
        clerk
            .call("cancel_booking", &[("trip_id", &trips[2])])
            .await
            .status,
        StatusCode::OK
    );
    let (overflow, booked): (i32, i32) =
        sqlx::query_as("select overflow, booked from slots where id = $1")
            .bind(slot)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((overflow, booked), (1, 2));
}

#[sqlx::test(migrations = "../migrations")]
async fn only_the_gates_admins_change_its_plan(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    firm_with_fleet(&clerk, 1).await;
    let form = plan_form("30");
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    assert_eq!(
        clerk.call("update_gate_plan", &pairs).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = gate_admin(&app).await;
    let mut other_gate = pairs.clone();
    other_gate[0] = ("gate_id", "tan-thanh");
    assert_eq!(
        admin.call("update_gate_plan", &other_gate).await.status,
        StatusCode::FORBIDDEN,
        "not assigned to that gate"
    );
    let bad = plan_form("-3");
    let bad_pairs: Vec<(&str, &str)> = bad
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let refused = admin.call("update_gate_plan", &bad_pairs).await;
    assert_eq!(
        refused.problems(),
        [("export_capacity".to_string(), "out_of_range".to_string())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_gate_pass_verifies_with_the_published_key_alone(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 180, 5).await;
    assert_eq!(
        book(&clerk, &trip, slot, "pass-key-0001").await.status,
        StatusCode::OK
    );

    let pass = clerk.call("gate_pass", &[("trip_id", &trip)]).await;
    assert_eq!(pass.status, StatusCode::OK, "{pass:?}");
    let token = pass.body["token"].as_str().unwrap();
    assert!(
        pass.body["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || pass.body["qr_svg"].as_str().unwrap().contains("<svg")
    );

    // A scanner knows only the public key, fetched once.
    let key = reqwest::get(format!("http://{}/api/gate_pass_key", app.address))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    use base64::Engine;
    let public: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let claims =
        app::server::passes::verify(token, &public, chrono::Utc::now().timestamp() + 3 * 3600)
            .expect("valid in the arrival window");
    assert_eq!(claims.trip.to_string(), trip);
    assert_eq!(claims.gate, "huu-nghi");
    assert_eq!(claims.code, pass.body["pass_code"].as_str().unwrap());
    assert!(
        app::server::passes::verify(token, &public, chrono::Utc::now().timestamp()).is_none(),
        "not before the window opens"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn anyone_sees_the_board_and_it_follows_bookings(pool: PgPool) {
    let app = spawn(pool).await;
    materialise(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "import", false).await;
    let (slot, day): (i64, chrono::NaiveDate) = sqlx::query_as(
        "select id, local_day from slots where gate_id = 'huu-nghi' and direction = 'import' and starts_at > now() + interval '1 day' order by starts_at limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        book(&clerk, &trip, slot, "board-key-001").await.status,
        StatusCode::OK
    );

    let response = reqwest::get(format!(
        "http://{}/api/load_board?gate_id=huu-nghi&day={day}",
        app.address
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let board: serde_json::Value = response.json().await.unwrap();
    let rows = board["rows"].as_array().unwrap();
    let booked: Vec<i64> = rows
        .iter()
        .map(|row| row["import"]["booked"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(booked.iter().sum::<i64>(), 1, "{booked:?}");
    let booked_row = rows
        .iter()
        .find(|row| row["import"]["booked"] == 1)
        .unwrap();
    let slot_start: i64 =
        sqlx::query_scalar("select extract(epoch from starts_at)::bigint from slots where id = $1")
            .bind(slot)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        booked_row["time"]["starts_at"], slot_start,
        "in the booked slot's row"
    );
    assert_eq!(
        board["rows"].as_array().unwrap().len(),
        24,
        "24 one-hour slots"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn another_firms_trip_ids_find_nothing(pool: PgPool) {
    let app = spawn(pool).await;
    let owner = app.browser();
    let (vehicle, driver) = firm_with_fleet(&owner, 1).await;
    let trip = declare_trip(&owner, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 180, 5).await;
    let second_slot = slot_in(&app, "export", 300, 5).await;
    assert_eq!(
        book(&owner, &trip, slot, "owner-key-001").await.status,
        StatusCode::OK
    );

    let intruder = app.browser();
    let (their_vehicle, their_driver) = firm_with_fleet(&intruder, 2).await;
    let mut form = support::trip_form(&their_vehicle, &their_driver, "export", false);
    form[0].1 = trip.clone();
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let slot_text = second_slot.to_string();
    let attempts = [
        intruder.call("get_trip", &[("trip_id", &trip)]).await,
        intruder
            .call("trip_form_options", &[("trip_id", &trip)])
            .await,
        intruder.call("save_trip", &pairs).await,
        intruder
            .call(
                "change_driver",
                &[("trip_id", &trip), ("driver_id", &their_driver)],
            )
            .await,
        intruder
            .call("day_slots", &[("trip_id", &trip), ("day", "")])
            .await,
        intruder
            .call(
                "book_slot",
                &[
                    ("trip_id", &trip),
                    ("slot_id", &slot_text),
                    ("request_key", "intruder-key-1"),
                ],
            )
            .await,
        intruder
            .call(
                "move_booking",
                &[
                    ("trip_id", &trip),
                    ("slot_id", &slot_text),
                    ("request_key", "intruder-key-2"),
                ],
            )
            .await,
        intruder.call("cancel_booking", &[("trip_id", &trip)]).await,
        intruder.call("gate_pass", &[("trip_id", &trip)]).await,
    ];
    for answer in attempts {
        assert!(
            answer.status == StatusCode::NOT_FOUND
                || answer
                    .problems()
                    .iter()
                    .any(|(_, code)| code == "trip_not_booked"),
            "{answer:?}"
        );
    }
    assert_eq!(
        slot_counts(&app.pool, slot).await,
        (1, 1),
        "the owner's booking is untouched"
    );
    let listed = intruder.call("list_trips", &[("status", "")]).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 0);

    // Nor can a trip be declared with another firm's vehicle or driver.
    let theirs = support::trip_form(&vehicle, &driver, "export", false);
    let pairs: Vec<(&str, &str)> = theirs
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let refused = intruder.call("save_trip", &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.problems()[0],
        ("vehicle_id".to_string(), "unknown_choice".to_string())
    );
}

/// The booking read checks the session itself (no separate session query): each way
/// of not being allowed still gets its own answer, and nothing is booked.
#[sqlx::test(migrations = "../migrations")]
async fn a_booking_asks_who_is_signed_in(pool: PgPool) {
    let app = spawn(pool).await;
    let owner = app.browser();
    let (vehicle, driver) = firm_with_fleet(&owner, 1).await;
    let other_driver = owner
        .call(
            "add_person",
            &[
                ("role", "driver"),
                ("full_name", "Lý Thường Kiệt"),
                ("email", ""),
                ("phone", "0987654321"),
                ("id_number", "020190009999"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(other_driver.status, StatusCode::OK, "{other_driver:?}");
    let trip = declare_trip(&owner, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 180, 5).await;
    let sign_in = |phone: &'static str| {
        let browser = app.browser();
        async move {
            let answer = browser
                .call("login", &[("identifier", phone), ("password", PASSWORD)])
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
            browser
        }
    };

    // Nobody signed in; a bad trip id or key changes nothing to that.
    let stranger = app.browser();
    for (trip_id, key) in [
        (trip.as_str(), "stranger-key-1"),
        ("not-a-trip", "stranger-key-2"),
        (trip.as_str(), "short"),
    ] {
        let answer = book(&stranger, trip_id, slot, key).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
        assert_eq!(answer.body, "NotSignedIn");
    }
    // A session ended by signing out, its token copied before.
    let leaver = sign_in("0900000001").await;
    let copied = leaver.cookie("bgp_session").expect("signed in");
    leaver.call("logout", &[]).await;
    let thief = app.browser();
    let stolen = thief
        .call_with_headers(
            "book_slot",
            &[
                ("trip_id", &trip),
                ("slot_id", &slot.to_string()),
                ("request_key", "thief-key-001"),
            ],
            &[("cookie", &copied)],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED, "{stolen:?}");
    // An officer is no booker; a driver books only the trips they drive.
    let officer = support::officer(&app, "customs").await;
    assert_eq!(
        book(&officer, &trip, slot, "officer-key-1").await.status,
        StatusCode::FORBIDDEN
    );
    let not_theirs = sign_in("0987654321").await;
    assert_eq!(
        book(&not_theirs, &trip, slot, "driver-key-002")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        slot_counts(&app.pool, slot).await,
        (0, 0),
        "nothing was booked"
    );

    // The trip's own driver, and the office, may.
    let own_driver = sign_in("0900000001").await;
    assert_eq!(
        book(&own_driver, &trip, slot, "driver-key-001")
            .await
            .status,
        StatusCode::OK
    );
    // A key too short from a signed-in booker is a bad request, not a missing trip.
    assert_eq!(
        book(&owner, &trip, slot, "short").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(slot_counts(&app.pool, slot).await, (1, 1));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_trip_is_checked_when_declared_and_frozen_once_booked(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let mut form = support::trip_form(&vehicle, &driver, "export", false);
    form.retain(|(name, _)| *name != "containers");
    form.push(("containers", "CSQU3054384".to_string()));
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let refused = clerk.call("save_trip", &pairs).await;
    assert_eq!(
        refused.problems(),
        [(
            "containers".to_string(),
            "container_check_digit".to_string()
        )]
    );
    let none: i64 = sqlx::query_scalar("select count(*) from trips")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(none, 0, "nothing half-written");

    let draft = clerk
        .call(
            "save_trip",
            &[
                ("trip_id", ""),
                ("intent", "draft"),
                ("vehicle_id", ""),
                ("driver_id", ""),
                ("direction", ""),
                ("gate_id", ""),
                ("planned_date", ""),
                ("cargo_description", "Vải thiều"),
                ("hs_code", ""),
                ("cargo_weight_kg", ""),
                ("packages", ""),
                ("containers", ""),
                ("customs_declaration", ""),
                ("seal_number", ""),
                ("set_temperature", ""),
            ],
        )
        .await;
    assert_eq!(
        draft.status,
        StatusCode::OK,
        "a draft may be incomplete: {draft:?}"
    );

    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 180, 5).await;
    assert_eq!(
        book(&clerk, &trip, slot, "frozen-key-01").await.status,
        StatusCode::OK
    );
    let mut edit = support::trip_form(&vehicle, &driver, "export", false);
    edit[0].1 = trip.clone();
    let pairs: Vec<(&str, &str)> = edit
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let locked = clerk.call("save_trip", &pairs).await;
    assert_eq!(refusal(&locked), "trip_locked");
    let changed = clerk
        .call(
            "change_driver",
            &[("trip_id", &trip), ("driver_id", &driver)],
        )
        .await;
    assert_eq!(
        changed.status,
        StatusCode::OK,
        "the driver may still change: {changed:?}"
    );
}
