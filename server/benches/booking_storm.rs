//! The booking storm: a benchmark (not a test) of the real HTTP booking path.
//!
//! It makes a fresh database, starts the release server binary against it as its own
//! process, seeds firms, fleets and declared trips with SQL, signs every firm in over
//! HTTP, then lets a thousand virtual bookers storm `POST /api/book_slot` over seven days
//! of hourly slots at two gates in both directions, with Zipf-skewed demand, retries
//! under the same idempotency key and requests the client drops mid-flight. It prints
//! rates, latency percentiles per outcome and the CPU split, checks the database for
//! overbooking and duplicates, compares with the targets, then stops the server and
//! drops the database. It never fails on a timing: it reports.
//!
//! Run it with `scripts/bench-booking.sh`, or, after `cargo build --release -p server`
//! and with `DATABASE_URL` naming a role that may create databases,
//! `cargo bench -p server --bench booking_storm`.
//!
//! Settings (environment, defaults in brackets):
//! - `BENCH_BOOKERS` [1000]: concurrent virtual bookers, each with its own keep-alive
//!   connection;
//! - `BENCH_RATE` [1600]: offered booking attempts per second over all bookers (each
//!   waits an exponential think time between its attempts); 0 sends back to back;
//! - `BENCH_SECONDS` [40]: length of the storm; `BENCH_ATTEMPTS` [none]: stop sooner,
//!   after this many first sends;
//! - `BENCH_FIRMS` [200], `BENCH_TRIPS_PER_FIRM` [60], `BENCH_DRIVERS_PER_FIRM` [5];
//! - `BENCH_GATES` [huu-nghi,tan-thanh]: the gates stormed, both directions each;
//! - `BENCH_ZIPF` [1.0]: Zipf exponent of slot popularity (over a seeded random ranking);
//! - `BENCH_INFORMED` [0.5]: share of picks that skip slots already seen refused as
//!   full (a booker looking at the day view) instead of picking blindly;
//! - `BENCH_RETRY` [0.10]: share of attempts sent twice under one key (half as
//!   concurrent twins, half again after the first answer);
//! - `BENCH_DROP` [0.02]: share of attempts the client aborts after a random
//!   0..`BENCH_DROP_MAX_MS` [15] ms, then retries under the same key;
//! - `BENCH_PERISHABLE_TRIPS` [0.15]: share of trips carrying perishable cargo;
//! - `BENCH_FIRM_SHARE` [20], `BENCH_PERISHABLE_SHARE` [30]: the gates' firm share and
//!   perishable reserve, in percent of a slot (the portal's defaults);
//! - `BENCH_HISTORY_DAYS` [60]: days of past slots filled with finished bookings (and
//!   their trips and idempotency keys) before the storm, so that PostgreSQL plans the
//!   booking path on tables of a portal that has been running, not on empty ones; with
//!   it, the coming days at the gates not stormed are part booked (active bookings);
//! - `BENCH_SHARED_CLIENT` [0]: 1 sends every booker's requests through one shared
//!   HTTP client pool instead of one client (browser) per booker;
//! - `BENCH_SEED` [2026]; `BENCH_PORT` [a free port]; `BENCH_DATABASE` [generated];
//!   `BENCH_KEEP_DATABASE` [0]; `BENCH_SERVER_BIN` [the release server built with the benchmark];
//! - `BENCH_PROCESSES` [1]: server processes started on the one database; the bookers
//!   are dealt round-robin among them (booker i books through process i mod N), as
//!   behind a load balancer;
//! - `BENCH_BOOKING_CHANGES_PER_FIRM` [10000000], `BENCH_BOOKING_CHANGES_PER_ADDRESS`
//!   [10000000]: the server's booking limits (`BOOKING_CHANGES_PER_FIRM` / `_PER_ADDRESS`
//!   per 10 minutes). Every booker here shares one address and a firm makes hundreds of
//!   bookings in 40 s, so the defaults are set where the limits count every change but
//!   refuse none: the storm measures the counting, not its refusals;
//! - `DATABASE_POOL_SIZE` is passed on to the server (its default: 4 per core);
//!   `BENCH_SERVER_LOG` [warn] is its `RUST_LOG` (the log is kept in the temp dir).

use reqwest::{
    Client, StatusCode,
    header::{CONTENT_TYPE, COOKIE, SET_COOKIE},
};
use sqlx::{PgPool, Row, postgres::PgPoolOptions};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    fmt::Write as _,
    fs,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    str::FromStr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const PASSWORD: &str = "mat-khau-bao-2026";

// ---------------------------------------------------------------------------------------
// Settings

struct Config {
    bookers: usize,
    rate: f64,
    seconds: f64,
    max_attempts: Option<u64>,
    firms: usize,
    trips_per_firm: usize,
    drivers_per_firm: usize,
    gates: Vec<String>,
    zipf: f64,
    informed: f64,
    retry: f64,
    drop: f64,
    drop_max_ms: f64,
    perishable_trips: f64,
    history_days: i32,
    shared_client: bool,
    firm_share: i32,
    perishable_share: i32,
    seed: u64,
    port: Option<u16>,
    database: String,
    keep_database: bool,
    server_binary: PathBuf,
    site_root: PathBuf,
    admin_url: String,
    server_pool: Option<String>,
    processes: usize,
    booking_changes_per_firm: u64,
    booking_changes_per_address: u64,
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

fn setting<T: FromStr>(name: &str, default: T) -> Result<T, String> {
    match variable(name) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("{name}={text} is not a valid value")),
    }
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("server/ has a parent")
            .to_path_buf();
        let target = variable("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_absolute() {
                    dir
                } else {
                    root.join(dir)
                }
            })
            .unwrap_or_else(|| root.join("target"));
        let database = variable("BENCH_DATABASE").unwrap_or_else(|| {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            format!("booking_storm_{}_{stamp}", std::process::id())
        });
        if !database
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "BENCH_DATABASE={database}: use lower-case letters, digits and _"
            ));
        }
        let config = Config {
            bookers: setting("BENCH_BOOKERS", 1000)?,
            rate: setting("BENCH_RATE", 1600.0)?,
            seconds: setting("BENCH_SECONDS", 40.0)?,
            max_attempts: variable("BENCH_ATTEMPTS").and_then(|text| text.parse().ok()),
            firms: setting("BENCH_FIRMS", 200)?,
            trips_per_firm: setting("BENCH_TRIPS_PER_FIRM", 60)?,
            drivers_per_firm: setting("BENCH_DRIVERS_PER_FIRM", 5)?,
            gates: variable("BENCH_GATES")
                .unwrap_or_else(|| "huu-nghi,tan-thanh".into())
                .split(',')
                .map(|gate| gate.trim().to_string())
                .filter(|gate| !gate.is_empty())
                .collect(),
            zipf: setting("BENCH_ZIPF", 1.0)?,
            informed: setting("BENCH_INFORMED", 0.5)?,
            retry: setting("BENCH_RETRY", 0.10)?,
            drop: setting("BENCH_DROP", 0.02)?,
            drop_max_ms: setting("BENCH_DROP_MAX_MS", 15.0)?,
            perishable_trips: setting("BENCH_PERISHABLE_TRIPS", 0.15)?,
            history_days: setting("BENCH_HISTORY_DAYS", 60)?,
            shared_client: matches!(
                variable("BENCH_SHARED_CLIENT").as_deref(),
                Some("1" | "true" | "yes")
            ),
            firm_share: setting("BENCH_FIRM_SHARE", 20)?,
            perishable_share: setting("BENCH_PERISHABLE_SHARE", 30)?,
            seed: setting("BENCH_SEED", 2026)?,
            port: variable("BENCH_PORT").and_then(|text| text.parse().ok()),
            processes: setting("BENCH_PROCESSES", 1usize)?.max(1),
            database,
            keep_database: matches!(
                variable("BENCH_KEEP_DATABASE").as_deref(),
                Some("1" | "true" | "yes")
            ),
            server_binary: variable("BENCH_SERVER_BIN")
                .map(PathBuf::from)
                // The server binary cargo built along with this benchmark, with the same
                // profile and features.
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_server"))),
            site_root: target.join("site"),
            admin_url: variable("DATABASE_URL").ok_or(
                "DATABASE_URL is not set (source scripts/database.sh, or run scripts/bench-booking.sh)",
            )?,
            server_pool: variable("DATABASE_POOL_SIZE"),
            booking_changes_per_firm: setting("BENCH_BOOKING_CHANGES_PER_FIRM", 10_000_000)?,
            booking_changes_per_address: setting(
                "BENCH_BOOKING_CHANGES_PER_ADDRESS",
                10_000_000,
            )?,
        };
        if config.bookers == 0 || config.firms == 0 || config.trips_per_firm == 0 {
            return Err("BENCH_BOOKERS, BENCH_FIRMS and BENCH_TRIPS_PER_FIRM must be > 0".into());
        }
        if config.firms * config.trips_per_firm > 900_000 {
            return Err("at most 900000 trips (one plate each)".into());
        }
        if config.drop + config.retry > 1.0 {
            return Err("BENCH_DROP + BENCH_RETRY must be at most 1".into());
        }
        Ok(config)
    }
}

/// `DATABASE_URL` with another database name.
fn url_for_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{base}/{database}{query}")
}

// ---------------------------------------------------------------------------------------
// A small deterministic random generator (splitmix64): no dependency, reproducible runs.

struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        let mut random = Random(seed ^ 0x5DEE_CE66_D1CE_4E5B);
        random.next();
        random
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

// ---------------------------------------------------------------------------------------
// The server process

/// The release server, killed when dropped (so a panic leaves no server behind).
struct ServerProcess {
    child: Child,
    log: PathBuf,
}

impl ServerProcess {
    fn start(
        config: &Config,
        database_url: &str,
        port: u16,
        index: usize,
    ) -> Result<ServerProcess, String> {
        if !config.server_binary.exists() {
            return Err(format!(
                "{} is missing: build it with `cargo build --release -p server` \
                 (RUSTFLAGS=\"--cfg erase_components\" LEPTOS_OUTPUT_NAME=border-gate)",
                config.server_binary.display()
            ));
        }
        let log = std::env::temp_dir().join(match index {
            0 => format!("{}-server.log", config.database),
            _ => format!("{}-server-{}.log", config.database, index + 1),
        });
        let log_file = fs::File::create(&log).map_err(|error| format!("{error}"))?;
        let log_copy = log_file.try_clone().map_err(|error| format!("{error}"))?;
        let mut command = Command::new(&config.server_binary);
        command
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &config.site_root)
            .env("LEPTOS_OUTPUT_NAME", "border-gate")
            .env(
                "RUST_LOG",
                variable("BENCH_SERVER_LOG").unwrap_or_else(|| "warn".into()),
            )
            .env("DEMO_DATA", "0")
            .env(
                "BOOKING_CHANGES_PER_FIRM",
                config.booking_changes_per_firm.to_string(),
            )
            .env(
                "BOOKING_CHANGES_PER_ADDRESS",
                config.booking_changes_per_address.to_string(),
            )
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_copy);
        if let Some(size) = &config.server_pool {
            command.env("DATABASE_POOL_SIZE", size);
        }
        let child = command
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", config.server_binary.display()))?;
        Ok(ServerProcess { child, log })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// SIGTERM (graceful shutdown), then SIGKILL after a few seconds.
    fn stop(&mut self) {
        if self.exited() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if self.exited() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if !self.exited() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| format!("{error}"))?;
    Ok(listener
        .local_addr()
        .map_err(|error| format!("{error}"))?
        .port())
}

async fn wait_for_health(
    client: &Client,
    base: &str,
    server: &mut ServerProcess,
) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        if server.exited() {
            return Err(format!("the server exited:\n{}", server.log_tail()));
        }
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status() == StatusCode::OK
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "the server did not answer /healthz within 120 s:\n{}",
        server.log_tail()
    ))
}

// ---------------------------------------------------------------------------------------
// CPU accounting from /proc (Linux): who used the two cores during the storm.

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process (all its threads), in clock ticks.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Busy, total and interrupt (irq + softirq: loopback networking, mostly) ticks of the
/// whole machine.
fn machine_ticks() -> (u64, u64, u64) {
    let stat = fs::read_to_string("/proc/stat").unwrap_or_default();
    let numbers: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    let at = |index: usize| numbers.get(index).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
    (busy, busy + at(3) + at(4), at(5) + at(6))
}

/// Whose a process is, for the CPU split.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Owner {
    Server,
    LoadGenerator,
    /// Backends (and autovacuum workers) of the benchmark's database.
    PostgresOurs,
    /// WAL writer, checkpointer, background writer, the postmaster.
    PostgresShared,
    /// Backends of other databases (other people's tests).
    PostgresOthers,
    /// Anything else, by command name.
    Other(String),
}

/// Every process's owner and CPU ticks.
fn process_table(server_pids: &[u32], database: &str) -> HashMap<u32, (Owner, u64)> {
    let mut processes = HashMap::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return processes;
    };
    let bench_pid = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Some(ticks) = process_ticks(pid) else {
            continue;
        };
        let comm = fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let owner = if server_pids.contains(&pid) {
            Owner::Server
        } else if pid == bench_pid {
            Owner::LoadGenerator
        } else if comm == "postgres" {
            let title = fs::read(format!("/proc/{pid}/cmdline"))
                .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
                .unwrap_or_default();
            if title.split_whitespace().any(|word| word == database) {
                Owner::PostgresOurs
            } else if title.contains('(') {
                Owner::PostgresOthers
            } else {
                Owner::PostgresShared
            }
        } else {
            Owner::Other(comm)
        };
        processes.insert(pid, (owner, ticks));
    }
    processes
}

struct CpuSnapshot {
    at: Instant,
    machine: (u64, u64, u64),
    processes: HashMap<u32, (Owner, u64)>,
}

impl CpuSnapshot {
    fn take(server_pids: &[u32], database: &str) -> CpuSnapshot {
        CpuSnapshot {
            at: Instant::now(),
            machine: machine_ticks(),
            processes: process_table(server_pids, database),
        }
    }
}

struct CpuUse {
    seconds: f64,
    cores: f64,
    tick: f64,
    machine_busy: f64,
    interrupts: f64,
    server: f64,
    bench: f64,
    postgres_ours: f64,
    postgres_shared: f64,
    postgres_others: f64,
    our_backends: usize,
    /// Other processes by command name, most CPU first.
    others: Vec<(String, f64)>,
}

fn cpu_use(before: &CpuSnapshot, after: &CpuSnapshot) -> CpuUse {
    let tick = 1.0 / clock_ticks_per_second();
    let mut by_owner: HashMap<Owner, u64> = HashMap::new();
    let mut our_backends = 0;
    for (pid, (owner, ticks)) in &after.processes {
        // A process that started during the storm counts from zero.
        let start = match before.processes.get(pid) {
            Some((same, ticks)) if same == owner => *ticks,
            _ => 0,
        };
        *by_owner.entry(owner.clone()).or_default() += ticks.saturating_sub(start);
        if *owner == Owner::PostgresOurs {
            our_backends += 1;
        }
    }
    let of = |owner: Owner| by_owner.get(&owner).copied().unwrap_or(0) as f64 * tick;
    let mut others: Vec<(String, f64)> = by_owner
        .iter()
        .filter_map(|(owner, ticks)| match owner {
            Owner::Other(name) if *ticks > 0 => Some((name.clone(), *ticks as f64 * tick)),
            _ => None,
        })
        .collect();
    others.sort_by(|a, b| b.1.total_cmp(&a.1));
    CpuUse {
        seconds: after.at.duration_since(before.at).as_secs_f64(),
        cores: std::thread::available_parallelism().map_or(2.0, |cores| cores.get() as f64),
        tick,
        machine_busy: after.machine.0.saturating_sub(before.machine.0) as f64 * tick,
        interrupts: after.machine.2.saturating_sub(before.machine.2) as f64 * tick,
        server: of(Owner::Server),
        bench: of(Owner::LoadGenerator),
        postgres_ours: of(Owner::PostgresOurs),
        postgres_shared: of(Owner::PostgresShared),
        postgres_others: of(Owner::PostgresOthers),
        our_backends,
        others,
    }
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------------------------------
// Seeding

#[derive(Clone)]
struct Trip {
    id: String,
    firm: usize,
    perishable: bool,
}

#[derive(Clone)]
struct Slot {
    id: i64,
    group: usize,
    capacity: i32,
}

struct Seeded {
    firm_emails: Vec<String>,
    trips: Vec<Trip>,
    /// Trip indices per (gate, direction) group.
    groups: Vec<Vec<usize>>,
}

/// The (gate, direction) groups of the storm.
fn groups_of(config: &Config) -> Vec<(String, String)> {
    config
        .gates
        .iter()
        .flat_map(|gate| {
            ["export", "import"]
                .into_iter()
                .map(move |direction| (gate.clone(), direction.to_string()))
        })
        .collect()
}

async fn seed(
    pool: &PgPool,
    config: &Config,
    groups: &[(String, String)],
    group_weights: &[f64],
) -> Result<Seeded, sqlx::Error> {
    let hash = {
        let passwords = app::server::passwords::Passwords::new();
        let password = app::domain::person::NewPassword::parse(PASSWORD).expect("a valid password");
        passwords.hash(&password).await.expect("argon2 hashes")
    };
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "insert into firms (name, tax_code, address, phone)
         select 'Công ty Vận tải Bão ' || i, '49' || lpad(i::text, 8, '0'),
                'Km 3, Đồng Đăng, Lạng Sơn', '+842053851234'
           from generate_series(1, $1) as i",
    )
    .bind(config.firms as i32)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into users (firm_id, role, full_name, email, password_hash)
         select id, 'firm_admin', 'Nguyễn Thị Lan',
                'storm-admin-' || substr(tax_code, 3)::int || '@firm.example', $1
           from firms",
    )
    .bind(&hash)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into users (firm_id, role, full_name, phone, id_number, password_hash)
         select f.id, 'driver', 'Hoàng Văn Thụ',
                '+849' || lpad(((substr(f.tax_code, 3)::int - 1) * $1 + d)::text, 8, '0'),
                '0201' || lpad(((substr(f.tax_code, 3)::int - 1) * $1 + d)::text, 8, '0'), $2
           from firms f cross join generate_series(1, $1) as d",
    )
    .bind(config.drivers_per_firm.max(1) as i32)
    .bind(&hash)
    .execute(&mut *transaction)
    .await?;

    // Firm index (from the tax code), firm id, admin id, and the firm's drivers.
    let rows = sqlx::query(
        "select substr(f.tax_code, 3)::int - 1 as firm, f.id, a.id as admin,
                array(select d.id from users d where d.firm_id = f.id and d.role = 'driver' order by d.phone) as drivers
           from firms f join users a on a.firm_id = f.id and a.role = 'firm_admin'
          order by 1",
    )
    .fetch_all(&mut *transaction)
    .await?;
    let firm_ids: Vec<uuid::Uuid> = rows.iter().map(|row| row.get("id")).collect();
    let admins: Vec<uuid::Uuid> = rows.iter().map(|row| row.get("admin")).collect();
    let drivers: Vec<Vec<uuid::Uuid>> = rows.iter().map(|row| row.get("drivers")).collect();

    // One vehicle per trip, with Vietnamese plates such as 51C12345 (unique: the series
    // letter and the five digits never repeat).
    let total = config.firms * config.trips_per_firm;
    let letters = ['C', 'D', 'E', 'F', 'G', 'H', 'K', 'L', 'M', 'N'];
    let mut random = Random::new(config.seed);
    let mut vehicle_firms = Vec::with_capacity(total);
    let mut plates = Vec::with_capacity(total);
    let mut trip_groups = Vec::with_capacity(total);
    let mut perishable = Vec::with_capacity(total);
    let weight_sum: f64 = group_weights.iter().sum();
    for index in 0..total {
        let firm = index / config.trips_per_firm;
        vehicle_firms.push(firm_ids[firm]);
        plates.push(format!(
            "{}{}{}",
            11 + index % 89,
            letters[index / 90_000],
            10_000 + index % 90_000
        ));
        let mut pick = random.unit() * weight_sum;
        let mut group = 0;
        while group + 1 < group_weights.len() && pick >= group_weights[group] {
            pick -= group_weights[group];
            group += 1;
        }
        trip_groups.push(group);
        perishable.push(random.chance(config.perishable_trips));
    }
    let vehicle_rows: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "insert into vehicles (firm_id, plate, country, kind, axles, gross_weight_kg)
         select firm, plate, 'VN', 'truck', 3, 24000 from unnest($1::uuid[], $2::text[]) as v (firm, plate)
         returning id, plate",
    )
    .bind(&vehicle_firms)
    .bind(&plates)
    .fetch_all(&mut *transaction)
    .await?;
    let vehicle_by_plate: HashMap<String, uuid::Uuid> = vehicle_rows
        .into_iter()
        .map(|(id, plate)| (plate, id))
        .collect();

    let mut vehicle_ids = Vec::with_capacity(total);
    let mut driver_ids = Vec::with_capacity(total);
    let mut creators = Vec::with_capacity(total);
    let mut directions = Vec::with_capacity(total);
    let mut gates = Vec::with_capacity(total);
    let mut declarations = Vec::with_capacity(total);
    for index in 0..total {
        let firm = index / config.trips_per_firm;
        vehicle_ids.push(vehicle_by_plate[&plates[index]]);
        driver_ids.push(drivers[firm][index % drivers[firm].len()]);
        creators.push(admins[firm]);
        let (gate, direction) = &groups[trip_groups[index]];
        gates.push(gate.clone());
        directions.push(direction.clone());
        declarations.push(format!("10{:010}", index));
    }
    let trip_rows: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
        "insert into trips (firm_id, vehicle_id, driver_id, direction, gate_id, planned_date,
                            cargo_description, hs_code, cargo_weight_kg, packages,
                            customs_declaration, perishable, status, created_by)
         select firm, vehicle, driver, direction, gate, current_date,
                case when perishable then 'Thanh long tươi' else 'Linh kiện điện tử' end,
                case when perishable then '08109010' else '85423100' end, 18000, 1200,
                declaration, perishable, 'declared', creator
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                       $7::boolean[], $8::uuid[])
             as t (firm, vehicle, driver, direction, gate, declaration, perishable, creator)
         returning id, vehicle_id",
    )
    .bind(&vehicle_firms)
    .bind(&vehicle_ids)
    .bind(&driver_ids)
    .bind(&directions)
    .bind(&gates)
    .bind(&declarations)
    .bind(&perishable)
    .bind(&creators)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    sqlx::query("analyze").execute(pool).await?;

    let trip_by_vehicle: HashMap<uuid::Uuid, uuid::Uuid> = trip_rows
        .into_iter()
        .map(|(trip, vehicle)| (vehicle, trip))
        .collect();
    let mut trips = Vec::with_capacity(total);
    let mut by_group = vec![Vec::new(); groups.len()];
    for index in 0..total {
        trips.push(Trip {
            id: trip_by_vehicle[&vehicle_ids[index]].to_string(),
            firm: index / config.trips_per_firm,
            perishable: perishable[index],
        });
        by_group[trip_groups[index]].push(index);
    }
    let firm_emails = (0..config.firms)
        .map(|firm| format!("storm-admin-{}@firm.example", firm + 1))
        .collect();
    Ok(Seeded {
        firm_emails,
        trips,
        groups: by_group,
    })
}

/// The coming days at the gates not stormed, each slot filled to 30-70 % with active
/// bookings of booked trips: a portal in service always holds some. Without them the
/// statistics say no booking is active when the booking snapshot is planned, and a plan
/// that reads every active booking of the portal per request looks as cheap as the
/// lookup by trip (both "one row"); thousands of bookings later it is not.
async fn seed_ahead(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    config: &Config,
) -> Result<u64, sqlx::Error> {
    let count = sqlx::query(
        "create temp table ahead on commit drop as
         select gen_random_uuid() as trip_id, gen_random_uuid() as booking_id, s.id as slot_id,
                s.gate_id, s.direction, s.local_day, s.starts_at, f.firm, f.admin,
                f.vehicles[1 + (s.id * 31 + k) % cardinality(f.vehicles)] as vehicle,
                f.drivers[1 + (s.id * 17 + k) % cardinality(f.drivers)] as driver,
                (s.id * 13 + k) % 100 < 15 as perishable
           from slots s
          cross join lateral generate_series(1, s.capacity * (30 + (s.id * 37) % 41) / 100) as k
           join fleet f on f.n = (s.id * 7919 + k * 104729) % (select count(*) from fleet)
          where s.starts_at > now() and not s.gate_id = any($1)",
    )
    .bind(&config.gates)
    .execute(&mut **transaction)
    .await?
    .rows_affected();
    for statement in [
        "insert into trips (id, firm_id, vehicle_id, driver_id, direction, gate_id, planned_date,
                            cargo_description, hs_code, cargo_weight_kg, packages, customs_declaration,
                            perishable, status, created_by)
         select trip_id, firm, vehicle, driver, direction, gate_id, local_day,
                'Hàng sắp qua cửa khẩu', '08109010', 18000, 1200,
                lpad(((row_number() over ()) + 600000000000)::text, 12, '0'), perishable, 'booked', admin
           from ahead",
        "insert into bookings (id, trip_id, slot_id, firm_id, vehicle_id, perishable, pass_code, created_by)
         select booking_id, trip_id, slot_id, firm, vehicle, perishable,
                'A' || lpad((row_number() over ())::text, 9, '0'), admin
           from ahead",
        "update slots s set booked = s.booked + x.n, booked_perishable = s.booked_perishable + x.p
           from (select slot_id, count(*) as n, count(*) filter (where perishable) as p
                   from ahead group by slot_id) as x
          where s.id = x.slot_id",
        "insert into slot_firms (slot_id, firm_id, booked)
         select slot_id, firm, count(*) from ahead group by 1, 2
         on conflict (slot_id, firm_id) do update set booked = slot_firms.booked + excluded.booked",
        "insert into gate_days (gate_id, direction, local_day, intake_limit, booked)
         select a.gate_id, a.direction, a.local_day,
                case when a.direction = 'export' then g.export_daily_intake else g.import_daily_intake end,
                count(*)
           from ahead a join gates g on g.id = a.gate_id
          group by a.gate_id, a.direction, a.local_day, g.export_daily_intake, g.import_daily_intake
         on conflict (gate_id, direction, local_day) do update set booked = gate_days.booked + excluded.booked",
        "insert into booking_requests (firm_id, key, request, booking_id)
         select firm, 'ahead-' || booking_id, 'book:' || trip_id || ':' || slot_id, booking_id from ahead",
    ] {
        sqlx::query(statement).execute(&mut **transaction).await?;
    }
    Ok(count)
}

/// Weeks of past slots, each filled to 50-100 % with finished bookings (arrived, some
/// cancelled, a few old no-shows outside the strike window) of exited trips, each with
/// its idempotency key: the tables the booking path reads are then as large as on a
/// portal in service. Past counters stay at zero (only active bookings count).
async fn seed_history(pool: &PgPool, config: &Config) -> Result<(i64, i64), sqlx::Error> {
    if config.history_days <= 0 {
        return Ok((0, 0));
    }
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "insert into slots (gate_id, direction, starts_at, ends_at, local_day, capacity)
         select g.id, d.direction, start, start + make_interval(mins => g.slot_minutes),
                (start at time zone g.time_zone)::date,
                case when d.direction = 'export' then g.export_capacity else g.import_capacity end
           from gates g
          cross join (values ('export'), ('import')) as d (direction)
          cross join lateral (select min(starts_at) as first from slots s
                               where s.gate_id = g.id and s.direction = d.direction) as f
          cross join lateral generate_series(f.first - make_interval(days => $2),
                                             f.first - make_interval(mins => g.slot_minutes),
                                             make_interval(mins => g.slot_minutes)) as start
          where g.id = any($1)
         on conflict do nothing",
    )
    .bind(&config.gates)
    .bind(config.history_days)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "create temp table fleet on commit drop as
         select (row_number() over (order by f.tax_code) - 1)::int as n, f.id as firm, a.id as admin,
                array(select v.id from vehicles v where v.firm_id = f.id order by v.plate) as vehicles,
                array(select d.id from users d where d.firm_id = f.id and d.role = 'driver' order by d.phone) as drivers
           from firms f join users a on a.firm_id = f.id and a.role = 'firm_admin'",
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "create temp table history on commit drop as
         select gen_random_uuid() as trip_id, gen_random_uuid() as booking_id, s.id as slot_id,
                s.gate_id, s.direction, s.local_day, s.ends_at, f.firm, f.admin,
                f.vehicles[1 + (s.id * 31 + k) % cardinality(f.vehicles)] as vehicle,
                f.drivers[1 + (s.id * 17 + k) % cardinality(f.drivers)] as driver,
                (s.id * 13 + k) % 100 < 15 as perishable,
                case when s.starts_at < now() - interval '40 days' and (s.id + k) % 100 = 0 then 'no_show'
                     when (s.id * 7 + k) % 100 < 3 then 'cancelled'
                     else 'arrived' end as status
           from slots s
          cross join lateral generate_series(1, greatest(1, (s.capacity * (50 + (s.id * 37) % 51) / 100))) as k
           join fleet f on f.n = (s.id * 7919 + k * 104729) % (select count(*) from fleet)
          where s.starts_at < now() - interval '1 day' and s.gate_id = any($1)",
    )
    .bind(&config.gates)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into trips (id, firm_id, vehicle_id, driver_id, direction, gate_id, planned_date,
                            cargo_description, hs_code, cargo_weight_kg, packages, customs_declaration,
                            perishable, status, created_by, created_at)
         select trip_id, firm, vehicle, driver, direction, gate_id, local_day,
                'Hàng đã qua cửa khẩu', '85423100', 15000, 900,
                lpad(((row_number() over ()) + 500000000000)::text, 12, '0'), perishable,
                case status when 'arrived' then 'exited' else status end, admin, ends_at - interval '3 days'
           from history",
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into bookings (id, trip_id, slot_id, firm_id, vehicle_id, perishable, status, pass_code,
                               created_by, created_at, ended_at)
         select booking_id, trip_id, slot_id, firm, vehicle, perishable, status,
                'H' || lpad((row_number() over ())::text, 9, '0'), admin, ends_at - interval '2 days', ends_at
           from history",
    )
    .execute(&mut *transaction)
    .await?;
    // Arrivals and no-shows keep their place; cancellations gave it back.
    sqlx::query(
        "update slots s set booked = x.n, booked_perishable = x.p
           from (select slot_id, count(*) as n, count(*) filter (where perishable) as p
                   from history where status <> 'cancelled' group by slot_id) as x
          where s.id = x.slot_id",
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into slot_firms (slot_id, firm_id, booked)
         select slot_id, firm, count(*) from history where status <> 'cancelled' group by 1, 2",
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into gate_days (gate_id, direction, local_day, intake_limit, booked)
         select h.gate_id, h.direction, h.local_day,
                case when h.direction = 'export' then g.export_daily_intake else g.import_daily_intake end,
                count(*)
           from history h join gates g on g.id = h.gate_id
          where h.status <> 'cancelled'
          group by h.gate_id, h.direction, h.local_day, g.export_daily_intake, g.import_daily_intake
         on conflict (gate_id, direction, local_day) do update set booked = excluded.booked",
    )
    .execute(&mut *transaction)
    .await?;
    let count = sqlx::query(
        "insert into booking_requests (firm_id, key, request, booking_id, created_at)
         select firm, 'history-' || booking_id, 'book:' || trip_id || ':' || slot_id, booking_id,
                ends_at - interval '2 days'
           from history",
    )
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    let ahead = seed_ahead(&mut transaction, config).await?;
    transaction.commit().await?;
    sqlx::query("analyze").execute(pool).await?;
    Ok((count as i64, ahead as i64))
}

/// Signs every firm's admin in over HTTP; returns each firm's `bgp_session=…` cookie.
async fn sign_in_all(
    client: &Client,
    base: &str,
    emails: &[String],
) -> Result<Vec<String>, String> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, email) in emails.iter().enumerate() {
        let (client, url, email, semaphore) = (
            client.clone(),
            format!("{base}/api/login"),
            email.clone(),
            semaphore.clone(),
        );
        tasks.spawn(async move {
            let _permit = semaphore.acquire().await.expect("open semaphore");
            let response = client
                .post(url)
                .form(&[("identifier", email.as_str()), ("password", PASSWORD)])
                .send()
                .await
                .map_err(|error| format!("login {email}: {error}"))?;
            let status = response.status();
            let cookie = response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find(|line| line.starts_with("bgp_session="))
                .and_then(|line| line.split(';').next())
                .map(str::to_string);
            match cookie {
                Some(cookie) if status.is_success() => Ok((index, cookie)),
                _ => Err(format!(
                    "login {email}: {status} {}",
                    response.text().await.unwrap_or_default()
                )),
            }
        });
    }
    let mut cookies = vec![String::new(); emails.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, cookie) = joined.map_err(|error| format!("{error}"))??;
        cookies[index] = cookie;
    }
    Ok(cookies)
}

// ---------------------------------------------------------------------------------------
// The storm

/// What one HTTP booking request came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Booked(String),
    Refused(String),
    Status(u16),
    Transport(String),
    /// The client gave up on purpose before the answer came.
    Aborted,
}

impl Answer {
    fn from(status: StatusCode, body: &[u8]) -> Answer {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        match status {
            StatusCode::OK => match json.as_str() {
                Some(id) => Answer::Booked(id.to_string()),
                None => Answer::Status(299),
            },
            StatusCode::UNPROCESSABLE_ENTITY => Answer::Refused(
                json["Invalid"]["fields"][0]["problem"]["code"]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_string(),
            ),
            other => Answer::Status(other.as_u16()),
        }
    }

    fn booking(&self) -> Option<&str> {
        match self {
            Answer::Booked(id) => Some(id),
            _ => None,
        }
    }
}

/// How an answered request is counted. Retries (a second send under the same key) are
/// judged against the first send's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Confirmed,
    SlotFull,
    OtherRefusal,
    RetryReplayed,
    RetryBooked,
    RetryRefused,
    /// A retry answered otherwise than the booking its first send made: a different
    /// booking (a duplicate) or a refusal.
    RetryMismatch,
    Dropped,
    ServerError,
    OtherStatus,
    TransportError,
}

const OUTCOMES: [(Outcome, &str); 11] = [
    (Outcome::Confirmed, "confirmed"),
    (Outcome::SlotFull, "slot full"),
    (Outcome::OtherRefusal, "other refusal"),
    (Outcome::RetryReplayed, "retry: replayed same booking"),
    (Outcome::RetryBooked, "retry: booked (1st refused/dropped)"),
    (Outcome::RetryRefused, "retry: refused"),
    (Outcome::RetryMismatch, "retry: MISMATCH"),
    (Outcome::Dropped, "dropped by the client"),
    (Outcome::ServerError, "5xx"),
    (Outcome::OtherStatus, "other status (4xx)"),
    (Outcome::TransportError, "transport error"),
];

fn first_outcome(answer: &Answer) -> Outcome {
    match answer {
        Answer::Booked(_) => Outcome::Confirmed,
        Answer::Refused(code) if code == "slot_full" => Outcome::SlotFull,
        Answer::Refused(_) => Outcome::OtherRefusal,
        Answer::Status(status) if *status >= 500 => Outcome::ServerError,
        Answer::Status(_) => Outcome::OtherStatus,
        Answer::Transport(_) => Outcome::TransportError,
        Answer::Aborted => Outcome::Dropped,
    }
}

fn retry_outcome(first: &Answer, retry: &Answer) -> Outcome {
    match (first, retry) {
        (_, Answer::Status(status)) if *status >= 500 => Outcome::ServerError,
        (_, Answer::Status(_)) => Outcome::OtherStatus,
        (_, Answer::Transport(_)) => Outcome::TransportError,
        (_, Answer::Aborted) => Outcome::Dropped,
        (Answer::Booked(first), Answer::Booked(again)) if first == again => Outcome::RetryReplayed,
        (Answer::Booked(_), _) => Outcome::RetryMismatch,
        (_, Answer::Booked(_)) => Outcome::RetryBooked,
        (_, Answer::Refused(_)) => Outcome::RetryRefused,
    }
}

#[derive(Clone, Copy)]
struct Sample {
    outcome: Outcome,
    /// When it was sent, since the storm began.
    sent_ms: u32,
    latency_us: u32,
}

#[derive(Default)]
struct Tally {
    samples: Vec<Sample>,
    codes: BTreeMap<String, u64>,
    statuses: BTreeMap<u16, u64>,
    transport_errors: BTreeMap<String, u64>,
    lags_us: Vec<u32>,
    booked: HashSet<String>,
    first_sends: u64,
    twins: u64,
    sequential_retries: u64,
    drops_tried: u64,
    drops_answered_in_time: u64,
    starved: u64,
}

impl Tally {
    fn record(
        &mut self,
        outcome: Outcome,
        sent: Instant,
        start: Instant,
        answer: &Answer,
        latency: Duration,
    ) {
        self.samples.push(Sample {
            outcome,
            sent_ms: sent.duration_since(start).as_millis() as u32,
            latency_us: latency.as_micros().min(u32::MAX as u128) as u32,
        });
        match answer {
            Answer::Booked(id) => {
                self.booked.insert(id.clone());
            }
            Answer::Refused(code) => *self.codes.entry(code.clone()).or_default() += 1,
            Answer::Status(status) => *self.statuses.entry(*status).or_default() += 1,
            Answer::Transport(error) => {
                *self.transport_errors.entry(error.clone()).or_default() += 1
            }
            Answer::Aborted => {}
        }
    }

    fn merge(&mut self, other: Tally) {
        self.samples.extend(other.samples);
        for (code, count) in other.codes {
            *self.codes.entry(code).or_default() += count;
        }
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (error, count) in other.transport_errors {
            *self.transport_errors.entry(error).or_default() += count;
        }
        self.lags_us.extend(other.lags_us);
        self.booked.extend(other.booked);
        self.first_sends += other.first_sends;
        self.twins += other.twins;
        self.sequential_retries += other.sequential_retries;
        self.drops_tried += other.drops_tried;
        self.drops_answered_in_time += other.drops_answered_in_time;
        self.starved += other.starved;
    }
}

struct Storm {
    client: Client,
    shared_client: bool,
    /// `POST /api/book_slot` of each server process.
    book_urls: Vec<String>,
    cookies: Vec<String>,
    trips: Vec<Trip>,
    /// Declared trips not in flight, per group.
    pools: Vec<Mutex<Vec<usize>>>,
    slots: Vec<Slot>,
    /// Zipf cumulative weights by popularity rank, and the slot of each rank.
    zipf_cdf: Vec<f64>,
    slot_of_rank: Vec<usize>,
    /// Slots some booker was told are full (or closed to more bookings that day).
    seen_full: Vec<AtomicBool>,
    config_rate: f64,
    bookers: usize,
    informed: f64,
    retry: f64,
    drop: f64,
    drop_max_ms: f64,
    start: Instant,
    deadline: Instant,
    max_attempts: Option<u64>,
    first_sends: AtomicU64,
}

enum Mode {
    Single,
    Twins,
    RetryAfterAnswer,
    Drop,
}

impl Storm {
    fn zipf_slot(&self, random: &mut Random) -> usize {
        let total = *self.zipf_cdf.last().expect("slots");
        let point = random.unit() * total;
        let rank = self
            .zipf_cdf
            .partition_point(|cumulative| *cumulative <= point)
            .min(self.zipf_cdf.len() - 1);
        self.slot_of_rank[rank]
    }

    /// A slot by popularity; an informed booker skips slots seen full when it can.
    fn pick_slot(&self, random: &mut Random, informed: bool) -> usize {
        if !informed {
            return self.zipf_slot(random);
        }
        for _ in 0..16 {
            let slot = self.zipf_slot(random);
            if !self.seen_full[slot].load(Ordering::Relaxed) {
                return slot;
            }
        }
        // The popular ones are gone: the first open slot down the popularity list.
        let open = self
            .slot_of_rank
            .iter()
            .copied()
            .find(|slot| !self.seen_full[*slot].load(Ordering::Relaxed));
        open.unwrap_or_else(|| self.zipf_slot(random))
    }

    /// A slot and a declared trip of its gate and direction that nobody is booking now.
    fn pick(&self, random: &mut Random, informed: bool) -> Option<(usize, usize)> {
        for _ in 0..32 {
            let slot = self.pick_slot(random, informed);
            let mut pool = self.pools[self.slots[slot].group]
                .lock()
                .expect("pool lock");
            if !pool.is_empty() {
                let at = random.below(pool.len());
                return Some((slot, pool.swap_remove(at)));
            }
        }
        None
    }

    async fn send(
        &self,
        client: &Client,
        book_url: &str,
        trip: usize,
        slot: usize,
        key: &str,
        abort_after: Option<Duration>,
    ) -> (Answer, Instant, Duration) {
        let trip = &self.trips[trip];
        let body = format!(
            "trip_id={}&slot_id={}&request_key={key}",
            trip.id, self.slots[slot].id
        );
        let sent = Instant::now();
        let request = async {
            let response = client
                .post(book_url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(COOKIE, &self.cookies[trip.firm])
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, bytes))
        };
        let result = match abort_after {
            Some(limit) => match tokio::time::timeout(limit, request).await {
                Ok(result) => result,
                Err(_) => return (Answer::Aborted, sent, sent.elapsed()),
            },
            None => request.await,
        };
        let latency = sent.elapsed();
        let answer = match result {
            Ok((status, body)) => Answer::from(status, &body),
            Err(error) => Answer::Transport(transport_kind(&error)),
        };
        (answer, sent, latency)
    }

    fn learn(&self, slot: usize, answer: &Answer) {
        if let Answer::Refused(code) = answer
            && matches!(code.as_str(), "slot_full" | "daily_intake")
        {
            self.seen_full[slot].store(true, Ordering::Relaxed);
        }
    }

    async fn booker(self: Arc<Self>, index: usize, seed: u64) -> Tally {
        let mut random = Random::new(seed ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        // Each booker is one browser with its own keep-alive connections (two, for the
        // concurrent twins), unless told to share one client pool.
        let client = if self.shared_client {
            self.client.clone()
        } else {
            Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(2)
                .pool_idle_timeout(Duration::from_secs(300))
                .tcp_nodelay(true)
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client")
        };
        let mut tally = Tally::default();
        let book_url = self.book_urls[index % self.book_urls.len()].as_str();
        let mean_gap = if self.config_rate > 0.0 {
            self.bookers as f64 / self.config_rate
        } else {
            0.0
        };
        let mut next = self.start + Duration::from_secs_f64(random.unit() * mean_gap);
        let mut sequence = 0u32;
        loop {
            if mean_gap > 0.0 {
                tokio::time::sleep_until(next.into()).await;
                let now = Instant::now();
                tally
                    .lags_us
                    .push(now.saturating_duration_since(next).as_micros() as u32);
                next += Duration::from_secs_f64(random.exponential(mean_gap));
                if next < now {
                    // Far behind (the server is slower than the offered rate): do not
                    // burst to catch up.
                    next = now;
                }
            }
            if Instant::now() >= self.deadline {
                break;
            }
            if let Some(limit) = self.max_attempts
                && self.first_sends.fetch_add(1, Ordering::Relaxed) >= limit
            {
                break;
            }
            let informed = random.chance(self.informed);
            let Some((slot, trip)) = self.pick(&mut random, informed) else {
                tally.starved += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            sequence += 1;
            let key = format!("storm-{index:05}-{sequence:06}");
            let roll = random.unit();
            let mode = if roll < self.drop {
                Mode::Drop
            } else if roll < self.drop + self.retry / 2.0 {
                Mode::Twins
            } else if roll < self.drop + self.retry {
                Mode::RetryAfterAnswer
            } else {
                Mode::Single
            };
            tally.first_sends += 1;
            let mut answers = Vec::with_capacity(2);
            match mode {
                Mode::Single => {
                    let (answer, sent, latency) =
                        self.send(&client, book_url, trip, slot, &key, None).await;
                    tally.record(first_outcome(&answer), sent, self.start, &answer, latency);
                    answers.push(answer);
                }
                Mode::Twins => {
                    tally.twins += 1;
                    let ((first, sent, latency), (twin, twin_sent, twin_latency)) = tokio::join!(
                        self.send(&client, book_url, trip, slot, &key, None),
                        self.send(&client, book_url, trip, slot, &key, None)
                    );
                    tally.record(first_outcome(&first), sent, self.start, &first, latency);
                    tally.record(
                        retry_outcome(&first, &twin),
                        twin_sent,
                        self.start,
                        &twin,
                        twin_latency,
                    );
                    answers.push(first);
                    answers.push(twin);
                }
                Mode::RetryAfterAnswer => {
                    tally.sequential_retries += 1;
                    let (first, sent, latency) =
                        self.send(&client, book_url, trip, slot, &key, None).await;
                    tally.record(first_outcome(&first), sent, self.start, &first, latency);
                    let (again, again_sent, again_latency) =
                        self.send(&client, book_url, trip, slot, &key, None).await;
                    tally.record(
                        retry_outcome(&first, &again),
                        again_sent,
                        self.start,
                        &again,
                        again_latency,
                    );
                    answers.push(first);
                    answers.push(again);
                }
                Mode::Drop => {
                    tally.drops_tried += 1;
                    let limit = Duration::from_secs_f64(random.unit() * self.drop_max_ms / 1000.0);
                    let (first, sent, latency) = self
                        .send(&client, book_url, trip, slot, &key, Some(limit))
                        .await;
                    tally.record(first_outcome(&first), sent, self.start, &first, latency);
                    if first == Answer::Aborted {
                        // The person presses again once the page gives up.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let (again, again_sent, again_latency) =
                            self.send(&client, book_url, trip, slot, &key, None).await;
                        tally.record(
                            retry_outcome(&first, &again),
                            again_sent,
                            self.start,
                            &again,
                            again_latency,
                        );
                        answers.push(again);
                    } else {
                        tally.drops_answered_in_time += 1;
                    }
                    answers.push(first);
                }
            }
            for answer in &answers {
                self.learn(slot, answer);
            }
            let done = answers.iter().any(|answer| {
                answer.booking().is_some()
                    || matches!(answer, Answer::Refused(code) if code == "trip_not_bookable")
            });
            if !done {
                self.pools[self.slots[slot].group]
                    .lock()
                    .expect("pool lock")
                    .push(trip);
            }
        }
        tally
    }
}

fn transport_kind(error: &reqwest::Error) -> String {
    let mut text = if error.is_connect() {
        "connect".to_string()
    } else if error.is_timeout() {
        "timeout".to_string()
    } else if error.is_body() {
        "body".to_string()
    } else if error.is_request() {
        "request".to_string()
    } else {
        "other".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text.chars().take(160).collect()
}

// ---------------------------------------------------------------------------------------
// Where PostgreSQL spends the storm: pg_stat_statements is not installed, so the
// benchmark samples pg_stat_activity (what each backend of this database is doing,
// every 50 ms) and reads the table statistics before and after.

/// A statement of the booking path, told apart by its text.
fn statement_label(query: &str) -> String {
    let query = query.trim();
    if query.contains("from sessions s") {
        "session lookup (current_user)".into()
    } else if query.contains("as trip_status") {
        "booking snapshot".into()
    } else if query.contains("book_slots(") {
        "book_slots(...) (a batch)".into()
    } else if query.contains("book_slot(") {
        "select book_slot(...)".into()
    } else if query.contains("from gates g where g.id") {
        "gate by id".into()
    } else if query.is_empty() {
        "(none)".into()
    } else {
        query.chars().take(48).collect()
    }
}

#[derive(Default)]
struct Activity {
    samples: u64,
    /// Every server backend seen: more than the server's connections (its pool and the
    /// booking path's own) means connections were closed and opened again.
    backends: HashSet<i32>,
    /// (state, statement, wait) -> backend samples.
    counts: BTreeMap<(String, String, String), u64>,
}

async fn sample_activity(pool: PgPool, stop: Arc<AtomicBool>) -> Activity {
    let mut activity = Activity::default();
    let mut ticks = tokio::time::interval(Duration::from_millis(50));
    while !stop.load(Ordering::Relaxed) {
        ticks.tick().await;
        let rows: Result<Vec<(i32, String, String, String, String)>, sqlx::Error> = sqlx::query_as(
            "select pid, coalesce(state, '?'), coalesce(query, ''), coalesce(wait_event_type, ''),
                    coalesce(wait_event, '')
               from pg_stat_activity
              where datname = current_database() and application_name <> 'booking_storm'
                and backend_type = 'client backend'",
        )
        .fetch_all(&pool)
        .await;
        let Ok(rows) = rows else { continue };
        activity.samples += 1;
        for (pid, state, query, wait_type, wait) in rows {
            activity.backends.insert(pid);
            let (statement, wait) = if state == "active" {
                let wait = if wait_type.is_empty() {
                    "on CPU (or waiting for one)".to_string()
                } else {
                    format!("{wait_type}: {wait}")
                };
                (statement_label(&query), wait)
            } else {
                ("-".to_string(), String::new())
            };
            *activity.counts.entry((state, statement, wait)).or_default() += 1;
        }
    }
    activity
}

/// Round trips timed every 50 ms during the storm, to tell where a wait is: the server's
/// runtime (`/healthz` touches no database), PostgreSQL (`select 1` from the benchmark's
/// own connection) or the load generator itself (how late its timer fires).
#[derive(Default)]
struct Probes {
    healthz_us: Vec<u32>,
    no_session_us: Vec<u32>,
    one_query_us: Vec<u32>,
    three_queries_us: Vec<u32>,
    real_us: Vec<u32>,
    select_us: Vec<u32>,
    timer_late_us: Vec<u32>,
}

async fn probe(
    client: Client,
    base: String,
    cookie: String,
    wrong_slot: (String, i64),
    storm: Arc<Storm>,
    pool: PgPool,
    stop: Arc<AtomicBool>,
) -> Probes {
    let mut random = Random::new(0x9e37);
    let mut sequence = 0u32;
    let url = format!("{base}/healthz");
    let book_url = format!("{base}/api/book_slot");
    let mut probes = Probes::default();
    let mut next = Instant::now();
    let micros = |since: Instant| since.elapsed().as_micros().min(u32::MAX as u128) as u32;
    while !stop.load(Ordering::Relaxed) {
        next = (next + Duration::from_millis(50)).max(Instant::now());
        tokio::time::sleep_until(next.into()).await;
        probes
            .timer_late_us
            .push(Instant::now().saturating_duration_since(next).as_micros() as u32);
        let started = Instant::now();
        if let Ok(response) = client.get(&url).send().await
            && response.bytes().await.is_ok()
        {
            probes.healthz_us.push(micros(started));
        }
        // The server function without a session: refused before any query.
        let started = Instant::now();
        if let Ok(response) = client
            .post(&book_url)
            .form(&[("trip_id", "x"), ("slot_id", "1"), ("request_key", "probe")])
            .send()
            .await
            && response.bytes().await.is_ok()
        {
            probes.no_session_us.push(micros(started));
        }
        // Signed in, with a key too short: one query (the session lookup), then refused.
        let started = Instant::now();
        if let Ok(response) = client
            .post(&book_url)
            .header(COOKIE, &cookie)
            .form(&[
                ("trip_id", "00000000-0000-0000-0000-000000000000"),
                ("slot_id", "1"),
                ("request_key", "probe"),
            ])
            .send()
            .await
            && response.bytes().await.is_ok()
        {
            probes.one_query_us.push(micros(started));
        }
        // A trip and a slot of another gate or direction: the session lookup, the
        // snapshot and the gate, then refused (what a "slot full" answer costs).
        let started = Instant::now();
        if let Ok(response) = client
            .post(&book_url)
            .header(COOKIE, &cookie)
            .form(&[
                ("trip_id", wrong_slot.0.as_str()),
                ("slot_id", &wrong_slot.1.to_string()),
                ("request_key", "probe-key-0001"),
            ])
            .send()
            .await
            && response.bytes().await.is_ok()
        {
            probes.three_queries_us.push(micros(started));
        }
        // A real booking attempt like the bookers', sent from this task.
        if let Some((slot, trip)) = storm.pick(&mut random, true) {
            sequence += 1;
            let key = format!("probe-{sequence:08}");
            let (answer, _, latency) = storm.send(&client, &book_url, trip, slot, &key, None).await;
            probes
                .real_us
                .push(latency.as_micros().min(u32::MAX as u128) as u32);
            storm.learn(slot, &answer);
            if answer.booking().is_none() {
                storm.pools[storm.slots[slot].group]
                    .lock()
                    .expect("pool lock")
                    .push(trip);
            }
        }
        let started = Instant::now();
        if sqlx::query("select 1").execute(&pool).await.is_ok() {
            probes.select_us.push(micros(started));
        }
    }
    probes
}

fn print_probes(probes: &mut Probes) {
    let mut line = Vec::new();
    for (name, values) in [
        ("GET /healthz (server, no database)", &mut probes.healthz_us),
        (
            "book_slot without a session (no query)",
            &mut probes.no_session_us,
        ),
        (
            "book_slot refused after the session lookup (1 query)",
            &mut probes.one_query_us,
        ),
        (
            "book_slot refused as wrong slot (3 queries, like slot full)",
            &mut probes.three_queries_us,
        ),
        (
            "a booking attempt like the bookers' (any answer)",
            &mut probes.real_us,
        ),
        (
            "select 1 (PostgreSQL, own connection)",
            &mut probes.select_us,
        ),
        ("load generator timer lateness", &mut probes.timer_late_us),
    ] {
        values.sort_unstable();
        line.push(format!(
            "{name} p50 {} / p99 {} ms",
            milliseconds(percentile(values, 0.50)),
            milliseconds(percentile(values, 0.99))
        ));
    }
    println!("probes every 50 ms during the storm (own connections):");
    for item in line {
        println!("  {item}");
    }
}

fn print_activity(activity: &Activity, pool_size: usize) {
    if activity.samples == 0 {
        return;
    }
    let total: u64 = activity.counts.values().sum();
    println!(
        "server connections by what their backend was doing ({} samples every 50 ms, {:.1} connections on average: the pool of {pool_size} and the booking path's own; {} distinct backends seen):",
        activity.samples,
        total as f64 / activity.samples as f64,
        activity.backends.len()
    );
    let mut rows: Vec<(&(String, String, String), &u64)> = activity.counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1));
    for ((state, statement, wait), count) in rows {
        let what = if state == "active" {
            format!("active  {statement:<32} {wait}")
        } else {
            state.clone()
        };
        println!(
            "  {:>5.1}%  {:>5.2} conns  {what}",
            *count as f64 * 100.0 / total as f64,
            *count as f64 / activity.samples as f64
        );
    }
}

/// pg_stat_database of this database: what the whole storm cost PostgreSQL.
async fn database_stats(pool: &PgPool) -> Vec<(String, f64)> {
    let row = sqlx::query(
        "select xact_commit::float8, xact_rollback::float8, sessions::float8,
                sessions_abandoned::float8, tup_returned::float8, tup_fetched::float8,
                blks_hit::float8, blks_read::float8, deadlocks::float8, active_time
           from pg_stat_database where datname = current_database()",
    )
    .fetch_one(pool)
    .await;
    let Ok(row) = row else { return Vec::new() };
    [
        "commits",
        "rollbacks",
        "sessions opened",
        "sessions abandoned",
        "rows returned (scans)",
        "rows fetched (index)",
        "buffer hits",
        "buffer reads",
        "deadlocks",
        "backend active ms",
    ]
    .iter()
    .enumerate()
    .map(|(index, name)| (name.to_string(), row.get::<f64, _>(index)))
    .collect()
}

fn print_database_stats(before: &[(String, f64)], after: &[(String, f64)]) {
    let deltas: Vec<String> = after
        .iter()
        .zip(before)
        .map(|((name, end), (_, start))| format!("{name} {:.0}", end - start))
        .collect();
    if !deltas.is_empty() {
        println!(
            "database over the storm (pg_stat_database): {}",
            deltas.join(", ")
        );
    }
}

type TableStats = BTreeMap<String, [i64; 7]>;

const TABLE_COLUMNS: [&str; 7] = [
    "seq_scan",
    "seq_tup_read",
    "idx_scan",
    "n_tup_ins",
    "n_tup_upd",
    "n_tup_hot_upd",
    "n_dead_tup",
];

async fn table_stats(pool: &PgPool) -> TableStats {
    let rows: Vec<(String, i64, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "select relname::text, coalesce(seq_scan, 0), coalesce(seq_tup_read, 0), coalesce(idx_scan, 0),
                n_tup_ins, n_tup_upd, n_tup_hot_upd, n_dead_tup
           from pg_stat_user_tables",
    )
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    rows.into_iter()
        .map(|(name, a, b, c, d, e, f, g)| (name, [a, b, c, d, e, f, g]))
        .collect()
}

fn print_table_stats(before: &TableStats, after: &TableStats) {
    println!("table statistics over the storm (pg_stat_user_tables; n_dead_tup at the end):");
    println!(
        "  {:<18} {:>9} {:>13} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "table",
        TABLE_COLUMNS[0],
        TABLE_COLUMNS[1],
        TABLE_COLUMNS[2],
        "inserted",
        "updated",
        "hot upd",
        "dead"
    );
    for (name, end) in after {
        let start = before.get(name).copied().unwrap_or_default();
        let delta: Vec<i64> = (0..7)
            .map(|index| {
                if index == 6 {
                    end[index]
                } else {
                    end[index] - start[index]
                }
            })
            .collect();
        if delta[..6].iter().all(|value| *value == 0) {
            continue;
        }
        println!(
            "  {:<18} {:>9} {:>13} {:>10} {:>9} {:>9} {:>9} {:>9}",
            name, delta[0], delta[1], delta[2], delta[3], delta[4], delta[5], delta[6]
        );
    }
}

// ---------------------------------------------------------------------------------------
// Figures

fn percentile(sorted: &[u32], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

fn milliseconds(value: f64) -> String {
    if value.is_nan() {
        "-".into()
    } else if value < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.1}")
    }
}

struct Checks {
    overbooked: i64,
    booked_drift: i64,
    perishable_drift: i64,
    firm_counter_drift: i64,
    day_counter_drift: i64,
    over_firm_share: i64,
    over_daily_intake: i64,
    over_perishable_reserve: i64,
    trips_two_active: i64,
    trips_two_any: i64,
    orphan_bookings: i64,
    keys_sharing_booking: i64,
    trip_status_drift: i64,
    active_bookings: i64,
    requests_claimed: i64,
}

/// A count; `$1` is the start of the first materialised slot: counters and limits are
/// checked on the slots of today and ahead (history keeps arrived bookings counted).
async fn count(
    pool: &PgPool,
    storm_from: chrono::DateTime<chrono::Utc>,
    sql: &'static str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql)
        .bind(storm_from)
        .fetch_one(pool)
        .await
}

async fn check_database(
    pool: &PgPool,
    storm_from: chrono::DateTime<chrono::Utc>,
) -> Result<Checks, sqlx::Error> {
    let at = storm_from;
    Ok(Checks {
        overbooked: count(
            pool,
            at,
            "select count(*) from slots where booked > capacity and starts_at >= $1",
        )
        .await?,
        booked_drift: count(
            pool,
            at,
            "select count(*) from slots s
               left join (select slot_id, count(*) as n from bookings where status = 'active' group by slot_id) b
                 on b.slot_id = s.id
              where s.starts_at >= $1 and s.booked <> coalesce(b.n, 0)",
        )
        .await?,
        perishable_drift: count(
            pool,
            at,
            "select count(*) from slots s
               left join (select slot_id, count(*) as n from bookings where status = 'active' and perishable group by slot_id) b
                 on b.slot_id = s.id
              where s.starts_at >= $1 and s.booked_perishable <> coalesce(b.n, 0)",
        )
        .await?,
        firm_counter_drift: count(
            pool,
            at,
            "select count(*) from (select sf.slot_id, sf.firm_id, sf.booked from slot_firms sf
                                     join slots s on s.id = sf.slot_id where s.starts_at >= $1) as sf
               full join (select b.slot_id, b.firm_id, count(*) as n from bookings b
                            join slots s on s.id = b.slot_id
                           where b.status = 'active' and s.starts_at >= $1 group by 1, 2) as b
                 using (slot_id, firm_id)
              where coalesce(sf.booked, 0) <> coalesce(b.n, 0)",
        )
        .await?,
        day_counter_drift: count(
            pool,
            at,
            "select count(*) from gate_days d
               left join (select s.gate_id, s.direction, s.local_day, count(*) as n
                            from bookings b join slots s on s.id = b.slot_id
                           where b.status = 'active' group by 1, 2, 3) x
                 using (gate_id, direction, local_day)
              where d.local_day >= (select min(local_day) from slots where starts_at >= $1)
                and d.booked <> coalesce(x.n, 0)",
        )
        .await?,
        over_firm_share: count(
            pool,
            at,
            "select count(*) from slot_firms sf join slots s on s.id = sf.slot_id join gates g on g.id = s.gate_id
              where s.starts_at >= $1 and sf.booked > greatest(1, s.capacity * g.firm_share_percent / 100)",
        )
        .await?,
        over_daily_intake: count(
            pool,
            at,
            "select count(*) from gate_days
              where local_day >= (select min(local_day) from slots where starts_at >= $1)
                and intake_limit is not null and booked > intake_limit",
        )
        .await?,
        // Slots whose reserve was never released during the storm (they start more than
        // the release hours after it).
        over_perishable_reserve: count(
            pool,
            at,
            "select count(*) from slots s join gates g on g.id = s.gate_id
              where s.starts_at >= $1
                and s.starts_at > now() + make_interval(hours => g.perishable_release_hours)
                and s.booked - s.booked_perishable > s.capacity - s.capacity * g.perishable_share_percent / 100",
        )
        .await?,
        trips_two_active: count(
            pool,
            at,
            "select count(*) from (select trip_id from bookings where status = 'active' and $1 is not null
                                     group by trip_id having count(*) > 1) as twice",
        )
        .await?,
        trips_two_any: count(
            pool,
            at,
            "select count(*) from (select trip_id from bookings where $1 is not null
                                    group by trip_id having count(*) > 1) as twice",
        )
        .await?,
        // A key that made two bookings keeps pointing at the last: the first is orphaned.
        orphan_bookings: count(
            pool,
            at,
            "select count(*) from bookings b
              where $1 is not null
                and not exists (select 1 from booking_requests r where r.booking_id = b.id)",
        )
        .await?,
        keys_sharing_booking: count(
            pool,
            at,
            "select count(*) from (select booking_id from booking_requests
                                    where booking_id is not null and $1 is not null
                                    group by booking_id having count(*) > 1) as shared",
        )
        .await?,
        trip_status_drift: count(
            pool,
            at,
            "select count(*) from trips t
              where $1 is not null and (t.status = 'booked')
                    <> exists (select 1 from bookings b where b.trip_id = t.id and b.status = 'active')",
        )
        .await?,
        active_bookings: count(
            pool,
            at,
            "select count(*) from bookings b where b.status = 'active' and $1 is not null
                and not exists (select 1 from booking_requests r
                                 where r.booking_id = b.id and r.key like 'ahead-%')",
        )
        .await?,
        requests_claimed: count(
            pool,
            at,
            "select count(*) from booking_requests
              where key not like 'history-%' and key not like 'ahead-%' and $1 is not null",
        )
        .await?,
    })
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

// ---------------------------------------------------------------------------------------

#[tokio::main]
async fn main() {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("booking_storm: {error}");
            std::process::exit(2);
        }
    };
    let admin = match PgPoolOptions::new()
        .max_connections(1)
        .connect(&config.admin_url)
        .await
    {
        Ok(pool) => pool,
        Err(error) => {
            eprintln!("booking_storm: cannot connect to DATABASE_URL: {error}");
            std::process::exit(2);
        }
    };
    // The name was checked: lower-case letters, digits and `_` only.
    if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "create database {}",
        config.database
    )))
    .execute(&admin)
    .await
    {
        eprintln!(
            "booking_storm: cannot create database {}: {error}",
            config.database
        );
        std::process::exit(2);
    }
    let result = run(&config).await;
    if config.keep_database {
        println!("database kept: {}", config.database);
    } else if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database if exists {} with (force)",
        config.database
    )))
    .execute(&admin)
    .await
    {
        eprintln!(
            "booking_storm: cannot drop database {}: {error}",
            config.database
        );
    }
    admin.close().await;
    if let Err(error) = result {
        eprintln!("booking_storm: {error}");
        std::process::exit(1);
    }
}

async fn run(config: &Config) -> Result<(), String> {
    let load_before = load_average();
    let database_url = url_for_database(&config.admin_url, &config.database);
    let port = match config.port {
        Some(port) => port,
        None => free_port()?,
    };
    let base = format!("http://127.0.0.1:{port}");
    println!("== booking storm");
    println!(
        "machine: {} cores, load average before the run {load_before}; server {}",
        std::thread::available_parallelism().map_or(0, |cores| cores.get()),
        config.server_binary.display()
    );

    let setup_started = Instant::now();
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|error| format!("{error}"))?;
    // One after another: the first migrates the database, the others find it done.
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for index in 0..config.processes {
        let (port, base) = match index {
            0 => (port, base.clone()),
            _ => {
                let port = free_port()?;
                (port, format!("http://127.0.0.1:{port}"))
            }
        };
        let mut server = ServerProcess::start(config, &database_url, port, index)?;
        wait_for_health(&plain, &base, &mut server).await?;
        servers.push(server);
        bases.push(base);
    }
    let server_ready = setup_started.elapsed();

    // Named, so that the activity sampler can leave the benchmark's own connections out.
    let options = sqlx::postgres::PgConnectOptions::from_str(&database_url)
        .map_err(|error| format!("{error}"))?
        .application_name("booking_storm");
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|error| format!("cannot connect to {}: {error}", config.database))?;
    let outcome = storm(config, &pool, &plain, &bases, &mut servers, server_ready).await;
    pool.close().await;
    for server in &mut servers {
        server.stop();
    }
    outcome
}

async fn storm(
    config: &Config,
    pool: &PgPool,
    plain: &Client,
    bases: &[String],
    servers: &mut [ServerProcess],
    server_ready: Duration,
) -> Result<(), String> {
    // Signing in and the probes go to the first process; bookers to all, in turn.
    let base = bases[0].as_str();
    let server_pids: Vec<u32> = servers.iter().map(ServerProcess::pid).collect();
    let sql = |error: sqlx::Error| format!("database: {error}");
    let groups = groups_of(config);
    let gate_names: Vec<String> = config.gates.clone();
    sqlx::query(
        "update gates set firm_share_percent = $1, perishable_share_percent = $2 where id = any($3)",
    )
    .bind(config.firm_share)
    .bind(config.perishable_share)
    .bind(&gate_names)
    .execute(pool)
    .await
    .map_err(sql)?;

    // The slots bookable from the storm's start to its end: at least the lead time plus
    // the storm ahead, at most the horizon.
    let margin_minutes = (config.seconds / 60.0).ceil() as i32 + 2;
    let slot_rows = sqlx::query(
        "select s.id, s.gate_id, s.direction, s.capacity
           from slots s join gates g on g.id = s.gate_id
          where s.gate_id = any($1) and s.capacity > 0
            and s.starts_at >= now() + make_interval(mins => g.lead_minutes + $2)
            and s.starts_at <= now() + make_interval(days => g.horizon_days)
          order by s.starts_at, s.gate_id, s.direction",
    )
    .bind(&gate_names)
    .bind(margin_minutes)
    .fetch_all(pool)
    .await
    .map_err(sql)?;
    let slots: Vec<Slot> = slot_rows
        .iter()
        .map(|row| {
            let gate: String = row.get("gate_id");
            let direction: String = row.get("direction");
            Slot {
                id: row.get("id"),
                group: groups
                    .iter()
                    .position(|group| group.0 == gate && group.1 == direction)
                    .expect("a stormed group"),
                capacity: row.get("capacity"),
            }
        })
        .collect();
    if slots.is_empty() {
        return Err(format!("no bookable slots at {:?}", config.gates));
    }
    let mut places = vec![0i64; groups.len()];
    let mut slot_counts = vec![0usize; groups.len()];
    for slot in &slots {
        places[slot.group] += i64::from(slot.capacity);
        slot_counts[slot.group] += 1;
    }
    let weights: Vec<f64> = places.iter().map(|places| *places as f64).collect();

    // The first slot the server materialised: history goes before it, the checks after.
    let storm_from: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select min(starts_at) from slots where gate_id = any($1)")
            .bind(&gate_names)
            .fetch_one(pool)
            .await
            .map_err(sql)?;
    let seeding_started = Instant::now();
    let seeded = seed(pool, config, &groups, &weights).await.map_err(sql)?;
    let (history, ahead) = seed_history(pool, config).await.map_err(sql)?;
    let seeding = seeding_started.elapsed();
    let login_started = Instant::now();
    let cookies = sign_in_all(plain, base, &seeded.firm_emails).await?;
    let logins = login_started.elapsed();
    // The seeding dirtied a few hundred megabytes of files; the kernel writes them back
    // about 30 s later, in the middle of the storm, and a portal in service has no such
    // backlog. Flushed now, before the clock starts.
    let flush_started = Instant::now();
    let flushed = Command::new("sync")
        .status()
        .is_ok_and(|status| status.success());
    let flush = flush_started.elapsed();

    let gate_rows = sqlx::query(
        "select id, export_capacity, import_capacity, export_daily_intake, import_daily_intake,
                firm_share_percent, perishable_share_percent, perishable_release_hours,
                lead_minutes, horizon_days
           from gates where id = any($1) order by id",
    )
    .bind(&gate_names)
    .fetch_all(pool)
    .await
    .map_err(sql)?;
    let server_pool = config
        .server_pool
        .clone()
        .map(|size| format!("DATABASE_POOL_SIZE={size}"))
        .unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
            format!("server default, {} connections", cores * 4)
        });
    println!(
        "setup: database {}, {} server process(es) ready in {:.1} s ({server_pool}, booking limits {} per firm and {} per address per 10 min), seeded {} firms / {} declared trips / {} vehicles and {history} finished bookings of the past {} days and {ahead} active ones at the other gates in {:.1} s, {} firm admins signed in over HTTP in {:.1} s, dirty files {} in {:.1} s",
        config.database,
        servers.len(),
        server_ready.as_secs_f64(),
        config.booking_changes_per_firm,
        config.booking_changes_per_address,
        config.firms,
        seeded.trips.len(),
        seeded.trips.len(),
        config.history_days.max(0),
        seeding.as_secs_f64(),
        cookies.len(),
        logins.as_secs_f64(),
        if flushed {
            "flushed (sync)"
        } else {
            "NOT flushed (sync failed)"
        },
        flush.as_secs_f64()
    );
    for row in &gate_rows {
        let intake =
            |value: Option<i32>| value.map_or("none".to_string(), |limit| limit.to_string());
        println!(
            "gate {}: capacity per hourly slot export {} / import {}, daily intake export {} / import {}, firm share {}%, perishable reserve {}% (released {} h before), bookable from {} min to {} days ahead",
            row.get::<String, _>("id"),
            row.get::<i32, _>("export_capacity"),
            row.get::<i32, _>("import_capacity"),
            intake(row.get("export_daily_intake")),
            intake(row.get("import_daily_intake")),
            row.get::<i32, _>("firm_share_percent"),
            row.get::<i32, _>("perishable_share_percent"),
            row.get::<i32, _>("perishable_release_hours"),
            row.get::<i32, _>("lead_minutes"),
            row.get::<i32, _>("horizon_days"),
        );
    }
    let mut group_lines = String::new();
    for (index, (gate, direction)) in groups.iter().enumerate() {
        let _ = write!(
            group_lines,
            "{}{gate} {direction}: {} slots, {} places, {} trips",
            if index == 0 { "" } else { "; " },
            slot_counts[index],
            places[index],
            seeded.groups[index].len()
        );
    }
    println!(
        "slots: {} hourly slots over 7 days ({group_lines})",
        slots.len()
    );
    let perishable = seeded.trips.iter().filter(|trip| trip.perishable).count();
    println!(
        "load: {} virtual bookers, {}; Zipf s={} over a seeded random ranking of the slots; {:.0}% of picks informed (skip slots seen full); {:.0}% of attempts sent twice under one key (half concurrent twins, half after the answer); {:.0}% aborted by the client after 0-{} ms then retried under the same key; {:.0}% perishable trips",
        config.bookers,
        if config.rate > 0.0 {
            format!(
                "offered {:.0} attempts/s (exponential think time, mean {:.0} ms per booker)",
                config.rate,
                config.bookers as f64 / config.rate * 1000.0
            )
        } else {
            "no think time (each sends as soon as answered)".into()
        },
        config.zipf,
        config.informed * 100.0,
        config.retry * 100.0,
        config.drop * 100.0,
        config.drop_max_ms,
        perishable as f64 * 100.0 / seeded.trips.len() as f64
    );

    // Popularity: Zipf over a seeded random ranking of the slots.
    let mut random = Random::new(config.seed.wrapping_add(7));
    let mut slot_of_rank: Vec<usize> = (0..slots.len()).collect();
    for index in (1..slot_of_rank.len()).rev() {
        let other = random.below(index + 1);
        slot_of_rank.swap(index, other);
    }
    let mut zipf_cdf = Vec::with_capacity(slots.len());
    let mut cumulative = 0.0;
    for rank in 0..slots.len() {
        cumulative += 1.0 / ((rank + 1) as f64).powf(config.zipf);
        zipf_cdf.push(cumulative);
    }

    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(config.bookers * 2)
        .pool_idle_timeout(Duration::from_secs(300))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|error| format!("{error}"))?;
    let duration = Duration::from_secs_f64(config.seconds);
    let start = Instant::now() + Duration::from_millis(200);
    let storm = Arc::new(Storm {
        client,
        shared_client: config.shared_client,
        book_urls: bases
            .iter()
            .map(|base| format!("{base}/api/book_slot"))
            .collect(),
        cookies,
        trips: seeded.trips.clone(),
        pools: seeded
            .groups
            .iter()
            .map(|trips| Mutex::new(trips.clone()))
            .collect(),
        seen_full: slots.iter().map(|_| AtomicBool::new(false)).collect(),
        slots: slots.clone(),
        zipf_cdf,
        slot_of_rank,
        config_rate: config.rate,
        bookers: config.bookers,
        informed: config.informed,
        retry: config.retry,
        drop: config.drop,
        drop_max_ms: config.drop_max_ms,
        start,
        deadline: start + duration,
        max_attempts: config.max_attempts,
        first_sends: AtomicU64::new(0),
    });

    let tables_before = table_stats(pool).await;
    let database_before = database_stats(pool).await;
    let sampling = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_activity(pool.clone(), sampling.clone()));
    let prober = tokio::spawn(probe(
        plain.clone(),
        base.to_string(),
        storm.cookies[storm.trips[0].firm].clone(),
        {
            let group = seeded
                .groups
                .iter()
                .position(|trips| trips.contains(&0))
                .unwrap_or(0);
            let other = slots
                .iter()
                .find(|slot| slot.group != group)
                .map_or(slots[0].id, |slot| slot.id);
            (storm.trips[0].id.clone(), other)
        },
        storm.clone(),
        pool.clone(),
        sampling.clone(),
    ));
    let cpu_before = CpuSnapshot::take(&server_pids, &config.database);
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..config.bookers {
        tasks.spawn(storm.clone().booker(index, config.seed));
    }
    let mut tally = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        tally.merge(joined.map_err(|error| format!("a booker failed: {error}"))?);
    }
    let elapsed = Instant::now().saturating_duration_since(start);
    let cpu_after = CpuSnapshot::take(&server_pids, &config.database);
    sampling.store(true, Ordering::Relaxed);
    let activity = sampler.await.unwrap_or_default();
    let mut probes = prober.await.unwrap_or_default();
    // The statistics collector reports a backend's counts within a second or so.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tables_after = table_stats(pool).await;
    let database_after = database_stats(pool).await;
    let load_after = load_average();
    let cpu = cpu_use(&cpu_before, &cpu_after);
    let server_alive = servers.iter_mut().all(|server| !server.exited());
    // The process to show the log of: one that exited, else the first.
    let shown = servers
        .iter_mut()
        .position(|server| server.exited())
        .unwrap_or(0);
    let server = &servers[shown];

    // --- figures
    // Rates count what was sent within the storm's window (requests still in flight at
    // its end are answered afterwards, in the drain).
    let drained = elapsed.as_secs_f64();
    let last_send = tally
        .samples
        .iter()
        .map(|sample| sample.sent_ms)
        .max()
        .unwrap_or(0) as f64
        / 1000.0;
    let seconds = config.seconds.min(last_send + 0.001).max(0.001);
    let in_window = |sample: &&Sample| (sample.sent_ms as f64) < seconds * 1000.0;
    let sends = tally.samples.len();
    let window_sends = tally.samples.iter().filter(in_window).count();
    let answered: Vec<&Sample> = tally
        .samples
        .iter()
        .filter(|sample| !matches!(sample.outcome, Outcome::Dropped | Outcome::TransportError))
        .collect();
    let confirmations = tally
        .samples
        .iter()
        .filter(in_window)
        .filter(|sample| matches!(sample.outcome, Outcome::Confirmed | Outcome::RetryBooked))
        .count();
    let server_errors = tally
        .samples
        .iter()
        .filter(|sample| sample.outcome == Outcome::ServerError)
        .count();
    let rate = window_sends as f64 / seconds;
    println!();
    println!(
        "== storm: sending for {seconds:.1} s, last answer {drained:.1} s after the start; load average after {load_after}; server {}",
        if server_alive { "still up" } else { "EXITED" }
    );
    println!(
        "attempts: {window_sends} HTTP booking requests sent in the window = {rate:.0}/s ({sends} in all with the drain: {} first sends, {} concurrent twins, {} sequential retries, {} drops tried, {} of them answered before the abort)",
        tally.first_sends,
        tally.twins,
        tally.sequential_retries,
        tally.drops_tried,
        tally.drops_answered_in_time
    );
    println!(
        "confirmations: {confirmations} sent in the window = {:.0}/s (first sends confirmed plus retries that booked)",
        confirmations as f64 / seconds
    );
    let mut lags = tally.lags_us.clone();
    lags.sort_unstable();
    if !lags.is_empty() {
        println!(
            "booker schedule lag (send time after the planned one): p50 {} ms, p99 {} ms{}",
            milliseconds(percentile(&lags, 0.50)),
            milliseconds(percentile(&lags, 0.99)),
            if tally.starved > 0 {
                format!("; {} picks found no free trip", tally.starved)
            } else {
                String::new()
            }
        );
    }
    println!();
    println!(
        "{:<38} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "outcome", "count", "share", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let row = |name: &str, latencies: &mut Vec<u32>| {
        latencies.sort_unstable();
        println!(
            "{:<38} {:>8} {:>6.1}% {:>8} {:>8} {:>8} {:>8}",
            name,
            latencies.len(),
            latencies.len() as f64 * 100.0 / sends.max(1) as f64,
            milliseconds(percentile(latencies, 0.50)),
            milliseconds(percentile(latencies, 0.95)),
            milliseconds(percentile(latencies, 0.99)),
            milliseconds(percentile(latencies, 1.0)),
        );
    };
    let mut by_outcome: BTreeMap<Outcome, Vec<u32>> = BTreeMap::new();
    for sample in &tally.samples {
        by_outcome
            .entry(sample.outcome)
            .or_default()
            .push(sample.latency_us);
    }
    for (outcome, name) in OUTCOMES {
        let mut latencies = by_outcome.remove(&outcome).unwrap_or_default();
        if outcome == Outcome::Dropped {
            println!(
                "{:<38} {:>8} {:>6.1}%   (aborted on purpose after a random 0-{} ms; no latency)",
                name,
                latencies.len(),
                latencies.len() as f64 * 100.0 / sends.max(1) as f64,
                config.drop_max_ms
            );
            continue;
        }
        row(name, &mut latencies);
    }
    let mut all: Vec<u32> = answered.iter().map(|sample| sample.latency_us).collect();
    row("all answered requests", &mut all);
    let p99_all = percentile(&all, 0.99);
    let mut full: Vec<u32> = tally
        .samples
        .iter()
        .filter(|sample| sample.outcome == Outcome::SlotFull)
        .map(|sample| sample.latency_us)
        .collect();
    full.sort_unstable();
    let p99_full = percentile(&full, 0.99);

    let codes: Vec<String> = tally
        .codes
        .iter()
        .map(|(code, count)| format!("{code} {count}"))
        .collect();
    println!(
        "refusal codes (first sends and retries): {}",
        codes.join(", ")
    );
    if !tally.statuses.is_empty() {
        let statuses: Vec<String> = tally
            .statuses
            .iter()
            .map(|(status, count)| format!("{status} x{count}"))
            .collect();
        println!("other statuses: {}", statuses.join(", "));
    }
    for (error, count) in &tally.transport_errors {
        println!("transport error x{count}: {error}");
    }

    // The whole storm by 5 s, then its opening (when most bookings confirm) by 1 s.
    for (step, until, title) in [
        (5.0, drained, "timeline (by send time, 5 s buckets):"),
        (
            1.0,
            drained.min(10.0),
            "the first 10 s (by send time, 1 s buckets):",
        ),
    ] {
        println!();
        println!("{title}");
        println!(
            "{:>8} {:>10} {:>14} {:>10} {:>10} {:>8}",
            "from s", "attempts/s", "confirmed/s", "full/s", "p50 ms", "p99 ms"
        );
        let buckets = (until / step).ceil().max(1.0) as usize;
        for bucket in 0..buckets {
            let from = bucket as f64 * step;
            if from >= seconds {
                continue;
            }
            let in_bucket: Vec<&Sample> = tally
                .samples
                .iter()
                .filter(in_window)
                .filter(|sample| {
                    ((sample.sent_ms as f64 / 1000.0) / step).floor() as usize == bucket
                })
                .collect();
            if in_bucket.is_empty() {
                continue;
            }
            let width = (seconds - from).clamp(0.001, step);
            let mut latencies: Vec<u32> = in_bucket
                .iter()
                .filter(|sample| {
                    !matches!(sample.outcome, Outcome::Dropped | Outcome::TransportError)
                })
                .map(|sample| sample.latency_us)
                .collect();
            latencies.sort_unstable();
            let count_of = |wanted: &[Outcome]| {
                in_bucket
                    .iter()
                    .filter(|sample| wanted.contains(&sample.outcome))
                    .count() as f64
                    / width
            };
            println!(
                "{:>8} {:>10.0} {:>14.0} {:>10.0} {:>10} {:>8}",
                from,
                in_bucket.len() as f64 / width,
                count_of(&[Outcome::Confirmed, Outcome::RetryBooked]),
                count_of(&[Outcome::SlotFull]),
                milliseconds(percentile(&latencies, 0.50)),
                milliseconds(percentile(&latencies, 0.99)),
            );
        }
    }

    println!();
    let capacity = cpu.cores * cpu.seconds;
    let share = |value: f64| value * 100.0 / capacity.max(0.001);
    let other_processes: f64 = cpu.others.iter().map(|(_, seconds)| seconds).sum();
    let unattributed = (cpu.machine_busy
        - cpu.server
        - cpu.bench
        - cpu.postgres_ours
        - cpu.postgres_shared
        - cpu.postgres_others
        - other_processes)
        .max(0.0);
    println!(
        "CPU during the storm ({:.0} cores x {:.1} s = {:.1} core-s, clock tick {:.0} ms): machine busy {:.1} core-s ({:.0}%), of which",
        cpu.cores,
        cpu.seconds,
        capacity,
        cpu.tick * 1000.0,
        cpu.machine_busy,
        share(cpu.machine_busy),
    );
    let mut top_others: Vec<String> = cpu
        .others
        .iter()
        .take(4)
        .map(|(name, seconds)| format!("{name} {seconds:.1}"))
        .collect();
    if cpu.others.len() > 4 {
        top_others.push("...".into());
    }
    if top_others.is_empty() {
        top_others.push("none".into());
    }
    let split = [
        (
            format!("server (release binary, {} process(es))", servers.len()),
            cpu.server,
        ),
        (
            format!(
                "postgres backends of the storm's database ({} processes)",
                cpu.our_backends
            ),
            cpu.postgres_ours,
        ),
        (
            "postgres WAL writer, checkpointer, etc.".to_string(),
            cpu.postgres_shared,
        ),
        ("load generator (this benchmark)".to_string(), cpu.bench),
        (
            "postgres backends of other databases".to_string(),
            cpu.postgres_others,
        ),
        (
            format!("other processes: {}", top_others.join(", ")),
            other_processes,
        ),
        (
            format!(
                "not attributed (exited processes, kernel; irq+softirq {:.1})",
                cpu.interrupts
            ),
            unattributed,
        ),
    ];
    for (name, value) in split {
        println!("  {name:<78} {value:>6.1} core-s {:>4.0}%", share(value));
    }
    if sends > 0 {
        println!(
            "CPU per HTTP booking request: server {:.3} ms, postgres {:.3} ms, load generator {:.3} ms",
            cpu.server * 1000.0 / sends as f64,
            (cpu.postgres_ours + cpu.postgres_shared) * 1000.0 / sends as f64,
            cpu.bench * 1000.0 / sends as f64
        );
    }

    println!();
    let pool_size = config
        .server_pool
        .as_deref()
        .and_then(|size| size.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |cores| cores.get()) * 4);
    print_probes(&mut probes);
    print_activity(&activity, pool_size);
    println!();
    print_table_stats(&tables_before, &tables_after);
    print_database_stats(&database_before, &database_after);

    // --- the database after the run
    let checks = check_database(pool, storm_from).await.map_err(sql)?;
    let client_conflicts = tally
        .samples
        .iter()
        .filter(|sample| sample.outcome == Outcome::RetryMismatch)
        .count() as i64;
    println!();
    println!("database checks (SQL after the run):");
    let lines: [(&str, i64); 15] = [
        ("slots with booked > capacity", checks.overbooked),
        (
            "slots whose booked differs from their active bookings",
            checks.booked_drift,
        ),
        (
            "slots whose booked_perishable differs from their active perishable bookings",
            checks.perishable_drift,
        ),
        (
            "firm counters (slot_firms) differing from active bookings",
            checks.firm_counter_drift,
        ),
        (
            "day counters (gate_days) differing from active bookings",
            checks.day_counter_drift,
        ),
        ("firm holdings above the firm share", checks.over_firm_share),
        ("gate days above the daily intake", checks.over_daily_intake),
        (
            "unreleased slots with regular bookings in the perishable reserve",
            checks.over_perishable_reserve,
        ),
        (
            "trips with more than one active booking",
            checks.trips_two_active,
        ),
        (
            "trips with more than one booking of any status",
            checks.trips_two_any,
        ),
        (
            "bookings no idempotency key points at (a key that booked twice)",
            checks.orphan_bookings,
        ),
        ("bookings two keys point at", checks.keys_sharing_booking),
        (
            "retries answered with another booking or a refusal (client side)",
            client_conflicts,
        ),
        (
            "trips whose status disagrees with their active booking",
            checks.trip_status_drift,
        ),
        (
            "active bookings / distinct booking ids the clients were given",
            checks.active_bookings - tally.booked.len() as i64,
        ),
    ];
    for (name, value) in lines {
        println!("  {name:<78} {value}");
    }
    println!(
        "  (active bookings {}, distinct booking ids answered {}, keys claimed {})",
        checks.active_bookings,
        tally.booked.len(),
        checks.requests_claimed
    );
    let overbooked = checks.overbooked + checks.booked_drift;
    let duplicates = checks.trips_two_active
        + checks.trips_two_any
        + checks.orphan_bookings
        + checks.keys_sharing_booking
        + client_conflicts;

    println!();
    println!("targets:");
    println!(
        "  {:<44} {:>12} {:>12}  {}",
        "attempts/s >= 1500",
        format!("{rate:.0}/s"),
        "",
        verdict(rate >= 1500.0)
    );
    println!(
        "  {:<44} {:>12} {:>12}  {}",
        "p99 of all answered requests <= 300 ms",
        format!("{} ms", milliseconds(p99_all)),
        "",
        verdict(p99_all <= 300.0)
    );
    println!(
        "  {:<44} {:>12} {:>12}  {}",
        "p99 of slot full answers <= 20 ms",
        format!("{} ms", milliseconds(p99_full)),
        "",
        verdict(!p99_full.is_nan() && p99_full <= 20.0)
    );
    println!(
        "  {:<44} {:>12} {:>12}  {}",
        "5xx responses = 0",
        server_errors,
        "",
        verdict(server_errors == 0)
    );
    println!(
        "  {:<44} {:>12} {:>12}  {}",
        "overbooked slots = 0",
        overbooked,
        "",
        verdict(overbooked == 0)
    );
    println!(
        "  {:<44} {:>12} {:>12}  {}",
        "duplicated bookings = 0",
        duplicates,
        "",
        verdict(duplicates == 0)
    );
    if !server_alive {
        println!("the server exited during the storm:\n{}", server.log_tail());
    } else {
        let log = fs::read_to_string(&server.log).unwrap_or_default();
        let warnings = log
            .lines()
            .filter(|line| line.contains("WARN") || line.contains("ERROR"))
            .count();
        if warnings > 0 {
            println!(
                "server log: {warnings} warning/error lines in {}; last lines:\n{}",
                server.log.display(),
                server.log_tail()
            );
        }
    }
    Ok(())
}
