//! The portal as its own processes (the server binary this package builds), the data a
//! fault run books with, and a push service that records what it is sent.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Client, StatusCode};
use sqlx::{PgPool, Row};
use std::{
    collections::HashMap,
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub const PASSWORD: &str = "mat-khau-loi-2026";
pub const METRICS_TOKEN: &str = "faults-metrics-token";

/// One server process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    database_url: String,
    push_origin: String,
    log: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Server {
    pub fn start(database_url: &str, port: u16, push_origin: &str) -> Result<Server, String> {
        let log = std::env::temp_dir().join(format!("bgp-faults-server-{port}.log"));
        let child = spawn(database_url, port, push_origin, &log, false)?;
        Ok(Server {
            child,
            port,
            database_url: database_url.into(),
            push_origin: push_origin.into(),
            log,
        })
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no graceful shutdown, nothing flushed, connections dropped mid-request.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the process again on the same port and database (its log goes on).
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.child = spawn(
            &self.database_url,
            self.port,
            &self.push_origin,
            &self.log,
            true,
        )?;
        Ok(())
    }

    /// The panics in the log (the line saying so and the message after it), but one
    /// kind apart: see [`is_abandoned_render`].
    pub fn panics(&self) -> (Vec<String>, usize) {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let mut panics = Vec::new();
        let mut abandoned = 0;
        for (at, line) in lines.iter().enumerate() {
            if !line.contains("panicked") {
                continue;
            }
            let message = format!("{line} {}", lines.get(at + 1).unwrap_or(&""));
            if is_abandoned_render(&message) {
                abandoned += 1;
            } else {
                panics.push(message);
            }
        }
        (panics, abandoned)
    }

    /// Waits until the process answers `/readyz` (it waits for the database itself).
    pub async fn ready(&mut self, client: &Client) -> Result<(), String> {
        let until = Instant::now() + Duration::from_secs(120);
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the server on {} exited ({status}); log {}",
                    self.port,
                    self.log.display()
                ));
            }
            if let Ok(response) = client.get(format!("{}/readyz", self.base())).send().await
                && response.status() == StatusCode::OK
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("the server on {} never became ready", self.port))
    }

    /// The lines of `/metrics` whose series starts with one of `prefixes`.
    pub async fn metrics(&self, client: &Client, prefixes: &[&str]) -> Vec<String> {
        let Ok(response) = client
            .get(format!("{}/metrics", self.base()))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
        else {
            return vec!["(/metrics did not answer)".into()];
        };
        let text = response.text().await.unwrap_or_default();
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .filter(|line| prefixes.iter().any(|prefix| line.starts_with(prefix)))
            .map(str::to_string)
            .collect()
    }
}

fn spawn(
    database_url: &str,
    port: u16,
    push_origin: &str,
    log: &PathBuf,
    append: bool,
) -> Result<Child, String> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(log)
        .map_err(|error| error.to_string())?;
    let copy = file.try_clone().map_err(|error| error.to_string())?;
    let site = std::env::temp_dir().join("bgp-faults-site");
    let _ = std::fs::create_dir_all(&site);
    Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", &site)
        .env("LEPTOS_OUTPUT_NAME", "border-gate")
        .env("RUST_LOG", "warn,sqlx=error")
        .env("DEMO_DATA", "0")
        .env("METRICS_TOKEN", METRICS_TOKEN)
        // The storm's clients share one address and book hundreds of times a minute:
        // the booking limits count every change but refuse none (as in the booking
        // storm), so the run measures the faults, not the limits.
        .env("BOOKING_CHANGES_PER_FIRM", "10000000")
        .env("BOOKING_CHANGES_PER_ADDRESS", "10000000")
        .env("PUSH_TEST_ORIGINS", push_origin)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(copy)
        .spawn()
        .map_err(|error| format!("cannot start the server: {error}"))
}

/// What a run books: firms (each signed in, each with one device subscribed to push),
/// their declared trips, and the slots they are booked into.
pub struct Seeded {
    /// `bgp_session=...` of each firm's admin.
    pub cookies: Vec<String>,
    /// (trip id, firm index).
    pub trips: Vec<(String, usize)>,
    pub slots: Vec<i64>,
    /// The officer following the gate live, signed in.
    pub officer_cookie: String,
    /// Each firm's device: its keys, to read what was pushed to it.
    pub devices: Vec<(Box<dyn ece::LocalKeyPair>, [u8; 16])>,
}

/// Seeds `firms` firms of `trips_per_firm` declared export trips at Huu Nghi, `slots`
/// hourly slots a day ahead with `capacity` places each, and signs every firm in over
/// HTTP (on `base`).
pub async fn seed(
    pool: &PgPool,
    base: &str,
    push_origin: &str,
    firms: usize,
    trips_per_firm: usize,
    slots: usize,
    capacity: i32,
) -> Result<Seeded, String> {
    let sql = |error: sqlx::Error| format!("seeding: {error}");
    let hash = {
        let password = app::domain::person::NewPassword::parse(PASSWORD).expect("a valid password");
        app::server::passwords::Passwords::new()
            .hash(&password)
            .await
            .map_err(|error| format!("{error:?}"))?
    };
    // Room in every rule but the slots' own capacity: the run checks capacity and
    // counters, not the firm share or the perishable reserve.
    sqlx::query("update gates set firm_share_percent = 100, perishable_share_percent = 0 where id = 'huu-nghi'")
        .execute(pool)
        .await
        .map_err(sql)?;
    sqlx::query(
        "insert into firms (name, tax_code, address, phone)
         select 'Công ty Vận tải Lỗi ' || i, '48' || lpad(i::text, 8, '0'), 'Km 3, Đồng Đăng, Lạng Sơn', '+842053851234'
           from generate_series(1, $1) as i",
    )
    .bind(firms as i32)
    .execute(pool)
    .await
    .map_err(sql)?;
    sqlx::query(
        "insert into users (firm_id, role, full_name, email, password_hash)
         select id, 'firm_admin', 'Nguyễn Thị Lan', 'faults-' || substr(tax_code, 3)::int || '@firm.example', $1 from firms",
    )
    .bind(&hash)
    .execute(pool)
    .await
    .map_err(sql)?;
    sqlx::query(
        "insert into users (firm_id, role, full_name, phone, id_number, password_hash)
         select id, 'driver', 'Hoàng Văn Thụ', '+8497' || lpad(substr(tax_code, 3)::int::text, 7, '0'),
                '0202' || lpad(substr(tax_code, 3)::int::text, 8, '0'), $1 from firms",
    )
    .bind(&hash)
    .execute(pool)
    .await
    .map_err(sql)?;
    // One vehicle per trip (plates 51C10000 and up), declared for tomorrow.
    sqlx::query(
        "with numbered as (
           select f.id as firm_id, (substr(f.tax_code, 3)::int - 1) * $1 + n as number
             from firms f cross join generate_series(0, $1 - 1) as n),
         vehicles_made as (
           insert into vehicles (firm_id, plate, country, kind, axles, gross_weight_kg)
           select firm_id, (11 + number % 89)::text || 'C' || (10000 + number)::text, 'VN', 'truck', 3, 24000
             from numbered
           returning id, firm_id, plate)
         insert into trips (firm_id, vehicle_id, driver_id, direction, gate_id, planned_date, cargo_description,
                            hs_code, cargo_weight_kg, packages, customs_declaration, perishable, status, created_by)
         select v.firm_id, v.id, d.id, 'export', 'huu-nghi', current_date + 1, 'Linh kiện điện tử', '85423100',
                18000, 1200, '11' || lpad(substr(v.plate, 4)::text, 10, '0'), false, 'declared', a.id
           from vehicles_made v
           join users d on d.firm_id = v.firm_id and d.role = 'driver'
           join users a on a.firm_id = v.firm_id and a.role = 'firm_admin'",
    )
    .bind(trips_per_firm as i32)
    .execute(pool)
    .await
    .map_err(sql)?;
    let slot_ids: Vec<i64> = sqlx::query_scalar(
        "insert into slots (gate_id, direction, starts_at, ends_at, local_day, capacity)
         select 'huu-nghi', 'export', date_trunc('hour', now()) + make_interval(hours => 26 + i) + interval '17 seconds',
                date_trunc('hour', now()) + make_interval(hours => 27 + i) + interval '17 seconds',
                ((date_trunc('hour', now()) + make_interval(hours => 26 + i)) at time zone 'Asia/Ho_Chi_Minh')::date, $2
           from generate_series(0, $1 - 1) as i
         returning id",
    )
    .bind(slots as i32)
    .bind(capacity)
    .fetch_all(pool)
    .await
    .map_err(sql)?;
    sqlx::query(
        "insert into gate_days (gate_id, direction, local_day)
         select distinct gate_id, direction, local_day from slots where id = any($1) on conflict do nothing",
    )
    .bind(&slot_ids)
    .execute(pool)
    .await
    .map_err(sql)?;
    sqlx::query("update gate_days set intake_limit = null where gate_id = 'huu-nghi'")
        .execute(pool)
        .await
        .map_err(sql)?;
    // The officer who follows the gate live.
    let officer: uuid::Uuid = sqlx::query_scalar(
        "insert into users (role, agency, full_name, email, password_hash)
         values ('officer', 'traffic_police', 'Cán bộ Lỗi', 'faults-police@gate.example', $1) returning id",
    )
    .bind(&hash)
    .fetch_one(pool)
    .await
    .map_err(sql)?;
    sqlx::query("insert into gate_staff (gate_id, user_id) values ('huu-nghi', $1)")
        .bind(officer)
        .execute(pool)
        .await
        .map_err(sql)?;
    // A push device per firm admin, on the run's push service.
    let admins: Vec<(uuid::Uuid, i32)> = sqlx::query_as(
        "select u.id, substr(f.tax_code, 3)::int - 1 from users u join firms f on f.id = u.firm_id
          where u.role = 'firm_admin' order by 2",
    )
    .fetch_all(pool)
    .await
    .map_err(sql)?;
    let mut devices = Vec::new();
    for (admin, firm) in &admins {
        let (keys, auth) =
            ece::generate_keypair_and_auth_secret().map_err(|error| format!("{error:?}"))?;
        sqlx::query(
            "insert into push_subscriptions (user_id, endpoint, p256dh, auth, device) values ($1, $2, $3, $4, 'faults')",
        )
        .bind(admin)
        .bind(format!("{push_origin}/push/{firm}"))
        .bind(URL_SAFE_NO_PAD.encode(keys.pub_as_raw().map_err(|error| format!("{error:?}"))?))
        .bind(URL_SAFE_NO_PAD.encode(auth))
        .execute(pool)
        .await
        .map_err(sql)?;
        devices.push((keys, auth));
    }
    sqlx::query("analyze").execute(pool).await.map_err(sql)?;
    let rows = sqlx::query(
        "select t.id::text as id, substr(f.tax_code, 3)::int - 1 as firm
           from trips t join firms f on f.id = t.firm_id order by t.id",
    )
    .fetch_all(pool)
    .await
    .map_err(sql)?;
    let trips = rows
        .iter()
        .map(|row| {
            (
                row.get::<String, _>("id"),
                row.get::<i32, _>("firm") as usize,
            )
        })
        .collect();
    let client = Client::new();
    let mut cookies = Vec::new();
    for firm in 0..firms {
        cookies.push(sign_in(&client, base, &format!("faults-{}@firm.example", firm + 1)).await?);
    }
    let officer_cookie = sign_in_staff(&client, base, "faults-police@gate.example").await?;
    Ok(Seeded {
        cookies,
        trips,
        slots: slot_ids,
        officer_cookie,
        devices,
    })
}

/// A page render abandoned before it ran its language context's effect: a page request
/// given up by its client (here, during the outage) leaves leptos_i18n 0.6.2's
/// isomorphic effect (`context.rs`, the language cookie) to run after the render's
/// owner was disposed, and that detached task panics. No answer and no data are
/// affected; it is counted apart so that any other panic still fails the run.
fn is_abandoned_render(message: &str) -> bool {
    message.contains("leptos_i18n") && message.contains("has already been disposed")
}

/// Signs a staff account in over HTTP: the password, then the second factor officers
/// need, set up as at a first sign-in with the secret the portal shows and confirmed
/// with the code it computes (RFC 6238). The session cookie.
pub async fn sign_in_staff(
    client: &Client,
    base: &str,
    identifier: &str,
) -> Result<String, String> {
    let cookie = sign_in(client, base, identifier).await?;
    let setup: serde_json::Value = client
        .post(format!("{base}/api/begin_second_factor"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .map_err(|error| format!("second factor: {error}"))?
        .json()
        .await
        .map_err(|error| format!("second factor: {error}"))?;
    let secret_text: String = setup["secret_text"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let secret = app::server::second_factor::secret_from_base32(&secret_text)
        .ok_or_else(|| format!("second factor of {identifier}: no secret in {setup}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|error| error.to_string())?
        .as_secs();
    let code =
        app::server::second_factor::code_at(&secret, now).map_err(|error| format!("{error:?}"))?;
    let confirmed = client
        .post(format!("{base}/api/confirm_second_factor"))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[("code", code.as_str())])
        .send()
        .await
        .map_err(|error| format!("second factor: {error}"))?;
    if confirmed.status() != StatusCode::OK {
        return Err(format!(
            "second factor of {identifier}: {}",
            confirmed.status()
        ));
    }
    Ok(confirmed
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|line| line.starts_with("bgp_session="))
        .and_then(|line| line.split(';').next())
        .map(str::to_string)
        .unwrap_or(cookie))
}

/// Signs in over HTTP; the session cookie.
pub async fn sign_in(client: &Client, base: &str, identifier: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/api/login"))
        .form(&[("identifier", identifier), ("password", PASSWORD)])
        .send()
        .await
        .map_err(|error| format!("sign-in: {error}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("sign-in of {identifier}: {}", response.status()));
    }
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.starts_with("bgp_session="))
        .and_then(|cookie| cookie.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| format!("no session cookie for {identifier}"))
}

/// A push service that takes every message (201) and keeps it, by device.
#[derive(Clone, Default)]
pub struct PushService {
    received: Arc<Mutex<Vec<(usize, Vec<u8>)>>>,
    pub address: Option<SocketAddr>,
}

impl PushService {
    pub async fn start() -> PushService {
        use axum::{Router, body::Bytes, extract::Path, extract::State, routing::post};
        async fn receive(
            State(received): State<Arc<Mutex<Vec<(usize, Vec<u8>)>>>>,
            Path(device): Path<usize>,
            body: Bytes,
        ) -> axum::http::StatusCode {
            received.lock().unwrap().push((device, body.to_vec()));
            axum::http::StatusCode::CREATED
        }
        let service = PushService::default();
        let router = Router::new()
            .route("/push/{device}", post(receive))
            .with_state(service.received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        PushService {
            address: Some(address),
            ..service
        }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.address.expect("started"))
    }

    pub fn clear(&self) {
        self.received.lock().unwrap().clear();
    }

    /// Every message received, opened with its device's keys: (trip id, kind) -> times.
    pub fn tally(
        &self,
        devices: &[(Box<dyn ece::LocalKeyPair>, [u8; 16])],
    ) -> HashMap<(String, String), usize> {
        let mut tally = HashMap::new();
        for (device, body) in self.received.lock().unwrap().iter() {
            let Some((keys, auth)) = devices.get(*device) else {
                continue;
            };
            let Ok(components) = keys.raw_components() else {
                continue;
            };
            let Ok(plain) = ece::decrypt(&components, auth, body) else {
                *tally
                    .entry(("?".into(), "undecryptable".into()))
                    .or_default() += 1;
                continue;
            };
            let message: serde_json::Value = serde_json::from_slice(&plain).unwrap_or_default();
            let trip = message["url"]
                .as_str()
                .and_then(|url| url.strip_prefix("/trips/"))
                .unwrap_or("?")
                .to_string();
            let kind = message["kind"].as_str().unwrap_or("?").to_string();
            *tally.entry((trip, kind)).or_default() += 1;
        }
        tally
    }
}
