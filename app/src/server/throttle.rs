//! Where the throttles' counts live: table `throttle_counters`, shared by every server
//! process behind one database, so that N processes do not multiply an allowance and a
//! restart does not reset it. Which counters a request is held to, and their limits, are
//! the domain's (`domain::throttle`); this is storage only.
//!
//! A counter is stored under its scope and a keyed hash (HMAC-SHA256 with a server
//! secret) of its subject, never the sign-in name or address itself. `throttle_take`
//! (see the migrations) lets a request through only when each of its counters has room,
//! and then counts it in each: one statement, atomic, in any number of processes.
//!
//! Requests waiting together go in one statement from one task, as the booking lanes
//! do (`bookings::lanes`): under a storm of bookings the counting costs a share of one
//! statement each, not a statement and a commit each. A counter found full is remembered
//! in this process until its window ends, so a client hammering a limit it reached is
//! refused without asking the database again.

use super::{AppState, security_events};
use crate::{
    domain::{
        security::EventKind,
        throttle::{AfterSuccess, Counter, Scope, wait_until},
    },
    error::AppError,
};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use std::{collections::HashMap, net::IpAddr, sync::Mutex};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// At most this many requests in one statement.
const MAX_BATCH: usize = 64;
/// Full counters remembered in this process, at most (then the expired are dropped).
const MAX_REMEMBERED: usize = 10_000;

/// One counter as stored: its scope, the keyed hash of its subject, and its window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    scope: Scope,
    subject: Vec<u8>,
    window_start: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Stored {
    key: Key,
    window_end: DateTime<Utc>,
    max: i32,
}

/// A request let through: the counters it was counted in, to give its hits back.
#[derive(Debug, Clone)]
pub struct Taken {
    counters: Vec<Stored>,
}

/// A request refused: which counter is full and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub scope: Scope,
    pub until: DateTime<Utc>,
}

struct Job {
    counters: Vec<Stored>,
    reply: oneshot::Sender<Result<Option<Refused>, AppError>>,
}

pub struct Throttle {
    pool: PgPool,
    secret: Vec<u8>,
    jobs: mpsc::UnboundedSender<Job>,
    /// Counters found full, until their window ends.
    full: Mutex<HashMap<Key, DateTime<Utc>>>,
}

impl Throttle {
    /// Starts the task that sends the counting to `pool`. Needs a Tokio runtime.
    pub fn start(pool: &PgPool, secret: &[u8]) -> Throttle {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(count(pool.clone(), queue));
        Throttle {
            pool: pool.clone(),
            secret: secret.to_vec(),
            jobs,
            full: Mutex::default(),
        }
    }

    fn stored(&self, counter: &Counter, now: DateTime<Utc>) -> Stored {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        mac.update(counter.scope.code().as_bytes());
        mac.update(&[0]);
        mac.update(&counter.subject.bytes());
        let window = counter.limit.window_at(now);
        Stored {
            key: Key {
                scope: counter.scope,
                subject: mac.finalize().into_bytes().to_vec(),
                window_start: window.start,
            },
            window_end: window.end,
            max: i32::try_from(counter.limit.max).unwrap_or(i32::MAX),
        }
    }

    fn remembered_full(&self, counters: &[Stored], now: DateTime<Utc>) -> Option<Refused> {
        let full = self
            .full
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counters
            .iter()
            .filter_map(|counter| {
                full.get(&counter.key)
                    .filter(|until| **until > now)
                    .map(|until| Refused {
                        scope: counter.key.scope,
                        until: *until,
                    })
            })
            .max_by_key(|refused| refused.until)
    }

    fn remember_full(&self, counters: &[Stored], refused: Refused, now: DateTime<Utc>) {
        let mut full = self
            .full
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if full.len() >= MAX_REMEMBERED {
            full.retain(|_, until| *until > now);
        }
        if full.len() < MAX_REMEMBERED {
            for counter in counters.iter().filter(|counter| {
                counter.key.scope == refused.scope && counter.window_end == refused.until
            }) {
                full.insert(counter.key.clone(), counter.window_end);
            }
        }
    }

    /// Counts a request in each of `counters` if every one has room, else in none.
    pub async fn take(
        &self,
        counters: &[Counter],
        now: DateTime<Utc>,
    ) -> Result<Result<Taken, Refused>, AppError> {
        let counters: Vec<Stored> = counters
            .iter()
            .map(|counter| self.stored(counter, now))
            .collect();
        if counters.is_empty() {
            return Ok(Ok(Taken { counters }));
        }
        if let Some(refused) = self.remembered_full(&counters, now) {
            return Ok(Err(refused));
        }
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                counters: counters.clone(),
                reply,
            })
            .map_err(|_| AppError::Internal)?;
        match answer.await.map_err(|_| AppError::Internal)? {
            Ok(None) => Ok(Ok(Taken { counters })),
            Ok(Some(refused)) => {
                self.remember_full(&counters, refused, now);
                Ok(Err(refused))
            }
            Err(error) => Err(error),
        }
    }

    /// After a request let through: what becomes of each of its counters (its hit taken
    /// back, every window forgotten, or as it is).
    pub async fn settle(
        &self,
        taken: &Taken,
        after: impl Fn(Scope) -> Option<AfterSuccess>,
    ) -> Result<(), AppError> {
        let of = |wanted| {
            taken
                .counters
                .iter()
                .filter(|counter| after(counter.key.scope) == Some(wanted))
                .collect::<Vec<&Stored>>()
        };
        let (back, gone) = (of(AfterSuccess::GiveBack), of(AfterSuccess::Forget));
        if back.is_empty() && gone.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "with forgotten as (
               delete from throttle_counters
                where (scope, subject) in (select * from unnest($4::text[], $5::bytea[])))
             update throttle_counters set hits = greatest(hits - 1, 0)
              where (scope, subject, window_start) in (select * from unnest($1::text[], $2::bytea[], $3::timestamptz[]))",
        )
        .bind(back.iter().map(|counter| counter.key.scope.code()).collect::<Vec<_>>())
        .bind(back.iter().map(|counter| counter.key.subject.clone()).collect::<Vec<_>>())
        .bind(back.iter().map(|counter| counter.key.window_start).collect::<Vec<_>>())
        .bind(gone.iter().map(|counter| counter.key.scope.code()).collect::<Vec<_>>())
        .bind(gone.iter().map(|counter| counter.key.subject.clone()).collect::<Vec<_>>())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes the counters whose window has ended (a job does it every minute).
    pub async fn delete_expired(&self, now: DateTime<Utc>) -> Result<u64, AppError> {
        Ok(
            sqlx::query("delete from throttle_counters where window_end <= $1")
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// Who a throttled request came from, for the security log.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub account: Option<Uuid>,
    pub address: IpAddr,
}

/// Holds a request to `counters`: `TooManyAttempts` (429, with how long to wait) when one
/// is full, recorded in the security log.
pub async fn take(state: &AppState, counters: &[Counter], who: Who) -> Result<Taken, AppError> {
    let now = Utc::now();
    match state.throttle.take(counters, now).await? {
        Ok(taken) => Ok(taken),
        Err(refused) => {
            security_events::record(
                state,
                EventKind::Throttled,
                who.account,
                Some(who.address),
                refused.scope.code(),
            );
            Err(AppError::TooManyAttempts {
                retry_after_seconds: wait_until(refused.until, now).as_secs(),
            })
        }
    }
}

/// The counting task: batch after batch of waiting requests, one statement each.
async fn count(pool: PgPool, mut queue: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match take_together(&pool, &batch).await {
            Ok(answers) => {
                for (job, answer) in batch.into_iter().zip(answers) {
                    let _ = job.reply.send(Ok(answer));
                }
            }
            Err(error) => {
                tracing::error!(%error, "counting throttled requests failed");
                // Classified once (a database out of reach is 503, not 500) for all.
                let error = AppError::from(error);
                for job in batch {
                    let _ = job.reply.send(Err(error.clone()));
                }
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct Answer {
    ordinal: i32,
    allowed: bool,
    blocked_scope: Option<String>,
    blocked_until: Option<DateTime<Utc>>,
}

/// `throttle_take` for a batch: each distinct counter once, and which belong to which
/// request; one answer per request, in order.
async fn take_together(pool: &PgPool, batch: &[Job]) -> Result<Vec<Option<Refused>>, sqlx::Error> {
    let mut distinct: Vec<&Stored> = Vec::new();
    let mut index_of: HashMap<&Key, i32> = HashMap::new();
    let (mut requests, mut members) = (Vec::new(), Vec::new());
    for (ordinal, job) in (1..).zip(batch) {
        for counter in &job.counters {
            let index = *index_of.entry(&counter.key).or_insert_with(|| {
                distinct.push(counter);
                distinct.len() as i32
            });
            requests.push(ordinal);
            members.push(index);
        }
    }
    let rows: Vec<Answer> = sqlx::query_as(
        "select ordinal, allowed, blocked_scope, blocked_until
           from throttle_take($1, $2, $3, $4, $5, $6, $7) order by ordinal",
    )
    .bind(
        distinct
            .iter()
            .map(|counter| counter.key.scope.code())
            .collect::<Vec<_>>(),
    )
    .bind(
        distinct
            .iter()
            .map(|counter| counter.key.subject.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        distinct
            .iter()
            .map(|counter| counter.key.window_start)
            .collect::<Vec<_>>(),
    )
    .bind(
        distinct
            .iter()
            .map(|counter| counter.window_end)
            .collect::<Vec<_>>(),
    )
    .bind(
        distinct
            .iter()
            .map(|counter| counter.max)
            .collect::<Vec<_>>(),
    )
    .bind(requests)
    .bind(members)
    .fetch_all(pool)
    .await?;
    let in_order = rows.len() == batch.len()
        && rows
            .iter()
            .enumerate()
            .all(|(index, row)| usize::try_from(row.ordinal).ok() == Some(index + 1));
    if !in_order {
        return Err(sqlx::Error::Protocol(
            "throttle_take answered out of order".into(),
        ));
    }
    rows.into_iter()
        .map(
            |row| match (row.allowed, row.blocked_scope.as_deref(), row.blocked_until) {
                (true, _, _) => Ok(None),
                (false, Some(scope), Some(until)) => Scope::from_code(scope)
                    .map(|scope| Some(Refused { scope, until }))
                    .ok_or_else(|| {
                        sqlx::Error::Protocol(format!("unknown throttle scope {scope}"))
                    }),
                (false, _, _) => Err(sqlx::Error::Protocol(
                    "throttle_take refused without saying why".into(),
                )),
            },
        )
        .collect()
}
