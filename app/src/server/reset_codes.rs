//! One-time codes for a forgotten password. Drivers may have nothing but a phone, so no
//! e-mail goes out: an administrator who knows the person issues a code (shown to them
//! once) and reads it out or shows it; the person types it with their phone or e-mail
//! and a new password. A code works once, until `RESET_CODE_MINUTES` after it was
//! issued, only for its account; a new code voids the previous one, and
//! [`RESET_CODE_MAX_FAILURES`] wrong codes void it too (in the database, so the limit
//! holds across server processes).

use super::{AppState, account_keys::CodeUse, account_keys::new_code, sessions};
use crate::{
    domain::{
        codes::{RESET_CODE_LENGTH, RESET_CODE_MAX_FAILURES, ResetCode},
        role::Role,
    },
    error::AppError,
    models::{SessionUser, account::StaffMember},
};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// A person as the issuing of a reset code needs them.
#[derive(sqlx::FromRow)]
struct Person {
    role: String,
    agency: Option<String>,
    firm_id: Option<Uuid>,
    /// Posted at a gate `issuer` runs (for gate admins).
    shares_a_gate: bool,
}

/// Issues a reset code for `person_id` and returns it (the only time it is seen) with
/// when it stops working. Only a person the issuer may see is found: another firm's
/// person, or an officer at a gate the gate admin does not run, is `NotFound`; one the
/// issuer sees but whose role they may not reset is `Forbidden`.
pub async fn issue(
    state: &AppState,
    issuer: &SessionUser,
    person_id: Uuid,
) -> Result<(String, DateTime<Utc>), AppError> {
    let person: Option<Person> = sqlx::query_as(
        "select u.role, u.agency, u.firm_id,
                exists (select 1 from gate_staff mine join gate_staff theirs on theirs.gate_id = mine.gate_id
                         where mine.user_id = $2 and theirs.user_id = u.id) as shares_a_gate
           from users u where u.id = $1 and u.active",
    )
    .bind(person_id)
    .bind(issuer.user_id)
    .fetch_optional(&state.pool)
    .await?;
    let person = person.ok_or(AppError::NotFound)?;
    let role = Role::from_columns(&person.role, person.agency.as_deref()).ok_or_else(|| {
        tracing::error!(role = person.role, "unknown role in the database");
        AppError::Internal
    })?;
    let visible = match issuer.role {
        Role::FirmAdmin => issuer.firm_id.is_some() && person.firm_id == issuer.firm_id,
        Role::GateAdmin => !role.belongs_to_firm() && person.shares_a_gate,
        Role::PlatformAdmin => !role.belongs_to_firm(),
        _ => false,
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    if person_id == issuer.user_id || !issuer.role.may_reset_password_of(role) {
        return Err(AppError::Forbidden);
    }

    let code = new_code(RESET_CODE_LENGTH);
    let expires_at = Utc::now() + Duration::minutes(state.settings.reset_code_minutes.max(1));
    let mut transaction = state.pool.begin().await?;
    sqlx::query(
        "update reset_codes set voided_at = now()
          where user_id = $1 and used_at is null and voided_at is null",
    )
    .bind(person_id)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into reset_codes (user_id, issued_by, code_hash, expires_at) values ($1, $2, $3, $4)",
    )
    .bind(person_id)
    .bind(issuer.user_id)
    .bind(state.account_keys.digest(CodeUse::Reset, person_id, &code))
    .bind(expires_at)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok((code, expires_at))
}

/// The open reset code of `user_id`, if `code` is it and it has not expired: its id.
/// A wrong code counts against the open one, which is voided at the limit.
pub async fn check(
    state: &AppState,
    user_id: Uuid,
    code: &ResetCode,
) -> Result<Option<Uuid>, AppError> {
    let open: Option<(Uuid, Vec<u8>, bool)> = sqlx::query_as(
        "select id, code_hash, expires_at > now() from reset_codes
          where user_id = $1 and used_at is null and voided_at is null",
    )
    .bind(user_id)
    .fetch_optional(&state.pool)
    .await?;
    let Some((id, stored, unexpired)) = open else {
        return Ok(None);
    };
    let typed = state
        .account_keys
        .digest(CodeUse::Reset, user_id, code.as_str());
    if !constant_time_equal(&typed, &stored) {
        sqlx::query(
            "update reset_codes
                set failures = failures + 1,
                    voided_at = case when failures + 1 >= $2 then now() end
              where id = $1 and used_at is null and voided_at is null",
        )
        .bind(id)
        .bind(RESET_CODE_MAX_FAILURES)
        .execute(&state.pool)
        .await?;
        return Ok(None);
    }
    Ok(unexpired.then_some(id))
}

fn constant_time_equal(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

/// Uses the code `code_id` to set `user_id`'s new password, and ends every session of
/// the account: in one transaction, and only if the code still works (another request
/// may have used it meanwhile). False when it no longer did.
pub async fn redeem(
    state: &AppState,
    code_id: Uuid,
    user_id: Uuid,
    password_hash: &str,
) -> Result<bool, AppError> {
    let mut transaction = state.pool.begin().await?;
    let used = sqlx::query(
        "update reset_codes set used_at = now()
          where id = $1 and user_id = $2 and used_at is null and voided_at is null and expires_at > now()",
    )
    .bind(code_id)
    .bind(user_id)
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        == 1;
    if !used {
        return Ok(false);
    }
    sqlx::query("update users set password_hash = $2 where id = $1 and active")
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut *transaction)
        .await?;
    sessions::end_others(&mut *transaction, user_id, None).await?;
    transaction.commit().await?;
    Ok(true)
}

/// The officers and gate admins whose passwords `issuer` may reset (gate admins: the
/// officers posted at the gates they run; platform admins: every officer and gate
/// admin).
pub async fn staff(state: &AppState, issuer: &SessionUser) -> Result<Vec<StaffMember>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        full_name: String,
        role: String,
        agency: Option<String>,
        email: Option<String>,
    }
    let rows: Vec<Row> = match issuer.role {
        Role::GateAdmin => {
            sqlx::query_as(
                "select distinct u.id, u.full_name, u.role, u.agency, u.email
                   from users u
                   join gate_staff theirs on theirs.user_id = u.id
                   join gate_staff mine on mine.gate_id = theirs.gate_id and mine.user_id = $1
                  where u.active and u.role = 'officer'
                  order by u.full_name",
            )
            .bind(issuer.user_id)
            .fetch_all(&state.pool)
            .await?
        }
        Role::PlatformAdmin => {
            sqlx::query_as(
                "select id, full_name, role, agency, email from users
                  where active and role in ('officer', 'gate_admin')
                  order by role, full_name",
            )
            .fetch_all(&state.pool)
            .await?
        }
        _ => return Err(AppError::Forbidden),
    };
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(StaffMember {
                id: row.id,
                full_name: row.full_name,
                role: Role::from_columns(&row.role, row.agency.as_deref())?,
                email: row.email,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_compare_whole() {
        assert!(constant_time_equal(b"abc", b"abc"));
        assert!(!constant_time_equal(b"abc", b"abd"));
        assert!(!constant_time_equal(b"abc", b"ab"));
    }
}
