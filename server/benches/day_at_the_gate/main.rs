//! A day at the gate: a benchmark (not a test) that drives whole trips through every step
//! over HTTP, as firms, officers and devices do, against the real server binary on a
//! fresh database.
//!
//! Firms signed in over HTTP declare trips (`save_trip`) and book them (`book_slot`); the
//! yard camera, with a key the gate admin issued (`issue_device`), checks each truck in
//! (`POST /devices/v1/plate-reads`); traffic police call the head of the yard forward
//! (`call_forward`); customs, border guard and, when the cargo needs it, quarantine clear
//! it (`decide`); a border guard confirms the exit (`confirm_exit`) or the exit camera
//! reads the plate. It prints trips per second end to end, each step's p50/p95/p99, the
//! errors by step and answer, the machine's load and CPU split, and checks every trip's
//! final state and timeline in the database ("0 wrong trips" only when all pass).
//!
//! Stand-ins, since a day cannot take a day: each slot is moved with SQL to start in ten
//! minutes when its first trip books it, so the arrival window is open (see `run::Slots`);
//! the gate admin therefore sets the gates to take bookings until a slot starts (lead time
//! 0) and enough places per slot for the run (`clients::gate_admin`).
//!
//! Run it with `scripts/bench-day.sh`, or `cargo bench -p server --bench day_at_the_gate`
//! with `DATABASE_URL` naming a role that may create databases.
//!
//! Settings (environment, defaults in brackets):
//! - `BENCH_TRIPS` [1000]: trips of the day (42000 is a week of the 2030 targets of both
//!   Lang Son routes);
//! - `BENCH_CLIENTS` [16]: concurrent clients, each driving one trip at a time;
//! - `BENCH_OFFICERS` [4]: officers of each agency on duty at each gate and direction,
//!   each taking one step at a time (1: no two calls forward of a gate and direction
//!   overlap);
//! - `BENCH_GATES` [huu-nghi,tan-thanh]: the gates, both directions each;
//! - `BENCH_FIRMS` [100], `BENCH_DRIVERS_PER_FIRM` [3]; one vehicle per trip;
//! - `BENCH_HISTORY_DAYS` [30]: days before the day whose slots hold finished trips (to
//!   each gate's own plan, with bookings, decisions and timelines), so that the day runs
//!   on the tables of a portal in service;
//! - `BENCH_CAPACITY` [the gate's plan, or enough for the run]: places per slot;
//! - `BENCH_PERISHABLE` [0.3], `BENCH_QUARANTINE` [0.3]: shares of trips with perishable
//!   cargo and needing quarantine;
//! - `BENCH_EXIT_CAMERA` [0.5]: share of exits read by the exit camera (the others are
//!   confirmed by a border guard);
//! - `BENCH_PARALLEL_DECISIONS` [0]: 1 lets the agencies decide on a truck side by side
//!   instead of one after another;
//! - `BENCH_RETRIES` [100]: how often an officer told "yard empty" (traffic police) or
//!   "not now" (an agency, while the truck is in the lane) presses again;
//! - `BENCH_SEED` [2026]; `BENCH_PORT` [a free port]; `BENCH_DATABASE` [generated];
//!   `BENCH_KEEP_DATABASE` [0]; `BENCH_SERVER_BIN` [the server built with the benchmark];
//!   `BENCH_SERVER_LOG` [warn] (the server's `RUST_LOG`; its log is kept in the temp dir);
//! - `DATABASE_POOL_SIZE` is passed on to the server.

mod checks;
mod clients;
mod report;
mod run;
mod seeding;
mod server;
mod settings;

use anyhow::Context;
use clients::{Portal, firm::Firm, gate_admin::GateAdmin, officer};
use run::{Cameras, Day, Desk, Desks, Slots};
use server::{Database, ServerProcess};
use settings::Settings;
use std::{collections::HashMap, sync::Arc, time::Instant};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("day at the gate: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let database = match Database::create(&settings).await {
        Ok(database) => database,
        Err(error) => {
            eprintln!("day at the gate: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = day(&settings, &database).await;
    if settings.keep_database {
        println!("database kept: {}", database.name);
    } else if let Err(error) = database.drop().await {
        eprintln!("could not drop the run's database: {error:#}");
    }
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("day at the gate: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn day(settings: &Settings, database: &Database) -> anyhow::Result<()> {
    let port = match settings.port {
        Some(port) => port,
        None => server::free_port()?,
    };
    let mut process = ServerProcess::start(settings, &database.url, port)?;
    let base = format!("http://127.0.0.1:{port}");
    let portal = Portal::new(base.clone(), settings.clients * 2 + 8)?;
    process.wait_until_healthy(portal.http(), &base).await?;
    println!(
        "== day at the gate: {} trips, {} clients, {} officers per agency at each gate and direction, decisions {}",
        settings.trips,
        settings.clients,
        settings.officers,
        if settings.parallel_decisions {
            "side by side"
        } else {
            "one after another"
        }
    );
    println!(
        "server: {} (pid {}), log {}",
        base,
        process.pid(),
        process.log_path().display()
    );

    let pool = database.pool().await?;
    let groups = settings.groups();
    let seeding_started = Instant::now();
    let seeded = seeding::seed(&pool, settings, &groups)
        .await
        .context("seeding")?;
    let (past_trips, past_events) = seeding::history::seed(&pool, settings)
        .await
        .context("seeding the weeks before")?;

    // The gate admins set the day's plan and issue the cameras' keys.
    let mut cameras = HashMap::new();
    let mut capacities = Vec::new();
    for (gate, account) in settings.gates.iter().zip(&seeded.gate_admins) {
        let admin = GateAdmin {
            session: clients::sign_in_as_staff(&portal, account).await?,
        };
        let capacity = capacity_for(&pool, settings, gate, &seeded.trips, &groups).await?;
        admin.set_plan(&portal, gate, capacity).await?;
        capacities.push(format!("{gate} {capacity}"));
        cameras.insert(
            gate.clone(),
            Cameras {
                yard: admin.issue_camera(&portal, gate, "yard").await?,
                exit: admin.issue_camera(&portal, gate, "exit").await?,
            },
        );
    }
    let mut slots = Vec::new();
    for group in &groups {
        let rows: Vec<(i64, i32)> = sqlx::query_as(
            "select id, capacity from slots
              where gate_id = $1 and direction = $2 and starts_at > now() + interval '5 minutes' and capacity > 0
              order by starts_at",
        )
        .bind(&group.gate)
        .bind(group.direction)
        .fetch_all(&pool)
        .await?;
        slots.push(Slots::new(rows));
    }

    let firm_sessions = clients::sign_in_all(&seeded.firm_admins, |account| {
        let portal = portal.clone();
        async move { clients::sign_in_with_password(&portal, &account).await }
    })
    .await?;
    let firms = firm_sessions
        .into_iter()
        .map(|session| Firm { session })
        .collect();
    let mut desks = Vec::new();
    for desk_accounts in &seeded.officers {
        let mut sessions = Vec::new();
        for accounts in desk_accounts {
            sessions.push(
                clients::sign_in_all(accounts, |account| {
                    let portal = portal.clone();
                    async move { officer::sign_in(&portal, &account).await }
                })
                .await?,
            );
        }
        let [traffic_police, customs, border_guard, quarantine] = sessions
            .try_into()
            .map_err(|_| anyhow::anyhow!("four agencies"))?;
        desks.push(Desks {
            traffic_police: Desk::new(traffic_police),
            customs: Desk::new(customs),
            border_guard: Desk::new(border_guard),
            quarantine: Desk::new(quarantine),
        });
    }
    println!(
        "seeded and signed in: {} firms, {} officers, {} gate admins, {past_trips} past trips with \
         {past_events} events ({} days) in {:.1} s; places per slot: {}",
        settings.firms,
        groups.len() * 4 * settings.officers,
        settings.gates.len(),
        settings.history_days,
        seeding_started.elapsed().as_secs_f64(),
        capacities.join(", ")
    );
    sqlx::query("analyze").execute(&pool).await?;

    let trips = seeded.trips;
    let day = Arc::new(Day::new(
        portal,
        pool.clone(),
        settings,
        groups,
        trips,
        firms,
        cameras,
        desks,
        slots,
    ));
    let load_before = report::load_average();
    let cpu_before = report::cpu_sample(process.pid(), &database.name);
    println!("== the day starts (load average {load_before})");
    let day_started: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select now()").fetch_one(&pool).await?;
    let elapsed = day.run(settings.clients, settings.seed).await;
    let cpu_after = report::cpu_sample(process.pid(), &database.name);
    let load_after = report::load_average();

    let verdict = checks::check(&pool, &day.trips, &day.ids(), day_started).await?;
    report::print(
        &day.recorder,
        &report::Summary {
            trips: settings.trips,
            seconds: elapsed.as_secs_f64(),
            load_before,
            load_after,
            cpu_before,
            cpu_after,
            verdict: &verdict,
        },
    );
    pool.close().await;
    process.stop();
    Ok(())
}

/// Places per slot at `gate`: the setting, or the gate's plan when it holds the run's
/// trips, else just enough for them (its busiest direction) with a tenth to spare. The
/// trips of a slot go to the firms in turn, so each firm's share of a slot must hold
/// its turns, with room for the clients' jitter.
async fn capacity_for(
    pool: &sqlx::PgPool,
    settings: &Settings,
    gate: &str,
    trips: &[seeding::PlannedTrip],
    groups: &[settings::Group],
) -> anyhow::Result<i32> {
    let mut needed = 1;
    for (index, group) in groups
        .iter()
        .enumerate()
        .filter(|(_, group)| group.gate == gate)
    {
        let slots: i64 = sqlx::query_scalar(
            "select count(*) from slots where gate_id = $1 and direction = $2 and starts_at > now() + interval '5 minutes'",
        )
        .bind(gate)
        .bind(group.direction)
        .fetch_one(pool)
        .await?;
        let count = trips.iter().filter(|trip| trip.group == index).count() as i64;
        let slots = slots.max(1);
        needed = needed.max(((count * 11 / 10 + slots - 1) / slots) as i32);
    }
    let planned: i32 = sqlx::query_scalar(
        "select greatest(export_capacity, import_capacity) from gates where id = $1",
    )
    .bind(gate)
    .fetch_optional(pool)
    .await?
    .with_context(|| format!("no gate {gate}"))?;
    let capacity = settings.capacity.unwrap_or(planned.max(needed));
    if capacity < needed {
        anyhow::bail!("BENCH_CAPACITY={capacity} holds too few trips at {gate}: at least {needed}");
    }
    let firm_cap = (capacity / 5).max(1) as usize;
    let turns = (capacity as usize + settings.clients).div_ceil(settings.firms);
    if turns > firm_cap {
        anyhow::bail!(
            "{} firms are too few for {capacity} places a slot (a firm holds at most {firm_cap}): raise BENCH_FIRMS",
            settings.firms
        );
    }
    Ok(capacity)
}
