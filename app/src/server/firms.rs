//! Registering a firm with its first administrator.

use super::{AppState, database::StoreError};
use crate::{
    domain::{Problem, firm::NewFirm},
    error::AppError,
};
use uuid::Uuid;

/// The fields of a registration that another firm or account already holds, checked
/// before the password is hashed (the insert's unique constraints still decide).
pub async fn already_taken(
    state: &AppState,
    firm: &NewFirm,
) -> Result<Vec<(&'static str, Problem)>, AppError> {
    let (tax_code, email): (bool, bool) = sqlx::query_as(
        "select exists (select 1 from firms where tax_code = $1),
                exists (select 1 from users where email = $2)",
    )
    .bind(firm.tax_code.as_str())
    .bind(firm.admin_email.as_str())
    .fetch_one(&state.pool)
    .await?;
    Ok([
        (tax_code, ("tax_code", Problem::TaxCodeTaken)),
        (email, ("email", Problem::EmailTaken)),
    ]
    .into_iter()
    .filter_map(|(taken, field)| taken.then_some(field))
    .collect())
}

/// Stores the firm and its admin in one transaction: both or neither. Returns the
/// admin's account id.
pub async fn register(
    state: &AppState,
    firm: &NewFirm,
    password_hash: &str,
) -> Result<Uuid, StoreError> {
    let mut transaction = state.pool.begin().await?;
    let firm_id: Uuid = sqlx::query_scalar(
        "insert into firms (name, tax_code, address, phone) values ($1, $2, $3, $4) returning id",
    )
    .bind(&firm.name)
    .bind(firm.tax_code.as_str())
    .bind(&firm.address)
    .bind(firm.phone.as_str())
    .fetch_one(&mut *transaction)
    .await?;
    let user_id: Uuid = sqlx::query_scalar(
        "insert into users (firm_id, role, full_name, email, password_hash) values ($1, 'firm_admin', $2, $3, $4) returning id",
    )
    .bind(firm_id)
    .bind(&firm.admin_name)
    .bind(firm.admin_email.as_str())
    .bind(password_hash)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(user_id)
}
