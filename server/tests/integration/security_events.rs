//! The security log over real HTTP: each kind of event recorded once with its detail and
//! no secret, repeats and floods folded, and the page only a platform admin may read.

use crate::support;

use app::{
    domain::{
        security::{EventKind, ROWS_PER_KIND_A_MINUTE},
        throttle::{Limit, ThrottleSettings},
    },
    server::Settings,
};
use reqwest::StatusCode;
use sqlx::PgPool;
use std::net::IpAddr;
use support::{
    PASSWORD, TestApp, book, declare_trip, firm_with_fleet, officer, register_firm, slot_in, spawn,
    spawn_with, staff,
};

/// Every row written so far: (kind, detail, account, count), counts summed over minutes.
async fn events(app: &TestApp) -> Vec<(String, String, Option<uuid::Uuid>, i32)> {
    app.state.security_log.settled().await;
    sqlx::query_as(
        "select kind, min(detail), account_id, sum(count)::int from security_events
          group by kind, account_id, detail order by kind, min(detail)",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Every column of every row as text, to look for what must never be there.
async fn everything_stored(app: &TestApp) -> String {
    sqlx::query_scalar::<_, String>(
        "select coalesce(string_agg(e::text, ' '), '') from security_events e",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("select id from users where email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn check_in(officer: &support::Browser, pass: &str) -> support::Answer {
    officer
        .call(
            "check_in",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("pass", pass),
            ],
        )
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn each_kind_is_recorded_once_with_its_detail_and_no_secret(pool: PgPool) {
    let app = spawn_with(
        pool,
        Settings {
            secure_cookies: false,
            throttles: ThrottleSettings {
                registrations_per_address: Limit::per_minutes(1, 60),
                ..ThrottleSettings::default()
            },
            ..Settings::default()
        },
    )
    .await;
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, 1).await;
    let admin = user_id(&app, "admin1@firm.example").await;
    let customs = staff(
        &app,
        "officer",
        Some("customs"),
        "customs@gate.test",
        &["huu-nghi", "tan-thanh"],
    )
    .await;
    let customs_id = user_id(&app, "customs@gate.test").await;

    // A wrong password, and a sign-in name no account has.
    let stranger = app.browser();
    let wrong = stranger
        .call(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", "guess-guess-1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = stranger
        .call(
            "login",
            &[
                ("identifier", "nobody@firm.example"),
                ("password", "guess-guess-2"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // A second registration from this address: throttled.
    assert_eq!(
        register_firm(&app.browser(), 2).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // A forged pass, a typed code no booking has, a real pass outside its window.
    let forged = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJ0cmlwIjoxfQ.Zm9yZ2VkLXNpZ25hdHVyZQ";
    assert_eq!(
        support::refusal(&check_in(&customs, forged).await),
        "pass_forged"
    );
    assert_eq!(
        support::refusal(&check_in(&customs, "ZZZZ-ZZZZ").await),
        "pass_unknown"
    );
    let trip = declare_trip(&firm, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 300, 5).await;
    assert_eq!(
        book(&firm, &trip, slot, "event-key-01").await.status,
        StatusCode::OK
    );
    let pass = firm.call("gate_pass", &[("trip_id", &trip)]).await;
    let token = pass.body["token"].as_str().unwrap().to_string();
    assert_eq!(
        support::refusal(&check_in(&customs, &token).await),
        "outside_window"
    );
    let elsewhere = customs
        .call(
            "check_in",
            &[
                ("gate_id", "tan-thanh"),
                ("direction", "export"),
                ("pass", &token),
            ],
        )
        .await;
    assert_eq!(support::refusal(&elsewhere), "pass_other_gate");

    // A device API call with a key that is none.
    let device = reqwest::Client::new()
        .post(format!("http://{}/devices/v1/plate-reads", app.address))
        .bearer_auth("bgd_not-a-real-device-key")
        .json(&serde_json::json!({ "plate": "12C-123.45" }))
        .send()
        .await
        .unwrap();
    assert_eq!(device.status(), StatusCode::UNAUTHORIZED);

    // Another site's page posting a form.
    let cross = stranger
        .call_with_headers(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", PASSWORD),
            ],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    // Authorization refusals: a firm admin on the log's page, an officer on its data.
    let (status, _) = firm.get("/admin/security?kind=forbidden").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refused = customs
        .call("security_events", &[("kind", ""), ("page", "")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let detail = |text: &str| text.to_string();
    assert_eq!(
        events(&app).await,
        [
            (detail("cross_site"), detail("POST /api/login"), None, 1),
            (
                detail("device_key_refused"),
                detail("unknown_or_revoked"),
                None,
                1
            ),
            (
                detail("forbidden"),
                detail("GET /admin/security"),
                Some(admin),
                1
            ),
            (
                detail("forbidden"),
                detail("POST /api/security_events"),
                Some(customs_id),
                1
            ),
            (detail("forged_pass"), detail(""), Some(customs_id), 1),
            (
                detail("refused_pass"),
                detail("other_gate"),
                Some(customs_id),
                1
            ),
            (
                detail("refused_pass"),
                detail("outside_window"),
                Some(customs_id),
                1
            ),
            (
                detail("refused_pass"),
                detail("unknown"),
                Some(customs_id),
                1
            ),
            (detail("sign_in_failed"), detail("unknown_account"), None, 1),
            (
                detail("sign_in_failed"),
                detail("wrong_password"),
                Some(admin),
                1
            ),
            (detail("throttled"), detail("registration.address"), None, 1),
        ]
    );
    let stored = everything_stored(&app).await;
    for secret in [
        PASSWORD,
        "guess-guess",
        "nobody@firm.example",
        "ZZZZ",
        forged,
        &token,
        "not-a-real-device-key",
        "kind=forbidden",
    ] {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }
    assert!(stored.contains("127.0.0.1"), "from where: {stored}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_plain_forms_refusal_is_recorded_like_any_other(pool: PgPool) {
    let app = spawn(pool).await;
    let customs = officer(&app, "customs").await;
    let response = customs
        .client
        .post(format!("{}/api/security_events", customs.base))
        .header("accept", "text/html")
        .header("referer", format!("{}/admin/security", customs.base))
        .form(&[("kind", ""), ("page", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let kinds: Vec<String> = events(&app).await.into_iter().map(|row| row.0).collect();
    assert_eq!(kinds, ["forbidden"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn repeats_and_floods_fold_into_few_rows(pool: PgPool) {
    let first = spawn(pool.clone()).await;
    let second = spawn(pool).await;
    let at = "2026-12-01T08:17:05Z".parse().unwrap();
    let attacker: IpAddr = "203.0.113.9".parse().unwrap();
    // The same refusal, again and again, through two processes.
    for app in [&first, &second] {
        for _ in 0..10 {
            app.state.security_log.record(
                EventKind::CrossSite,
                None,
                Some(attacker),
                "POST /api/login",
                at,
            );
        }
    }
    // One IPv6 subscriber trying from many addresses of its /64.
    for last in 0..20u16 {
        let address = IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, last]);
        first.state.security_log.record(
            EventKind::Forbidden,
            None,
            Some(address),
            "GET /gates",
            at,
        );
    }
    // Many clients in one minute.
    for client in 0..(ROWS_PER_KIND_A_MINUTE as u32 + 50) {
        let address = IpAddr::from((0x0a00_0000 + client).to_be_bytes());
        first.state.security_log.record(
            EventKind::SignInFailed,
            None,
            Some(address),
            "unknown_account",
            at,
        );
    }
    first.state.security_log.settled().await;
    second.state.security_log.settled().await;

    let rows: Vec<(String, Option<String>, i32)> = sqlx::query_as(
        "select kind, abbrev(address), count from security_events
          where kind in ('cross_site', 'forbidden') order by kind",
    )
    .fetch_all(&first.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "cross_site".to_string(),
                Some("203.0.113.9".to_string()),
                20
            ),
            (
                "forbidden".to_string(),
                Some("2001:db8:1:2::/64".to_string()),
                20
            ),
        ]
    );
    let (flood_rows, flood_count, folded): (i64, i64, i64) = sqlx::query_as(
        "select count(*), sum(count), count(*) filter (where address is null)
           from security_events where kind = 'sign_in_failed'",
    )
    .fetch_one(&first.pool)
    .await
    .unwrap();
    assert_eq!(
        (flood_rows, flood_count, folded),
        (
            ROWS_PER_KIND_A_MINUTE as i64 + 1,
            ROWS_PER_KIND_A_MINUTE as i64 + 50,
            1
        )
    );
}

/// `count` events of `kind`, one a minute back from now, each from its own address.
async fn old_events(app: &TestApp, kind: &str, count: i32) {
    sqlx::query(
        "insert into security_events (kind, minute, address, detail, count, first_at, last_at)
         select $1, date_trunc('minute', now()) - make_interval(mins => n), ('198.51.100.' || n)::inet,
                'seeded', 1, date_trunc('minute', now()) - make_interval(mins => n),
                date_trunc('minute', now()) - make_interval(mins => n)
           from generate_series(1, $2) as n",
    )
    .bind(kind)
    .bind(count)
    .execute(&app.pool)
    .await
    .unwrap();
}

fn rows_shown(page: &str) -> usize {
    page.matches("data-kind=").count()
}

#[sqlx::test(migrations = "../migrations")]
async fn only_a_platform_admin_reads_the_log_newest_first_by_kind_and_page(pool: PgPool) {
    let app = spawn(pool).await;
    let firm_admin = app.browser();
    register_firm(&firm_admin, 1).await;
    let customs = officer(&app, "customs").await;
    for refused in [&firm_admin, &customs] {
        let (status, page) = refused.get("/admin/security").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!page.contains("198.51.100."), "no row shown");
        let data = refused
            .call("security_events", &[("kind", ""), ("page", "")])
            .await;
        assert_eq!(data.status, StatusCode::FORBIDDEN);
    }
    let (anonymous, _) = app.browser().get("/admin/security").await;
    assert_eq!(anonymous, StatusCode::UNAUTHORIZED);

    old_events(&app, "cross_site", 60).await;
    old_events(&app, "device_key_refused", 3).await;
    let admin = staff(&app, "platform_admin", None, "root@portal.test", &[]).await;
    admin.set_cookie("i18n_pref_locale", "en");

    let (status, first_page) = admin.get("/admin/security").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows_shown(&first_page), 50);
    assert!(first_page.contains("Security log"));
    assert!(
        first_page.contains("/admin/security?page=2"),
        "a link to older rows"
    );
    // Newest first: the refusals above were recorded this minute, the seeded rows in
    // the minutes before.
    let newest = first_page.find("data-kind=\"forbidden\"").unwrap();
    let seeded = first_page.find("198.51.100.1<").unwrap();
    assert!(newest < seeded);
    app.state.security_log.settled().await;
    let total: i64 = sqlx::query_scalar("select count(*) from security_events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (_, second_page) = admin.get("/admin/security?page=2").await;
    assert_eq!(rows_shown(&second_page) as i64, total - 50);
    assert!(!second_page.contains("/admin/security?page=3"));

    let (_, devices) = admin.get("/admin/security?kind=device_key_refused").await;
    assert_eq!(rows_shown(&devices), 3);
    assert_eq!(
        devices.matches("data-kind=\"device_key_refused\"").count(),
        3
    );
    assert!(devices.contains("Refused device key"));
    admin.set_cookie("i18n_pref_locale", "zh");
    let (_, chinese) = admin.get("/admin/security?kind=device_key_refused").await;
    assert!(chinese.contains("设备密钥被拒绝"));

    let bad = admin
        .call("security_events", &[("kind", "nothing"), ("page", "")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.problems(),
        [("kind".to_string(), "unknown_choice".to_string())]
    );
}
