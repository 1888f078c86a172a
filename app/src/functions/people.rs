//! The firm's people: only its admins manage them.

use crate::{error::AppError, models::Person};
use leptos::prelude::*;

#[server(endpoint = "list_people")]
pub async fn list_people() -> Result<Vec<Person>, AppError> {
    use crate::{
        domain::role::Role,
        server::{people, sessions},
    };
    let state = crate::server::state()?;
    let (_, firm_id) = sessions::require_firm_member(&state, Role::manages_people).await?;
    people::list(&state, firm_id).await
}

#[server(endpoint = "add_person")]
pub async fn add_person(
    role: String,
    full_name: String,
    email: String,
    phone: String,
    id_number: String,
    password: String,
) -> Result<Person, AppError> {
    use crate::{
        domain::{Problem, person::PersonForm, role::Role},
        server::{people, request, sessions},
    };
    let state = crate::server::state()?;
    let (user, firm_id) = sessions::require_firm_member(&state, Role::manages_people).await?;
    let form = PersonForm {
        role,
        full_name,
        email,
        phone,
        id_number,
        password,
    };
    let person = form
        .parse(
            crate::server::passwords::common(),
            user.firm_name.as_deref(),
        )
        .map_err(|errors| AppError::invalid(errors, &form))?;
    if !user.role.may_create(person.role) {
        return Err(AppError::field("role", Problem::RoleNotAllowed, &form));
    }
    let password_hash = state.passwords.hash(&person.password).await?;
    let added = people::add(&state, firm_id, &person, &password_hash)
        .await
        .map_err(|error| error.for_form(&form))?;
    request::redirect("/people");
    Ok(added)
}

/// Deactivating someone ends their sessions at once. Admins cannot deactivate
/// themselves (a firm must never lock out its last admin by accident).
#[server(endpoint = "set_person_active")]
pub async fn set_person_active(person_id: String, active: String) -> Result<Person, AppError> {
    use super::{parse_flag, parse_id};
    use crate::{
        domain::role::Role,
        server::{people, request, sessions},
    };
    let state = crate::server::state()?;
    let (user, firm_id) = sessions::require_firm_member(&state, Role::manages_people).await?;
    let person_id = parse_id(&person_id)?;
    let active = parse_flag("active", &active)?;
    if person_id == user.user_id {
        return Err(AppError::Forbidden);
    }
    let person = people::set_active(&state, firm_id, person_id, active)
        .await?
        .ok_or(AppError::NotFound)?;
    request::redirect("/people");
    Ok(person)
}
