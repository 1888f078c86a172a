//! The run's settings: `BENCH_*` environment variables, each with its default (listed in
//! `main.rs`), checked before anything starts.

use anyhow::{Context, bail};
use std::{path::PathBuf, str::FromStr};

pub struct Settings {
    pub trips: usize,
    pub clients: usize,
    /// Officers of each agency on duty at each gate and direction.
    pub officers: usize,
    pub gates: Vec<String>,
    pub firms: usize,
    pub drivers_per_firm: usize,
    /// Days of finished trips before the day.
    pub history_days: u32,
    /// Places per slot and direction; `None` is "the gate's plan, or enough for the run".
    pub capacity: Option<i32>,
    pub perishable: f64,
    pub quarantine: f64,
    pub exit_camera: f64,
    pub parallel_decisions: bool,
    pub retries: u32,
    pub seed: u64,
    pub port: Option<u16>,
    pub database: String,
    pub keep_database: bool,
    pub server_binary: PathBuf,
    pub site_root: PathBuf,
    pub admin_url: String,
    pub server_pool: Option<String>,
    pub server_log: String,
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

fn setting<T: FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match variable(name) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .ok()
            .with_context(|| format!("{name}={text} is not a valid value")),
    }
}

fn switch(name: &str) -> bool {
    matches!(variable(name).as_deref(), Some("1" | "true" | "yes"))
}

fn share(name: &str, default: f64) -> anyhow::Result<f64> {
    let value = setting(name, default)?;
    if !(0.0..=1.0).contains(&value) {
        bail!("{name} is a share between 0 and 1");
    }
    Ok(value)
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
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
            format!("day_at_the_gate_{}_{stamp}", std::process::id())
        });
        if !database
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            bail!("BENCH_DATABASE={database}: use lower-case letters, digits and _");
        }
        let settings = Settings {
            trips: setting("BENCH_TRIPS", 1000)?,
            clients: setting("BENCH_CLIENTS", 16)?,
            officers: setting("BENCH_OFFICERS", 4)?,
            gates: variable("BENCH_GATES")
                .unwrap_or_else(|| "huu-nghi,tan-thanh".into())
                .split(',')
                .map(|gate| gate.trim().to_string())
                .filter(|gate| !gate.is_empty())
                .collect(),
            firms: setting("BENCH_FIRMS", 100)?,
            drivers_per_firm: setting("BENCH_DRIVERS_PER_FIRM", 3)?,
            history_days: setting("BENCH_HISTORY_DAYS", 30)?,
            capacity: variable("BENCH_CAPACITY")
                .map(|text| text.parse())
                .transpose()
                .context("BENCH_CAPACITY is a number of places")?,
            perishable: share("BENCH_PERISHABLE", 0.3)?,
            quarantine: share("BENCH_QUARANTINE", 0.3)?,
            exit_camera: share("BENCH_EXIT_CAMERA", 0.5)?,
            parallel_decisions: switch("BENCH_PARALLEL_DECISIONS"),
            retries: setting("BENCH_RETRIES", 100)?,
            seed: setting("BENCH_SEED", 2026)?,
            port: variable("BENCH_PORT")
                .map(|text| text.parse())
                .transpose()?,
            database,
            keep_database: switch("BENCH_KEEP_DATABASE"),
            server_binary: variable("BENCH_SERVER_BIN")
                .map(PathBuf::from)
                // The server cargo built along with this benchmark (same profile).
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_server"))),
            site_root: target.join("site"),
            admin_url: variable("DATABASE_URL").context(
                "DATABASE_URL is not set (source scripts/database.sh, or run scripts/bench-day.sh)",
            )?,
            server_pool: variable("DATABASE_POOL_SIZE"),
            server_log: variable("BENCH_SERVER_LOG").unwrap_or_else(|| "warn".into()),
        };
        if settings.trips == 0 || settings.clients == 0 || settings.officers == 0 {
            bail!("BENCH_TRIPS, BENCH_CLIENTS and BENCH_OFFICERS must be > 0");
        }
        if settings.gates.is_empty() {
            bail!("BENCH_GATES names no gate");
        }
        if settings.trips > 900_000 {
            bail!("at most 900000 trips (one vehicle each, each with its own plate)");
        }
        // A firm may hold a fifth of a slot (the gates' default share): with the trips of
        // a slot spread over the firms in turn, five firms always fit.
        if settings.firms < 5 || settings.drivers_per_firm == 0 {
            bail!("BENCH_FIRMS must be at least 5 and BENCH_DRIVERS_PER_FIRM at least 1");
        }
        Ok(settings)
    }

    /// The (gate, direction) pairs of the run: each has its own yard, queue and officers.
    pub fn groups(&self) -> Vec<Group> {
        self.gates
            .iter()
            .flat_map(|gate| {
                ["export", "import"]
                    .into_iter()
                    .map(move |direction| Group {
                        gate: gate.clone(),
                        direction,
                    })
            })
            .collect()
    }
}

/// A gate and direction: one yard, one queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    pub gate: String,
    pub direction: &'static str,
}

impl std::fmt::Display for Group {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} {}", self.gate, self.direction)
    }
}
