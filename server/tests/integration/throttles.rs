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
    let counters: i64 = sqlx::query_scalar(
        "select count(*) from throttle_counters where scope like 'sign_in.%'",
    )
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
