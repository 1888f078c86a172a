//! Gate passes: a JWT signed with Ed25519 (`alg: EdDSA`) that a gate scanner verifies
//! with the public key alone, offline: trip, plate, gate, direction, slot and pass code,
//! valid through the arrival window. The key pair's seed lives in `server_secrets`, so
//! every server process signs with the same key; the public key is served as a JWK at
//! `/api/gate_pass_key`.

use super::{AppState, gates, trips::Viewer};
use crate::{error::AppError, models::trips::GatePass};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a pass says. Short names keep the QR code small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassClaims {
    /// The trip.
    pub trip: Uuid,
    /// The plate, normalised (`12C12345`).
    pub plate: String,
    pub gate: String,
    /// `export` or `import`.
    pub dir: String,
    /// The slot's start, Unix seconds.
    pub slot: i64,
    /// The pass code a guard can type.
    pub code: String,
    /// Valid from (the arrival window opens)...
    pub nbf: i64,
    /// ...until (it closes).
    pub exp: i64,
}

pub struct PassKeys {
    signing: SigningKey,
}

const HEADER: &str = r#"{"alg":"EdDSA","typ":"JWT"}"#;

impl PassKeys {
    pub fn new(seed: &[u8]) -> PassKeys {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&seed[..32]);
        PassKeys {
            signing: SigningKey::from_bytes(&bytes),
        }
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The public key as a JSON Web Key (RFC 8037), for scanners.
    pub fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(self.public_key()),
        })
    }

    pub fn sign(&self, claims: &PassClaims) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialise");
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// Checks a pass with the public key alone: the signature, and that `now` is within its
/// validity. What a scanner at the gate does, without reaching the server.
pub fn verify(token: &str, public_key: &[u8; 32], now: i64) -> Option<PassClaims> {
    verify_signature(token, public_key).filter(|claims| claims.nbf <= now && now <= claims.exp)
}

/// The claims of a pass whose signature holds, whatever the time (the server checks the
/// window against the booking itself, which may have moved since the pass was shown).
pub fn verify_signature(token: &str, public_key: &[u8; 32]) -> Option<PassClaims> {
    let (input, signature) = token.rsplit_once('.')?;
    let (header, payload) = input.split_once('.')?;
    if URL_SAFE_NO_PAD.decode(header).ok()? != HEADER.as_bytes() {
        return None;
    }
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
    VerifyingKey::from_bytes(public_key)
        .ok()?
        .verify(input.as_bytes(), &signature)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The QR code of a token, drawn as SVG (no JavaScript needed to show it).
fn qr_svg(token: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::L)
        .map_err(|error| {
            tracing::error!(%error, "QR encoding failed");
            AppError::Internal
        })?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(280, 280)
        .quiet_zone(true)
        .build())
}

#[derive(sqlx::FromRow)]
struct PassRow {
    plate: String,
    trailer_plate: Option<String>,
    driver_name: String,
    gate_id: String,
    direction: String,
    slot_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    pass_code: String,
}

/// The pass of a booked trip, or `None` when the trip holds no booking (or is not the
/// viewer's).
pub async fn gate_pass(
    state: &AppState,
    viewer: Viewer,
    trip_id: Uuid,
) -> Result<Option<GatePass>, AppError> {
    let row: Option<PassRow> = sqlx::query_as(
        "select v.plate, v.trailer_plate, d.full_name as driver_name, s.gate_id, s.direction, s.id as slot_id,
                s.starts_at, s.ends_at, b.pass_code
           from bookings b
           join trips t on t.id = b.trip_id
           join vehicles v on v.id = t.vehicle_id
           join users d on d.id = t.driver_id
           join slots s on s.id = b.slot_id
          where b.trip_id = $1 and b.status = 'active' and t.firm_id = $2 and (not $3 or t.driver_id = $4)",
    )
    .bind(trip_id)
    .bind(viewer.firm_id)
    .bind(viewer.driver_only)
    .bind(viewer.user_id)
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let gate = gates::get(state, &row.gate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (opens, closes) = gate.policy().arrival_window(row.starts_at);
    let claims = PassClaims {
        trip: trip_id,
        plate: row.plate.clone(),
        gate: row.gate_id.clone(),
        dir: row.direction.clone(),
        slot: row.starts_at.timestamp(),
        code: row.pass_code.clone(),
        nbf: opens.timestamp(),
        exp: closes.timestamp(),
    };
    let token = state.pass_keys.sign(&claims);
    let plate =
        crate::domain::plate::Plate::from_normalised(&row.plate).ok_or(AppError::Internal)?;
    Ok(Some(GatePass {
        trip_id,
        qr_svg: qr_svg(&token)?,
        token,
        plate,
        trailer_plate: row
            .trailer_plate
            .as_deref()
            .and_then(crate::domain::plate::Plate::from_normalised),
        driver_name: row.driver_name,
        gate_name: gate.name(),
        direction: super::bookings::direction_of(&row.direction),
        time: gate.slot_time(row.slot_id, row.starts_at, row.ends_at),
        pass_code: row.pass_code,
        valid_from: opens.timestamp(),
        expires_at: closes.timestamp(),
        as_of: chrono::Utc::now().timestamp(),
        utc_offset_minutes: super::gates::offset_minutes(&gate.time_zone, chrono::Utc::now()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> PassClaims {
        PassClaims {
            trip: Uuid::nil(),
            plate: "12C12345".into(),
            gate: "huu-nghi".into(),
            dir: "export".into(),
            slot: 1_000_000,
            code: "K7QF-2M9X".into(),
            nbf: 999_000,
            exp: 1_005_000,
        }
    }

    #[test]
    fn a_pass_verifies_with_the_public_key_alone_within_its_window() {
        let keys = PassKeys::new(&[7u8; 32]);
        let token = keys.sign(&claims());
        assert_eq!(
            verify(&token, &keys.public_key(), 1_000_000),
            Some(claims())
        );
        assert_eq!(
            verify(&token, &keys.public_key(), 998_999),
            None,
            "not yet valid"
        );
        assert_eq!(
            verify(&token, &keys.public_key(), 1_005_001),
            None,
            "expired"
        );
        let other = PassKeys::new(&[8u8; 32]);
        assert_eq!(
            verify(&token, &other.public_key(), 1_000_000),
            None,
            "another key"
        );
    }

    #[test]
    fn a_changed_pass_does_not_verify() {
        let keys = PassKeys::new(&[7u8; 32]);
        let token = keys.sign(&claims());
        let forged_payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&PassClaims {
                plate: "12C99999".into(),
                ..claims()
            })
            .unwrap(),
        );
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(verify(&forged, &keys.public_key(), 1_000_000), None);
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let keys = PassKeys::new(&[7u8; 32]);
        let svg = qr_svg(&keys.sign(&claims())).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
