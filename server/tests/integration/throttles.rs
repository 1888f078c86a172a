//! Throttles over real HTTP: counts shared by every server process behind one database
//! (two apps on one database stand for two processes; a third for a restart), the
//! registration limit per address, and the booking limits per firm and per address.

use crate::support;

use app::{
    domain::throttle::{Limit, ThrottleSettings},
    server::Settings,
};
use reqwest::StatusCode;
use sqlx::PgPool;
use support::{
    Answer, Browser, PASSWORD, TestApp, book, declare_trip, firm_with_fleet, refusal,
    register_firm, slot_in, spawn, spawn_with,
};

fn with_limits(throttles: ThrottleSettings) -> Settings {
    Settings {
        secure_cookies: false,
        throttles,
        ..Settings::default()
    }
}

async fn wrong_password(browser: &Browser) -> Answer {
    browser
        .call(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", "guess-guess"),
            ],
        )
        .await
}

fn retry_after(answer: &Answer) -> u64 {
    answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The throttled events recorded, as (detail, how many), whatever minutes they fell in.
async fn throttled_events(app: &TestApp) -> Vec<(String, i32)> {
    app.state.security_log.settled().await;
    sqlx::query_as(
        "select detail, sum(count)::int from security_events where kind = 'throttled'
          group by detail order by detail",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn failed_sign_ins_on_one_server_process_count_on_another(pool: PgPool) {
    let first = spawn(pool.clone()).await;
    let second = spawn(pool).await;
    register_firm(&first.browser(), 1).await;

    // Five failures of one pair: three through one process, two through the other.
    let attacker_at_first = first.browser();
    let attacker_at_second = second.browser();
    for _ in 0..3 {
        assert_eq!(
            wrong_password(&attacker_at_first).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    for _ in 0..2 {
        assert_eq!(
            wrong_password(&attacker_at_second).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    for attacker in [&attacker_at_first, &attacker_at_second] {
        let blocked = attacker
            .call(
                "login",
                &[
                    ("identifier", "admin1@firm.example"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{blocked:?}");
        let wait = retry_after(&blocked);
        assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
        assert_eq!(
            blocked.body["TooManyAttempts"]["retry_after_seconds"].as_u64(),
            Some(wait)
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sign_in_limit_survives_a_restart(pool: PgPool) {
    let before = spawn(pool.clone()).await;
    register_firm(&before.browser(), 1).await;
    let attacker = before.browser();
    for _ in 0..5 {
        assert_eq!(
            wrong_password(&attacker).await.status,
            StatusCode::UNAUTHORIZED
        );
    }

    let after = spawn(pool).await;
    let blocked = wrong_password(&after.browser()).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{blocked:?}");
    assert_eq!(
        throttled_events(&after).await,
        [("sign_in.account_and_address".to_string(), 1)]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn counters_hold_no_sign_in_name_and_no_address(pool: PgPool) {
    let app = spawn(pool).await;
    register_firm(&app.browser(), 1).await;
    wrong_password(&app.browser()).await;
    let readable: i64 = sqlx::query_scalar(
        "select count(*) from throttle_counters
          where position('admin1@firm.example'::bytea in subject) > 0
             or position('127.0.0.1'::bytea in subject) > 0
             or position(decode('7f000001', 'hex') in subject) > 0",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let counters: i64 =
        sqlx::query_scalar("select count(*) from throttle_counters where scope like 'sign_in.%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((counters, readable), (3, 0), "the failed sign-in's three");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_registration_after_the_limit_from_one_address_is_429_with_retry_after(pool: PgPool) {
    let app = spawn_with(
        pool,
        with_limits(ThrottleSettings {
            registrations_per_address: Limit::per_minutes(3, 60),
            ..ThrottleSettings::default()
        }),
    )
    .await;
    for tag in 1..=3 {
        assert_eq!(
            register_firm(&app.browser(), tag).await.status,
            StatusCode::OK
        );
    }
    let hashed = app.state.passwords.hashed();

    let refused = register_firm(&app.browser(), 4).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{refused:?}");
    assert!((1..=3600).contains(&retry_after(&refused)));
    assert_eq!(
        app.state.passwords.hashed(),
        hashed,
        "refused before hashing"
    );
    let firms: i64 = sqlx::query_scalar("select count(*) from firms")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(firms, 3);
    assert_eq!(
        throttled_events(&app).await,
        [("registration.address".to_string(), 1)]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_registration_refused_for_a_taken_tax_code_or_email_never_hashes(pool: PgPool) {
    let app = spawn(pool).await;
    assert_eq!(
        register_firm(&app.browser(), 1).await.status,
        StatusCode::OK
    );
    let hashed = app.state.passwords.hashed();
    assert_eq!(hashed, 1);

    let form = |tax_code: &'static str, email: &'static str| {
        [
            ("firm_name", "Công ty Trùng"),
            ("tax_code", tax_code),
            ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
            ("firm_phone", "0205 3851 234"),
            ("admin_name", "Trần Văn Trùng"),
            ("email", email),
            ("password", PASSWORD),
        ]
    };
    let same_tax_code = app
        .browser()
        .call("register_firm", &form("4900000001", "new@firm.example"))
        .await;
    assert_eq!(
        same_tax_code.problems(),
        [("tax_code".into(), "tax_code_taken".into())]
    );
    let same_email = app
        .browser()
        .call("register_firm", &form("4900000077", "admin1@firm.example"))
        .await;
    assert_eq!(
        same_email.problems(),
        [("email".into(), "email_taken".into())]
    );
    let both = app
        .browser()
        .call("register_firm", &form("4900000001", "admin1@firm.example"))
        .await;
    assert_eq!(
        both.problems(),
        [
            ("tax_code".into(), "tax_code_taken".into()),
            ("email".into(), "email_taken".into())
        ],
        "every taken field at once"
    );
    assert_eq!(
        app.state.passwords.hashed(),
        hashed,
        "no hash for a refusal"
    );

    let fresh = app
        .browser()
        .call("register_firm", &form("4900000077", "new@firm.example"))
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{fresh:?}");
    assert_eq!(app.state.passwords.hashed(), hashed + 1);
}

/// Room in every gate rule but the slot's own capacity.
async fn only_capacity_limits(app: &TestApp) {
    sqlx::query("update gates set firm_share_percent = 100, perishable_share_percent = 0 where id = 'huu-nghi'")
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn move_to(browser: &Browser, trip: &str, slot: i64, key: &str) -> Answer {
    browser
        .call(
            "move_booking",
            &[
                ("trip_id", trip),
                ("slot_id", &slot.to_string()),
                ("request_key", key),
            ],
        )
        .await
}

async fn user_id(app: &TestApp, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("select id from users where email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_change_after_a_firms_limit_is_429_and_other_firms_book_on(pool: PgPool) {
    let app = spawn_with(
        pool,
        with_limits(ThrottleSettings {
            booking_changes_per_firm: Limit::per_minutes(3, 10),
            ..ThrottleSettings::default()
        }),
    )
    .await;
    only_capacity_limits(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let other_trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let first = slot_in(&app, "export", 300, 5).await;
    let second = slot_in(&app, "export", 400, 5).await;

    // Three changes: book, move, cancel. A retry of an answered request is no change.
    assert_eq!(
        book(&clerk, &trip, first, "limit-key-01").await.status,
        StatusCode::OK
    );
    assert_eq!(
        book(&clerk, &trip, first, "limit-key-01").await.status,
        StatusCode::OK
    );
    assert_eq!(
        move_to(&clerk, &trip, second, "limit-key-02").await.status,
        StatusCode::OK
    );
    let cancelled = clerk.call("cancel_booking", &[("trip_id", &trip)]).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");

    let refused = book(&clerk, &other_trip, first, "limit-key-03").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{refused:?}");
    let wait = retry_after(&refused);
    assert!((1..=600).contains(&wait), "Retry-After: {wait}");
    assert_eq!(
        refused.body["TooManyAttempts"]["retry_after_seconds"].as_u64(),
        Some(wait)
    );
    let booked: i64 = sqlx::query_scalar(
        "select count(*) from bookings where trip_id = $1::uuid and status = 'active'",
    )
    .bind(&other_trip)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(booked, 0, "nothing written");
    assert_eq!(
        clerk
            .call("cancel_booking", &[("trip_id", &trip)])
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS,
        "cancelling counts too"
    );

    let other_firm = app.browser();
    let (their_vehicle, their_driver) = firm_with_fleet(&other_firm, 2).await;
    let their_trip =
        declare_trip(&other_firm, &their_vehicle, &their_driver, "export", false).await;
    let theirs = book(&other_firm, &their_trip, first, "limit-key-04").await;
    assert_eq!(
        theirs.status,
        StatusCode::OK,
        "another firm is not affected: {theirs:?}"
    );

    app.state.security_log.settled().await;
    let events: Vec<(String, Option<uuid::Uuid>, String, i32)> = sqlx::query_as(
        "select detail, account_id, abbrev(address), sum(count)::int from security_events
          where kind = 'throttled' group by 1, 2, 3",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        [(
            "booking.firm".to_string(),
            Some(user_id(&app, "admin1@firm.example").await),
            "127.0.0.1".to_string(),
            2
        )]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_booking_change_is_explained_in_each_language_without_javascript(pool: PgPool) {
    let app = spawn_with(
        pool,
        with_limits(ThrottleSettings {
            booking_changes_per_firm: Limit::per_minutes(1, 10),
            ..ThrottleSettings::default()
        }),
    )
    .await;
    only_capacity_limits(&app).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let other_trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 300, 5).await;
    assert_eq!(
        book(&clerk, &trip, slot, "words-key-01").await.status,
        StatusCode::OK
    );

    for (language, words) in [
        ("vi", "Quá nhiều lần thử. Hãy thử lại sau 10 phút."),
        ("en", "Too many attempts. Try again in 10 minutes."),
        ("zh", "尝试次数过多。请在10分钟后重试。"),
    ] {
        clerk.set_cookie("i18n_pref_locale", language);
        let page = format!("{}/trips/{other_trip}/book", clerk.base);
        let response = clerk
            .client
            .post(format!("{}/api/book_slot", clerk.base))
            .header("accept", "text/html")
            .header("referer", &page)
            .form(&[
                ("trip_id", other_trip.as_str()),
                ("slot_id", &slot.to_string()),
                ("request_key", &format!("words-key-{language}")),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let shown = clerk
            .client
            .get(&location)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // Up to ten minutes: the window may have just begun, or be about to end.
        let any_wait =
            (1..=10).any(|minutes| shown.contains(&words.replace("10", &minutes.to_string())));
        assert!(any_wait, "{language}: {shown}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn booking_changes_from_one_address_are_limited_across_firms(pool: PgPool) {
    let app = spawn_with(
        pool,
        with_limits(ThrottleSettings {
            booking_changes_per_address: Limit::per_minutes(2, 10),
            ..ThrottleSettings::default()
        }),
    )
    .await;
    only_capacity_limits(&app).await;
    let slot = slot_in(&app, "export", 300, 5).await;
    let mut trips = Vec::new();
    for tag in 1..=3 {
        let browser = app.browser();
        let (vehicle, driver) = firm_with_fleet(&browser, tag).await;
        let trip = declare_trip(&browser, &vehicle, &driver, "export", false).await;
        trips.push((browser, trip));
    }
    for (index, (browser, trip)) in trips.iter().enumerate() {
        let answer = book(browser, trip, slot, &format!("address-key-{index}")).await;
        let expected = if index < 2 {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(answer.status, expected, "{answer:?}");
    }
    assert_eq!(
        throttled_events(&app).await,
        [("booking.address".to_string(), 1)]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn refusals_on_the_snapshot_do_not_count_against_the_limit(pool: PgPool) {
    let app = spawn_with(
        pool,
        with_limits(ThrottleSettings {
            booking_changes_per_firm: Limit::per_minutes(1, 10),
            ..ThrottleSettings::default()
        }),
    )
    .await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let soon = slot_in(&app, "export", 30, 10).await;
    let later = slot_in(&app, "export", 300, 10).await;
    for key in ["snapshot-key-1", "snapshot-key-2", "snapshot-key-3"] {
        assert_eq!(
            refusal(&book(&clerk, &trip, soon, key).await),
            "slot_too_soon"
        );
    }
    let booked = book(&clerk, &trip, later, "snapshot-key-4").await;
    assert_eq!(booked.status, StatusCode::OK, "{booked:?}");
}
