//! Gates, their slots and their load, as pages show them.

use crate::domain::{Problem, booking::GatePolicy, clock::WallClock, trip::Direction};
use serde::{Deserialize, Serialize};

/// A name in the three languages of the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub vi: String,
    pub en: String,
    pub zh: String,
}

impl Localized {
    pub fn get(&self, locale: crate::i18n::Locale) -> &str {
        match locale {
            crate::i18n::Locale::vi => &self.vi,
            crate::i18n::Locale::en => &self.en,
            crate::i18n::Locale::zh => &self.zh,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    pub id: String,
    pub name: Localized,
    pub border_markers: String,
    pub other_side: Localized,
    pub time_zone: String,
    pub other_side_time_zone: String,
    /// Offsets east of UTC now, for showing times on both sides.
    pub utc_offset_minutes: i32,
    pub other_side_offset_minutes: i32,
}

/// A slot's time, readable on both sides of the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotTime {
    pub slot_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub utc_offset_minutes: i32,
    pub other_side_offset_minutes: i32,
}

impl SlotTime {
    /// `14:00–15:00` at the gate.
    pub fn local_hours(&self) -> String {
        hours(self.starts_at, self.ends_at, self.utc_offset_minutes)
    }

    /// The same slot on the other side's clock.
    pub fn other_side_hours(&self) -> String {
        hours(self.starts_at, self.ends_at, self.other_side_offset_minutes)
    }

    /// Whether the two sides read different clock hours.
    pub fn clocks_differ(&self) -> bool {
        self.utc_offset_minutes != self.other_side_offset_minutes
    }

    /// `23/11/2026 14:00` at the gate.
    pub fn local_start(&self) -> String {
        WallClock::at(self.starts_at, self.utc_offset_minutes).day_and_time()
    }
}

fn hours(start: i64, end: i64, offset: i32) -> String {
    format!(
        "{}–{}",
        WallClock::at(start, offset).time(),
        WallClock::at(end, offset).time()
    )
}

/// One slot of a day, as offered to a trip that wants to book (or move to) it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotOffer {
    pub time: SlotTime,
    pub capacity: i32,
    pub booked: i32,
    /// How many places this trip could still take (the perishable reserve and the
    /// firm's share taken into account).
    pub free_for_trip: i32,
    /// Why it cannot be booked, if it cannot.
    pub refusal: Option<Problem>,
    /// The slot the trip holds now (when moving).
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaySlots {
    pub trip: super::trips::TripSummary,
    pub gate: Gate,
    pub day: String,
    pub previous_day: Option<String>,
    pub next_day: Option<String>,
    pub slots: Vec<SlotOffer>,
    /// Moving a booking rather than making one.
    pub moving: bool,
    /// Whether moving now is late (counts as a late cancellation).
    pub late_change: bool,
    /// The idempotency key the booking form carries: a retry never books twice.
    pub request_key: String,
}

/// How full one direction of one slot is, for the public board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Load {
    pub capacity: i32,
    pub booked: i32,
    pub perishable_reserve: i32,
    pub booked_perishable: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    pub time: SlotTime,
    pub export: Option<Load>,
    pub import: Option<Load>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub direction: Direction,
    pub limit: Option<i32>,
    pub booked: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub gates: Vec<Gate>,
    pub gate: Gate,
    pub day: String,
    pub days: Vec<String>,
    pub rows: Vec<BoardRow>,
    pub intake: Vec<Intake>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub id: uuid::Uuid,
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
}

/// A booking a capacity change left beyond its slot's capacity, to be moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplacedBooking {
    pub trip_id: uuid::Uuid,
    pub firm_name: String,
    pub plate: String,
    pub time: SlotTime,
    pub direction: Direction,
}

/// A gate's capacity plan as its admin edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatePlan {
    pub gate: Gate,
    pub policy: GatePolicy,
    pub opens: String,
    pub closes: String,
    pub export_capacity: i32,
    pub import_capacity: i32,
    pub export_daily_intake: Option<i32>,
    pub import_daily_intake: Option<i32>,
    pub closures: Vec<Closure>,
    pub displaced: Vec<DisplacedBooking>,
}
