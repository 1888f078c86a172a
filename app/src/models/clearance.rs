//! The officers' console and dashboard, as pages show them.

use super::gates::{Gate, SlotTime};
use crate::domain::{
    lifecycle::{Channel, HoldReason},
    role::Agency,
    trip::{Direction, TripStatus},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where one agency stands on one truck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgencyState {
    Pending,
    /// Customs routed the declaration to a channel (red: physical inspection).
    Routed(Channel),
    Cleared,
    Held,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub agency: Agency,
    pub reason: HoldReason,
    pub note: Option<String>,
}

/// A truck in the yard, the lanes, or cleared and about to leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub trip_id: Uuid,
    pub plate: String,
    pub firm_name: String,
    pub perishable: bool,
    pub status: TripStatus,
    pub slot: SlotTime,
    pub arrived_at: Option<i64>,
    pub lane: Option<String>,
    pub agencies: Vec<(Agency, AgencyState)>,
    pub hold: Option<Hold>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub kind: String,
    pub plate: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Booked for the current hour and not yet in the yard.
    pub expected_this_hour: i64,
    pub in_yard: i64,
    pub called_forward: i64,
    pub in_inspection: i64,
    pub held: i64,
    pub cleared: i64,
    pub exited_today: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    pub gate: Gate,
    pub direction: Direction,
    /// The agency of the officer looking.
    pub agency: Agency,
    pub counts: Counts,
    /// In the order traffic police will call them.
    pub yard: Vec<QueueEntry>,
    pub lanes: Vec<QueueEntry>,
    pub cleared: Vec<QueueEntry>,
    pub alerts: Vec<Alert>,
    /// The expected wait published now, in minutes.
    pub expected_wait_minutes: Option<i32>,
}

/// One hour of a day at a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourStats {
    pub hour: u32,
    /// Bookings whose slot starts this hour.
    pub expected: i64,
    pub arrived: i64,
    pub cleared: i64,
    /// Median minutes from arrival to clearance of the trucks cleared this hour.
    pub median_minutes_to_clear: Option<i32>,
    /// The wait the portal published during this hour (average of its estimates).
    pub published_wait: Option<i32>,
    /// The wait trucks that arrived this hour really had, until called forward (median).
    pub real_wait: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub gate: Gate,
    pub day: String,
    pub counts: Counts,
    pub hours: Vec<HourStats>,
    pub median_minutes_to_clear: Option<i32>,
}

/// A gate device as its admin sees it (never its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub name: String,
    pub location: String,
    pub key_hint: String,
    pub revoked: bool,
}
