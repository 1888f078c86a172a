//! After the day, every planned trip is checked in the database: it exited, its booking
//! carries every time stamp, each required agency cleared it exactly once, and its
//! timeline is exactly the expected steps in order. "0 wrong trips" is printed only when
//! every planned trip passes.

use crate::seeding::PlannedTrip;
use sqlx::PgPool;
use std::collections::HashMap;
use uuid::Uuid;

pub struct Verdict {
    /// Trips made during the day (the run makes no others).
    pub in_database: u64,
    /// Planned trips found and checked.
    pub checked: u64,
    /// Planned trips that did not end as expected (never declared included).
    pub wrong: u64,
    /// The first few wrong trips, with what was wrong.
    pub examples: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    status: String,
    quarantine_required: bool,
    kinds: Vec<String>,
    agencies: Vec<String>,
    cleared_decisions: i64,
    bookings: i64,
    stamped: bool,
}

/// The timeline a trip must have: declared, booked, arrived, called forward, each
/// required agency's clearance (in any order: agencies work side by side), cleared,
/// exited.
fn timeline_problem(row: &Row) -> Option<String> {
    let required: Vec<&str> = if row.quarantine_required {
        vec!["border_guard", "customs", "quarantine"]
    } else {
        vec!["border_guard", "customs"]
    };
    let mut expected = vec!["declared", "booked", "arrived", "called_forward"];
    expected.extend(std::iter::repeat_n("agency_cleared", required.len()));
    expected.extend(["cleared", "exited"]);
    if row.kinds != expected {
        return Some(format!("timeline {:?}", row.kinds));
    }
    let mut cleared_by: Vec<&str> = row
        .kinds
        .iter()
        .zip(&row.agencies)
        .filter(|(kind, _)| kind.as_str() == "agency_cleared")
        .map(|(_, agency)| agency.as_str())
        .collect();
    cleared_by.sort_unstable();
    if cleared_by != required {
        return Some(format!("cleared by {cleared_by:?}, needs {required:?}"));
    }
    None
}

fn problem(row: &Row, planned: &PlannedTrip) -> Option<String> {
    if row.status != "exited" {
        return Some(format!("status {}", row.status));
    }
    if row.quarantine_required != planned.quarantine {
        return Some("quarantine flag differs from the declaration".into());
    }
    if row.bookings != 1 || !row.stamped {
        return Some(format!(
            "{} bookings; arrival, call, clearance and exit stamped: {}",
            row.bookings, row.stamped
        ));
    }
    let agencies = if row.quarantine_required { 3 } else { 2 };
    if row.cleared_decisions != agencies {
        return Some(format!(
            "{} clearing decisions, needs {agencies}",
            row.cleared_decisions
        ));
    }
    timeline_problem(row)
}

/// Checks each planned trip (`ids[i]` is the id the portal gave the `i`th, if any).
pub async fn check(
    pool: &PgPool,
    planned: &[PlannedTrip],
    ids: &[Option<Uuid>],
    day_started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Verdict> {
    let in_database: i64 = sqlx::query_scalar("select count(*) from trips where created_at >= $1")
        .bind(day_started)
        .fetch_one(pool)
        .await?;
    let declared: Vec<Uuid> = ids.iter().flatten().copied().collect();
    let rows: Vec<Row> = sqlx::query_as(
        "select t.id, t.status, t.quarantine_required,
                array(select e.kind from trip_events e where e.trip_id = t.id order by e.id) as kinds,
                array(select coalesce(e.agency, '') from trip_events e where e.trip_id = t.id order by e.id) as agencies,
                (select count(*) from agency_decisions d where d.trip_id = t.id and d.decision = 'cleared') as cleared_decisions,
                (select count(*) from bookings b where b.trip_id = t.id) as bookings,
                exists (select 1 from bookings b
                         where b.trip_id = t.id and b.status = 'arrived' and b.arrived_at is not null
                           and b.called_at is not null and b.cleared_at is not null and b.exited_at is not null) as stamped
           from trips t where t.id = any($1)",
    )
    .bind(&declared)
    .fetch_all(pool)
    .await?;
    let by_id: HashMap<Uuid, Row> = rows.into_iter().map(|row| (row.id, row)).collect();
    let mut verdict = Verdict {
        in_database: in_database as u64,
        checked: 0,
        wrong: 0,
        examples: Vec::new(),
    };
    for (index, (plan, id)) in planned.iter().zip(ids).enumerate() {
        let found = id.and_then(|id| by_id.get(&id));
        let wrong = match found {
            None => Some("never declared".to_string()),
            Some(row) => {
                verdict.checked += 1;
                problem(row, plan)
            }
        };
        if let Some(what) = wrong {
            verdict.wrong += 1;
            if verdict.examples.len() < 10 {
                let id = id.map_or_else(|| "-".to_string(), |id| id.to_string());
                verdict
                    .examples
                    .push(format!("trip {index} ({id}, {}): {what}", plan.plate));
            }
        }
    }
    Ok(verdict)
}
