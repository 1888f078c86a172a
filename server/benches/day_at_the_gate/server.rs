//! The fresh database and the release server process the day runs against.

use crate::settings::Settings;
use anyhow::{Context, bail};
use sqlx::{PgPool, postgres::PgPoolOptions};
use std::{
    fs,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// `url` with another database name.
pub fn url_for_database(url: &str, database: &str) -> String {
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

/// A database made for the run, dropped at the end unless it is to be kept.
pub struct Database {
    pub url: String,
    pub name: String,
    admin: PgPool,
}

impl Database {
    pub async fn create(settings: &Settings) -> anyhow::Result<Database> {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&settings.admin_url)
            .await
            .context("cannot connect with DATABASE_URL")?;
        // The name is checked to be lower-case letters, digits and _ (settings).
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "create database {}",
            settings.database
        )))
        .execute(&admin)
        .await
        .with_context(|| format!("cannot create database {}", settings.database))?;
        Ok(Database {
            url: url_for_database(&settings.admin_url, &settings.database),
            name: settings.database.clone(),
            admin,
        })
    }

    /// The benchmark's own few connections: seeding, opening slots, the checks.
    pub async fn pool(&self) -> anyhow::Result<PgPool> {
        PgPoolOptions::new()
            .max_connections(4)
            .connect(&self.url)
            .await
            .context("cannot connect to the run's database")
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {} with (force)",
            self.name
        )))
        .execute(&self.admin)
        .await?;
        Ok(())
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The release server as its own process, killed when dropped (a panic leaves none behind).
pub struct ServerProcess {
    child: Child,
    log: PathBuf,
}

impl ServerProcess {
    pub fn start(
        settings: &Settings,
        database_url: &str,
        port: u16,
    ) -> anyhow::Result<ServerProcess> {
        if !settings.server_binary.exists() {
            bail!(
                "{} is missing: build it with `cargo bench -p server --bench day_at_the_gate --no-run` \
                 (RUSTFLAGS=\"--cfg erase_components\" LEPTOS_OUTPUT_NAME=border-gate)",
                settings.server_binary.display()
            );
        }
        let log = std::env::temp_dir().join(format!("{}-server.log", settings.database));
        let log_file = fs::File::create(&log)?;
        let mut command = Command::new(&settings.server_binary);
        command
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &settings.site_root)
            .env("LEPTOS_OUTPUT_NAME", "border-gate")
            .env("RUST_LOG", &settings.server_log)
            .env("DEMO_DATA", "0")
            // Every client of the day shares this machine's address and each firm books
            // dozens of trips a minute: the booking limits count every change but refuse
            // none (as in the booking storm), so the day measures the trips.
            .env("BOOKING_CHANGES_PER_FIRM", "10000000")
            .env("BOOKING_CHANGES_PER_ADDRESS", "10000000")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        if let Some(size) = &settings.server_pool {
            command.env("DATABASE_POOL_SIZE", size);
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", settings.server_binary.display()))?;
        Ok(ServerProcess { child, log })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_path(&self) -> &PathBuf {
        &self.log
    }

    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    pub async fn wait_until_healthy(
        &mut self,
        client: &reqwest::Client,
        base: &str,
    ) -> anyhow::Result<()> {
        let until = Instant::now() + Duration::from_secs(120);
        while Instant::now() < until {
            if self.exited() {
                bail!("the server exited:\n{}", self.log_tail());
            }
            if let Ok(response) = client.get(format!("{base}/healthz")).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "the server did not answer /healthz within 120 s:\n{}",
            self.log_tail()
        )
    }

    /// SIGTERM (graceful shutdown), then SIGKILL after a few seconds.
    pub fn stop(&mut self) {
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
