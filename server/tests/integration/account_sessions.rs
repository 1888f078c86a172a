//! A person's sessions: the list, ending one or all others, the idle timeout, and a new
//! sign-in ending the browser's previous session.

use crate::support;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use support::{
    Browser, PASSWORD, TestApp, book, declare_trip, firm_with_fleet, register_firm, slot_in, spawn,
};

async fn sign_in(browser: &Browser, identifier: &str) {
    let answer = browser
        .call(
            "login",
            &[("identifier", identifier), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
}

/// The session row a browser's cookie names.
fn session_of(browser: &Browser) -> uuid::Uuid {
    let cookie = browser.cookie("bgp_session").expect("a session cookie");
    let token = cookie.trim_start_matches("bgp_session=");
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["sid"].as_str().unwrap().parse().unwrap()
}

/// Makes the session look unused for `minutes`, as if its person had walked away.
async fn leave_unused(app: &TestApp, browser: &Browser, minutes: i32) {
    sqlx::query(
        "update sessions set last_seen_at = now() - make_interval(mins => $2),
                             created_at = now() - make_interval(mins => $2)
          where id = $1",
    )
    .bind(session_of(browser))
    .bind(minutes)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn is_signed_in(browser: &Browser) -> bool {
    browser.call("current_user", &[]).await.body != Value::Null
}

#[sqlx::test(migrations = "../migrations")]
async fn the_list_shows_only_the_persons_own_sessions_and_marks_this_one(pool: PgPool) {
    let app = spawn(pool).await;
    let phone = app.browser();
    register_firm(&phone, 1).await;
    let laptop = app.browser();
    sign_in(&laptop, "admin1@firm.example").await;
    let someone_else = app.browser();
    register_firm(&someone_else, 2).await;

    let listed = laptop.call("list_sessions", &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    let sessions = listed.body.as_array().unwrap();
    assert_eq!(
        sessions.len(),
        2,
        "phone and laptop, not the other firm's: {sessions:?}"
    );
    let current: Vec<_> = sessions
        .iter()
        .filter(|session| session["current"] == true)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], session_of(&laptop).to_string());
    let ids: Vec<&str> = sessions.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&session_of(&someone_else).to_string().as_str()));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_shows_its_browser_briefly(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let answer = browser
        .call_with_headers(
            "login",
            &[("identifier", "admin1@firm.example"), ("password", PASSWORD)],
            &[(
                "user-agent",
                "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
            )],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let sessions = browser.call("list_sessions", &[]).await.body;
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["current"] == true)
        .unwrap();
    assert_eq!(current["device"], "Chrome · Android");
}

#[sqlx::test(migrations = "../migrations")]
async fn ending_a_session_signs_that_browser_out_and_no_other(pool: PgPool) {
    let app = spawn(pool).await;
    let phone = app.browser();
    register_firm(&phone, 1).await;
    let laptop = app.browser();
    sign_in(&laptop, "admin1@firm.example").await;

    let ended = laptop
        .call(
            "end_session",
            &[("session_id", &session_of(&phone).to_string())],
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{ended:?}");

    assert_eq!(
        phone.call("list_sessions", &[]).await.status,
        StatusCode::UNAUTHORIZED,
        "the ended session's cookie no longer signs in"
    );
    assert!(is_signed_in(&laptop).await);
}

#[sqlx::test(migrations = "../migrations")]
async fn another_persons_session_cannot_be_ended(pool: PgPool) {
    let app = spawn(pool).await;
    let victim = app.browser();
    register_firm(&victim, 1).await;
    let attacker = app.browser();
    register_firm(&attacker, 2).await;

    let answer = attacker
        .call(
            "end_session",
            &[("session_id", &session_of(&victim).to_string())],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{answer:?}");
    assert!(is_signed_in(&victim).await);
    let malformed = attacker
        .call("end_session", &[("session_id", "not-a-session")])
        .await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_everywhere_else_keeps_only_this_session(pool: PgPool) {
    let app = spawn(pool).await;
    let phone = app.browser();
    register_firm(&phone, 1).await;
    let tablet = app.browser();
    sign_in(&tablet, "admin1@firm.example").await;
    let laptop = app.browser();
    sign_in(&laptop, "admin1@firm.example").await;

    let answer = laptop.call("end_other_sessions", &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body, 2);

    assert!(!is_signed_in(&phone).await);
    assert!(!is_signed_in(&tablet).await);
    assert!(is_signed_in(&laptop).await);
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_again_on_the_same_browser_ends_its_previous_session(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let previous = browser.cookie("bgp_session").unwrap();

    sign_in(&browser, "admin1@firm.example").await;

    let copy = app.browser();
    let answer = copy
        .call_with_headers("current_user", &[], &[("cookie", &previous)])
        .await;
    assert_eq!(answer.body, Value::Null, "the previous session ended");
    assert!(is_signed_in(&browser).await, "the new one works");
    let open: i64 =
        sqlx::query_scalar("select count(*) from sessions s where session_signed_in(s)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(open, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idle_session_ends_for_pages_and_server_functions(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let (status, _) = browser.get("/account").await;
    assert_eq!(status, StatusCode::OK);

    leave_unused(&app, &browser, 8 * 60 + 1).await;

    let (status, page) = browser.get("/account").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the page: {page}");
    assert_eq!(
        browser.call("list_sessions", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(!is_signed_in(&browser).await);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idle_session_cannot_book(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    let (vehicle, driver) = firm_with_fleet(&clerk, 1).await;
    let trip = declare_trip(&clerk, &vehicle, &driver, "export", false).await;
    let slot = slot_in(&app, "export", 24 * 60, 10).await;

    leave_unused(&app, &clerk, 8 * 60 + 1).await;

    let answer = book(&clerk, &trip, slot, "idle-key-0001").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(bookings, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_in_use_does_not_end_and_is_noted_at_most_once_a_minute(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let session = session_of(&browser);
    let last_seen = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "select last_seen_at from sessions where id = $1",
        )
        .bind(session)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };

    // Used 30 seconds ago: not written again.
    sqlx::query("update sessions set last_seen_at = now() - interval '30 seconds' where id = $1")
        .bind(session)
        .execute(&app.pool)
        .await
        .unwrap();
    let before = last_seen().await;
    assert!(is_signed_in(&browser).await);
    assert_eq!(last_seen().await, before);

    // Used 7 hours ago (within the firm's 8): still signed in, and now noted as used.
    leave_unused(&app, &browser, 7 * 60).await;
    assert!(is_signed_in(&browser).await);
    let noted = last_seen().await;
    assert!(
        chrono::Utc::now() - noted < chrono::Duration::minutes(1),
        "noted at {noted}"
    );
    // So the 7 hours start again: another 2 hours later it still works.
    sqlx::query(
        "update sessions set last_seen_at = last_seen_at - interval '2 hours' where id = $1",
    )
    .bind(session)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(is_signed_in(&browser).await);
}

#[sqlx::test(migrations = "../migrations")]
async fn officers_sessions_end_after_a_shorter_idle_time(pool: PgPool) {
    let app = spawn(pool).await;
    let officer = support::officer(&app, "customs").await;
    let firm = app.browser();
    register_firm(&firm, 1).await;

    leave_unused(&app, &officer, 31).await;
    leave_unused(&app, &firm, 31).await;

    assert_eq!(
        officer
            .call(
                "get_console",
                &[("gate_id", "huu-nghi"), ("direction", "export")]
            )
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "an officer's desk left for half an hour"
    );
    assert!(
        is_signed_in(&firm).await,
        "a clerk's session lasts 8 hours unused"
    );
}
