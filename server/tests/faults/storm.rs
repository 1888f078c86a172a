//! A small booking storm: a few dozen clients, each its own keep-alive connection, book
//! every trip of the run. A client keeps a request's key until it has an answer that
//! decides it (a booking, or a refusal), retrying through dropped connections, 503s and
//! a server that is not there, as a phone would; only after a refusal does it try
//! another slot under a new key. It tallies every answer.

use reqwest::{Client, StatusCode};
use sqlx::PgPool;
use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// An answer later than this counts as a hang.
pub const HANG: Duration = Duration::from_secs(15);

/// A booking the portal confirmed to its client.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub trip: String,
    pub firm: usize,
    pub slot: i64,
    pub key: String,
    pub booking: String,
    /// Which server process (of `Storm::bases`) confirmed it.
    pub via: usize,
}

#[derive(Default, Debug)]
pub struct Tally {
    /// Answers by status (and "transport" for no answer: refused or dropped connection).
    pub statuses: BTreeMap<String, u64>,
    pub refusals: BTreeMap<String, u64>,
    pub hangs: u64,
    pub unavailable_without_retry_after: u64,
    /// Latencies of answered requests, in microseconds.
    pub latencies: Vec<u32>,
    pub slowest: Duration,
    pub acknowledged: Vec<Acknowledged>,
    /// Trips that found every slot full.
    pub unplaced: u64,
}

impl Tally {
    fn answer(&mut self, status: &str, latency: Duration) {
        *self.statuses.entry(status.to_string()).or_default() += 1;
        self.latencies
            .push(latency.as_micros().min(u32::MAX as u128) as u32);
        self.slowest = self.slowest.max(latency);
    }

    pub fn count(&self, status: &str) -> u64 {
        self.statuses.get(status).copied().unwrap_or(0)
    }

    pub fn merge(&mut self, other: Tally) {
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (reason, count) in other.refusals {
            *self.refusals.entry(reason).or_default() += count;
        }
        self.hangs += other.hangs;
        self.unavailable_without_retry_after += other.unavailable_without_retry_after;
        self.latencies.extend(other.latencies);
        self.slowest = self.slowest.max(other.slowest);
        self.acknowledged.extend(other.acknowledged);
        self.unplaced += other.unplaced;
    }

    pub fn percentile_ms(&mut self, fraction: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        self.latencies.sort_unstable();
        let at = ((self.latencies.len() as f64 - 1.0) * fraction).round() as usize;
        f64::from(self.latencies[at]) / 1000.0
    }

    pub fn statuses_text(&self) -> String {
        self.statuses
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub struct Storm {
    pub bases: Vec<String>,
    pub cookies: Vec<String>,
    queue: Mutex<VecDeque<(String, usize)>>,
    slots: Vec<i64>,
    full: Vec<AtomicBool>,
    /// Bookings confirmed so far (for the run to act in the middle of the storm).
    pub confirmed: AtomicUsize,
    /// Give up retrying a request after this (the run has failed by then).
    give_up: Instant,
}

impl Storm {
    pub fn new(
        bases: Vec<String>,
        cookies: Vec<String>,
        trips: &[(String, usize)],
        slots: &[i64],
    ) -> Arc<Storm> {
        Arc::new(Storm {
            bases,
            cookies,
            queue: Mutex::new(trips.iter().cloned().collect()),
            full: slots.iter().map(|_| AtomicBool::new(false)).collect(),
            slots: slots.to_vec(),
            confirmed: AtomicUsize::new(0),
            give_up: Instant::now() + Duration::from_secs(300),
        })
    }

    /// Runs `clients` clients until every trip is booked or finds no room; their tally.
    pub async fn run(self: &Arc<Storm>, clients: usize) -> Tally {
        let tasks: Vec<_> = (0..clients)
            .map(|index| {
                let storm = self.clone();
                tokio::spawn(async move { storm.client(index).await })
            })
            .collect();
        let mut tally = Tally::default();
        for task in tasks {
            if let Ok(part) = task.await {
                tally.merge(part);
            }
        }
        tally
    }

    fn next_trip(&self) -> Option<(String, usize)> {
        self.queue.lock().unwrap().pop_front()
    }

    fn open_slot(&self, seed: usize) -> Option<usize> {
        let count = self.slots.len();
        (0..count)
            .map(|offset| (seed + offset * 7) % count)
            .find(|slot| !self.full[*slot].load(Ordering::Relaxed))
    }

    async fn client(self: Arc<Storm>, index: usize) -> Tally {
        let client = Client::builder()
            .timeout(HANG)
            .pool_max_idle_per_host(1)
            .build()
            .expect("an HTTP client");
        let via = index % self.bases.len();
        let base = &self.bases[via];
        let mut tally = Tally::default();
        let mut attempt = 0usize;
        while let Some((trip, firm)) = self.next_trip() {
            'slots: loop {
                attempt += 1;
                let Some(slot) = self.open_slot(index * 31 + attempt) else {
                    tally.unplaced += 1;
                    break;
                };
                let key = format!("faults-{index:03}-{attempt:06}");
                loop {
                    if Instant::now() > self.give_up {
                        break 'slots;
                    }
                    let sent = Instant::now();
                    let response = client
                        .post(format!("{base}/api/book_slot"))
                        .header("cookie", &self.cookies[firm])
                        .form(&[
                            ("trip_id", trip.as_str()),
                            ("slot_id", &self.slots[slot].to_string()),
                            ("request_key", key.as_str()),
                        ])
                        .send()
                        .await;
                    let response = match response {
                        Ok(response) => response,
                        Err(error) if error.is_timeout() => {
                            tally.hangs += 1;
                            continue;
                        }
                        Err(_) => {
                            *tally.statuses.entry("transport".into()).or_default() += 1;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            continue;
                        }
                    };
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.parse::<u64>().ok());
                    let body = match response.text().await {
                        Ok(body) => body,
                        Err(_) => {
                            *tally.statuses.entry("transport".into()).or_default() += 1;
                            continue;
                        }
                    };
                    tally.answer(status.as_str(), sent.elapsed());
                    match status {
                        StatusCode::OK => {
                            let booking: String = serde_json::from_str(&body).unwrap_or_default();
                            self.confirmed.fetch_add(1, Ordering::Relaxed);
                            tally.acknowledged.push(Acknowledged {
                                trip: trip.clone(),
                                firm,
                                slot: self.slots[slot],
                                key: key.clone(),
                                booking,
                                via,
                            });
                            break 'slots;
                        }
                        StatusCode::UNPROCESSABLE_ENTITY => {
                            let reason = problem_code(&body);
                            *tally.refusals.entry(reason.clone()).or_default() += 1;
                            if matches!(
                                reason.as_str(),
                                "slot_full" | "daily_intake" | "firm_share"
                            ) {
                                self.full[slot].store(true, Ordering::Relaxed);
                                continue 'slots;
                            }
                            break 'slots;
                        }
                        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                            if retry_after.is_none() {
                                tally.unavailable_without_retry_after += 1;
                            }
                            // A phone waits as told, at most a second here to keep the
                            // run short.
                            let wait = retry_after.unwrap_or(1).min(1);
                            tokio::time::sleep(Duration::from_secs(wait)).await;
                        }
                        _ => tokio::time::sleep(Duration::from_millis(200)).await,
                    }
                }
            }
        }
        tally
    }
}

fn problem_code(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value["Invalid"]["fields"][0]["problem"]["code"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unreadable".into())
}

/// What the database says after a storm, and what that means for its bookings.
#[derive(Debug, Default)]
pub struct Checks {
    pub acknowledged: usize,
    /// Acknowledged bookings not in the database, or not under their key.
    pub lost: i64,
    /// Trips with more than one booking made by the storm, or bookings no key names.
    pub doubled: i64,
    pub overbooked_slots: i64,
    pub counters_off: i64,
    pub active_bookings: i64,
    pub replays: usize,
    pub replays_differing: usize,
}

impl Checks {
    pub fn passed(&self) -> bool {
        self.lost == 0
            && self.doubled == 0
            && self.overbooked_slots == 0
            && self.counters_off == 0
            && self.replays_differing == 0
    }

    pub fn text(&self) -> String {
        format!(
            "acknowledged {}, in the database {}; lost {}, doubled {}, overbooked slots {}, counters off {}; retries under the same key {} ({} answered differently)",
            self.acknowledged,
            self.active_bookings,
            self.lost,
            self.doubled,
            self.overbooked_slots,
            self.counters_off,
            self.replays,
            self.replays_differing
        )
    }
}

pub async fn check(
    pool: &PgPool,
    acknowledged: &[Acknowledged],
    slots: &[i64],
) -> Result<Checks, String> {
    let sql = |error: sqlx::Error| format!("checks: {error}");
    let trips: Vec<uuid::Uuid> = acknowledged
        .iter()
        .map(|ack| ack.trip.parse().unwrap_or_default())
        .collect();
    let bookings: Vec<uuid::Uuid> = acknowledged
        .iter()
        .map(|ack| ack.booking.parse().unwrap_or_default())
        .collect();
    let keys: Vec<String> = acknowledged.iter().map(|ack| ack.key.clone()).collect();
    let lost: i64 = sqlx::query_scalar(
        "select count(*) from unnest($1::uuid[], $2::uuid[], $3::text[]) as a (trip, booking, key)
          where not exists (select 1 from bookings b join booking_requests r on r.booking_id = b.id
                             where b.id = a.booking and b.trip_id = a.trip and b.status = 'active' and r.key = a.key)",
    )
    .bind(&trips)
    .bind(&bookings)
    .bind(&keys)
    .fetch_one(pool)
    .await
    .map_err(sql)?;
    let doubled: i64 = sqlx::query_scalar(
        "select (select count(*) from (select trip_id from bookings group by trip_id having count(*) > 1) as twice)
              + (select count(*) from bookings b where not exists (select 1 from booking_requests r where r.booking_id = b.id))
              + (select count(*) from booking_requests where booking_id is null)",
    )
    .fetch_one(pool)
    .await
    .map_err(sql)?;
    let overbooked_slots: i64 =
        sqlx::query_scalar("select count(*) from slots where booked > capacity")
            .fetch_one(pool)
            .await
            .map_err(sql)?;
    let counters_off: i64 = sqlx::query_scalar(
        "select (select count(*) from slots s
                  where s.id = any($1) and s.booked <> (select count(*) from bookings b where b.slot_id = s.id and b.status = 'active'))
              + (select count(*) from slot_firms sf
                  where sf.slot_id = any($1) and sf.booked <> (select count(*) from bookings b
                         where b.slot_id = sf.slot_id and b.firm_id = sf.firm_id and b.status = 'active'))
              + (select count(*) from gate_days d
                  where d.gate_id = 'huu-nghi' and d.booked <> (select count(*) from bookings b join slots s on s.id = b.slot_id
                         where b.status = 'active' and s.gate_id = d.gate_id and s.direction = d.direction and s.local_day = d.local_day))
              + (select count(*) from trips t
                  where (t.status = 'booked') <> exists (select 1 from bookings b where b.trip_id = t.id and b.status = 'active'))",
    )
    .bind(slots)
    .fetch_one(pool)
    .await
    .map_err(sql)?;
    let active_bookings: i64 =
        sqlx::query_scalar("select count(*) from bookings where status = 'active'")
            .fetch_one(pool)
            .await
            .map_err(sql)?;
    Ok(Checks {
        acknowledged: acknowledged.len(),
        lost,
        doubled,
        overbooked_slots,
        counters_off,
        active_bookings,
        ..Checks::default()
    })
}

/// Sends every acknowledged booking's request again under its key: each must get the
/// same booking.
pub async fn replay(storm: &Storm, acknowledged: &[Acknowledged], checks: &mut Checks) {
    let client = Client::builder()
        .timeout(HANG)
        .build()
        .expect("an HTTP client");
    for (index, ack) in acknowledged.iter().enumerate() {
        let base = &storm.bases[index % storm.bases.len()];
        let answer = client
            .post(format!("{base}/api/book_slot"))
            .header("cookie", &storm.cookies[ack.firm])
            .form(&[
                ("trip_id", ack.trip.as_str()),
                ("slot_id", &ack.slot.to_string()),
                ("request_key", ack.key.as_str()),
            ])
            .send()
            .await;
        let same = match answer {
            Ok(response) if response.status() == StatusCode::OK => response
                .text()
                .await
                .ok()
                .and_then(|body| serde_json::from_str::<String>(&body).ok())
                .is_some_and(|booking| booking == ack.booking),
            _ => false,
        };
        checks.replays += 1;
        if !same {
            checks.replays_differing += 1;
        }
    }
}

/// Waits until the push outbox is empty (at most `within`); then what each acknowledged
/// booking's firm device got: (lost: no "booked" message, delivered more than once).
pub async fn pushed(
    pool: &PgPool,
    service: &super::portal::PushService,
    devices: &[(Box<dyn ece::LocalKeyPair>, [u8; 16])],
    acknowledged: &[Acknowledged],
    within: Duration,
) -> (usize, usize, i64) {
    let until = Instant::now() + within;
    let mut left = i64::MAX;
    while Instant::now() < until {
        left = sqlx::query_scalar("select count(*) from push_outbox")
            .fetch_one(pool)
            .await
            .unwrap_or(i64::MAX);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let tally: HashMap<(String, String), usize> = service.tally(devices);
    let lost = acknowledged
        .iter()
        .filter(|ack| !tally.contains_key(&(ack.trip.clone(), "booked".to_string())))
        .count();
    let twice = tally.values().filter(|count| **count > 1).count();
    (lost, twice, left)
}
