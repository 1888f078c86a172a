//! What the portal counts for its operators, kept in memory and written out in the
//! Prometheus text format by `/metrics` (see `server/src/metrics.rs`, which also adds
//! what is read at each scrape: pool use, queues, the push outbox, live streams).
//!
//! Counters, histograms and gauges are atomics, found by name and labels in maps read
//! under a shared lock (written only the first time a series appears): counting on the
//! booking path is an atomic add, never a lock that requests wait for in turn. Written
//! here rather than taken from a metrics crate: the few kinds the portal needs fit in
//! this file, with no global recorder to install and nothing else to keep up.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{
        Arc, OnceLock, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

/// Every series the portal keeps: name, kind, and what it counts.
pub const DESCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "bgp_http_requests_total",
        "counter",
        "HTTP requests answered, by route template, method and status.",
    ),
    (
        "bgp_http_request_duration_seconds",
        "histogram",
        "Time to the response's head, by route template and method.",
    ),
    (
        "bgp_bookings_total",
        "counter",
        "Booking and moving requests by outcome (booked, replayed under their key, refused with its reason, not_found, unavailable, failed).",
    ),
    (
        "bgp_booking_connection_retries_total",
        "counter",
        "Batches of the booking path sent again on a new connection after theirs died.",
    ),
    (
        "bgp_booking_transient_retries_total",
        "counter",
        "Bookings tried again after a deadlock or serialisation failure (40P01, 40001) or a pass code clash (23505), by SQLSTATE.",
    ),
    (
        "bgp_database_connection_faults_total",
        "counter",
        "Times a database connection was found dead or could not be opened.",
    ),
    (
        "bgp_job_runs_total",
        "counter",
        "Background job runs by job and result (ok, failed, panicked).",
    ),
    (
        "bgp_job_last_success_timestamp_seconds",
        "gauge",
        "When each background job last ran without error (Unix seconds).",
    ),
    (
        "bgp_push_sends_total",
        "counter",
        "Push messages sent by outcome (delivered, retry, gone, refused, disallowed).",
    ),
];

/// Upper bounds of the latency histograms' buckets, in seconds.
pub const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

struct Histogram {
    /// Observations at most each bound (not cumulative; summed when written).
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum of the observations, in microseconds.
    sum_micros: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
}

/// A series: its name and its labels written out (`route="/x",status="200"`).
type Key = (&'static str, String);

#[derive(Default)]
struct Registry {
    counters: RwLock<BTreeMap<Key, Arc<AtomicU64>>>,
    gauges: RwLock<BTreeMap<Key, Arc<AtomicU64>>>,
    histograms: RwLock<BTreeMap<Key, Arc<Histogram>>>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// Labels as the text format writes them, values escaped.
pub fn labels_text(labels: &[(&str, &str)]) -> String {
    let mut text = String::new();
    for (index, (name, value)) in labels.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(name);
        text.push_str("=\"");
        for character in value.chars() {
            match character {
                '\\' => text.push_str("\\\\"),
                '"' => text.push_str("\\\""),
                '\n' => text.push_str("\\n"),
                other => text.push(other),
            }
        }
        text.push('"');
    }
    text
}

fn series<T: Default>(map: &RwLock<BTreeMap<Key, Arc<T>>>, key: Key) -> Arc<T> {
    if let Some(found) = map
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&key)
    {
        return found.clone();
    }
    map.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(key)
        .or_default()
        .clone()
}

/// Adds one to a counter.
pub fn increment(name: &'static str, labels: &[(&str, &str)]) {
    series(&registry().counters, (name, labels_text(labels))).fetch_add(1, Ordering::Relaxed);
}

/// Sets a gauge.
pub fn set(name: &'static str, labels: &[(&str, &str)], value: f64) {
    series(&registry().gauges, (name, labels_text(labels)))
        .store(value.to_bits(), Ordering::Relaxed);
}

/// Records one observation, in seconds, in a histogram.
pub fn observe(name: &'static str, labels: &[(&str, &str)], seconds: f64) {
    let histogram = series(&registry().histograms, (name, labels_text(labels)));
    if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
        histogram.buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }
    histogram.count.fetch_add(1, Ordering::Relaxed);
    histogram
        .sum_micros
        .fetch_add((seconds.max(0.0) * 1e6) as u64, Ordering::Relaxed);
}

/// A counter's value now (0 if it never counted).
pub fn counter_value(name: &'static str, labels: &[(&str, &str)]) -> u64 {
    registry()
        .counters
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&(name, labels_text(labels)))
        .map_or(0, |counter| counter.load(Ordering::Relaxed))
}

/// Writes a series' `# HELP` and `# TYPE` lines.
pub fn describe(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One sample line.
pub fn sample(out: &mut String, name: &str, labels: &str, value: f64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// Everything counted so far, in the text format (each kept series under its
/// description; series not seen yet are left out).
pub fn render(out: &mut String) {
    let registry = registry();
    let counters = registry
        .counters
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let gauges = registry
        .gauges
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let histograms = registry
        .histograms
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (name, kind, help) in DESCRIPTIONS {
        let mut described = false;
        let mut describe_once = |out: &mut String| {
            if !described {
                describe(out, name, kind, help);
                described = true;
            }
        };
        for ((series, labels), counter) in counters.iter() {
            if series == name {
                describe_once(out);
                sample(out, name, labels, counter.load(Ordering::Relaxed) as f64);
            }
        }
        for ((series, labels), gauge) in gauges.iter() {
            if series == name {
                describe_once(out);
                sample(
                    out,
                    name,
                    labels,
                    f64::from_bits(gauge.load(Ordering::Relaxed)),
                );
            }
        }
        for ((series, labels), histogram) in histograms.iter() {
            if series != name {
                continue;
            }
            describe_once(out);
            let joined = |extra: &str| {
                if labels.is_empty() {
                    extra.to_string()
                } else {
                    format!("{labels},{extra}")
                }
            };
            let mut cumulative = 0;
            for (bound, bucket) in BUCKETS.iter().zip(&histogram.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                sample(
                    out,
                    &format!("{name}_bucket"),
                    &joined(&format!("le=\"{bound}\"")),
                    cumulative as f64,
                );
            }
            let count = histogram.count.load(Ordering::Relaxed);
            sample(
                out,
                &format!("{name}_bucket"),
                &joined("le=\"+Inf\""),
                count as f64,
            );
            sample(
                out,
                &format!("{name}_sum"),
                labels,
                histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
            );
            sample(out, &format!("{name}_count"), labels, count as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_come_out_in_the_text_format() {
        increment(
            "bgp_job_runs_total",
            &[("job", "unit \"test\""), ("result", "ok")],
        );
        increment(
            "bgp_job_runs_total",
            &[("job", "unit \"test\""), ("result", "ok")],
        );
        observe(
            "bgp_http_request_duration_seconds",
            &[("route", "/unit-test"), ("method", "GET")],
            0.003,
        );
        observe(
            "bgp_http_request_duration_seconds",
            &[("route", "/unit-test"), ("method", "GET")],
            60.0,
        );
        let mut out = String::new();
        render(&mut out);
        assert!(out.contains("# TYPE bgp_job_runs_total counter\n"), "{out}");
        assert!(
            out.contains("bgp_job_runs_total{job=\"unit \\\"test\\\"\",result=\"ok\"} 2\n"),
            "{out}"
        );
        let route = "route=\"/unit-test\",method=\"GET\"";
        for line in [
            format!("bgp_http_request_duration_seconds_bucket{{{route},le=\"0.0025\"}} 0"),
            format!("bgp_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}} 1"),
            format!("bgp_http_request_duration_seconds_bucket{{{route},le=\"10\"}} 1"),
            format!("bgp_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}} 2"),
            format!("bgp_http_request_duration_seconds_count{{{route}}} 2"),
            format!("bgp_http_request_duration_seconds_sum{{{route}}} 60.003"),
        ] {
            assert!(out.contains(&format!("{line}\n")), "{line} in {out}");
        }
        assert_eq!(
            counter_value(
                "bgp_job_runs_total",
                &[("job", "unit \"test\""), ("result", "ok")]
            ),
            2
        );
    }
}
