//! Registering a firm with its first administrator.

use super::{AppState, database::StoreError};
use crate::domain::firm::NewFirm;
use uuid::Uuid;

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
