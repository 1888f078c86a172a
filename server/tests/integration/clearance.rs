//! Clearance at the gate over real HTTP: device keys, plate reads, pass check-in,
//! agency decisions, holds, exit, alerts, the transition guard, and the live channel
//! across two server processes.

use crate::support;

use reqwest::StatusCode;
use sqlx::PgPool;
use support::{Browser, TestApp, officer, refusal, spawn, staff, trip_at_the_gate, trip_status};

async fn open_alerts(app: &TestApp, kind: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from gate_alerts where kind = $1 and acknowledged_at is null",
    )
    .bind(kind)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn check_in(officer: &Browser, pass: &str) -> support::Answer {
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

async fn decide(
    officer: &Browser,
    trip: &str,
    decision: &str,
    extra: &[(&str, &str)],
) -> support::Answer {
    let mut form = vec![
        ("gate_id", "huu-nghi"),
        ("direction", "export"),
        ("trip_id", trip),
        ("decision", decision),
    ];
    form.extend_from_slice(extra);
    officer.call("decide", &form).await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_truck_goes_from_yard_to_lane_to_cleared_to_exited(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, trip, code, _) = trip_at_the_gate(&app, 1, false).await;
    let police = officer(&app, "traffic_police").await;
    let customs = officer(&app, "customs").await;
    let guard = officer(&app, "border_guard").await;

    assert_eq!(
        check_in(&police, &code.replace('-', "").to_lowercase())
            .await
            .status,
        StatusCode::OK,
        "typed loosely"
    );
    assert_eq!(trip_status(&app, &trip).await, "arrived");
    let called = police
        .call(
            "call_forward",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("count", "3"),
                ("lane", "2"),
            ],
        )
        .await;
    assert_eq!(called.status, StatusCode::OK, "{called:?}");
    assert_eq!(trip_status(&app, &trip).await, "called_forward");

    assert_eq!(
        decide(&customs, &trip, "clear", &[("channel", "green")])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        trip_status(&app, &trip).await,
        "inspection",
        "the border guard has not decided yet"
    );
    let again = decide(&customs, &trip, "clear", &[("channel", "green")]).await;
    assert_eq!(refusal(&again), "already_cleared");
    assert_eq!(
        decide(&guard, &trip, "clear", &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(trip_status(&app, &trip).await, "cleared");

    assert_eq!(
        customs
            .call(
                "confirm_exit",
                &[
                    ("gate_id", "huu-nghi"),
                    ("direction", "export"),
                    ("trip_id", &trip)
                ]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        guard
            .call(
                "confirm_exit",
                &[
                    ("gate_id", "huu-nghi"),
                    ("direction", "export"),
                    ("trip_id", &trip)
                ]
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(trip_status(&app, &trip).await, "exited");

    let kinds: Vec<String> =
        sqlx::query_scalar("select kind from trip_events where trip_id = $1::uuid order by id")
            .bind(&trip)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            "declared",
            "booked",
            "arrived",
            "called_forward",
            "agency_cleared",
            "agency_cleared",
            "cleared",
            "exited"
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn quarantine_decides_only_when_the_cargo_needs_it(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, plain, plain_code, _) = trip_at_the_gate(&app, 1, false).await;
    let (_, fruit, fruit_code, _) = trip_at_the_gate(&app, 2, true).await;
    let police = officer(&app, "traffic_police").await;
    let customs = officer(&app, "customs").await;
    let guard = officer(&app, "border_guard").await;
    let quarantine = officer(&app, "quarantine").await;
    check_in(&police, &plain_code).await;
    check_in(&police, &fruit_code).await;
    police
        .call(
            "call_forward",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("count", "5"),
                ("lane", "1"),
            ],
        )
        .await;

    assert_eq!(
        refusal(&decide(&quarantine, &plain, "clear", &[]).await),
        "agency_not_required"
    );
    for trip in [&fruit] {
        decide(&customs, trip, "clear", &[("channel", "yellow")]).await;
        decide(&guard, trip, "clear", &[]).await;
    }
    assert_eq!(
        trip_status(&app, &fruit).await,
        "inspection",
        "quarantine still to decide"
    );
    decide(&quarantine, &fruit, "clear", &[]).await;
    assert_eq!(trip_status(&app, &fruit).await, "cleared");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_hold_is_released_or_rejected_only_by_its_agency(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, trip, code, _) = trip_at_the_gate(&app, 1, false).await;
    let police = officer(&app, "traffic_police").await;
    let customs = officer(&app, "customs").await;
    let guard = officer(&app, "border_guard").await;
    check_in(&police, &code).await;
    police
        .call(
            "call_forward",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("count", "1"),
                ("lane", "1"),
            ],
        )
        .await;

    let no_reason = decide(&customs, &trip, "hold", &[("reason", "")]).await;
    assert_eq!(refusal(&no_reason), "unknown_choice");
    let held = decide(
        &customs,
        &trip,
        "hold",
        &[
            ("reason", "seal_broken"),
            ("note", "Niêm phong số 2 bị rách"),
        ],
    )
    .await;
    assert_eq!(held.status, StatusCode::OK, "{held:?}");
    assert_eq!(trip_status(&app, &trip).await, "held");
    let (reason, kind): (String, String) = sqlx::query_as(
        "select reason, kind from trip_events where trip_id = $1::uuid order by id desc limit 1",
    )
    .bind(&trip)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((reason.as_str(), kind.as_str()), ("seal_broken", "held"));

    assert_eq!(
        refusal(&decide(&guard, &trip, "release", &[]).await),
        "not_holder"
    );
    assert_eq!(
        decide(&customs, &trip, "release", &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(trip_status(&app, &trip).await, "inspection");
    decide(
        &customs,
        &trip,
        "hold",
        &[("reason", "declaration_mismatch")],
    )
    .await;
    assert_eq!(
        refusal(&decide(&customs, &trip, "reject", &[]).await),
        "required",
        "a rejection says why"
    );
    assert_eq!(
        decide(
            &customs,
            &trip,
            "reject",
            &[("note", "Hàng không đúng tờ khai")]
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(trip_status(&app, &trip).await, "rejected");
}

#[sqlx::test(migrations = "../migrations")]
async fn officers_act_only_at_their_gate_and_for_their_agency(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trip, code, _) = trip_at_the_gate(&app, 1, false).await;
    let elsewhere = staff(
        &app,
        "officer",
        Some("traffic_police"),
        "police@tan-thanh.test",
        &["tan-thanh"],
    )
    .await;
    assert_eq!(
        check_in(&elsewhere, &code).await.status,
        StatusCode::FORBIDDEN,
        "not posted at Huu Nghi"
    );
    assert_eq!(
        check_in(&firm, &code).await.status,
        StatusCode::FORBIDDEN,
        "a firm is no officer"
    );
    let customs = officer(&app, "customs").await;
    assert_eq!(
        check_in(&customs, &code).await.status,
        StatusCode::OK,
        "any officer at the gate may check a truck in"
    );
    let called = customs
        .call(
            "call_forward",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("count", "1"),
                ("lane", "1"),
            ],
        )
        .await;
    assert_eq!(
        called.status,
        StatusCode::FORBIDDEN,
        "traffic police call trucks forward"
    );
    let guard = officer(&app, "border_guard").await;
    let route = decide(&guard, &trip, "route", &[("channel", "red")]).await;
    assert!(
        route.status == StatusCode::FORBIDDEN || route.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{route:?}"
    );
    assert_eq!(trip_status(&app, &trip).await, "arrived");
}

#[sqlx::test(migrations = "../migrations")]
async fn forged_unknown_and_mistimed_passes_are_refused_and_raised(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trip, code, _) = trip_at_the_gate(&app, 1, false).await;
    let police = officer(&app, "traffic_police").await;

    let pass = firm.call("gate_pass", &[("trip_id", &trip)]).await;
    let token = pass.body["token"].as_str().unwrap().to_string();
    let mut forged = token.clone();
    let inside = forged.find('.').unwrap() + 12;
    let replacement = if &forged[inside..=inside] == "A" {
        "B"
    } else {
        "A"
    };
    forged.replace_range(inside..=inside, replacement);
    assert_eq!(refusal(&check_in(&police, &forged).await), "pass_forged");
    assert_eq!(open_alerts(&app, "forged_pass").await, 1);

    assert_eq!(
        refusal(&check_in(&police, "ZZZZ-ZZZZ").await),
        "pass_unknown"
    );
    assert_eq!(open_alerts(&app, "unknown_pass").await, 1);

    sqlx::query("update slots set starts_at = now() + interval '5 hours', ends_at = now() + interval '6 hours' where id = (select slot_id from bookings where trip_id = $1::uuid)")
        .bind(&trip)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(refusal(&check_in(&police, &code).await), "outside_window");
    assert_eq!(open_alerts(&app, "outside_window").await, 1);
    assert_eq!(
        trip_status(&app, &trip).await,
        "booked",
        "nothing accepted silently"
    );

    sqlx::query("update slots set starts_at = now() + interval '5 minutes', ends_at = now() + interval '65 minutes' where id = (select slot_id from bookings where trip_id = $1::uuid)")
        .bind(&trip)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        check_in(&police, &token).await.status,
        StatusCode::OK,
        "the genuine scanned token checks in"
    );
    assert_eq!(trip_status(&app, &trip).await, "arrived");

    let alert_id: i64 =
        sqlx::query_scalar("select id from gate_alerts where kind = 'unknown_pass'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let seen = police
        .call(
            "acknowledge_alert",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("alert_id", &alert_id.to_string()),
            ],
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(open_alerts(&app, "unknown_pass").await, 0);
}

async fn read_plate(
    app: &TestApp,
    key: Option<&str>,
    plate: &str,
) -> (StatusCode, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(format!("http://{}/devices/v1/plate-reads", app.address))
        .json(&serde_json::json!({ "plate": plate }));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap_or_default())
}

#[sqlx::test(migrations = "../migrations")]
async fn devices_read_plates_with_keys_their_admin_issues_and_revokes(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, trip, _, plate) = trip_at_the_gate(&app, 1, false).await;
    let admin = staff(&app, "gate_admin", None, "admin@gate.test", &["huu-nghi"]).await;
    let issued = admin
        .call(
            "issue_device",
            &[
                ("gate_id", "huu-nghi"),
                ("name", "Camera bãi 1"),
                ("location", "yard"),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{issued:?}");
    let key = issued.body.as_str().unwrap().to_string();
    let exit_key = admin
        .call(
            "issue_device",
            &[
                ("gate_id", "huu-nghi"),
                ("name", "Camera lối ra"),
                ("location", "exit"),
            ],
        )
        .await
        .body
        .as_str()
        .unwrap()
        .to_string();

    assert_eq!(
        read_plate(&app, None, &plate).await.0,
        StatusCode::UNAUTHORIZED,
        "no key"
    );
    assert_eq!(
        read_plate(&app, Some("gd_not-a-key"), &plate).await.0,
        StatusCode::UNAUTHORIZED,
        "unknown key"
    );
    let (status, unknown) = read_plate(&app, Some(&key), "12C-000.01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
    assert_eq!(open_alerts(&app, "unknown_plate").await, 1);

    let canonical = app::domain::plate::Plate::from_normalised(&plate)
        .unwrap()
        .canonical();
    let (status, answer) = read_plate(&app, Some(&key), &canonical).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["outcome"], "checked_in");
    assert_eq!(answer["trip_id"], trip.as_str());
    assert_eq!(trip_status(&app, &trip).await, "arrived");
    assert_eq!(
        read_plate(&app, Some(&key), &plate).await.1["outcome"],
        "already_in",
        "a second read changes nothing"
    );

    let (status, _) = read_plate(&app, Some(&exit_key), &plate).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an uncleared truck cannot leave"
    );

    let devices = admin.call("list_devices", &[("gate_id", "huu-nghi")]).await;
    let device_id = devices.body[0]["id"].as_str().unwrap().to_string();
    assert!(
        !devices.body.to_string().contains(&key),
        "keys are never shown again"
    );
    assert_eq!(
        admin
            .call(
                "revoke_device",
                &[("gate_id", "huu-nghi"), ("device_id", &device_id)]
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        read_plate(&app, Some(&key), &plate).await.0,
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_refuses_a_status_change_the_lifecycle_does_not_allow(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, trip, _, _) = trip_at_the_gate(&app, 1, false).await;
    let jump = sqlx::query("update trips set status = 'exited' where id = $1::uuid")
        .bind(&trip)
        .execute(&app.pool)
        .await;
    assert!(
        jump.unwrap_err()
            .to_string()
            .contains("cannot go from booked to exited")
    );
    let forge = sqlx::query("delete from agency_decisions")
        .execute(&app.pool)
        .await;
    assert!(forge.is_ok(), "nothing to delete yet");
    let officer_id: uuid::Uuid = sqlx::query_scalar("select id from users limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query("insert into agency_decisions (trip_id, agency, decision, officer_id) values ($1::uuid, 'border_guard', 'cleared', $2)")
        .bind(&trip)
        .bind(officer_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let rewrite = sqlx::query("update agency_decisions set decision = 'held'")
        .execute(&app.pool)
        .await;
    assert!(rewrite.unwrap_err().to_string().contains("append-only"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_live_channel_carries_an_event_written_by_another_server_process(pool: PgPool) {
    let first = spawn(pool.clone()).await;
    let second = spawn(pool).await;
    let (firm, trip, code, _) = trip_at_the_gate(&first, 1, false).await;
    let cookie = firm.cookie("bgp_session").unwrap();

    // Follow the trip on the first process...
    let mut stream = reqwest::Client::new()
        .get(format!("http://{}/live/trips/{trip}", first.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    // ...while an officer checks the truck in through the second.
    let police = support::officer(&second, "traffic_police").await;
    assert_eq!(check_in(&police, &code).await.status, StatusCode::OK);

    let received = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut text = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: trip") {
                return text;
            }
        }
        text
    })
    .await
    .expect("the event arrives within ten seconds");
    assert!(received.contains(&trip), "{received}");

    let stranger = first.browser();
    support::firm_with_fleet(&stranger, 9).await;
    let refused = reqwest::Client::new()
        .get(format!("http://{}/live/trips/{trip}", first.address))
        .header("cookie", stranger.cookie("bgp_session").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "another firm cannot follow the trip"
    );
}
