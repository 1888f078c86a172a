//! Where the booking path talks to PostgreSQL: a few connections of its own, apart from
//! the pool the rest of the portal shares, each owned by one task that sends what waits
//! for it in batches.
//!
//! Why. Under a storm of bookings the shared pool was the queue everything waited in:
//! each query through it costs two more round trips (a ping when a connection is taken,
//! another when it is given back) and a place in one queue with every other request of
//! the portal, the session check of each booking request included. Bookings also held
//! their connection through a commit (a WAL flush) and through the row lock of a popular
//! slot. And on a small machine the round trips and per-statement work are much of what
//! the database spends: the reads themselves are index lookups of a few microseconds.
//! So:
//!
//! - Readers ([`readers`] tasks, one connection each) take the booking snapshots waiting
//!   in one shared queue, up to [`MAX_READ_BATCH`] at a time, and read them all in one
//!   query (`SNAPSHOTS` in the parent module: the same lock-free read, once per request).
//! - Lanes ([`lanes`] tasks, one connection each) write. Every booking of one gate,
//!   direction and local day goes through the same lane, since they all raise that day's
//!   intake counter and mostly the same few slot rows: one connection waits on those row
//!   locks instead of several. A lane takes every booking waiting in its queue (up to
//!   [`MAX_BATCH`]) and sends them in one statement, `book_slots` (see the migrations),
//!   which runs `book_slot` for each in its own subtransaction: one commit and one WAL
//!   flush for them all, each booking judged exactly as it would be alone (a refusal
//!   undoes that booking only). Lanes could still meet on a row (a trip moved from one
//!   day to another while another lane books that day): PostgreSQL then finds the
//!   deadlock, the loser's booking is refused as transient and retried.
//!
//! When nothing else waits, a batch is one request and goes at once: batching never
//! waits for company. A request whose caller stopped waiting (a client that hung up)
//! before its batch was sent is not sent; once sent it runs to its end, as before.
//!
//! Nothing here decides anything: the domain rules stay in Rust (`GatePolicy::admit`)
//! and the invariants in the database (`take_slot`'s conditional updates, constraints,
//! the idempotency key claimed inside `book_slot`). The connections follow the shared
//! pool: they are opened on first use and closed when it closes. The server's state
//! holds one [`BookingDb`].

use super::{SNAPSHOTS, Snapshot};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Connection, PgConnection, PgPool, pool::CloseEvent, postgres::PgConnectOptions};
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// At most this many snapshots in one query.
const MAX_READ_BATCH: usize = 32;
/// At most this many bookings in one statement: each has a subtransaction, and
/// PostgreSQL slows every snapshot of every backend once one has more than 64.
const MAX_BATCH: usize = 48;

/// Reader tasks (connections): one per core.
fn readers() -> usize {
    cores()
}

/// Writer lanes (connections): `BOOKING_LANES`, by default one per core. A lane runs
/// its batches one after another, so in the opening rush of a storm (on two cores, some
/// 1,200 of 2,000 attempts a second confirm) one lane was the queue: p99 near 500 ms
/// while everything else waited on it. Two lanes on two cores, once the session check
/// moved into the snapshot and left the CPU to spare, met every target in six runs
/// (p99 29-251 ms, "slot full" 5-16 ms, 2026-11-23). Before that move, two lanes did
/// worse than one: the CPU, not the lane, was what ran out.
fn lanes() -> usize {
    std::env::var("BOOKING_LANES")
        .ok()
        .and_then(|lanes| lanes.trim().parse().ok())
        .filter(|lanes| *lanes > 0)
        .unwrap_or(cores())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get())
}

/// What one booking snapshot is read for.
#[derive(Debug, Clone)]
pub(super) struct SnapshotOf {
    pub trip: Uuid,
    /// The session row the request's cookie names, and its account.
    pub session: Uuid,
    pub slot: i64,
    pub key: String,
    pub now: DateTime<Utc>,
    pub user: Uuid,
}

/// One call of `book_slot`, its arguments in order.
#[derive(Debug, Clone)]
pub(super) struct BookSlot {
    pub firm: Uuid,
    pub actor: Uuid,
    pub trip: Uuid,
    pub slot: i64,
    pub key: String,
    pub request: String,
    pub regular_cap: i32,
    pub firm_cap: i32,
    pub pass_code: String,
    pub moving: bool,
    pub late: bool,
}

/// What PostgreSQL raised for one booking: a refusal of `book_slot` (SQLSTATE BG001), a
/// constraint, a deadlock...
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Raised {
    pub code: String,
    pub message: String,
    pub constraint: Option<String>,
}

/// How `book_slot` answered one booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Booked {
    /// The booking (a retry's: the first attempt's). None: the key was claimed by a
    /// concurrent twin that then failed.
    Done(Option<Uuid>),
    Raised(Raised),
}

struct Job<Q, A> {
    question: Q,
    reply: oneshot::Sender<Result<A, sqlx::Error>>,
}

type ReadJob = Job<SnapshotOf, Option<Snapshot>>;
type WriteJob = Job<BookSlot, Booked>;

/// The booking path's connections to the database of one shared pool.
pub struct BookingDb {
    reads: mpsc::UnboundedSender<ReadJob>,
    lanes: Vec<mpsc::UnboundedSender<WriteJob>>,
}

impl BookingDb {
    /// Starts the readers and lanes; their connections open on first use, and close
    /// when `pool` closes. Needs a Tokio runtime.
    pub fn start(pool: &PgPool) -> BookingDb {
        let options = (*pool.connect_options()).clone();
        let (reads, queue) = mpsc::unbounded_channel();
        let queue = Arc::new(tokio::sync::Mutex::new(queue));
        // The snapshot query is planned once, for any number of requests: each is a few
        // index lookups whatever the count. Left to itself, PostgreSQL would plan it
        // afresh at every call (about a millisecond, ten times the read itself), since
        // no generic plan looks as cheap as one made for a single request.
        let read_options = options
            .clone()
            .options([("plan_cache_mode", "force_generic_plan")]);
        for _ in 0..readers() {
            tokio::spawn(reader(
                read_options.clone(),
                queue.clone(),
                pool.close_event(),
            ));
        }
        let lanes = (0..lanes())
            .map(|_| {
                let (sender, receiver) = mpsc::unbounded_channel();
                tokio::spawn(lane(options.clone(), receiver, pool.close_event()));
                sender
            })
            .collect();
        BookingDb { reads, lanes }
    }

    /// The booking snapshot (None: no such trip in the firm, or not the driver's, or no
    /// such slot).
    pub(super) async fn snapshot(
        &self,
        question: SnapshotOf,
    ) -> Result<Option<Snapshot>, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.reads
            .send(Job { question, reply })
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }

    /// The lane of a gate's direction on one local day.
    pub(super) fn lane(&self, gate: &str, direction: &str, day: NaiveDate) -> usize {
        let mut hasher = DefaultHasher::new();
        (gate, direction, day).hash(&mut hasher);
        (hasher.finish() % self.lanes.len() as u64) as usize
    }

    /// Runs `book_slot` in `lane`.
    pub(super) async fn book(
        &self,
        lane: usize,
        question: BookSlot,
    ) -> Result<Booked, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.lanes[lane % self.lanes.len()]
            .send(Job { question, reply })
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }
}

/// What waits in `jobs` now, at least one (None when the queue or the pool closed), at
/// most `max`, without those whose caller stopped waiting.
async fn next_batch<Q, A>(
    jobs: &mut mpsc::UnboundedReceiver<Job<Q, A>>,
    closing: &mut CloseEvent,
    max: usize,
) -> Option<Vec<Job<Q, A>>> {
    let first = tokio::select! {
        job = jobs.recv() => job?,
        _ = closing => return None,
    };
    let mut batch = vec![first];
    while batch.len() < max {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch.retain(|job| !job.reply.is_closed());
    Some(batch)
}

/// The task's connection, opened if need be; on failure every job of the batch hears it.
async fn connected<Q, A>(
    connection: &mut Option<PgConnection>,
    options: &PgConnectOptions,
    batch: &mut Vec<Job<Q, A>>,
) -> Option<PgConnection> {
    if let Some(live) = connection.take() {
        return Some(live);
    }
    match PgConnection::connect_with(options).await {
        Ok(live) => Some(live),
        Err(error) => {
            tracing::error!(%error, "booking connection failed");
            for job in batch.drain(..) {
                let _ = job.reply.send(Err(sqlx::Error::PoolClosed));
            }
            None
        }
    }
}

/// One reader: batch after batch of snapshots from the shared queue.
async fn reader(
    options: PgConnectOptions,
    queue: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<ReadJob>>>,
    mut closing: CloseEvent,
) {
    let mut connection: Option<PgConnection> = None;
    loop {
        // One reader at a time waits on the queue; the others are busy or wait their turn.
        let batch = {
            let mut jobs = tokio::select! {
                jobs = queue.lock() => jobs,
                _ = &mut closing => break,
            };
            next_batch(&mut jobs, &mut closing, MAX_READ_BATCH).await
        };
        let Some(mut batch) = batch else { break };
        if batch.is_empty() {
            continue;
        }
        let Some(mut live) = connected(&mut connection, &options, &mut batch).await else {
            continue;
        };
        match read_together(&mut live, &batch).await {
            Ok(mut answers) => {
                for (job, answer) in batch.into_iter().zip(answers.drain(..)) {
                    let _ = job.reply.send(Ok(answer));
                }
                connection = Some(live);
            }
            Err(error) => {
                tracing::error!(%error, "booking snapshots failed");
                // A database error leaves the connection ready for the next query.
                if matches!(error, sqlx::Error::Database(_)) {
                    connection = Some(live);
                }
                for job in batch {
                    let _ = job
                        .reply
                        .send(Err(sqlx::Error::Protocol(error.to_string())));
                }
            }
        }
    }
    if let Some(live) = connection {
        let _ = live.close().await;
    }
}

#[derive(sqlx::FromRow)]
struct Numbered {
    ordinal: i64,
    #[sqlx(flatten)]
    snapshot: Snapshot,
}

/// The snapshots of a batch, in its order.
async fn read_together(
    connection: &mut PgConnection,
    batch: &[ReadJob],
) -> Result<Vec<Option<Snapshot>>, sqlx::Error> {
    let questions = || batch.iter().map(|job| &job.question);
    let rows: Vec<Numbered> = sqlx::query_as(SNAPSHOTS)
        .bind(questions().map(|q| q.trip).collect::<Vec<_>>())
        .bind(questions().map(|q| q.session).collect::<Vec<_>>())
        .bind(questions().map(|q| q.slot).collect::<Vec<_>>())
        .bind(questions().map(|q| q.key.clone()).collect::<Vec<_>>())
        .bind(questions().map(|q| q.now).collect::<Vec<_>>())
        .bind(questions().map(|q| q.user).collect::<Vec<_>>())
        .fetch_all(&mut *connection)
        .await?;
    let mut answers: Vec<Option<Snapshot>> = batch.iter().map(|_| None).collect();
    for row in rows {
        let slot = usize::try_from(row.ordinal - 1)
            .ok()
            .and_then(|index| answers.get_mut(index));
        match slot {
            Some(answer @ None) => *answer = Some(row.snapshot),
            _ => {
                return Err(sqlx::Error::Protocol(format!(
                    "booking snapshot {} out of place",
                    row.ordinal
                )));
            }
        }
    }
    Ok(answers)
}

/// One writer lane: batch after batch of bookings of its gate days.
async fn lane(
    options: PgConnectOptions,
    mut jobs: mpsc::UnboundedReceiver<WriteJob>,
    mut closing: CloseEvent,
) {
    let mut connection: Option<PgConnection> = None;
    while let Some(mut batch) = next_batch(&mut jobs, &mut closing, MAX_BATCH).await {
        if batch.is_empty() {
            continue;
        }
        let Some(live) = connected(&mut connection, &options, &mut batch).await else {
            continue;
        };
        connection = write(live, batch).await;
    }
    if let Some(live) = connection {
        let _ = live.close().await;
    }
}

/// Books a batch and answers each booking; gives the connection back unless it broke.
async fn write(mut connection: PgConnection, batch: Vec<WriteJob>) -> Option<PgConnection> {
    if batch.len() > 1 {
        match book_together(&mut connection, &batch).await {
            Ok(answers) => {
                for (job, answer) in batch.into_iter().zip(answers) {
                    let _ = job.reply.send(Ok(answer));
                }
                return Some(connection);
            }
            // The statement as a whole failed, so nothing of it stays: one by one then.
            Err(sqlx::Error::Database(error)) => {
                tracing::warn!(%error, "a batch of bookings failed; booking one by one");
            }
            Err(error) => {
                tracing::error!(%error, "booking lane lost its connection");
                for job in batch {
                    let _ = job
                        .reply
                        .send(Err(sqlx::Error::Protocol(error.to_string())));
                }
                return None;
            }
        }
    }
    let mut jobs = batch.into_iter();
    for job in jobs.by_ref() {
        match book_alone(&mut connection, &job.question).await {
            Ok(answer) => {
                let _ = job.reply.send(Ok(answer));
            }
            Err(error) => {
                tracing::error!(%error, "booking lane lost its connection");
                let message = error.to_string();
                let _ = job.reply.send(Err(error));
                for job in jobs {
                    let _ = job.reply.send(Err(sqlx::Error::Protocol(message.clone())));
                }
                return None;
            }
        }
    }
    Some(connection)
}

fn raised(error: &dyn sqlx::error::DatabaseError) -> Raised {
    Raised {
        code: error
            .code()
            .map(|code| code.into_owned())
            .unwrap_or_default(),
        message: error.message().to_string(),
        constraint: error.constraint().map(str::to_string),
    }
}

/// `book_slot` on its own: a database error is its answer, not a failure of the lane.
async fn book_alone(connection: &mut PgConnection, call: &BookSlot) -> Result<Booked, sqlx::Error> {
    let booked: Result<Option<Uuid>, sqlx::Error> =
        sqlx::query_scalar("select book_slot($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(call.firm)
            .bind(call.actor)
            .bind(call.trip)
            .bind(call.slot)
            .bind(&call.key)
            .bind(&call.request)
            .bind(call.regular_cap)
            .bind(call.firm_cap)
            .bind(&call.pass_code)
            .bind(call.moving)
            .bind(call.late)
            .fetch_one(connection)
            .await;
    match booked {
        Ok(booking) => Ok(Booked::Done(booking)),
        Err(sqlx::Error::Database(error)) => Ok(Booked::Raised(raised(error.as_ref()))),
        Err(error) => Err(error),
    }
}

#[derive(sqlx::FromRow)]
struct Answer {
    ordinal: i32,
    booking: Option<Uuid>,
    error_code: Option<String>,
    error_message: Option<String>,
    error_constraint: Option<String>,
}

/// `book_slots`: the batch in one statement, one answer per booking in its order.
async fn book_together(
    connection: &mut PgConnection,
    batch: &[WriteJob],
) -> Result<Vec<Booked>, sqlx::Error> {
    let calls = || batch.iter().map(|job| &job.question);
    let rows: Vec<Answer> = sqlx::query_as(
        "select ordinal, booking, error_code, error_message, error_constraint
           from book_slots($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
          order by ordinal",
    )
    .bind(calls().map(|call| call.firm).collect::<Vec<_>>())
    .bind(calls().map(|call| call.actor).collect::<Vec<_>>())
    .bind(calls().map(|call| call.trip).collect::<Vec<_>>())
    .bind(calls().map(|call| call.slot).collect::<Vec<_>>())
    .bind(calls().map(|call| call.key.clone()).collect::<Vec<_>>())
    .bind(calls().map(|call| call.request.clone()).collect::<Vec<_>>())
    .bind(calls().map(|call| call.regular_cap).collect::<Vec<_>>())
    .bind(calls().map(|call| call.firm_cap).collect::<Vec<_>>())
    .bind(
        calls()
            .map(|call| call.pass_code.clone())
            .collect::<Vec<_>>(),
    )
    .bind(calls().map(|call| call.moving).collect::<Vec<_>>())
    .bind(calls().map(|call| call.late).collect::<Vec<_>>())
    .fetch_all(&mut *connection)
    .await?;
    let in_order = rows.len() == batch.len()
        && rows
            .iter()
            .enumerate()
            .all(|(index, row)| usize::try_from(row.ordinal).ok() == Some(index + 1));
    if !in_order {
        // Cannot happen (book_slots answers each booking once, in order); if it did, the
        // bookings were made but their answers cannot be matched: say so.
        return Err(sqlx::Error::Protocol(
            "book_slots answered out of order".into(),
        ));
    }
    Ok(rows
        .into_iter()
        .map(|row| match row.error_code {
            None => Booked::Done(row.booking),
            Some(code) => Booked::Raised(Raised {
                code,
                message: row.error_message.unwrap_or_default(),
                constraint: row.error_constraint.filter(|name| !name.is_empty()),
            }),
        })
        .collect())
}
