//! Backup and restore with the scripts an operator runs (`scripts/backup.sh`,
//! `scripts/restore.sh`): a portal with data is dumped, restored into a fresh database,
//! and a portal started on the restored database must serve the same trips, bookings,
//! events and gate passes, with the same keys.

use crate::support;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{PgPool, postgres::PgPoolOptions};
use std::{path::PathBuf, process::Command};
use support::{Browser, TestApp, declare_trip, firm_with_fleet, officer, spawn, trip_at_the_gate};

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name)
}

/// `DATABASE_URL` naming another database of the same server.
fn url_of(database: &str) -> String {
    let admin = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the tests");
    let (base, options) = match admin.split_once('?') {
        Some((base, options)) => (base.to_string(), format!("?{options}")),
        None => (admin, String::new()),
    };
    let server = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(server, _)| server);
    format!("{server}/{database}{options}")
}

fn run(script_name: &str, args: &[&str], database_url: &str) -> (bool, String) {
    let output = Command::new("bash")
        .arg(script(script_name))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("bash runs the script");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// The restored database, dropped when the test ends, however it ends.
struct Restored {
    name: String,
}

impl Drop for Restored {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(url_of("postgres"))
            .args(["-Xq", "-c"])
            .arg(format!(
                "drop database if exists {} with (force)",
                self.name
            ))
            .output();
    }
}

/// What the portal serves about a firm's trips, as its pages read it: the list, each
/// trip's detail (booking, timeline), and each booked trip's gate pass.
async fn firm_view(firm: &Browser, cookie: &str, trips: &[&str]) -> Vec<(String, Value)> {
    let cookie = [("cookie", cookie)];
    let mut view = Vec::new();
    let list = firm
        .call_with_headers("list_trips", &[("status", "")], &cookie)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    view.push(("list_trips".to_string(), list.body));
    for trip in trips {
        let mut detail = firm
            .call_with_headers("get_trip", &[("trip_id", trip)], &cookie)
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{detail:?}");
        // When the page was read, not what it says.
        detail.body.as_object_mut().unwrap().remove("as_of");
        view.push((format!("get_trip {trip}"), detail.body));
        let pass = firm
            .call_with_headers("gate_pass", &[("trip_id", trip)], &cookie)
            .await;
        view.push((format!("gate_pass {trip}: {}", pass.status), pass.body));
    }
    view
}

async fn public_key(app: &TestApp) -> Value {
    let response = reqwest::get(format!("http://{}/api/gate_pass_key", app.address))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Verifies a pass as a gate scanner does: with the public key alone.
fn verifies(token: &str, jwk: &Value) -> bool {
    let Ok(key) = DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()) else {
        return false;
    };
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_restored_backup_serves_the_same_trips_bookings_events_and_passes(pool: PgPool) {
    let source_name = pool.connect_options().get_database().unwrap().to_string();
    let app = spawn(pool).await;
    // A firm with a booked trip at the gate, checked in, called forward and cleared by
    // customs (every step an event), and another firm with a declared trip.
    let (firm, trip, code, _) = trip_at_the_gate(&app, 1, true).await;
    // The pass as the driver's phone keeps it (shown before the truck reached the gate).
    let pass = firm.call("gate_pass", &[("trip_id", &trip)]).await;
    let token = pass.body["token"].as_str().unwrap().to_string();
    let police = officer(&app, "traffic_police").await;
    let customs = officer(&app, "customs").await;
    let checked_in = police
        .call(
            "check_in",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("pass", &code),
            ],
        )
        .await;
    assert_eq!(checked_in.status, StatusCode::OK, "{checked_in:?}");
    let called = police
        .call(
            "call_forward",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("count", "1"),
                ("lane", "2"),
            ],
        )
        .await;
    assert_eq!(called.status, StatusCode::OK, "{called:?}");
    let cleared = customs
        .call(
            "decide",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("trip_id", &trip),
                ("decision", "clear"),
                ("channel", "green"),
            ],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{cleared:?}");
    let other = app.browser();
    let (vehicle, driver) = firm_with_fleet(&other, 2).await;
    let declared = declare_trip(&other, &vehicle, &driver, "import", false).await;

    let firm_cookie = firm.cookie("bgp_session").unwrap();
    let other_cookie = other.cookie("bgp_session").unwrap();
    let guard_cookie = officer(&app, "border_guard")
        .await
        .cookie("bgp_session")
        .unwrap();
    let before = firm_view(&firm, &firm_cookie, &[&trip]).await;
    let other_before = firm_view(&other, &other_cookie, &[&declared]).await;
    let key_before = public_key(&app).await;
    let push_key_before = firm.call("push_key", &[]).await.body;
    assert!(push_key_before.is_string(), "{push_key_before:?}");
    assert!(verifies(&token, &key_before));

    // Back up, then restore into a database that does not exist yet.
    let dump = std::env::temp_dir().join(format!("{source_name}.dump"));
    let (backed_up, log) = run(
        "backup.sh",
        &[dump.to_str().unwrap()],
        &url_of(&source_name),
    );
    assert!(backed_up, "backup.sh failed:\n{log}");
    let restored = Restored {
        name: format!(
            "restored_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ),
    };
    let restored_url = url_of(&restored.name);
    let (done, log) = run(
        "restore.sh",
        &[dump.to_str().unwrap(), &restored_url],
        &url_of(&source_name),
    );
    std::fs::remove_file(&dump).ok();
    assert!(done, "restore.sh failed:\n{log}");
    let (again, log) = run(
        "restore.sh",
        &[dump.to_str().unwrap(), &restored_url],
        &url_of(&source_name),
    );
    assert!(!again, "a restore never writes over a database: {log}");

    // A portal started on the restored database, as after a move to a new machine.
    let restored_pool = PgPoolOptions::new()
        .max_connections(5)
        .connect(&restored_url)
        .await
        .unwrap();
    server::migrate(&restored_pool)
        .await
        .expect("the restored database is up to date");
    let restored_app = spawn(restored_pool).await;

    // The gate-pass key came along: a pass shown before the backup still verifies.
    let key_after = public_key(&restored_app).await;
    assert_eq!(key_after, key_before, "the same gate-pass key");
    assert!(
        verifies(&token, &key_after),
        "the pass verifies with the restored key"
    );

    // The sessions came along with their signing key: the same browsers are still
    // signed in, and see the same trips, bookings, timelines and passes.
    let browser = restored_app.browser();
    let after = firm_view(&browser, &firm_cookie, &[&trip]).await;
    assert_eq!(after, before);
    assert_eq!(
        firm_view(&browser, &other_cookie, &[&declared]).await,
        other_before
    );
    let push_key_after = browser
        .call_with_headers("push_key", &[], &[("cookie", &firm_cookie)])
        .await
        .body;
    assert_eq!(
        push_key_after, push_key_before,
        "push subscriptions stay bound to the same key"
    );

    // And the restored portal works on: the border guard clears its part.
    let guard = [("cookie", guard_cookie.as_str())];
    let guard_cleared = browser
        .call_with_headers(
            "decide",
            &[
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("trip_id", &trip),
                ("decision", "clear"),
            ],
            &guard,
        )
        .await;
    assert_eq!(guard_cleared.status, StatusCode::OK, "{guard_cleared:?}");
}
