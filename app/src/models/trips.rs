//! Trips and their bookings, as pages show them.

use super::gates::{Localized, SlotTime};
use crate::domain::{
    plate::Plate,
    trip::{Direction, TripForm, TripStatus},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripSummary {
    pub id: Uuid,
    pub status: TripStatus,
    pub direction: Option<Direction>,
    pub gate_name: Option<Localized>,
    pub planned_date: Option<String>,
    pub plate: Option<Plate>,
    pub driver_name: Option<String>,
    pub cargo_description: Option<String>,
    pub perishable: bool,
    pub slot: Option<SlotTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripEvent {
    pub kind: String,
    pub at: i64,
    pub actor_name: Option<String>,
    pub reason: Option<String>,
    /// The slot the event moved to or booked, when it has one.
    pub slot: Option<SlotTime>,
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub id: Uuid,
    pub time: SlotTime,
    pub pass_code: String,
    pub must_move: bool,
}

/// Everything the trip page shows, and which actions the viewer may take now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripDetail {
    pub summary: TripSummary,
    /// What was filled in, as the form shows it.
    pub form: TripForm,
    pub trailer_plate: Option<Plate>,
    pub hs_code: Option<String>,
    pub containers: Vec<String>,
    pub set_temperature: Option<String>,
    pub booking: Option<Booking>,
    pub events: Vec<TripEvent>,
    pub utc_offset_minutes: i32,
    pub can_edit: bool,
    pub can_book: bool,
    pub can_change_booking: bool,
    pub can_change_driver: bool,
    /// The firm's drivers to change to, when the driver may change.
    pub drivers: Vec<Choice>,
    /// At the gate: the lane called to, where each required agency stands, a hold.
    pub lane: Option<String>,
    pub agencies: Vec<(
        crate::domain::role::Agency,
        crate::models::clearance::AgencyState,
    )>,
    pub hold: Option<crate::models::clearance::Hold>,
    /// When the truck may check in at the yard (Unix seconds), while booked.
    pub arrival_window: Option<(i64, i64)>,
    /// The other side's offset east of UTC, for showing event times on both clocks.
    pub other_side_offset_minutes: i32,
    /// Cancelling or moving now counts as late.
    pub late_change: bool,
    /// When the server read all this (Unix seconds): a copy kept offline says how old it is.
    pub as_of: i64,
}

/// A choice for the trip form's selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripFormOptions {
    pub vehicles: Vec<Choice>,
    pub drivers: Vec<Choice>,
    pub gates: Vec<(String, Localized)>,
    /// The gate's local date today (the earliest planned date).
    pub today: String,
    /// The trip being edited, if any, and what it holds.
    pub trip_id: Option<Uuid>,
    pub form: TripForm,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatePass {
    pub trip_id: Uuid,
    pub plate: Plate,
    pub trailer_plate: Option<Plate>,
    pub driver_name: String,
    pub gate_name: Localized,
    pub direction: Direction,
    pub time: SlotTime,
    pub pass_code: String,
    /// The signed token the QR code carries (verifiable with the public key alone).
    pub token: String,
    /// The QR code, as an SVG drawn on the server.
    pub qr_svg: String,
    /// The arrival window the pass is valid in.
    pub valid_from: i64,
    pub expires_at: i64,
    /// When the server read all this (Unix seconds): a copy kept offline says how old it is.
    pub as_of: i64,
    /// The gate's offset east of UTC now, for showing `as_of`.
    pub utc_offset_minutes: i32,
}
