//! The gate's plate cameras: `POST /devices/v1/plate-reads` with the device key a gate
//! admin issued. The yard camera checks trucks in; the exit camera records them leaving.

use super::{Portal, Reply};

pub struct Camera {
    key: String,
}

impl Camera {
    pub fn new(key: String) -> Camera {
        Camera { key }
    }

    /// Reads a plate (sent in its canonical form, `51C-123.45`, as a camera prints it);
    /// the reply's JSON carries the `outcome` and the `trip_id`.
    pub async fn read(&self, portal: &Portal, normalised_plate: &str) -> Reply {
        let plate = app::domain::plate::Plate::from_normalised(normalised_plate)
            .map_or_else(|| normalised_plate.to_string(), |plate| plate.canonical());
        let request = portal
            .http()
            .post(format!("{}/devices/v1/plate-reads", portal.base))
            .bearer_auth(&self.key)
            .json(&serde_json::json!({ "plate": plate }));
        portal.send(request).await
    }
}
