//! A firm's clerk: declares a trip (`save_trip`) and books its slot (`book_slot`).

use super::{Portal, Reply, Session};
use crate::{seeding::PlannedTrip, settings::Group};

pub struct Firm {
    pub session: Session,
}

/// Today at a gate of Vietnam (UTC+7), as the trip form expects the planned date.
fn today_at_the_gate() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .date_naive()
        .to_string()
}

impl Firm {
    /// Declares the trip; the reply's JSON is the new trip's id.
    pub async fn declare(&self, portal: &Portal, trip: &PlannedTrip, group: &Group) -> Reply {
        let (vehicle, driver) = (trip.vehicle_id.to_string(), trip.driver_id.to_string());
        let today = today_at_the_gate();
        let (cargo, hs_code) = if trip.perishable {
            ("Thanh long tươi", "0810.90.10")
        } else {
            ("Linh kiện điện tử", "8542.31.00")
        };
        let mut form = vec![
            ("trip_id", ""),
            ("intent", "declare"),
            ("vehicle_id", vehicle.as_str()),
            ("driver_id", driver.as_str()),
            ("direction", group.direction),
            ("gate_id", group.gate.as_str()),
            ("planned_date", today.as_str()),
            ("cargo_description", cargo),
            ("hs_code", hs_code),
            ("cargo_weight_kg", "18000"),
            ("packages", "1200"),
            ("containers", ""),
            ("customs_declaration", trip.declaration.as_str()),
            ("seal_number", ""),
            ("set_temperature", ""),
        ];
        if trip.perishable {
            form.push(("perishable", "on"));
        }
        if trip.quarantine {
            form.push(("quarantine_required", "on"));
        }
        portal.call(&self.session, "save_trip", &form).await
    }

    /// Books `slot` for the trip under its own idempotency key.
    pub async fn book(&self, portal: &Portal, trip_id: &str, slot: i64, key: &str) -> Reply {
        let slot = slot.to_string();
        portal
            .call(
                &self.session,
                "book_slot",
                &[
                    ("trip_id", trip_id),
                    ("slot_id", &slot),
                    ("request_key", key),
                ],
            )
            .await
    }
}
