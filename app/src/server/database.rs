//! Database helpers shared by every area.

use crate::{domain::Problem, error::AppError};
use rand::RngCore;
use serde::Serialize;
use sqlx::PgPool;

/// Why a write was not stored: a value another row already holds (a rule only the
/// database can check, reported on the form's field), or a failure of ours.
#[derive(Debug)]
pub enum StoreError {
    Taken {
        field: &'static str,
        problem: Problem,
    },
    Failed(AppError),
}

impl StoreError {
    /// The error to send back for `form`.
    pub fn for_form<Form: Serialize>(self, form: &Form) -> AppError {
        match self {
            StoreError::Taken { field, problem } => AppError::field(field, problem, form),
            StoreError::Failed(error) => error,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match broken_constraint(&error).and_then(field_of_constraint) {
            Some((field, problem)) => StoreError::Taken { field, problem },
            None => StoreError::Failed(error.into()),
        }
    }
}

impl From<AppError> for StoreError {
    fn from(error: AppError) -> Self {
        StoreError::Failed(error)
    }
}

/// Every unique or foreign-key constraint a user's input can run into, with the field
/// it belongs to.
fn field_of_constraint(constraint: &str) -> Option<(&'static str, Problem)> {
    match constraint {
        // A vehicle, driver or gate that is not the firm's own, or does not exist.
        "trips_vehicle_of_firm" => Some(("vehicle_id", Problem::UnknownChoice)),
        "trips_driver_of_firm" => Some(("driver_id", Problem::UnknownChoice)),
        "trips_gate_id_fkey" => Some(("gate_id", Problem::UnknownChoice)),
        "firms_tax_code_key" => Some(("tax_code", Problem::TaxCodeTaken)),
        "users_email_key" => Some(("email", Problem::EmailTaken)),
        "users_phone_key" => Some(("phone", Problem::PhoneTaken)),
        "vehicles_plate_active" => Some(("plate", Problem::PlateTaken)),
        "vehicles_trailer_plate_active" => Some(("trailer_plate", Problem::PlateTaken)),
        _ => None,
    }
}

/// The name of the constraint a statement broke, when it broke a unique or foreign-key
/// constraint.
pub fn broken_constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(database_error)
            if database_error.is_unique_violation()
                || database_error.is_foreign_key_violation() =>
        {
            database_error.constraint()
        }
        _ => None,
    }
}

/// A 32-byte secret kept in the database under `name`, created on first use. Concurrent
/// first starts agree: the insert that loses the race reads the winner's secret.
pub async fn server_secret(pool: &PgPool, name: &str) -> Result<Vec<u8>, sqlx::Error> {
    let mut candidate = vec![0u8; 32];
    rand::rng().fill_bytes(&mut candidate);
    sqlx::query(
        "insert into server_secrets (name, secret) values ($1, $2) on conflict (name) do nothing",
    )
    .bind(name)
    .bind(&candidate)
    .execute(pool)
    .await?;
    sqlx::query_scalar("select secret from server_secrets where name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
}

/// Escapes `%`, `_` and `\` so a user's search text matches literally inside `like`.
pub fn like_pattern(fragment: &str) -> String {
    let escaped = fragment
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
