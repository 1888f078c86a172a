//! The security log (table `security_events`): failed sign-ins, throttling, forged and
//! refused passes, refused device keys, cross-site requests and authorization refusals;
//! who (the account, when known), what (a kind and a short detail, never a password,
//! token, pass code or anything typed), when and from where.
//!
//! Recording never fails and never waits: an event joins this process's pending rows,
//! where its repeats within the minute (same kind, client, account and detail) are folded
//! into a count; one task writes what is pending in one statement, at once when idle, and
//! the database folds the rows of several processes the same way (one row per kind,
//! minute, client, account and detail). Past [`ROWS_PER_KIND_A_MINUTE`] such rows of one
//! kind in a minute, further ones fold into one row without client, account or detail: a
//! flood from many addresses (or of many paths) costs a row a minute, not a row each.

use super::{AppState, request};
use crate::{
    domain::{
        role::Role,
        security::{EventKind, ROWS_PER_KIND_A_MINUTE, clean_detail, minute_of},
        throttle::Network,
    },
    error::AppError,
    models::security::{Account, SecurityEvent, SecurityLogPage},
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::{
    collections::{HashMap, HashSet},
    net::IpAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};
use tokio::sync::Notify;
use uuid::Uuid;

/// The rows of one page.
pub const PAGE_SIZE: u32 = 50;
/// The detail of the row that folds a minute's flood of one kind.
const FOLDED: &str = "many clients";

/// Rows kept, in days (a job deletes older ones).
pub const KEEP_DAYS: i32 = 400;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RowKey {
    minute: DateTime<Utc>,
    kind: &'static str,
    network: Option<Network>,
    account: Option<Uuid>,
    detail: String,
}

#[derive(Debug, Clone)]
struct Row {
    count: i32,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
}

#[derive(Default)]
struct Pending {
    rows: HashMap<RowKey, Row>,
    /// The minute `seen` is about, and the rows of each kind seen in it.
    minute: Option<DateTime<Utc>>,
    seen: HashMap<&'static str, HashSet<RowKey>>,
}

pub struct SecurityLog {
    pending: Mutex<Pending>,
    wake: Notify,
    /// Rows taken from `pending` and not yet written.
    writing: AtomicBool,
}

impl SecurityLog {
    /// Starts the task that writes to `pool`. Needs a Tokio runtime.
    pub fn start(pool: &PgPool) -> Arc<SecurityLog> {
        let log = Arc::new(SecurityLog {
            pending: Mutex::default(),
            wake: Notify::new(),
            writing: AtomicBool::new(false),
        });
        tokio::spawn(write_pending(pool.clone(), log.clone()));
        log
    }

    pub fn record(
        &self,
        kind: EventKind,
        account: Option<Uuid>,
        address: Option<IpAddr>,
        detail: &str,
        at: DateTime<Utc>,
    ) {
        let minute = minute_of(at);
        let mut key = RowKey {
            minute,
            kind: kind.code(),
            network: address.map(Network::of),
            account,
            detail: clean_detail(detail),
        };
        {
            let mut pending = self
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if pending.minute != Some(minute) {
                pending.minute = Some(minute);
                pending.seen.clear();
            }
            let seen = pending.seen.entry(key.kind).or_default();
            if !seen.contains(&key) {
                if seen.len() >= ROWS_PER_KIND_A_MINUTE {
                    key.network = None;
                    key.account = None;
                    key.detail = FOLDED.to_string();
                } else {
                    seen.insert(key.clone());
                }
            }
            let row = pending.rows.entry(key).or_insert_with(|| Row {
                count: 0,
                first_at: at,
                last_at: at,
            });
            row.count = row.count.saturating_add(1);
            row.first_at = row.first_at.min(at);
            row.last_at = row.last_at.max(at);
        }
        self.wake.notify_one();
    }

    /// Waits until everything recorded so far is written (or failed to be).
    pub async fn settled(&self) {
        loop {
            let idle = {
                let pending = self
                    .pending
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                pending.rows.is_empty() && !self.writing.load(Ordering::SeqCst)
            };
            if idle {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    fn take_pending(&self) -> Vec<(RowKey, Row)> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Under the lock: `settled` never sees the rows gone and the write not begun.
        self.writing
            .store(!pending.rows.is_empty(), Ordering::SeqCst);
        let mut rows: Vec<_> = pending.rows.drain().collect();
        // One order for every process's statements: no deadlock between two of them.
        rows.sort_by(|(one, _), (other, _)| one.cmp(other));
        rows
    }
}

/// Records an event of the current request (its client address, from the context).
pub fn record(
    state: &AppState,
    kind: EventKind,
    account: Option<Uuid>,
    address: Option<IpAddr>,
    detail: &str,
) {
    state
        .security_log
        .record(kind, account, address, detail, Utc::now());
}

/// Records an event of the server function or page being answered: its client address
/// comes from the request.
pub fn record_here(state: &AppState, kind: EventKind, account: Option<Uuid>, detail: &str) {
    record(
        state,
        kind,
        account,
        Some(request::client_address()),
        detail,
    );
}

/// The writing task: whatever is pending, one statement at a time.
async fn write_pending(pool: PgPool, log: Arc<SecurityLog>) {
    loop {
        // Asked for before looking, so that an event recorded meanwhile still wakes it.
        let notified = log.wake.notified();
        let rows = log.take_pending();
        if rows.is_empty() {
            notified.await;
            continue;
        }
        if let Err(error) = write(&pool, &rows).await {
            tracing::error!(%error, rows = rows.len(), "could not write security events");
        }
        log.writing.store(false, Ordering::SeqCst);
    }
}

async fn write(pool: &PgPool, rows: &[(RowKey, Row)]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into security_events as e (kind, minute, address, account_id, detail, count, first_at, last_at)
         select * from unnest($1::text[], $2::timestamptz[], $3::text[]::inet[], $4::uuid[], $5::text[], $6::int[],
                              $7::timestamptz[], $8::timestamptz[])
         on conflict (kind, minute, address, account_id, detail) do update
            set count = e.count + excluded.count,
                first_at = least(e.first_at, excluded.first_at),
                last_at = greatest(e.last_at, excluded.last_at)",
    )
    .bind(rows.iter().map(|(key, _)| key.kind).collect::<Vec<_>>())
    .bind(rows.iter().map(|(key, _)| key.minute).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|(key, _)| key.network.map(|network| network.to_string()))
            .collect::<Vec<_>>(),
    )
    .bind(rows.iter().map(|(key, _)| key.account).collect::<Vec<_>>())
    .bind(rows.iter().map(|(key, _)| key.detail.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, row)| row.count).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, row)| row.first_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, row)| row.last_at).collect::<Vec<_>>())
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes rows older than [`KEEP_DAYS`] (a job does it every minute).
pub async fn delete_old(state: &AppState, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(
        sqlx::query("delete from security_events where minute < $1 - make_interval(days => $2)")
            .bind(now)
            .bind(KEEP_DAYS)
            .execute(&state.pool)
            .await?
            .rows_affected(),
    )
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
    count: i32,
    address: Option<String>,
    detail: String,
    account_id: Option<Uuid>,
    full_name: Option<String>,
    role: Option<String>,
    agency: Option<String>,
    sign_in_name: Option<String>,
}

macro_rules! events_select {
    ($filter:literal) => {
        concat!(
            "select e.id, e.kind, e.first_at, e.last_at, e.count, abbrev(e.address) as address, e.detail,
                    e.account_id, u.full_name, u.role, u.agency, coalesce(u.email, u.phone) as sign_in_name
               from security_events e left join users u on u.id = e.account_id ",
            $filter,
            " order by e.minute desc, e.id desc limit $1 offset $2"
        )
    };
}

/// Only a platform admin reads the log.
pub fn may_read(viewer: Role) -> Result<(), AppError> {
    if viewer == Role::PlatformAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One page of the log, newest first, for a platform admin; anyone else is refused.
pub async fn page(
    state: &AppState,
    viewer: Role,
    kind: Option<EventKind>,
    page: u32,
) -> Result<SecurityLogPage, AppError> {
    may_read(viewer)?;
    let page = page.clamp(1, 10_000);
    let offset = i64::from((page - 1) * PAGE_SIZE);
    // One more than a page tells whether older rows exist.
    let limit = i64::from(PAGE_SIZE + 1);
    let mut rows: Vec<EventRow> = match kind {
        Some(kind) => {
            sqlx::query_as(events_select!("where e.kind = $3"))
                .bind(limit)
                .bind(offset)
                .bind(kind.code())
                .fetch_all(&state.pool)
                .await?
        }
        None => {
            sqlx::query_as(events_select!(""))
                .bind(limit)
                .bind(offset)
                .fetch_all(&state.pool)
                .await?
        }
    };
    let has_older = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let events = rows
        .into_iter()
        .filter_map(|row| {
            let kind = EventKind::from_code(&row.kind)?;
            let account = row.account_id.map(|id| Account {
                id,
                full_name: row.full_name.clone().unwrap_or_default(),
                role: row
                    .role
                    .as_deref()
                    .and_then(|role| Role::from_columns(role, row.agency.as_deref())),
                sign_in_name: row.sign_in_name.clone(),
            });
            Some(SecurityEvent {
                id: row.id,
                kind,
                first_at: row.first_at.timestamp(),
                last_at: row.last_at.timestamp(),
                count: row.count,
                address: row.address,
                detail: row.detail,
                account,
            })
        })
        .collect();
    Ok(SecurityLogPage {
        events,
        kind,
        page,
        has_older,
        utc_offset_minutes: super::gates::offset_minutes("Asia/Ho_Chi_Minh", Utc::now()),
    })
}
