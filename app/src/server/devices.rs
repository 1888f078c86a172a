//! Gate devices (plate-reading cameras, pass scanners): each has a key that a gate admin
//! issues (shown once) and may revoke. Only the key's SHA-256 is stored.

use super::AppState;
use crate::error::AppError;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Device {
    pub id: Uuid,
    pub gate_id: String,
    pub name: String,
    /// `yard` or `exit`.
    pub location: String,
}

fn digest(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Issues a new device key for a gate. The key is returned once; it cannot be shown
/// again (only its hash is kept).
pub async fn issue(
    state: &AppState,
    gate_id: &str,
    name: &str,
    location: &str,
    actor: Uuid,
) -> Result<(Uuid, String), AppError> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let key = format!("gd_{}", URL_SAFE_NO_PAD.encode(secret));
    let hint = key[key.len() - 4..].to_string();
    let id: Uuid = sqlx::query_scalar(
        "insert into gate_devices (gate_id, name, location, key_hash, key_hint, created_by) values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(gate_id)
    .bind(name)
    .bind(location)
    .bind(digest(&key))
    .bind(hint)
    .bind(actor)
    .fetch_one(&state.pool)
    .await?;
    Ok((id, key))
}

pub async fn revoke(state: &AppState, gate_id: &str, device_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query("update gate_devices set revoked_at = now() where id = $1 and gate_id = $2 and revoked_at is null")
        .bind(device_id)
        .bind(gate_id)
        .execute(&state.pool)
        .await?
        .rows_affected()
        > 0)
}

/// The live device a key belongs to; `None` for an unknown or revoked key.
pub async fn by_key(state: &AppState, key: &str) -> Result<Option<Device>, AppError> {
    Ok(sqlx::query_as("select id, gate_id, name, location from gate_devices where key_hash = $1 and revoked_at is null")
        .bind(digest(key.trim()))
        .fetch_optional(&state.pool)
        .await?)
}

/// A gate's devices for its admin: (id, name, location, last four characters, revoked).
pub async fn list(
    state: &AppState,
    gate_id: &str,
) -> Result<Vec<crate::models::clearance::DeviceInfo>, AppError> {
    let rows: Vec<(Uuid, String, String, String, bool)> = sqlx::query_as(
        "select id, name, location, key_hint, revoked_at is not null from gate_devices where gate_id = $1 order by created_at",
    )
    .bind(gate_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, location, key_hint, revoked)| crate::models::clearance::DeviceInfo {
                id,
                name,
                location,
                key_hint,
                revoked,
            },
        )
        .collect())
}
