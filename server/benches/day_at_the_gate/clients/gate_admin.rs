//! The gate admin: sets the day's capacity plan (`update_gate_plan`) and issues the
//! cameras' keys (`issue_device`), as on the gates page.

use super::{Portal, Session, camera::Camera};
use anyhow::Context;

pub struct GateAdmin {
    pub session: Session,
}

impl GateAdmin {
    /// The plan of the day: `capacity` places per slot each way, no daily intake limit,
    /// and bookings taken until a slot starts (lead time 0: each slot is moved to start
    /// in a few minutes while trips still book it, see `run::Slots`). Every other rule
    /// keeps the portal's default.
    pub async fn set_plan(&self, portal: &Portal, gate: &str, capacity: i32) -> anyhow::Result<()> {
        let capacity = capacity.to_string();
        let reply = portal
            .call(
                &self.session,
                "update_gate_plan",
                &[
                    ("gate_id", gate),
                    ("slot_minutes", "60"),
                    ("opens", "00:00"),
                    ("closes", "24:00"),
                    ("export_capacity", &capacity),
                    ("import_capacity", &capacity),
                    ("export_daily_intake", ""),
                    ("import_daily_intake", ""),
                    ("horizon_days", "7"),
                    ("lead_minutes", "0"),
                    ("free_change_minutes", "120"),
                    ("firm_share_percent", "20"),
                    ("perishable_share_percent", "30"),
                    ("perishable_release_hours", "6"),
                ],
            )
            .await;
        reply
            .result
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("the plan of {gate}"))?;
        Ok(())
    }

    /// Issues a camera's key at `location` (`yard` or `exit`).
    pub async fn issue_camera(
        &self,
        portal: &Portal,
        gate: &str,
        location: &str,
    ) -> anyhow::Result<Camera> {
        let name = format!("Camera {location}");
        let reply = portal
            .call(
                &self.session,
                "issue_device",
                &[("gate_id", gate), ("name", &name), ("location", location)],
            )
            .await;
        let key = reply
            .result
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("a {location} camera at {gate}"))?;
        let key = key.as_str().context("the device key")?.to_string();
        Ok(Camera::new(key))
    }
}
