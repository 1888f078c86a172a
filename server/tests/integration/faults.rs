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

use crate::support::{
    self, Browser, TestApp, book, declare_trip, firm_with_fleet, slot_in, spawn, test_settings,
};
use reqwest::StatusCode;
use sqlx::PgPool;
use std::time::Duration;

/// Longer than anything here should take, by far.
const DEADLINE: Duration = Duration::from_secs(30);

/// Ends every connection to the test's database but the one asking, as PostgreSQL does
/// at a restart (`57P01 terminating connection due to administrator command`): the
/// portal's and the test pool's alike. Asks on a connection of its own, closed after.
/// Returns how many it ended.
async fn drop_every_connection(pool: &PgPool) -> i64 {
    use sqlx::Connection;
    let mut asking = sqlx::PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    let ended = sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and backend_type = 'client backend' and usename = current_user) as ended",
    )
    .fetch_one(&mut asking)
    .await
    .unwrap();
    asking.close().await.unwrap();
    ended
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

/// A TCP relay between the portal and PostgreSQL that a test can cut (every connection
/// through it closed at once, new ones closed as they come, as a database that went
/// away) and mend.
#[derive(Clone)]
struct Relay {
    port: u16,
    cut: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

impl Relay {
    async fn start(to: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, cutting) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if *cutting.borrow() {
                    continue;
                }
                let mut cutting = cutting.clone();
                let to = to.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&to).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cutting.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Relay {
            port,
            cut: std::sync::Arc::new(cut),
        }
    }

    fn cut(&self) {
        self.cut.send_replace(true);
    }

    fn mend(&self) {
        self.cut.send_replace(false);
    }
}

/// The portal as the server binary sets it up (its pool's settings: bounded acquire,
/// suspect connections pinged), on the test's database, through `relay` if given. The
/// test's own `pool` stays direct, so the test can look at the database during an
/// outage.
async fn portal(pool: PgPool, relay: Option<&Relay>) -> TestApp {
    portal_with(pool, relay, test_settings()).await
}

/// [`portal`] with settings of the test's choosing (its streams re-check every second).
async fn portal_with(
    pool: PgPool,
    relay: Option<&Relay>,
    settings: app::server::Settings,
) -> TestApp {
    let mut options = (*pool.connect_options()).clone();
    if let Some(relay) = relay {
        options = options.host("127.0.0.1").port(relay.port);
    }
    let portal_pool =
        server::database::pool_options(8, Duration::from_secs(3)).connect_lazy_with(options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let leptos_options = leptos::prelude::LeptosOptions::builder()
        .output_name("border-gate")
        .site_addr(address)
        .build();
    let settings = app::server::Settings {
        // Streams re-check their session every second, so an outage spans re-checks.
        live_recheck: Duration::from_secs(1),
        ..settings
    };
    let state = app::server::AppState::new(portal_pool.clone(), leptos_options, settings)
        .await
        .expect("state");
    state.live.listen(portal_pool);
    let router = server::router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        address,
        pool,
        state,
    }
}

/// The address of the test's PostgreSQL server.
fn database_address(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!("{}:{}", options.get_host(), options.get_port())
}

/// Waits until the portal listens for events.
async fn until_listening(app: &TestApp) {
    tokio::time::timeout(DEADLINE, async {
        while !app.state.live.listening() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the portal never listened");
}

/// Waits until the portal listens for events again after losing its connection.
async fn until_listening_again(app: &TestApp, reconnections_before: u64) {
    tokio::time::timeout(DEADLINE, async {
        while !(app.state.live.listening() && app.state.live.reconnections() > reconnections_before)
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the portal never listened again");
}

/// A request's status and `Retry-After`, within the deadline (a hang fails the test).
async fn status_and_retry_after(request: reqwest::RequestBuilder) -> (StatusCode, Option<u64>) {
    let response = tokio::time::timeout(DEADLINE, request.send())
        .await
        .expect("an answer, not a hang")
        .unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    (response.status(), retry_after)
}

fn book_request(firm: &Browser, trip: &str, slot: i64, key: &str) -> reqwest::RequestBuilder {
    firm.client
        .post(format!("{}/api/book_slot", firm.base))
        .form(&[
            ("trip_id", trip),
            ("slot_id", &slot.to_string()),
            ("request_key", key),
        ])
}

fn page_request(firm: &Browser, path: &str) -> reqwest::RequestBuilder {
    firm.client
        .get(format!("{}{path}", firm.base))
        .header("accept", "text/html")
}

/// Reads a live stream until a message containing `text` arrives.
async fn until_heard(stream: &mut reqwest::Response, text: &str) {
    tokio::time::timeout(DEADLINE, async {
        let mut heard = String::new();
        while !heard.contains(text) {
            match stream.chunk().await {
                Ok(Some(chunk)) => heard.push_str(&String::from_utf8_lossy(&chunk)),
                other => panic!("the stream ended ({other:?}) before {text:?}: {heard}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{text:?} never came"));
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_and_server_functions_work_at_once_after_the_database_dropped_every_connection(
    pool: PgPool,
) {
    let app = portal(pool, None).await;
    let (firm, trips, _) = firm_with_trips(&app, 703, 1).await;
    let page = format!("/trips/{}", trips[0]);
    let (status, _) = status_and_retry_after(page_request(&firm, &page)).await;
    assert_eq!(status, StatusCode::OK);
    until_listening(&app).await;

    let before = app.state.live.reconnections();
    drop_every_connection(&app.pool).await;
    // The portal hears it on its listening connection, and from then on checks every
    // connection that sat idle since before handing it out.
    until_listening_again(&app, before).await;
    for _ in 0..3 {
        let (status, _) = status_and_retry_after(page_request(&firm, &page)).await;
        assert_eq!(status, StatusCode::OK, "the trip page");
        let slots = firm
            .call("day_slots", &[("trip_id", trips[0].as_str()), ("day", "")])
            .await;
        assert_eq!(slots.status, StatusCode::OK, "{slots:?}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn during_an_outage_requests_get_503_with_retry_after_and_all_serve_again_after(
    pool: PgPool,
) {
    let relay = Relay::start(database_address(&pool)).await;
    let app = portal(pool, Some(&relay)).await;
    let (firm, trips, slot) = firm_with_trips(&app, 704, 3).await;
    let booked = book(&firm, &trips[0], slot, "outage-key-0000").await;
    assert_eq!(booked.status, StatusCode::OK, "{booked:?}");
    until_listening(&app).await;
    let cookie = firm.cookie("bgp_session").unwrap();
    let mut stream = reqwest::Client::new()
        .get(format!("http://{}/live/trips/{}", app.address, trips[1]))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);

    relay.cut();
    let page = format!("/trips/{}", trips[1]);
    for _ in 0..2 {
        let (status, retry_after) =
            status_and_retry_after(book_request(&firm, &trips[1], slot, "outage-key-0001")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a booking");
        assert!(retry_after.is_some_and(|seconds| seconds >= 1));
        let (status, retry_after) = status_and_retry_after(page_request(&firm, &page)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a page");
        assert!(retry_after.is_some());
        let (status, retry_after) = status_and_retry_after(
            firm.client
                .post(format!("{}/api/day_slots", firm.base))
                .form(&[("trip_id", trips[1].as_str()), ("day", "")]),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a server function");
        assert!(retry_after.is_some());
        let (status, retry_after) = status_and_retry_after(
            reqwest::Client::new()
                .get(format!("http://{}/live/trips/{}", app.address, trips[2]))
                .header("cookie", &cookie),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a new live stream");
        assert!(retry_after.is_some());
        // Throttled functions count in the database first: that count is out of reach
        // too, and says so the same way.
        let stranger = app.browser();
        let registered = support::register_firm(&stranger, 705).await;
        assert_eq!(
            registered.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "a registration: {registered:?}"
        );
        assert!(registered.headers.contains_key("retry-after"));
        let signed_in = stranger
            .call(
                "login",
                &[("identifier", "nobody@firm.example"), ("password", "x")],
            )
            .await;
        assert_eq!(
            signed_in.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "a sign-in: {signed_in:?}"
        );
    }
    let during: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(during, 1, "nothing was booked during the outage");
    // An outage longer than a few of the open stream's re-checks (every second here),
    // which it cannot make.
    tokio::time::sleep(Duration::from_secs(3)).await;

    relay.mend();
    // The first request after the database is back succeeds: the same booking again.
    let again = book(&firm, &trips[1], slot, "outage-key-0001").await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    let (status, _) = status_and_retry_after(page_request(&firm, &page)).await;
    assert_eq!(status, StatusCode::OK, "the page again");
    // The stream opened before the outage is still open, and once the portal listens
    // again it passes on the news it missed, then new news.
    until_heard(&mut stream, "lagged").await;
    until_listening(&app).await;
    let cancelled = firm
        .call("cancel_booking", &[("trip_id", trips[1].as_str())])
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");
    until_heard(&mut stream, &trips[1]).await;
}

/// `trucks` trucks checked in at Huu Nghi's yard (export), and `officers` traffic police
/// officers posted there, each signed in on their own browser.
async fn yard_with(app: &TestApp, trucks: u32, officers: u32) -> (Vec<String>, Vec<Browser>) {
    let police = support::officer(app, "traffic_police").await;
    let mut trips = Vec::new();
    for tag in 0..trucks {
        let (_, trip, code, _) = support::trip_at_the_gate(app, 720 + tag, false).await;
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
        trips.push(trip);
    }
    let mut browsers = vec![police];
    for index in 1..officers {
        browsers.push(
            support::staff(
                app,
                "officer",
                Some("traffic_police"),
                &format!("police{index}@gate.test"),
                &["huu-nghi"],
            )
            .await,
        );
    }
    (trips, browsers)
}

/// Every officer calls the next truck to a lane at the same moment; the answers.
async fn call_one_each(officers: &[Browser]) -> Vec<support::Answer> {
    let lanes: Vec<String> = (1..=officers.len()).map(|lane| lane.to_string()).collect();
    let forms: Vec<[(&str, &str); 4]> = lanes
        .iter()
        .map(|lane| {
            [
                ("gate_id", "huu-nghi"),
                ("direction", "export"),
                ("count", "1"),
                ("lane", lane.as_str()),
            ]
        })
        .collect();
    futures::future::join_all(
        officers
            .iter()
            .zip(&forms)
            .map(|(officer, form)| officer.call("call_forward", form)),
    )
    .await
}

fn called_trips(answers: &[support::Answer]) -> Vec<String> {
    let mut called: Vec<String> = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::OK)
        .flat_map(|answer| answer.body.as_array().unwrap().clone())
        .map(|trip| trip.as_str().unwrap().to_string())
        .collect();
    called.sort();
    called
}

#[sqlx::test(migrations = "../migrations")]
async fn officers_calling_forward_at_once_each_take_another_truck(pool: PgPool) {
    let app = spawn(pool).await;
    let (mut trips, officers) = yard_with(&app, 4, 4).await;
    let answers = call_one_each(&officers).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    }
    trips.sort();
    assert_eq!(called_trips(&answers), trips, "four trucks, one each");
    let waiting: i64 = sqlx::query_scalar("select count(*) from trips where status = 'arrived'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_yard_is_empty_to_one_call_only_when_every_truck_is_taken(pool: PgPool) {
    let app = spawn(pool).await;
    let (mut trips, officers) = yard_with(&app, 3, 4).await;
    let answers = call_one_each(&officers).await;
    let refused: Vec<&support::Answer> = answers
        .iter()
        .filter(|answer| answer.status != StatusCode::OK)
        .collect();
    assert_eq!(refused.len(), 1, "{answers:?}");
    assert_eq!(support::refusal(refused[0]), "yard_empty");
    trips.sort();
    assert_eq!(called_trips(&answers), trips);
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_fails_during_an_outage_and_returns_after_while_liveness_never_fails(
    pool: PgPool,
) {
    let relay = Relay::start(database_address(&pool)).await;
    let app = portal(pool, Some(&relay)).await;
    let browser = app.browser();
    let status = |path: &'static str| {
        let request = browser.client.get(format!("{}{path}", browser.base));
        async move { status_and_retry_after(request).await }
    };
    assert_eq!(status("/readyz").await.0, StatusCode::OK);
    relay.cut();
    let (not_ready, retry_after) = status("/readyz").await;
    assert_eq!(not_ready, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after.is_some());
    assert_eq!(
        status("/healthz").await.0,
        StatusCode::OK,
        "alive all along"
    );
    relay.mend();
    assert_eq!(status("/readyz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_background_job_that_panics_is_started_again_and_one_that_fails_runs_again() {
    use app::server::metrics::counter_value;
    use std::sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    };
    const JOB: &str = "test_job_panics_then_fails";
    let runs = Arc::new(AtomicU32::new(0));
    let counting = runs.clone();
    let _supervisor =
        server::jobs::supervise(JOB, Duration::from_millis(20), Duration::ZERO, move || {
            let run = counting.fetch_add(1, Ordering::Relaxed);
            async move {
                match run {
                    0 => panic!("a bug in the job"),
                    1 => Err("the database is down".to_string()),
                    _ => Ok(()),
                }
            }
        });
    let ran = |result: &'static str| {
        counter_value("bgp_job_runs_total", &[("job", JOB), ("result", result)])
    };
    tokio::time::timeout(DEADLINE, async {
        while ran("ok") < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the job never ran again after its panic and its failure");
    assert_eq!(ran("panicked"), 1);
    assert_eq!(ran("failed"), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn background_jobs_resume_on_their_own_after_an_outage(pool: PgPool) {
    use app::server::metrics::counter_value;
    let relay = Relay::start(database_address(&pool)).await;
    let app = portal(pool, Some(&relay)).await;
    let (firm, trips, slot) = firm_with_trips(&app, 705, 1).await;
    assert_eq!(
        book(&firm, &trips[0], slot, "jobs-key-0000").await.status,
        StatusCode::OK
    );
    let _jobs = server::jobs::spawn_with(
        app.state.clone(),
        server::jobs::Schedule {
            sweep: Duration::from_millis(200),
            waits: Duration::from_millis(200),
            slots: Duration::from_secs(3600),
        },
    );
    let failed = || {
        counter_value(
            "bgp_job_runs_total",
            &[("job", "no_show_sweep"), ("result", "failed")],
        )
    };
    let failed_before = failed();

    relay.cut();
    // While the database is out of reach the truck's window closes: a no-show.
    sqlx::query(
        "update slots set starts_at = now() - interval '5 hours', ends_at = now() - interval '4 hours' where id = $1",
    )
    .bind(slot)
    .execute(&app.pool)
    .await
    .unwrap();
    tokio::time::timeout(DEADLINE, async {
        while failed() <= failed_before {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the sweep ran and failed during the outage");
    assert_eq!(support::trip_status(&app, &trips[0]).await, "booked");

    relay.mend();
    tokio::time::timeout(DEADLINE, async {
        while support::trip_status(&app, &trips[0]).await != "no_show" {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the sweep resumed by itself and marked the no-show");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_push_message_sent_just_before_the_database_went_away_is_not_sent_again(pool: PgPool) {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let relay = Relay::start(database_address(&pool)).await;
    // A push service that takes the message, and at that moment the database goes away:
    // the worker's batch cannot commit that it was delivered.
    let received = Arc::new(AtomicUsize::new(0));
    let service = {
        let (received, relay) = (received.clone(), relay.clone());
        axum::Router::new().route(
            "/push/{device}",
            axum::routing::post(move || {
                let (received, relay) = (received.clone(), relay.clone());
                async move {
                    received.fetch_add(1, Ordering::Relaxed);
                    relay.cut();
                    axum::http::StatusCode::CREATED
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    let settings = app::server::Settings {
        push_policy: app::domain::push::PushPolicy::new(
            app::domain::push::DEFAULT_PUSH_HOSTS,
            &origin,
        )
        .unwrap(),
        ..test_settings()
    };
    let app = portal_with(pool, Some(&relay), settings).await;
    let (firm, trips, slot) = firm_with_trips(&app, 706, 1).await;
    let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    sqlx::query(
        "insert into push_subscriptions (user_id, endpoint, p256dh, auth)
         select id, $1, $2, $3 from users where role = 'firm_admin'",
    )
    .bind(format!("{origin}/push/phone"))
    .bind(URL_SAFE_NO_PAD.encode(keys.pub_as_raw().unwrap()))
    .bind(URL_SAFE_NO_PAD.encode(auth))
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        book(&firm, &trips[0], slot, "push-cut-key-0").await.status,
        StatusCode::OK
    );
    let _worker = app::server::push::spawn_worker(app.state.clone());
    tokio::time::timeout(DEADLINE, async {
        while received.load(Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the message was sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    relay.mend();
    tokio::time::timeout(DEADLINE, async {
        loop {
            let left: i64 = sqlx::query_scalar("select count(*) from push_outbox")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the outbox was settled once the database was back");
    assert_eq!(received.load(Ordering::Relaxed), 1, "delivered once");
}
