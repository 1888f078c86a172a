//! A firm's people (admins, clerks, drivers) and finding an account to sign in.

use super::{AppState, database::StoreError};
use crate::{
    domain::{contact::SignInName, person::NewPerson, role::Role},
    error::AppError,
    models::Person,
};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: Uuid,
    full_name: String,
    role: String,
    agency: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    id_number: Option<String>,
    active: bool,
}

impl PersonRow {
    fn into_person(self) -> Result<Person, AppError> {
        let role = Role::from_columns(&self.role, self.agency.as_deref()).ok_or_else(|| {
            tracing::error!(role = self.role, "unknown role in the database");
            AppError::Internal
        })?;
        Ok(Person {
            id: self.id,
            full_name: self.full_name,
            role,
            email: self.email,
            phone: self.phone,
            id_number: self.id_number,
            active: self.active,
        })
    }
}

/// The columns `PersonRow` reads, as a literal for `concat!` (sqlx takes only static SQL).
macro_rules! person_columns {
    () => {
        "id, full_name, role, agency, email, phone, id_number, active"
    };
}

pub async fn list(state: &AppState, firm_id: Uuid) -> Result<Vec<Person>, AppError> {
    let rows: Vec<PersonRow> = sqlx::query_as(concat!(
        "select ",
        person_columns!(),
        " from users where firm_id = $1 order by active desc, role, full_name"
    ))
    .bind(firm_id)
    .fetch_all(&state.pool)
    .await?;
    rows.into_iter().map(PersonRow::into_person).collect()
}

pub async fn add(
    state: &AppState,
    firm_id: Uuid,
    person: &NewPerson,
    password_hash: &str,
) -> Result<Person, StoreError> {
    let row: PersonRow = sqlx::query_as(concat!(
        "insert into users (firm_id, role, full_name, email, phone, id_number, password_hash)
         values ($1, $2, $3, $4, $5, $6, $7) returning ",
        person_columns!()
    ))
    .bind(firm_id)
    .bind(person.role.code())
    .bind(&person.full_name)
    .bind(person.email.as_ref().map(|email| email.as_str()))
    .bind(person.phone.as_ref().map(|phone| phone.as_str()))
    .bind(person.id_number.as_ref().map(|id| id.as_str()))
    .bind(password_hash)
    .fetch_one(&state.pool)
    .await?;
    Ok(row.into_person()?)
}

/// Activates or deactivates a person of `firm_id`; deactivating ends their sessions in
/// the same transaction. `None` when no such person is in this firm.
pub async fn set_active(
    state: &AppState,
    firm_id: Uuid,
    person_id: Uuid,
    active: bool,
) -> Result<Option<Person>, AppError> {
    let mut transaction = state.pool.begin().await?;
    let row: Option<PersonRow> = sqlx::query_as(concat!(
        "update users set active = $3 where id = $1 and firm_id = $2 returning ",
        person_columns!()
    ))
    .bind(person_id)
    .bind(firm_id)
    .bind(active)
    .fetch_optional(&mut *transaction)
    .await?;
    if row.is_some() && !active {
        sqlx::query("update sessions set ended_at = now() where user_id = $1 and ended_at is null")
            .bind(person_id)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    row.map(PersonRow::into_person).transpose()
}

/// An account as the sign-in needs it.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub user_id: Uuid,
    pub password_hash: String,
}

/// The active account named by `name`, if any.
pub async fn find_for_sign_in(
    state: &AppState,
    name: &SignInName,
) -> Result<Option<Credentials>, AppError> {
    let query = match name {
        SignInName::Email(email) => sqlx::query_as(
            "select id as user_id, password_hash from users where email = $1 and active",
        )
        .bind(email.as_str()),
        SignInName::Phone(phone) => sqlx::query_as(
            "select id as user_id, password_hash from users where phone = $1 and active",
        )
        .bind(phone.as_str()),
    };
    Ok(query.fetch_optional(&state.pool).await?)
}
