//! What server functions return: plain data, shared by the server and the browser.

use crate::domain::{
    form::FieldError,
    plate::{Country, Plate},
    role::Role,
    vehicle::VehicleKind,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in person, as the pages need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: Uuid,
    pub full_name: String,
    pub role: Role,
    pub firm_id: Option<Uuid>,
    pub firm_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub id: Uuid,
    pub plate: Plate,
    pub trailer_plate: Option<Plate>,
    pub kind: VehicleKind,
    pub axles: i16,
    pub gross_weight_kg: i32,
    pub country: Country,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetPage {
    pub vehicles: Vec<Vehicle>,
    /// True when more vehicles matched than the page shows.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub full_name: String,
    pub role: Role,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub active: bool,
}

/// The outcome of one CSV import, kept so that its page can be opened again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub id: Uuid,
    pub file_name: String,
    pub rows: Vec<ImportRow>,
}

impl ImportReport {
    pub fn added(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| row.problems.is_empty())
            .count()
    }

    pub fn rejected(&self) -> usize {
        self.rows.len() - self.added()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: u32,
    /// The plate in canonical form when it parsed, else as typed.
    pub plate: String,
    /// Empty when the vehicle was added.
    pub problems: Vec<FieldError>,
}

pub mod account;
pub mod clearance;
pub mod gates;
pub mod security;
pub mod trips;
