//! The live channel's streams (`/live/trips/{id}`, `/live/gates/{id}`) last only as long
//! as the session that opened them and its right to follow, and are capped per session.
//! Deadlines here are generous liveness bounds (the portal re-checks every 5 s), not
//! speed assertions.

use crate::support::{self, Browser, PASSWORD, TestApp, declare_trip, firm_with_fleet, spawn};
use reqwest::{Response, StatusCode};
use sqlx::PgPool;
use std::time::Duration;

/// Longer than any re-check interval the portal uses, by far.
const DEADLINE: Duration = Duration::from_secs(20);

async fn open(app: &TestApp, path: &str, browser: &Browser) -> Response {
    reqwest::Client::new()
        .get(format!("http://{}{path}", app.address))
        .header("cookie", browser.cookie("bgp_session").expect("signed in"))
        .send()
        .await
        .unwrap()
}

/// Reads the stream until the server ends it; `false` if it is still open at the deadline.
async fn ends_before_the_deadline(mut stream: Response) -> bool {
    tokio::time::timeout(DEADLINE, async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await
    .is_ok()
}

/// A firm with a declared trip; returns (firm admin, trip id, driver id, driver's phone).
async fn firm_and_trip(app: &TestApp, tag: u32) -> (Browser, String, String, String) {
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, tag).await;
    let trip = declare_trip(&firm, &vehicle, &driver, "export", false).await;
    (firm, trip, driver, format!("09{tag:08}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn an_open_stream_ends_soon_after_its_session_signs_out(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trip, _, _) = firm_and_trip(&app, 31).await;
    let path = format!("/live/trips/{trip}");
    let stream = open(&app, &path, &firm).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let cookie = firm.cookie("bgp_session").unwrap();

    // Signed out from another request of the same browser.
    assert_eq!(firm.call("logout", &[]).await.status, StatusCode::OK);
    assert!(
        ends_before_the_deadline(stream).await,
        "the stream outlived its session"
    );

    let again = reqwest::Client::new()
        .get(format!("http://{}{path}", app.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn deactivating_an_account_ends_its_open_streams(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trip, driver, phone) = firm_and_trip(&app, 32).await;
    let phone_browser = app.browser();
    let signed_in = phone_browser
        .call(
            "login",
            &[("identifier", phone.as_str()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{signed_in:?}");
    let stream = open(&app, &format!("/live/trips/{trip}"), &phone_browser).await;
    assert_eq!(
        stream.status(),
        StatusCode::OK,
        "the driver follows their trip"
    );

    let deactivated = firm
        .call(
            "set_person_active",
            &[("person_id", driver.as_str()), ("active", "false")],
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::OK, "{deactivated:?}");
    assert!(
        ends_before_the_deadline(stream).await,
        "the stream outlived the account"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_gate_stream_ends_when_the_officer_is_no_longer_posted_there(pool: PgPool) {
    let app = spawn(pool).await;
    let customs = support::officer(&app, "customs").await;
    let stream = open(&app, "/live/gates/huu-nghi", &customs).await;
    assert_eq!(stream.status(), StatusCode::OK);

    sqlx::query("delete from gate_staff where gate_id = 'huu-nghi'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(
        ends_before_the_deadline(stream).await,
        "the stream outlived the post"
    );
    let refused = open(&app, "/live/gates/huu-nghi", &customs).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "../migrations")]
async fn one_session_may_hold_only_so_many_streams_and_a_closed_one_frees_its_place(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trip, _, _) = firm_and_trip(&app, 33).await;
    let path = format!("/live/trips/{trip}");
    let cap = app.state.settings.live_streams.per_session;
    assert_eq!(cap, 8, "the default");
    let mut streams = Vec::new();
    for _ in 0..cap {
        let stream = open(&app, &path, &firm).await;
        assert_eq!(stream.status(), StatusCode::OK);
        streams.push(stream);
    }

    let refused = open(&app, &path, &firm).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body["TooManyAttempts"]["retry_after_seconds"], retry_after,
        "{body}"
    );

    // Another session of the same account is another session.
    let other = app.browser();
    let signed_in = other
        .call(
            "login",
            &[
                ("identifier", "admin33@firm.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{signed_in:?}");
    assert_eq!(open(&app, &path, &other).await.status(), StatusCode::OK);

    // Closing one of the first session's streams frees a place for it.
    drop(streams.pop());
    let reopened = tokio::time::timeout(DEADLINE, async {
        loop {
            let stream = open(&app, &path, &firm).await;
            if stream.status() == StatusCode::OK {
                return stream;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(
        reopened.is_ok(),
        "the closed stream's place was never freed"
    );
}
