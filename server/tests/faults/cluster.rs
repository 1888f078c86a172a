//! A PostgreSQL cluster of the fault run's own, in a temporary directory on a free port,
//! so that stopping and restarting it disturbs no one else on the machine. Made with
//! `initdb` and run with `pg_ctl` from the newest `/usr/lib/postgresql/*/bin`, as the
//! `postgres` user when the run is root (as `scripts/database.sh` does).

use std::{
    path::PathBuf,
    process::{Command, Stdio},
};

pub struct Cluster {
    bin: PathBuf,
    root: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

fn newest_bin() -> Result<PathBuf, String> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|error| format!("no PostgreSQL under /usr/lib/postgresql: {error}"))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("pg_ctl").exists())
        .collect();
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(|version| version.file_name())
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found
        .pop()
        .ok_or_else(|| "no pg_ctl under /usr/lib/postgresql/*/bin".to_string())
}

impl Cluster {
    /// Makes and starts the cluster; the role `border_gate` (password `border_gate`) may
    /// create databases.
    pub fn start_new(port: u16) -> Result<Cluster, String> {
        let bin = newest_bin()?;
        let root = std::env::temp_dir().join(format!("bgp-faults-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("data")).map_err(|error| error.to_string())?;
        let as_postgres = running_as_root();
        if as_postgres {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&root))?;
        }
        let cluster = Cluster {
            bin,
            root,
            port,
            as_postgres,
        };
        cluster.tool(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )?;
        cluster.start()?;
        cluster.tool(
            "psql",
            &[
                "-h",
                &cluster.root.display().to_string(),
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "create role border_gate login createdb password 'border_gate'",
            ],
        )?;
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.root.join("data").display().to_string()
    }

    /// A URL for the `border_gate` role and `database`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://border_gate:border_gate@127.0.0.1:{}/{database}",
            self.port
        )
    }

    fn tool(&self, name: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args);
        run(&mut command)
    }

    pub fn start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.root.display()
        );
        let log = self.root.join("postgres.log").display().to_string();
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-o",
                &options,
                "start",
            ],
        )
    }

    /// A fast shutdown: every connection is told `57P01` and closed.
    pub fn stop(&self) -> Result<(), String> {
        self.tool("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }

    pub fn restart(&self) -> Result<(), String> {
        self.stop()?;
        self.start()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.tool(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
