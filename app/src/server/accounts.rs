//! A person's own account: their password and what it must not be.

use super::{AppState, sessions};
use crate::{
    domain::{
        contact::{Email, Phone},
        password::AccountWords,
    },
    error::AppError,
};
use uuid::Uuid;

/// What an account shows of itself (see `AccountWords`), owned.
#[derive(Debug, Clone, Default)]
pub struct OwnWords {
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub full_name: String,
    pub firm_name: Option<String>,
}

impl OwnWords {
    pub fn words(&self) -> AccountWords<'_> {
        AccountWords {
            email: self.email.as_ref(),
            phone: self.phone.as_ref(),
            person_name: Some(&self.full_name),
            firm_name: self.firm_name.as_deref(),
        }
    }
}

/// The password hash and own words of an active account.
pub async fn of(state: &AppState, user_id: Uuid) -> Result<Option<(String, OwnWords)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        password_hash: String,
        email: Option<String>,
        phone: Option<String>,
        full_name: String,
        firm_name: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "select u.password_hash, u.email, u.phone, u.full_name, f.name as firm_name
           from users u left join firms f on f.id = u.firm_id
          where u.id = $1 and u.active",
    )
    .bind(user_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(|row| {
        let words = OwnWords {
            email: row
                .email
                .as_deref()
                .and_then(|email| Email::parse(email).ok()),
            phone: row
                .phone
                .as_deref()
                .and_then(|phone| Phone::parse(phone).ok()),
            full_name: row.full_name,
            firm_name: row.firm_name,
        };
        (row.password_hash, words)
    }))
}

/// Sets a new password and ends every session of the account but `keep`, in one
/// transaction. Returns how many sessions ended.
pub async fn set_password(
    state: &AppState,
    user_id: Uuid,
    password_hash: &str,
    keep: Option<Uuid>,
) -> Result<u64, AppError> {
    let mut transaction = state.pool.begin().await?;
    sqlx::query("update users set password_hash = $2 where id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut *transaction)
        .await?;
    let ended = sessions::end_others(&mut *transaction, user_id, keep).await?;
    transaction.commit().await?;
    Ok(ended)
}
