//! Spawns the real portal (router, middleware, server functions) on a free port against
//! the fresh database `#[sqlx::test]` made for the test, and talks HTTP to it.

use app::server::{AppState, Settings};
use leptos::prelude::LeptosOptions;
use reqwest::{
    Client, Response, StatusCode,
    cookie::{CookieStore, Jar},
};
use serde_json::Value;
use sqlx::PgPool;
use std::{net::SocketAddr, sync::Arc};

pub struct TestApp {
    pub address: SocketAddr,
    pub pool: PgPool,
    pub state: AppState,
}

/// The settings every test portal runs with: plain-HTTP cookies, else the defaults (no
/// push test origins: a test that runs a push service names it, see `push.rs`).
pub fn test_settings() -> Settings {
    Settings {
        secure_cookies: false,
        ..Settings::default()
    }
}

pub async fn spawn(pool: PgPool) -> TestApp {
    spawn_with(pool, test_settings()).await
}

/// The portal with settings of the test's choosing.
pub async fn spawn_with(pool: PgPool, settings: Settings) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().unwrap();
    let options = LeptosOptions::builder()
        .output_name("border-gate")
        .site_addr(address)
        .build();
    let state = AppState::new(pool.clone(), options, settings)
        .await
        .expect("state");
    state.live.listen(pool.clone());
    let router = server::router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
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

impl TestApp {
    /// A client with its own cookie jar: one browser.
    pub fn browser(&self) -> Browser {
        let jar = Arc::new(Jar::default());
        Browser {
            client: Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("http://{}", self.address),
            jar,
        }
    }
}

pub struct Browser {
    pub client: Client,
    pub base: String,
    jar: Arc<Jar>,
}

/// An answer: status, headers and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    async fn from(response: Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// The problem codes of each refused field, as `(field, code)`.
    pub fn problems(&self) -> Vec<(String, String)> {
        self.body["Invalid"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|field| {
                        (
                            field["field"].as_str().unwrap().to_string(),
                            field["problem"]["code"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Browser {
    /// `name=value` of a cookie this browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find(|cookie| cookie.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// Sets a cookie as the page would (the language choice, say).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.add_cookie_str(
            &format!("{name}={value}; Path=/"),
            &self.base.parse().unwrap(),
        );
    }

    /// Calls a server function as the hydrated app does (form-encoded, JSON back).
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        Answer::from(response).await
    }

    pub async fn call_with_headers(
        &self,
        function: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::from(request.send().await.unwrap()).await
    }

    pub async fn upload(&self, function: &str, file_name: &str, bytes: Vec<u8>) -> Answer {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str("text/csv")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        Answer::from(response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

pub const PASSWORD: &str = "mat-khau-2026";

/// Registers a firm whose tax code and admin email derive from `tag`; the browser is
/// then signed in as its admin.
pub async fn register_firm(browser: &Browser, tag: u32) -> Answer {
    let tax_code = format!("49{tag:08}");
    let email = format!("admin{tag}@firm.example");
    browser
        .call(
            "register_firm",
            &[
                ("firm_name", &format!("Công ty Vận tải {tag}")),
                ("tax_code", &tax_code),
                ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
                ("firm_phone", "0205 3851 234"),
                ("admin_name", "Nguyễn Thị Lan"),
                ("email", &email),
                ("password", PASSWORD),
            ],
        )
        .await
}

pub fn vehicle_form<'a>(plate: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("plate", plate),
        ("trailer_plate", ""),
        ("kind", "truck"),
        ("axles", "2"),
        ("gross_weight_kg", "12000"),
        ("country", "VN"),
    ]
}

/// Adds a vehicle and returns its id.
pub async fn add_vehicle(browser: &Browser, plate: &str) -> String {
    let answer = browser.call("add_vehicle", &vehicle_form(plate)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.body["id"].as_str().unwrap().to_string()
}

/// Prepares the days ahead as the server does at start-up.
pub async fn materialise(app: &TestApp) {
    let state = test_state(app).await;
    app::server::gates::materialise(&state, chrono::Utc::now())
        .await
        .expect("slots");
}

/// A state on the test's database, for calling server modules directly.
pub async fn test_state(app: &TestApp) -> AppState {
    let options = LeptosOptions::builder()
        .output_name("border-gate")
        .site_addr(app.address)
        .build();
    AppState::new(
        app.pool.clone(),
        options,
        Settings {
            secure_cookies: false,
            ..Settings::default()
        },
    )
    .await
    .unwrap()
}

/// A firm ready to declare trips: signed in as its admin, with one vehicle and one
/// driver. Returns (vehicle id, driver id).
pub async fn firm_with_fleet(browser: &Browser, tag: u32) -> (String, String) {
    assert_eq!(register_firm(browser, tag).await.status, StatusCode::OK);
    let plate = format!("{}C-{:03}.{:02}", 11 + tag % 80, tag % 1000, tag % 100);
    let vehicle_id = add_vehicle(browser, &plate).await;
    let phone = format!("09{:08}", tag);
    let id_number = format!("0201{:08}", tag);
    let driver = browser
        .call(
            "add_person",
            &[
                ("role", "driver"),
                ("full_name", "Hoàng Văn Thụ"),
                ("email", ""),
                ("phone", &phone),
                ("id_number", &id_number),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(driver.status, StatusCode::OK, "{driver:?}");
    (vehicle_id, driver.body["id"].as_str().unwrap().to_string())
}

/// Today at a gate of Vietnam, as the trip form expects it.
pub fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .date_naive()
        .to_string()
}

pub fn trip_form<'a>(
    vehicle_id: &'a str,
    driver_id: &'a str,
    direction: &'a str,
    perishable: bool,
) -> Vec<(&'a str, String)> {
    let mut form = vec![
        ("trip_id", String::new()),
        ("intent", "declare".to_string()),
        ("vehicle_id", vehicle_id.to_string()),
        ("driver_id", driver_id.to_string()),
        ("direction", direction.to_string()),
        ("gate_id", "huu-nghi".to_string()),
        ("planned_date", today()),
        ("cargo_description", "Thanh long tươi".to_string()),
        ("hs_code", "0810.90.10".to_string()),
        ("cargo_weight_kg", "18000".to_string()),
        ("packages", "1200".to_string()),
        ("containers", "CSQU3054383".to_string()),
        ("customs_declaration", "105523456789".to_string()),
        ("seal_number", "".to_string()),
        ("set_temperature", "".to_string()),
    ];
    if perishable {
        form.push(("perishable", "on".to_string()));
    }
    form
}

/// Declares a trip at Huu Nghi and returns its id.
pub async fn declare_trip(
    browser: &Browser,
    vehicle_id: &str,
    driver_id: &str,
    direction: &str,
    perishable: bool,
) -> String {
    let form = trip_form(vehicle_id, driver_id, direction, perishable);
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let answer = browser.call("save_trip", &pairs).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.body.as_str().unwrap().to_string()
}

/// A slot of Huu Nghi starting `minutes` from now (made for the test when no slot
/// starts then), with `capacity`, and the day counter it needs.
pub async fn slot_in(app: &TestApp, direction: &str, minutes: i64, capacity: i32) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "insert into slots (gate_id, direction, starts_at, ends_at, local_day, capacity)
         values ('huu-nghi', $1, date_trunc('minute', now()) + make_interval(mins => $2::int) + interval '17 seconds',
                 date_trunc('minute', now()) + make_interval(mins => $2::int + 60) + interval '17 seconds',
                 ((date_trunc('minute', now()) + make_interval(mins => $2::int)) at time zone 'Asia/Ho_Chi_Minh')::date, $3)
         returning id",
    )
    .bind(direction)
    .bind(minutes as i32)
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

pub async fn book(browser: &Browser, trip_id: &str, slot_id: i64, key: &str) -> Answer {
    browser
        .call(
            "book_slot",
            &[
                ("trip_id", trip_id),
                ("slot_id", &slot_id.to_string()),
                ("request_key", key),
            ],
        )
        .await
}

/// The single problem code of a refused answer.
pub fn refusal(answer: &Answer) -> String {
    let problems = answer.problems();
    assert_eq!(problems.len(), 1, "{answer:?}");
    problems[0].1.clone()
}

/// Gives an account made by a test the demo's authenticator secret (officers and
/// admins cannot sign in without a second factor).
pub async fn give_second_factor(app: &TestApp, user_id: uuid::Uuid) {
    let secret = app::server::second_factor::secret_from_base32(server::demo::DEMO_TOTP_SECRET)
        .expect("the demo secret is Base32");
    app::server::second_factor::set_up_with_secret(&app.state, user_id, &secret)
        .await
        .unwrap();
}

/// The demo authenticator's code `steps` time steps (30 s) from now.
pub fn authenticator_code(steps: i64) -> String {
    let secret =
        app::server::second_factor::secret_from_base32(server::demo::DEMO_TOTP_SECRET).unwrap();
    let at = chrono::Utc::now().timestamp() + steps * 30;
    app::server::second_factor::code_at(&secret, at as u64).unwrap()
}

/// The second step of a sign-in with the demo authenticator: its current code, or the
/// next one when the current one was used already (a code counts once).
pub async fn second_step(browser: &Browser) -> Answer {
    let answer = browser
        .call("verify_second_factor", &[("code", &authenticator_code(0))])
        .await;
    if answer.problems() == [("code".to_string(), "second_factor_used".to_string())] {
        return browser
            .call("verify_second_factor", &[("code", &authenticator_code(1))])
            .await;
    }
    answer
}

/// An account made directly in the database (officers, gate admins), with the demo's
/// second factor, signed in.
pub async fn staff(
    app: &TestApp,
    role: &str,
    agency: Option<&str>,
    email: &str,
    gates: &[&str],
) -> Browser {
    let hash = app::server::passwords::Passwords::new()
        .hash(&app::domain::person::NewPassword::parse(PASSWORD).unwrap())
        .await
        .unwrap();
    let user: uuid::Uuid = sqlx::query_scalar(
        "insert into users (role, agency, full_name, email, password_hash) values ($1, $2, 'Cán bộ Thử', $3, $4) returning id",
    )
    .bind(role)
    .bind(agency)
    .bind(email)
    .bind(hash)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for gate in gates {
        sqlx::query("insert into gate_staff (gate_id, user_id) values ($1, $2)")
            .bind(gate)
            .bind(user)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    give_second_factor(app, user).await;
    let browser = app.browser();
    let signed_in = browser
        .call("login", &[("identifier", email), ("password", PASSWORD)])
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{signed_in:?}");
    let second = second_step(&browser).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    browser
}

pub async fn officer(app: &TestApp, agency: &str) -> Browser {
    staff(
        app,
        "officer",
        Some(agency),
        &format!("{agency}@gate.test"),
        &["huu-nghi"],
    )
    .await
}

/// A trip booked at Huu Nghi whose slot starts in ten minutes (moved there after booking,
/// as time would), so its arrival window is open now. Returns (firm browser, trip id,
/// pass code, normalised plate).
pub async fn trip_at_the_gate(
    app: &TestApp,
    tag: u32,
    quarantine: bool,
) -> (Browser, String, String, String) {
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, tag).await;
    let mut form = trip_form(&vehicle, &driver, "export", true);
    if quarantine {
        form.push(("quarantine_required", "on".to_string()));
    }
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let trip = firm
        .call("save_trip", &pairs)
        .await
        .body
        .as_str()
        .unwrap()
        .to_string();
    let slot = slot_in(app, "export", 600 + i64::from(tag), 10).await;
    let booked = book(&firm, &trip, slot, &format!("gate-key-{tag:05}")).await;
    assert_eq!(booked.status, StatusCode::OK, "{booked:?}");
    sqlx::query("update slots set starts_at = now() + interval '10 minutes', ends_at = now() + interval '70 minutes' where id = $1")
        .bind(slot)
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, plate): (String, String) = sqlx::query_as(
        "select b.pass_code, v.plate from bookings b join vehicles v on v.id = b.vehicle_id where b.trip_id = $1::uuid and b.status = 'active'",
    )
    .bind(&trip)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (firm, trip, code, plate)
}

pub async fn trip_status(app: &TestApp, trip: &str) -> String {
    sqlx::query_scalar("select status from trips where id = $1::uuid")
        .bind(trip)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}
