//! What the day measured: each step's latency percentiles (HdrHistogram), errors by step
//! and answer, trips per second end to end, the machine's load and who used its cores,
//! and the targets side by side.

use crate::{checks::Verdict, clients::Reply};
use hdrhistogram::Histogram;
use std::{
    collections::{BTreeMap, HashMap},
    process::Command,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// The steps of a trip, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Declare,
    Book,
    /// The benchmark's stand-in for time passing (SQL), not a request to the portal.
    OpenSlot,
    YardRead,
    CallForward,
    Customs,
    BorderGuard,
    Quarantine,
    ExitByGuard,
    ExitByCamera,
    /// A whole trip, from its declaration being sent to its exit being answered.
    Trip,
}

impl Step {
    const ALL: [Step; 11] = [
        Step::Declare,
        Step::Book,
        Step::OpenSlot,
        Step::YardRead,
        Step::CallForward,
        Step::Customs,
        Step::BorderGuard,
        Step::Quarantine,
        Step::ExitByGuard,
        Step::ExitByCamera,
        Step::Trip,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Declare => "declare (save_trip)",
            Step::Book => "book (book_slot)",
            Step::OpenSlot => "slot moved to now (SQL)",
            Step::YardRead => "yard camera check-in",
            Step::CallForward => "call forward",
            Step::Customs => "customs decides",
            Step::BorderGuard => "border guard decides",
            Step::Quarantine => "quarantine decides",
            Step::ExitByGuard => "exit (confirm_exit)",
            Step::ExitByCamera => "exit camera read",
            Step::Trip => "whole trip",
        }
    }
}

struct Tally {
    latencies: BTreeMap<Step, Histogram<u64>>,
    errors: BTreeMap<(Step, String), u64>,
}

/// Collects every answer of the day; shared by all clients (a short lock per answer).
pub struct Recorder {
    tally: Mutex<Tally>,
    requests: AtomicU64,
    exited: AtomicU64,
    failed_answers: AtomicU64,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            tally: Mutex::new(Tally {
                latencies: BTreeMap::new(),
                errors: BTreeMap::new(),
            }),
            requests: AtomicU64::new(0),
            exited: AtomicU64::new(0),
            failed_answers: AtomicU64::new(0),
        }
    }

    pub fn time(&self, step: Step, elapsed: Duration) {
        let micros = (elapsed.as_micros() as u64).max(1);
        let mut tally = self.tally.lock().expect("recorder lock");
        tally
            .latencies
            .entry(step)
            .or_insert_with(|| Histogram::new_with_bounds(1, 600_000_000, 3).expect("bounds"))
            .saturating_record(micros);
    }

    pub fn error(&self, step: Step, label: String) {
        self.failed_answers.fetch_add(1, Ordering::Relaxed);
        *self
            .tally
            .lock()
            .expect("recorder lock")
            .errors
            .entry((step, label))
            .or_default() += 1;
    }

    /// Counts a request's answer: its time when it succeeded, its label when it did not.
    /// Returns the JSON of a success.
    pub fn answer(&self, step: Step, reply: Reply) -> Option<serde_json::Value> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match reply.result {
            Ok(json) => {
                self.time(step, reply.elapsed);
                Some(json)
            }
            Err(label) => {
                self.error(step, label);
                None
            }
        }
    }

    pub fn trip_exited(&self, elapsed: Duration) {
        self.exited.fetch_add(1, Ordering::Relaxed);
        self.time(Step::Trip, elapsed);
    }

    pub fn exited(&self) -> u64 {
        self.exited.load(Ordering::Relaxed)
    }

    pub fn failed_answers(&self) -> u64 {
        self.failed_answers.load(Ordering::Relaxed)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------------------
// The machine: load and CPU, from /proc (Linux).

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get())
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User and system ticks of a process.
fn process_ticks(pid: u32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    let Some(after) = text.rfind(')').map(|at| &text[at + 2..]) else {
        return 0;
    };
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields
        .get(11)
        .and_then(|f| f.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
}

/// Busy ticks of the whole machine (every core; idle and I/O wait left out).
fn machine_busy_ticks() -> u64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().next() else {
        return 0;
    };
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|value| value.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    total.saturating_sub(values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0))
}

/// Ticks of each PostgreSQL backend serving `database` (its command line names it).
fn backend_ticks(database: &str) -> HashMap<u32, u64> {
    let mut backends = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return backends;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let command = String::from_utf8_lossy(&command);
        if command.starts_with("postgres: ")
            && command.split_whitespace().any(|word| word == database)
        {
            backends.insert(pid, process_ticks(pid));
        }
    }
    backends
}

pub struct CpuSample {
    server: u64,
    benchmark: u64,
    postgres: HashMap<u32, u64>,
    machine: u64,
}

pub fn cpu_sample(server_pid: u32, database: &str) -> CpuSample {
    CpuSample {
        server: process_ticks(server_pid),
        benchmark: process_ticks(std::process::id()),
        postgres: backend_ticks(database),
        machine: machine_busy_ticks(),
    }
}

/// PostgreSQL's ticks between two samples: backends that lived through both, and those
/// opened in between (a backend that closed in between is not counted).
fn postgres_ticks(before: &CpuSample, after: &CpuSample) -> u64 {
    after
        .postgres
        .iter()
        .map(|(pid, ticks)| ticks.saturating_sub(before.postgres.get(pid).copied().unwrap_or(0)))
        .sum()
}

// ---------------------------------------------------------------------------------------
// Printing

fn milliseconds(micros: u64) -> String {
    let ms = micros as f64 / 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub struct Summary<'a> {
    pub trips: usize,
    pub seconds: f64,
    pub load_before: String,
    pub load_after: String,
    pub cpu_before: CpuSample,
    pub cpu_after: CpuSample,
    pub verdict: &'a Verdict,
}

pub fn print(recorder: &Recorder, summary: &Summary) {
    let tally = recorder.tally.lock().expect("recorder lock");
    let exited = recorder.exited();
    let rate = exited as f64 / summary.seconds;
    println!();
    println!(
        "== the day: {} cores; load average before {}, after {}",
        cores(),
        summary.load_before,
        summary.load_after
    );
    println!(
        "trips exited: {} of {} in {:.1} s: {rate:.1} trips/s end to end; {} requests ({:.0}/s)",
        thousands(exited),
        thousands(summary.trips as u64),
        summary.seconds,
        thousands(recorder.requests()),
        recorder.requests() as f64 / summary.seconds
    );
    println!();
    println!("latency of the answers that succeeded, ms:");
    println!(
        "{:<26} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "step", "count", "p50", "p95", "p99", "max"
    );
    for step in Step::ALL {
        let Some(histogram) = tally.latencies.get(&step) else {
            continue;
        };
        println!(
            "{:<26} {:>8} {:>9} {:>9} {:>9} {:>9}",
            step.name(),
            thousands(histogram.len()),
            milliseconds(histogram.value_at_quantile(0.50)),
            milliseconds(histogram.value_at_quantile(0.95)),
            milliseconds(histogram.value_at_quantile(0.99)),
            milliseconds(histogram.max()),
        );
    }
    println!();
    if tally.errors.is_empty() {
        println!("errors: 0");
    } else {
        println!(
            "errors by step and answer ({} in all):",
            thousands(recorder.failed_answers())
        );
        for ((step, label), count) in &tally.errors {
            println!(
                "  {:<26} {:<40} {:>8}",
                step.name(),
                label,
                thousands(*count)
            );
        }
    }
    println!();
    let verdict = summary.verdict;
    println!(
        "consistency: {} trips declared during the day, {} checked against the plan: {} wrong trips",
        thousands(verdict.in_database),
        thousands(verdict.checked),
        thousands(verdict.wrong)
    );
    for example in &verdict.examples {
        println!("  {example}");
    }
    let per_second = ticks_per_second();
    let seconds = |ticks: u64| ticks as f64 / per_second;
    let server = seconds(summary.cpu_after.server - summary.cpu_before.server);
    let benchmark = seconds(summary.cpu_after.benchmark - summary.cpu_before.benchmark);
    let postgres = seconds(postgres_ticks(&summary.cpu_before, &summary.cpu_after));
    let machine = seconds(summary.cpu_after.machine - summary.cpu_before.machine);
    println!(
        "CPU during the day: {machine:.1} s busy of {:.1} s on {} cores: server {server:.1} s, \
         PostgreSQL {postgres:.1} s, this program {benchmark:.1} s, anything else running {:.1} s",
        summary.seconds * cores() as f64,
        cores(),
        (machine - server - postgres - benchmark).max(0.0)
    );
    println!();
    let met = |pass: bool| if pass { "met" } else { "MISSED" };
    println!("targets:");
    println!(
        "  trips/s end to end >= 150: {rate:.1} {}",
        met(rate >= 150.0)
    );
    println!(
        "  errors = 0: {} {}",
        recorder.failed_answers(),
        met(recorder.failed_answers() == 0)
    );
    println!(
        "  wrong trips = 0: {} {}",
        verdict.wrong,
        met(verdict.wrong == 0)
    );
}
