//! Web push end to end, with a push service of the tests' own on loopback: it checks
//! each request's VAPID signature against the portal's public key and decrypts the
//! aes128gcm payload with the subscription's private key (RFC 8291), as a browser's
//! push service and the browser would. Retries after a 500, removal after a 410,
//! delivery after a worker dies mid-delivery, several workers delivering once each.
//! The test push service is reached only because each portal here names its origin in
//! `PUSH_TEST_ORIGINS` (`portal_for`); the push policy's refusals are tested against a
//! portal that does not.

use crate::support;

use app::{
    domain::push::{DEFAULT_PUSH_HOSTS, PushPolicy},
    server::Settings,
};
use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode as AxumStatus, header},
    response::{IntoResponse, Response},
    routing::post,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ece::LocalKeyPair;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use support::{
    Browser, TestApp, book, firm_with_fleet, refusal, slot_in, spawn, spawn_with, test_settings,
    trip_form,
};

/// What the push service does with the next request.
#[derive(Clone)]
enum Reply {
    Status(u16),
    /// Never answers (a push service that hangs while the worker dies).
    Hang,
    /// 307 to another address (a push service trying to bounce the server elsewhere).
    Redirect(String),
}

#[derive(Clone, Debug)]
struct Received {
    device: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Clone, Default)]
struct Service {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
}

async fn receive(
    State(service): State<Service>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    service.received.lock().unwrap().push(Received {
        device,
        headers,
        body: body.to_vec(),
    });
    let reply = service
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Reply::Status(201));
    match reply {
        Reply::Status(status) => AxumStatus::from_u16(status).unwrap().into_response(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            AxumStatus::CREATED.into_response()
        }
        Reply::Redirect(to) => {
            (AxumStatus::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response()
        }
    }
}

struct PushService {
    address: SocketAddr,
    service: Service,
}

impl PushService {
    async fn start() -> PushService {
        PushService::start_at("127.0.0.1:0".parse().unwrap()).await
    }

    /// A push service on `address` (one that was down until now).
    async fn start_at(address: SocketAddr) -> PushService {
        let service = Service::default();
        let router = Router::new()
            .route("/push/{device}", post(receive))
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        PushService { address, service }
    }

    fn then(&self, replies: &[Reply]) {
        self.service
            .script
            .lock()
            .unwrap()
            .extend(replies.iter().cloned());
    }

    fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    fn received(&self) -> Vec<Received> {
        self.service.received.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `count` requests arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {count} push requests, got {:?}",
            self.received().len()
        );
    }
}

/// A portal whose push policy lets it reach this test push service (and only it, besides
/// the real push services).
async fn portal_for(pool: PgPool, service: &PushService) -> TestApp {
    spawn_with(
        pool,
        Settings {
            push_policy: PushPolicy::new(DEFAULT_PUSH_HOSTS, &service.origin()).unwrap(),
            ..test_settings()
        },
    )
    .await
}

async fn login(browser: &Browser, identifier: &str) {
    let answer = browser
        .call(
            "login",
            &[("identifier", identifier), ("password", support::PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
}

/// A browser's side of a subscription: its key pair and auth secret.
struct Device {
    name: String,
    endpoint: String,
    keys: Box<dyn LocalKeyPair>,
    auth: [u8; 16],
}

impl Device {
    fn new(service: &PushService, name: &str) -> Device {
        let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        Device {
            name: name.to_string(),
            endpoint: format!("http://{}/push/{name}", service.address),
            keys,
            auth,
        }
    }

    async fn subscribe(&self, browser: &Browser) -> support::Answer {
        let p256dh = URL_SAFE_NO_PAD.encode(self.keys.pub_as_raw().unwrap());
        let auth = URL_SAFE_NO_PAD.encode(self.auth);
        browser
            .call(
                "subscribe_push",
                &[
                    ("endpoint", self.endpoint.as_str()),
                    ("p256dh", p256dh.as_str()),
                    ("auth", auth.as_str()),
                    ("device", self.name.as_str()),
                ],
            )
            .await
    }

    /// What the service worker would get: the payload decrypted (aes128gcm).
    fn open(&self, received: &Received) -> Value {
        assert_eq!(received.device, self.name);
        assert_eq!(received.headers["content-encoding"], "aes128gcm");
        let plain = ece::decrypt(
            &self.keys.raw_components().unwrap(),
            &self.auth,
            &received.body,
        )
        .expect("the payload decrypts with the subscription's key");
        serde_json::from_slice(&plain).unwrap()
    }
}

/// Checks the VAPID header (RFC 8292): `vapid t=<ES256 JWT>, k=<public key>`, signed by
/// the portal's key for this push service's origin, not expired.
fn check_vapid(received: &Received, portal_key: &str, service: &PushService) {
    let header = received.headers["authorization"].to_str().unwrap();
    let rest = header
        .strip_prefix("vapid ")
        .expect("a vapid authorization");
    let mut token = "";
    let mut key = "";
    for part in rest.split(',').map(str::trim) {
        if let Some(value) = part.strip_prefix("t=") {
            token = value;
        }
        if let Some(value) = part.strip_prefix("k=") {
            key = value;
        }
    }
    assert_eq!(
        key, portal_key,
        "signed with the key browsers subscribed with"
    );
    let point = URL_SAFE_NO_PAD.decode(key).unwrap();
    assert_eq!(point.len(), 65);
    let decoding = DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&point[1..33]),
        &URL_SAFE_NO_PAD.encode(&point[33..65]),
    )
    .unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[format!("http://{}", service.address)]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .expect("a valid ES256 signature for this audience");
    assert!(claims.claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
    assert_eq!(
        claims.claims["sub"],
        app::server::Settings::default().push_contact,
        "the operator's contact (PUSH_CONTACT)"
    );
}

/// A firm with a trip declared at Huu Nghi; returns (firm browser, trip id).
async fn declared_trip(app: &TestApp, tag: u32) -> (Browser, String) {
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, tag).await;
    let form = trip_form(&vehicle, &driver, "export", false);
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let answer = firm.call("save_trip", &pairs).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    (firm, answer.body.as_str().unwrap().to_string())
}

async fn book_it(app: &TestApp, firm: &Browser, trip: &str, tag: u32) {
    let slot = slot_in(app, "export", 24 * 60 + i64::from(tag), 10).await;
    let booked = book(firm, trip, slot, &format!("push-key-{tag:05}")).await;
    assert_eq!(booked.status, StatusCode::OK, "{booked:?}");
}

async fn outbox(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from push_outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn wait_until_outbox_empty(app: &TestApp) {
    for _ in 0..200 {
        if outbox(app).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the outbox was not drained");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_booking_is_pushed_encrypted_signed_and_in_the_users_language(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let (firm, trip) = declared_trip(&app, 1).await;
    firm.set_cookie("i18n_pref_locale", "en");
    let phone = Device::new(&service, "clerk-phone");
    let subscribed = phone.subscribe(&firm).await;
    assert_eq!(subscribed.status, StatusCode::OK, "{subscribed:?}");
    let portal_key = firm
        .call("push_key", &[])
        .await
        .body
        .as_str()
        .unwrap()
        .to_string();
    let devices = firm.call("get_push_devices", &[]).await;
    assert_eq!(devices.body[0]["device"], "clerk-phone");
    assert_eq!(devices.body[0]["topics"].as_array().unwrap().len(), 7);

    book_it(&app, &firm, &trip, 1).await;
    let received = service.wait_for(1).await;
    check_vapid(&received[0], &portal_key, &service);
    assert_eq!(received[0].headers["ttl"], "86400");
    assert_eq!(received[0].headers["urgency"], "normal");
    let message = phone.open(&received[0]);
    assert_eq!(message["title"], "Trip 12C-001.01");
    assert!(
        message["body"]
            .as_str()
            .unwrap()
            .starts_with("Slot booked: "),
        "{message}"
    );
    assert_eq!(message["url"], format!("/trips/{trip}"));
    assert_eq!(message["language"], "en");
    let text = message.to_string();
    assert!(
        !text.contains("Thanh long") && !text.contains("0810"),
        "no cargo data: {text}"
    );
    wait_until_outbox_empty(&app).await;

    // The key pair is kept: a second start finds the same one.
    let again = app::server::push::VapidKeys::load_or_create(&app.pool)
        .await
        .unwrap();
    assert_eq!(again.public_key, portal_key);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_500_is_retried_and_a_410_removes_the_subscription(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let (firm, trip) = declared_trip(&app, 2).await;
    let phone = Device::new(&service, "driver-phone");
    assert_eq!(phone.subscribe(&firm).await.status, StatusCode::OK);

    service.then(&[Reply::Status(500)]);
    book_it(&app, &firm, &trip, 2).await;
    let received = service.wait_for(2).await;
    assert_eq!(
        phone.open(&received[0]),
        phone.open(&received[1]),
        "the same message again"
    );
    assert_eq!(
        phone.open(&received[1])["title"],
        "Chuyến 13C-002.02",
        "Vietnamese by default"
    );
    wait_until_outbox_empty(&app).await;

    service.then(&[Reply::Status(410)]);
    let cancelled = firm
        .call("cancel_booking", &[("trip_id", trip.as_str())])
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");
    service.wait_for(3).await;
    for _ in 0..100 {
        let left: i64 = sqlx::query_scalar("select count(*) from push_subscriptions")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if left == 0 {
            assert_eq!(outbox(&app).await, 0);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the subscription the push service called gone was kept");
}

#[sqlx::test(migrations = "../migrations")]
async fn messages_queued_when_a_worker_dies_mid_delivery_are_all_delivered(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let (firm, trip) = declared_trip(&app, 3).await;
    let phone = Device::new(&service, "phone");
    assert_eq!(phone.subscribe(&firm).await.status, StatusCode::OK);

    service.then(&[Reply::Hang]);
    let worker = app::server::push::spawn_worker(app.state.clone());
    book_it(&app, &firm, &trip, 3).await;
    service.wait_for(1).await;
    // The server dies while the push service has not answered.
    worker.abort();
    let _ = worker.await;
    assert_eq!(outbox(&app).await, 1, "still queued: the batch rolled back");
    // More news while no server runs.
    let cancelled = firm
        .call("cancel_booking", &[("trip_id", trip.as_str())])
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");
    assert_eq!(outbox(&app).await, 2);

    let _restarted = app::server::push::spawn_worker(app.state.clone());
    let received = service.wait_for(3).await;
    wait_until_outbox_empty(&app).await;
    let mut kinds: Vec<String> = received[1..]
        .iter()
        .map(|message| phone.open(message)["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["booked", "cancelled"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn several_workers_deliver_each_message_once(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let (firm, _) = declared_trip(&app, 4).await;
    let devices: Vec<Device> = (0..6)
        .map(|index| Device::new(&service, &format!("device-{index}")))
        .collect();
    for device in &devices {
        assert_eq!(device.subscribe(&firm).await.status, StatusCode::OK);
    }
    // Six devices, three trips booked: eighteen messages queued before any worker runs.
    for tag in [4u32, 5, 6] {
        let trip = if tag == 4 {
            sqlx::query_scalar::<_, uuid::Uuid>("select id from trips")
                .fetch_one(&app.pool)
                .await
                .unwrap()
                .to_string()
        } else {
            let vehicle =
                support::add_vehicle(&firm, &format!("{}C-{:03}.{:02}", 11 + tag, tag, tag)).await;
            let driver: String = sqlx::query_scalar::<_, uuid::Uuid>(
                "select id from users where role = 'driver' limit 1",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .to_string();
            let form = trip_form(&vehicle, &driver, "export", false);
            let pairs: Vec<(&str, &str)> = form
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            firm.call("save_trip", &pairs)
                .await
                .body
                .as_str()
                .unwrap()
                .to_string()
        };
        book_it(&app, &firm, &trip, tag).await;
    }
    assert_eq!(outbox(&app).await, 18);
    let workers: Vec<_> = (0..3)
        .map(|_| app::server::push::spawn_worker(app.state.clone()))
        .collect();
    let received = service.wait_for(18).await;
    wait_until_outbox_empty(&app).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        service.received().len(),
        18,
        "{} deliveries",
        received.len()
    );
    for worker in workers {
        worker.abort();
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn each_user_chooses_per_device_and_only_their_own(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let (firm, trip) = declared_trip(&app, 7).await;
    let phone = Device::new(&service, "phone");
    let id = phone
        .subscribe(&firm)
        .await
        .body
        .as_str()
        .unwrap()
        .to_string();

    // Only the clearance news on this device: a booking queues nothing for it.
    let saved = firm
        .call(
            "set_push_topics",
            &[
                ("device_id", id.as_str()),
                ("cleared", "on"),
                ("called_forward", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    book_it(&app, &firm, &trip, 7).await;
    assert_eq!(outbox(&app).await, 0);

    // Another firm can neither change nor remove it, nor get this firm's news.
    let (other, _) = declared_trip(&app, 8).await;
    let other_phone = Device::new(&service, "other-phone");
    assert_eq!(other_phone.subscribe(&other).await.status, StatusCode::OK);
    let refused = other
        .call("remove_push_device", &[("device_id", id.as_str())])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let refused = other
        .call("set_push_topics", &[("device_id", id.as_str())])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let cancelled = firm
        .call("cancel_booking", &[("trip_id", trip.as_str())])
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(
        outbox(&app).await,
        0,
        "booking news is off for the firm's phone, and the other firm hears nothing"
    );

    // A subscription that is not one is refused at its field.
    let bad = firm
        .call(
            "subscribe_push",
            &[
                ("endpoint", "https://fcm.googleapis.com/fcm/send/x"),
                ("p256dh", "short"),
                ("auth", "AAAAAAAAAAAAAAAAAAAAAA"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refusal(&bad), "push_subscription_invalid");
    assert_eq!(bad.problems()[0].0, "p256dh");

    assert_eq!(
        firm.call("remove_push_device", &[("device_id", id.as_str())])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        firm.call("get_push_devices", &[])
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn reminders_and_late_warnings_are_queued_once_per_booking(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let (firm, trip) = declared_trip(&app, 9).await;
    let phone = Device::new(&service, "phone");
    assert_eq!(phone.subscribe(&firm).await.status, StatusCode::OK);
    book_it(&app, &firm, &trip, 9).await;
    sqlx::query("delete from push_outbox")
        .execute(&app.pool)
        .await
        .unwrap();
    let move_slot = |starts_in_minutes: i32| {
        sqlx::query(
            "update slots set starts_at = now() + make_interval(mins => $2), ends_at = now() + make_interval(mins => $2 + 60)
              where id = (select slot_id from bookings where trip_id = $1::uuid and status = 'active')",
        )
        .bind(trip.clone())
        .bind(starts_in_minutes)
        .execute(&app.pool)
    };
    let kinds = || {
        sqlx::query_scalar::<_, String>("select kind from push_outbox order by id")
            .fetch_all(&app.pool)
    };

    move_slot(3 * 60).await.unwrap();
    assert_eq!(
        app::server::push::queue_reminders(&app.state)
            .await
            .unwrap(),
        0,
        "three hours ahead: too soon"
    );
    move_slot(90).await.unwrap();
    assert_eq!(
        app::server::push::queue_reminders(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::server::push::queue_reminders(&app.state)
            .await
            .unwrap(),
        0,
        "once"
    );
    assert_eq!(kinds().await.unwrap(), ["reminder"]);

    // The window opened 30 minutes before the slot; 35 minutes later, no truck yet.
    move_slot(5).await.unwrap();
    assert_eq!(
        app::server::push::queue_reminders(&app.state)
            .await
            .unwrap(),
        0,
        "the window opened 25 minutes ago"
    );
    move_slot(-5).await.unwrap();
    assert_eq!(
        app::server::push::queue_reminders(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::server::push::queue_reminders(&app.state)
            .await
            .unwrap(),
        0,
        "once"
    );
    assert_eq!(kinds().await.unwrap(), ["reminder", "late_warning"]);

    let _worker = app::server::push::spawn_worker(app.state.clone());
    let received = service.wait_for(2).await;
    let mut bodies: Vec<String> = received
        .iter()
        .map(|message| phone.open(message)["body"].as_str().unwrap().to_string())
        .collect();
    bodies.sort();
    assert!(bodies[0].starts_with("Chưa thấy xe đến"), "{bodies:?}");
    assert!(
        bodies[1].starts_with("Khung giờ của bạn bắt đầu lúc"),
        "{bodies:?}"
    );
}

async fn subscriptions(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from push_subscriptions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Waits (up to 20 s) until the worker has removed every subscription and its messages.
async fn wait_until_subscriptions_removed(app: &TestApp) {
    for _ in 0..200 {
        if subscriptions(app).await == 0 && outbox(app).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the refused subscription was kept: {} left, {} queued",
        subscriptions(app).await,
        outbox(app).await
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn push_endpoints_off_the_allow_list_are_refused_at_their_field(pool: PgPool) {
    // A portal with the default settings: the real push services only, no test origin.
    let app = spawn(pool).await;
    let service = PushService::start().await;
    let (firm, _) = declared_trip(&app, 10).await;
    let loopback = Device::new(&service, "phone");
    let refused = loopback.subscribe(&firm).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{refused:?}"
    );
    assert_eq!(
        refused.problems(),
        [(
            "endpoint".to_string(),
            "push_subscription_invalid".to_string()
        )]
    );

    for endpoint in [
        "https://169.254.169.254/x",
        "https://10.0.0.1/x",
        "https://[::1]/x",
        "https://push.example/x",
        "https://user@fcm.googleapis.com/fcm/send/x",
        "https://fcm.googleapis.com:8443/fcm/send/x",
    ] {
        let device = Device {
            endpoint: endpoint.to_string(),
            ..Device::new(&service, "phone")
        };
        let refused = device.subscribe(&firm).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}: {refused:?}"
        );
        assert_eq!(
            refused.problems(),
            [(
                "endpoint".to_string(),
                "push_subscription_invalid".to_string()
            )],
            "{endpoint}"
        );
    }
    assert_eq!(subscriptions(&app).await, 0);

    let real = Device {
        endpoint: "https://fcm.googleapis.com/fcm/send/abc:APA91b".into(),
        ..Device::new(&service, "phone")
    };
    let accepted = real.subscribe(&firm).await;
    assert_eq!(accepted.status, StatusCode::OK, "{accepted:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_allowed_name_that_resolves_to_a_private_address_is_never_connected_to(pool: PgPool) {
    // Something listening where `localhost` leads, counting who connects.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(Mutex::new(0usize));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            *counted.lock().unwrap() += 1;
            drop(socket);
        }
    });
    // The name is on the allow-list (an operator's mistake, or a push service's name
    // that an attacker made resolve to an internal address).
    let app = spawn_with(
        pool,
        Settings {
            push_policy: PushPolicy::new(&format!("{DEFAULT_PUSH_HOSTS},localhost:{port}"), "")
                .unwrap(),
            ..test_settings()
        },
    )
    .await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let service = PushService::start().await;
    let (firm, trip) = declared_trip(&app, 11).await;
    let device = Device {
        endpoint: format!("https://localhost:{port}/push/phone"),
        ..Device::new(&service, "phone")
    };
    let subscribed = device.subscribe(&firm).await;
    assert_eq!(
        subscribed.status,
        StatusCode::OK,
        "the name itself is allowed: {subscribed:?}"
    );

    book_it(&app, &firm, &trip, 11).await;
    wait_until_subscriptions_removed(&app).await;
    assert_eq!(
        *connections.lock().unwrap(),
        0,
        "the send was refused before connecting"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_redirect_from_the_push_service_is_not_followed(pool: PgPool) {
    let service = PushService::start().await;
    let elsewhere = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let (firm, trip) = declared_trip(&app, 12).await;
    let phone = Device::new(&service, "phone");
    assert_eq!(phone.subscribe(&firm).await.status, StatusCode::OK);

    service.then(&[Reply::Redirect(format!(
        "{}/push/phone",
        elsewhere.origin()
    ))]);
    book_it(&app, &firm, &trip, 12).await;
    service.wait_for(1).await;
    // Not delivered (nor retried forever): the endpoint that redirects is dropped.
    wait_until_subscriptions_removed(&app).await;
    assert_eq!(service.received().len(), 1);
    assert!(elsewhere.received().is_empty(), "the redirect was followed");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_subscription_stored_before_the_rules_is_checked_again_at_send_time(pool: PgPool) {
    // A portal that does not allow the test push service...
    let app = spawn(pool).await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let service = PushService::start().await;
    let (firm, trip) = declared_trip(&app, 13).await;
    // ...holding a subscription to it from before (as the old rules let in).
    let phone = Device::new(&service, "phone");
    let user: uuid::Uuid = sqlx::query_scalar("select id from users where role = 'firm_admin'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into push_subscriptions (user_id, endpoint, p256dh, auth) values ($1, $2, $3, $4)",
    )
    .bind(user)
    .bind(&phone.endpoint)
    .bind(URL_SAFE_NO_PAD.encode(phone.keys.pub_as_raw().unwrap()))
    .bind(URL_SAFE_NO_PAD.encode(phone.auth))
    .execute(&app.pool)
    .await
    .unwrap();

    book_it(&app, &firm, &trip, 13).await;
    wait_until_subscriptions_removed(&app).await;
    assert!(
        service.received().is_empty(),
        "posted to an endpoint the policy refuses"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_removes_this_browsers_subscription_and_nothing_is_sent_to_it(pool: PgPool) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let (firm, trip) = declared_trip(&app, 14).await;
    let phone = Device::new(&service, "shared-phone");
    assert_eq!(phone.subscribe(&firm).await.status, StatusCode::OK);
    assert!(
        firm.cookie("bgp_browser").is_some(),
        "the browser got its id"
    );
    assert_eq!(subscriptions(&app).await, 1);

    assert_eq!(firm.call("logout", &[]).await.status, StatusCode::OK);
    assert_eq!(
        subscriptions(&app).await,
        0,
        "the phone's subscription left with its user"
    );

    // The next trip event, made from the admin's other browser, goes to no one.
    let desk = app.browser();
    login(&desk, "admin14@firm.example").await;
    book_it(&app, &desk, &trip, 14).await;
    assert_eq!(
        outbox(&app).await,
        0,
        "nothing queued for the signed-out phone"
    );
    assert!(service.received().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn another_account_signing_in_removes_the_previous_users_subscription_of_that_browser_only(
    pool: PgPool,
) {
    let service = PushService::start().await;
    let app = portal_for(pool, &service).await;
    let (shared, _) = declared_trip(&app, 15).await;
    assert_eq!(
        Device::new(&service, "shared-phone")
            .subscribe(&shared)
            .await
            .status,
        StatusCode::OK
    );
    // The same admin on their own laptop.
    let laptop = app.browser();
    login(&laptop, "admin15@firm.example").await;
    assert_eq!(
        Device::new(&service, "laptop")
            .subscribe(&laptop)
            .await
            .status,
        StatusCode::OK
    );
    // Signing in again as the same account keeps its own subscription.
    login(&laptop, "admin15@firm.example").await;
    let devices = || {
        sqlx::query_scalar::<_, String>("select device from push_subscriptions order by device")
            .fetch_all(&app.pool)
    };
    assert_eq!(devices().await.unwrap(), ["laptop", "shared-phone"]);

    // The firm's driver signs in on the shared phone, without the admin signing out.
    login(&shared, "0900000015").await;
    assert_eq!(
        devices().await.unwrap(),
        ["laptop"],
        "the admin's phone subscription went; the laptop's stayed"
    );
}

/// The scope headers of a page, as the service worker reads them.
async fn page_scope(browser: &Browser, path: &str) -> (Option<String>, Option<i64>) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_string())
    };
    (
        header("x-account-scope"),
        header("x-session-expires").map(|value| value.parse().unwrap()),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn every_page_names_its_account_by_an_opaque_scope_and_its_session_end(pool: PgPool) {
    let app = spawn(pool).await;
    let (firm, trip) = declared_trip(&app, 16).await;
    let user: uuid::Uuid =
        sqlx::query_scalar("select id from users where email = 'admin16@firm.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    let (scope, expires) = page_scope(&firm, &format!("/trips/{trip}")).await;
    let scope = scope.expect("a scope");
    assert_eq!(scope.len(), 32, "{scope}");
    assert!(
        !scope.contains(&user.simple().to_string()) && !scope.contains(&user.to_string()),
        "not the account's id"
    );
    let expires = expires.expect("the session's end");
    let session_end: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select max(expires_at) from sessions where user_id = $1")
            .bind(user)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(expires, session_end.timestamp());
    assert_eq!(
        page_scope(&firm, "/trips").await.0.as_deref(),
        Some(scope.as_str()),
        "one scope per account"
    );

    // Another account has another scope; nobody has none.
    let driver = app.browser();
    login(&driver, "0900000016").await;
    let (driver_scope, _) = page_scope(&driver, "/trips").await;
    assert_ne!(driver_scope.as_deref(), Some(scope.as_str()));
    assert_eq!(
        page_scope(&app.browser(), "/login").await,
        (Some("anonymous".into()), None)
    );

    // Signed out, the same browser is nobody's.
    assert_eq!(firm.call("logout", &[]).await.status, StatusCode::OK);
    assert_eq!(
        page_scope(&firm, "/login").await,
        (Some("anonymous".into()), None)
    );
}

/// The attempts made so far at each queued message, oldest first.
async fn attempts(app: &TestApp) -> Vec<i32> {
    sqlx::query_scalar("select attempts from push_outbox order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn messages_queued_while_the_push_service_is_down_arrive_once_each_in_order_per_trip(
    pool: PgPool,
) {
    // The push service's address, with nothing listening there yet: it is down.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let origin = format!("http://{address}");
    let app = spawn_with(
        pool,
        Settings {
            push_policy: PushPolicy::new(DEFAULT_PUSH_HOSTS, &origin).unwrap(),
            ..test_settings()
        },
    )
    .await;
    let _worker = app::server::push::spawn_worker(app.state.clone());
    let (firm, trip) = declared_trip(&app, 11).await;
    let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    let phone = Device {
        name: "phone".into(),
        endpoint: format!("{origin}/push/phone"),
        keys,
        auth,
    };
    assert_eq!(phone.subscribe(&firm).await.status, StatusCode::OK);

    // Booked: the message fails (nothing answers) and is put off, twice.
    book_it(&app, &firm, &trip, 11).await;
    for _ in 0..300 {
        if attempts(&app)
            .await
            .first()
            .is_some_and(|tries| *tries >= 2)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(attempts(&app).await[0] >= 2, "the first message was tried");
    // Then cancelled and booked again: newer news of the same trip, due sooner than
    // the first message's next try.
    let cancelled = firm
        .call("cancel_booking", &[("trip_id", trip.as_str())])
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");
    book_it(&app, &firm, &trip, 12).await;
    assert_eq!(outbox(&app).await, 3);

    // The push service is back.
    let service = PushService::start_at(address).await;
    let received = service.wait_for(3).await;
    wait_until_outbox_empty(&app).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let kinds: Vec<String> = service
        .received()
        .iter()
        .map(|message| phone.open(message)["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["booked", "cancelled", "booked"],
        "each once, in order ({} received)",
        received.len()
    );
}
