//! Trips: declaring, editing, listing, and what the trip page shows. Scoped by firm:
//! another firm's trip id finds nothing; a driver sees only the trips they drive.

use super::{
    AppState,
    database::StoreError,
    gates::{self, offset_minutes},
};
use crate::{
    domain::{
        Problem,
        cargo::Temperature,
        plate::Plate,
        role::Role,
        trip::{Direction, Intent, TripDetails, TripForm, TripStatus},
    },
    error::AppError,
    models::{
        SessionUser,
        gates::Localized,
        trips::{Booking, Choice, TripDetail, TripEvent, TripFormOptions, TripSummary},
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Who is asking for trips of a firm: everyone in the office sees all of them, a driver
/// only the trips they drive.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub firm_id: Uuid,
    pub user_id: Uuid,
    pub driver_only: bool,
}

impl Viewer {
    pub fn of(user: &SessionUser) -> Option<Viewer> {
        Viewer::of_account(user.user_id, user.role, user.firm_id)
    }

    /// An account of `role` in `firm_id`, if it is a firm's account that declares trips.
    pub fn of_account(user_id: Uuid, role: Role, firm_id: Option<Uuid>) -> Option<Viewer> {
        let firm_id = firm_id.filter(|_| role.belongs_to_firm() && role.declares_trips())?;
        Some(Viewer {
            firm_id,
            user_id,
            driver_only: role == Role::Driver,
        })
    }

    /// The signed-in member of a firm who declares trips, or why not (`NotSignedIn`,
    /// `Forbidden`).
    pub async fn require(state: &AppState) -> Result<Viewer, AppError> {
        let (user, _) = super::sessions::require_firm_member(state, Role::declares_trips).await?;
        Viewer::of(&user).ok_or(AppError::Forbidden)
    }
}

macro_rules! summary_columns {
    () => {
        "t.id, t.status, t.direction, t.planned_date, t.cargo_description, t.perishable,
         v.plate, d.full_name as driver_name,
         g.name_vi, g.name_en, g.name_zh, g.time_zone, g.other_side_time_zone,
         s.id as slot_id, s.starts_at, s.ends_at"
    };
}

macro_rules! summary_joins {
    () => {
        " from trips t
          left join vehicles v on v.id = t.vehicle_id
          left join users d on d.id = t.driver_id
          left join gates g on g.id = t.gate_id
          left join bookings b on b.trip_id = t.id and b.status in ('active', 'arrived')
          left join slots s on s.id = b.slot_id "
    };
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    status: String,
    direction: Option<String>,
    planned_date: Option<NaiveDate>,
    cargo_description: Option<String>,
    perishable: bool,
    plate: Option<String>,
    driver_name: Option<String>,
    name_vi: Option<String>,
    name_en: Option<String>,
    name_zh: Option<String>,
    time_zone: Option<String>,
    other_side_time_zone: Option<String>,
    slot_id: Option<i64>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
}

impl SummaryRow {
    fn into_summary(self) -> TripSummary {
        let slot = match (
            self.slot_id,
            self.starts_at,
            self.ends_at,
            &self.time_zone,
            &self.other_side_time_zone,
        ) {
            (Some(slot_id), Some(starts_at), Some(ends_at), Some(zone), Some(other_zone)) => {
                Some(crate::models::gates::SlotTime {
                    slot_id,
                    starts_at: starts_at.timestamp(),
                    ends_at: ends_at.timestamp(),
                    utc_offset_minutes: offset_minutes(zone, starts_at),
                    other_side_offset_minutes: offset_minutes(other_zone, starts_at),
                })
            }
            _ => None,
        };
        let gate_name = match (self.name_vi, self.name_en, self.name_zh) {
            (Some(vi), Some(en), Some(zh)) => Some(Localized { vi, en, zh }),
            _ => None,
        };
        TripSummary {
            id: self.id,
            status: TripStatus::from_code(&self.status).unwrap_or(TripStatus::Draft),
            direction: self.direction.as_deref().and_then(Direction::from_code),
            gate_name,
            planned_date: self.planned_date.map(|day| day.to_string()),
            plate: self.plate.as_deref().and_then(Plate::from_normalised),
            driver_name: self.driver_name,
            cargo_description: self.cargo_description,
            perishable: self.perishable,
            slot,
        }
    }
}

/// The firm's trips (a driver's own), newest first, optionally of one status.
pub async fn list(
    state: &AppState,
    viewer: Viewer,
    status: Option<TripStatus>,
    today_only: bool,
) -> Result<Vec<TripSummary>, AppError> {
    // "Today" is the gate's own day: the slot's day when booked, else the planned day;
    // trucks still at the gate (arrived, in the lanes, held) belong to today whatever
    // their slot.
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        "select ",
        summary_columns!(),
        summary_joins!(),
        "where t.firm_id = $1 and (not $2 or t.driver_id = $3) and ($4::text is null or t.status = $4)
           and (not $5
                or t.status in ('arrived', 'called_forward', 'inspection', 'held')
                or coalesce((s.starts_at at time zone g.time_zone)::date, t.planned_date)
                   = (now() at time zone coalesce(g.time_zone, 'Asia/Ho_Chi_Minh'))::date)
         order by coalesce(s.starts_at, t.planned_date::timestamptz, t.created_at) desc, t.created_at desc
         limit 200"
    ))
    .bind(viewer.firm_id)
    .bind(viewer.driver_only)
    .bind(viewer.user_id)
    .bind(status.map(TripStatus::code))
    .bind(today_only)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows.into_iter().map(SummaryRow::into_summary).collect())
}

pub async fn summary(
    state: &AppState,
    viewer: Viewer,
    trip_id: Uuid,
) -> Result<Option<TripSummary>, AppError> {
    let row: Option<SummaryRow> = sqlx::query_as(concat!(
        "select ",
        summary_columns!(),
        summary_joins!(),
        "where t.id = $1 and t.firm_id = $2 and (not $3 or t.driver_id = $4)"
    ))
    .bind(trip_id)
    .bind(viewer.firm_id)
    .bind(viewer.driver_only)
    .bind(viewer.user_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(SummaryRow::into_summary))
}

#[derive(sqlx::FromRow)]
struct TripRow {
    vehicle_id: Option<Uuid>,
    driver_id: Option<Uuid>,
    direction: Option<String>,
    gate_id: Option<String>,
    planned_date: Option<NaiveDate>,
    cargo_description: Option<String>,
    hs_code: Option<String>,
    cargo_weight_kg: Option<i32>,
    packages: Option<i32>,
    containers: Vec<String>,
    customs_declaration: Option<String>,
    seal_number: Option<String>,
    perishable: bool,
    refrigerated: bool,
    set_temperature_tenths: Option<i16>,
    quarantine_required: bool,
    trailer_plate: Option<String>,
    time_zone: Option<String>,
}

impl TripRow {
    /// The stored trip as the form shows it again.
    fn form(&self) -> TripForm {
        let text = |value: Option<String>| value.unwrap_or_default();
        let tick = |on: bool| on.then(|| "on".to_string());
        TripForm {
            vehicle_id: self.vehicle_id.map(|id| id.to_string()).unwrap_or_default(),
            driver_id: self.driver_id.map(|id| id.to_string()).unwrap_or_default(),
            direction: text(self.direction.clone()),
            gate_id: text(self.gate_id.clone()),
            planned_date: self
                .planned_date
                .map(|day| day.to_string())
                .unwrap_or_default(),
            cargo_description: text(self.cargo_description.clone()),
            hs_code: self
                .hs_code
                .as_deref()
                .and_then(|code| crate::domain::cargo::HsCode::parse(code).ok())
                .map(|code| code.canonical())
                .unwrap_or_default(),
            cargo_weight_kg: self
                .cargo_weight_kg
                .map(|kg| kg.to_string())
                .unwrap_or_default(),
            packages: self
                .packages
                .map(|count| count.to_string())
                .unwrap_or_default(),
            containers: self.containers.join("\n"),
            customs_declaration: text(self.customs_declaration.clone()),
            seal_number: text(self.seal_number.clone()),
            perishable: tick(self.perishable),
            refrigerated: tick(self.refrigerated),
            set_temperature: self
                .set_temperature_tenths
                .map(|tenths| format!("{}", f64::from(tenths) / 10.0))
                .unwrap_or_default(),
            quarantine_required: tick(self.quarantine_required),
        }
    }
}

/// Everything the trip page shows.
pub async fn detail(
    state: &AppState,
    viewer: Viewer,
    trip_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<TripDetail>, AppError> {
    let Some(summary) = summary(state, viewer, trip_id).await? else {
        return Ok(None);
    };
    let row: TripRow = sqlx::query_as(
        "select t.vehicle_id, t.driver_id, t.direction, t.gate_id, t.planned_date, t.cargo_description, t.hs_code,
                t.cargo_weight_kg, t.packages, t.containers, t.customs_declaration, t.seal_number, t.perishable,
                t.refrigerated, t.set_temperature_tenths, t.quarantine_required, v.trailer_plate, g.time_zone
           from trips t left join vehicles v on v.id = t.vehicle_id left join gates g on g.id = t.gate_id
          where t.id = $1",
    )
    .bind(trip_id)
    .fetch_one(&state.pool)
    .await?;
    let booking: Option<(Uuid, String, bool, Option<String>)> =
        sqlx::query_as("select id, pass_code, must_move, lane from bookings where trip_id = $1 and status in ('active', 'arrived')")
            .bind(trip_id)
            .fetch_optional(&state.pool)
            .await?;
    let lane = booking.as_ref().and_then(|(_, _, _, lane)| lane.clone());
    let gate = match &row.gate_id {
        Some(gate_id) => gates::get(state, gate_id).await?,
        None => None,
    };
    let policy = gate.as_ref().map(|gate| gate.policy()).unwrap_or_default();
    let booking = match (booking, summary.slot) {
        (Some((id, pass_code, must_move, _)), Some(time)) => Some(Booking {
            id,
            time,
            pass_code,
            must_move,
        }),
        _ => None,
    };
    let late_change = booking
        .as_ref()
        .and_then(|booking| DateTime::from_timestamp(booking.time.starts_at, 0))
        .is_some_and(|start| policy.change(now, start) == crate::domain::booking::Change::Late);
    let events = events(state, trip_id, gate.as_ref()).await?;
    let (agencies, hold) = if matches!(
        summary.status,
        TripStatus::CalledForward | TripStatus::Inspection | TripStatus::Held | TripStatus::Cleared
    ) {
        let mut standing = super::console::agency_states(state, &[trip_id]).await?;
        let (decided, hold) = standing.remove(&trip_id).unwrap_or_default();
        let agencies = crate::domain::lifecycle::required_agencies(row.quarantine_required)
            .into_iter()
            .map(|agency| {
                let state = decided
                    .iter()
                    .find(|(decided, _)| *decided == agency)
                    .map_or(
                        crate::models::clearance::AgencyState::Pending,
                        |(_, state)| *state,
                    );
                (agency, state)
            })
            .collect();
        (agencies, hold)
    } else {
        (Vec::new(), None)
    };
    let arrival_window = (summary.status == TripStatus::Booked)
        .then(|| {
            booking
                .as_ref()
                .and_then(|booking| DateTime::from_timestamp(booking.time.starts_at, 0))
        })
        .flatten()
        .map(|start| {
            let (opens, closes) = policy.arrival_window(start);
            (opens.timestamp(), closes.timestamp())
        });
    let other_side_offset_minutes = gate
        .as_ref()
        .map_or(480, |gate| offset_minutes(&gate.other_side_time_zone, now));
    let status = summary.status;
    let can_change_driver = status.allows_driver_change() && !viewer.driver_only;
    let drivers = if can_change_driver {
        driver_choices(state, viewer).await?
    } else {
        Vec::new()
    };
    Ok(Some(TripDetail {
        form: row.form(),
        trailer_plate: row
            .trailer_plate
            .as_deref()
            .and_then(Plate::from_normalised),
        hs_code: row.form().hs_code.into(),
        containers: row.containers.clone(),
        set_temperature: row
            .set_temperature_tenths
            .map(|tenths| Temperature::from_tenths(tenths).to_string()),
        booking,
        events,
        utc_offset_minutes: row
            .time_zone
            .as_deref()
            .map_or(420, |zone| offset_minutes(zone, now)),
        can_edit: status.is_editable(),
        can_book: status == TripStatus::Declared,
        can_change_booking: status == TripStatus::Booked,
        can_change_driver,
        drivers,
        lane,
        agencies,
        hold,
        arrival_window,
        other_side_offset_minutes,
        late_change,
        as_of: now.timestamp(),
        summary,
    }))
}

async fn events(
    state: &AppState,
    trip_id: Uuid,
    gate: Option<&gates::GateRow>,
) -> Result<Vec<TripEvent>, AppError> {
    let rows: Vec<(
        String,
        DateTime<Utc>,
        Option<String>,
        Option<String>,
        serde_json::Value,
    )> = sqlx::query_as(
        "select e.kind, e.at, u.full_name, e.reason, e.details
           from trip_events e left join users u on u.id = e.actor_id
          where e.trip_id = $1 order by e.id",
    )
    .bind(trip_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, at, actor_name, reason, details)| {
            let slot = match (
                gate,
                details["slot_id"].as_i64(),
                details["starts_at"].as_str(),
            ) {
                (Some(gate), Some(slot_id), Some(starts_at)) => {
                    DateTime::parse_from_rfc3339(starts_at).ok().map(|start| {
                        let start = start.with_timezone(&Utc);
                        gate.slot_time(
                            slot_id,
                            start,
                            start + chrono::Duration::minutes(i64::from(gate.slot_minutes)),
                        )
                    })
                }
                _ => None,
            };
            TripEvent {
                kind,
                at: at.timestamp(),
                actor_name,
                reason,
                slot,
                late: details["late"].as_bool().unwrap_or(false),
            }
        })
        .collect())
}

/// The choices of the trip form: the firm's active vehicles and drivers (a driver picks
/// only themselves) and the gates; with the trip's values when editing.
pub async fn options(
    state: &AppState,
    viewer: Viewer,
    editing: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Option<TripFormOptions>, AppError> {
    let vehicles: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, plate from vehicles where firm_id = $1 and active order by plate",
    )
    .bind(viewer.firm_id)
    .fetch_all(&state.pool)
    .await?;
    let drivers = driver_choices(state, viewer).await?;
    let gate_rows = gates::list(state).await?;
    let form = match editing {
        Some(trip_id) => {
            let row: Option<TripRow> = sqlx::query_as(
                "select t.vehicle_id, t.driver_id, t.direction, t.gate_id, t.planned_date, t.cargo_description, t.hs_code,
                        t.cargo_weight_kg, t.packages, t.containers, t.customs_declaration, t.seal_number, t.perishable,
                        t.refrigerated, t.set_temperature_tenths, t.quarantine_required, v.trailer_plate, g.time_zone
                   from trips t left join vehicles v on v.id = t.vehicle_id left join gates g on g.id = t.gate_id
                  where t.id = $1 and t.firm_id = $2 and (not $3 or t.driver_id = $4)",
            )
            .bind(trip_id)
            .bind(viewer.firm_id)
            .bind(viewer.driver_only)
            .bind(viewer.user_id)
            .fetch_optional(&state.pool)
            .await?;
            match row {
                Some(row) => row.form(),
                None => return Ok(None),
            }
        }
        None => TripForm {
            driver_id: if viewer.driver_only {
                viewer.user_id.to_string()
            } else {
                String::new()
            },
            ..TripForm::default()
        },
    };
    let zone = gate_rows
        .first()
        .map_or("Asia/Ho_Chi_Minh".to_string(), |gate| {
            gate.time_zone.clone()
        });
    Ok(Some(TripFormOptions {
        vehicles: vehicles
            .into_iter()
            .map(|(id, plate)| Choice {
                value: id.to_string(),
                label: Plate::from_normalised(&plate).map_or(plate, |plate| plate.canonical()),
            })
            .collect(),
        drivers,
        gates: gate_rows
            .iter()
            .map(|gate| (gate.id.clone(), gate.name()))
            .collect(),
        today: gates::local_today(&zone, now).to_string(),
        trip_id: editing,
        form,
    }))
}

/// The firm's active drivers (a driver sees only themselves), labelled with their phone.
async fn driver_choices(state: &AppState, viewer: Viewer) -> Result<Vec<Choice>, AppError> {
    let drivers: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
        "select id, full_name, phone from users where firm_id = $1 and role = 'driver' and active and (not $2 or id = $3)
         order by full_name",
    )
    .bind(viewer.firm_id)
    .bind(viewer.driver_only)
    .bind(viewer.user_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(drivers
        .into_iter()
        .map(|(id, name, phone)| Choice {
            value: id.to_string(),
            label: phone.map_or(name.clone(), |phone| format!("{name} · {phone}")),
        })
        .collect())
}

/// Saves a new trip or changes one that is not booked yet. Returns the trip's id.
pub async fn save(
    state: &AppState,
    viewer: Viewer,
    trip_id: Option<Uuid>,
    intent: Intent,
    trip: &TripDetails,
) -> Result<Uuid, StoreError> {
    if viewer.driver_only
        && trip
            .driver_id
            .is_some_and(|driver| driver != viewer.user_id)
    {
        return Err(StoreError::Taken {
            field: "driver_id",
            problem: Problem::UnknownChoice,
        });
    }
    if let Some(vehicle_id) = trip.vehicle_id {
        let active: Option<bool> =
            sqlx::query_scalar("select active from vehicles where id = $1 and firm_id = $2")
                .bind(vehicle_id)
                .bind(viewer.firm_id)
                .fetch_optional(&state.pool)
                .await?;
        match active {
            Some(true) => {}
            Some(false) => {
                return Err(StoreError::Taken {
                    field: "vehicle_id",
                    problem: Problem::VehicleInactive,
                });
            }
            None => {
                return Err(StoreError::Taken {
                    field: "vehicle_id",
                    problem: Problem::UnknownChoice,
                });
            }
        }
    }
    let status = match intent {
        Intent::Draft => TripStatus::Draft,
        Intent::Declare => TripStatus::Declared,
    };
    let containers: Vec<String> = trip
        .containers
        .iter()
        .map(|container| container.as_str().to_string())
        .collect();
    let mut transaction = state.pool.begin().await?;
    let saved: Option<Uuid> = match trip_id {
        None => {
            sqlx::query_scalar(
                "insert into trips (firm_id, vehicle_id, driver_id, direction, gate_id, planned_date, cargo_description,
                                    hs_code, cargo_weight_kg, packages, containers, customs_declaration, seal_number,
                                    perishable, refrigerated, set_temperature_tenths, quarantine_required, status, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                 returning id",
            )
            .bind(viewer.firm_id)
            .bind(trip.vehicle_id)
            .bind(trip.driver_id)
            .bind(trip.direction.map(Direction::code))
            .bind(trip.gate_id.as_deref())
            .bind(trip.planned_date)
            .bind(trip.cargo_description.as_deref())
            .bind(trip.hs_code.as_ref().map(|code| code.as_str()))
            .bind(trip.cargo_weight_kg)
            .bind(trip.packages)
            .bind(&containers)
            .bind(trip.customs_declaration.as_ref().map(|number| number.as_str()))
            .bind(trip.seal_number.as_ref().map(|seal| seal.as_str()))
            .bind(trip.perishable)
            .bind(trip.refrigerated)
            .bind(trip.set_temperature.map(Temperature::tenths))
            .bind(trip.quarantine_required)
            .bind(status.code())
            .bind(viewer.user_id)
            .fetch_optional(&mut *transaction)
            .await?
        }
        Some(trip_id) => {
            sqlx::query_scalar(
                "update trips set vehicle_id = $3, driver_id = $4, direction = $5, gate_id = $6, planned_date = $7,
                        cargo_description = $8, hs_code = $9, cargo_weight_kg = $10, packages = $11, containers = $12,
                        customs_declaration = $13, seal_number = $14, perishable = $15, refrigerated = $16,
                        set_temperature_tenths = $17, quarantine_required = $18, status = $19
                  where id = $1 and firm_id = $2 and status in ('draft', 'declared') and (not $20 or driver_id = $21)
                 returning id",
            )
            .bind(trip_id)
            .bind(viewer.firm_id)
            .bind(trip.vehicle_id)
            .bind(trip.driver_id)
            .bind(trip.direction.map(Direction::code))
            .bind(trip.gate_id.as_deref())
            .bind(trip.planned_date)
            .bind(trip.cargo_description.as_deref())
            .bind(trip.hs_code.as_ref().map(|code| code.as_str()))
            .bind(trip.cargo_weight_kg)
            .bind(trip.packages)
            .bind(&containers)
            .bind(trip.customs_declaration.as_ref().map(|number| number.as_str()))
            .bind(trip.seal_number.as_ref().map(|seal| seal.as_str()))
            .bind(trip.perishable)
            .bind(trip.refrigerated)
            .bind(trip.set_temperature.map(Temperature::tenths))
            .bind(trip.quarantine_required)
            .bind(status.code())
            .bind(viewer.driver_only)
            .bind(viewer.user_id)
            .fetch_optional(&mut *transaction)
            .await?
        }
    };
    let Some(saved) = saved else {
        // Not updated: another firm's trip (not found) or a booked one (locked).
        let exists: bool = sqlx::query_scalar(
            "select exists (select 1 from trips where id = $1 and firm_id = $2)",
        )
        .bind(trip_id)
        .bind(viewer.firm_id)
        .fetch_one(&mut *transaction)
        .await?;
        return Err(if exists && !viewer.driver_only {
            StoreError::Taken {
                field: "_form",
                problem: Problem::TripLocked,
            }
        } else {
            StoreError::Failed(AppError::NotFound)
        });
    };
    let kind = match (trip_id, intent) {
        (None, Intent::Draft) => "created",
        (_, Intent::Declare) => "declared",
        (Some(_), Intent::Draft) => "updated",
    };
    sqlx::query("insert into trip_events (trip_id, kind, actor_id, actor_role, gate_id) values ($1, $2, $3, $4, $5)")
        .bind(saved)
        .bind(kind)
        .bind(viewer.user_id)
        .bind(if viewer.driver_only { "driver" } else { "firm" })
        .bind(trip.gate_id.as_deref())
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(saved)
}

/// After booking, only the driver may change (the anchors learned that editable bookings
/// are what bots hoard).
pub async fn change_driver(
    state: &AppState,
    viewer: Viewer,
    trip_id: Uuid,
    driver_id: Uuid,
) -> Result<bool, StoreError> {
    let mut transaction = state.pool.begin().await?;
    let changed = sqlx::query(
        "update trips set driver_id = $3 where id = $1 and firm_id = $2 and status = 'booked'",
    )
    .bind(trip_id)
    .bind(viewer.firm_id)
    .bind(driver_id)
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        > 0;
    if changed {
        sqlx::query("insert into trip_events (trip_id, kind, actor_id, actor_role, details) values ($1, 'driver_changed', $2, 'firm', jsonb_build_object('driver_id', $3::uuid))")
            .bind(trip_id)
            .bind(viewer.user_id)
            .bind(driver_id)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(changed)
}
