//! The public load board: how full each slot of a gate is on a day, per direction, and
//! the receiving side's intake. Anyone may ask, many times a second: an answer is kept
//! for two seconds per gate and day, so a crowd refreshing costs one query each period.
//! A booking made through this process forgets its gate's answers at once; one made
//! through another process shows within the two seconds.

use super::{AppState, gates};
use crate::{
    error::AppError,
    models::gates::{Board, BoardRow, Intake, Load},
};
use chrono::{DateTime, NaiveDate, Utc};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const FRESH_FOR: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct BoardCache {
    entries: Mutex<HashMap<(String, NaiveDate), (Instant, Board)>>,
}

impl BoardCache {
    fn get(&self, key: &(String, NaiveDate)) -> Option<Board> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, board)| board.clone())
    }

    /// Drops every kept answer of a gate, after its bookings changed.
    pub fn forget(&self, gate_id: &str) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.retain(|(gate, _), _| gate != gate_id);
    }

    fn put(&self, key: (String, NaiveDate), board: Board) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() > 1000 {
            entries.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
        }
        entries.insert(key, (Instant::now(), board));
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    direction: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i32,
    booked: i32,
    booked_perishable: i32,
}

/// The board of a gate (the first gate when none is named) on a day (today when none),
/// or `None` for an unknown gate.
pub async fn board(
    state: &AppState,
    gate_id: Option<&str>,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Option<Board>, AppError> {
    let all = gates::list(state).await?;
    let Some(gate) = (match gate_id {
        Some(id) => all.iter().find(|gate| gate.id == id),
        None => all.first(),
    }) else {
        return Ok(None);
    };
    let today = gate.today(now);
    let last = today + chrono::Days::new(gate.horizon_days as u64);
    let day = day.unwrap_or(today).clamp(today, last);
    let key = (gate.id.clone(), day);
    if let Some(board) = state.board_cache.get(&key) {
        return Ok(Some(board));
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select id, direction, starts_at, ends_at, capacity, booked, booked_perishable
           from slots where gate_id = $1 and local_day = $2 order by starts_at, direction",
    )
    .bind(&gate.id)
    .bind(day)
    .fetch_all(&state.pool)
    .await?;
    let intake: Vec<(String, Option<i32>, i32)> =
        sqlx::query_as("select direction, intake_limit, booked from gate_days where gate_id = $1 and local_day = $2 order by direction")
            .bind(&gate.id)
            .bind(day)
            .fetch_all(&state.pool)
            .await?;
    let policy = gate.policy();
    let mut board_rows: Vec<BoardRow> = Vec::new();
    for row in rows {
        let load = Load {
            capacity: row.capacity,
            booked: row.booked,
            perishable_reserve: policy.perishable_reserve(row.capacity),
            booked_perishable: row.booked_perishable,
        };
        let starts_at = row.starts_at.timestamp();
        let entry = match board_rows.last_mut() {
            Some(last) if last.time.starts_at == starts_at => last,
            _ => {
                board_rows.push(BoardRow {
                    time: gate.slot_time(row.id, row.starts_at, row.ends_at),
                    export: None,
                    import: None,
                });
                board_rows.last_mut().expect("just pushed")
            }
        };
        if row.direction == "export" {
            entry.export = Some(load);
        } else {
            entry.import = Some(load);
        }
    }
    let board = Board {
        gates: all.iter().map(|gate| gate.gate(now)).collect(),
        gate: gate.gate(now),
        day: day.to_string(),
        days: (0..=gate.horizon_days as u64)
            .map(|offset| (today + chrono::Days::new(offset)).to_string())
            .collect(),
        rows: board_rows,
        intake: intake
            .into_iter()
            .map(|(direction, limit, booked)| Intake {
                direction: super::bookings::direction_of(&direction),
                limit,
                booked,
            })
            .collect(),
    };
    state.board_cache.put(key, board.clone());
    Ok(Some(board))
}
