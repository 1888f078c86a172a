//! Registering a firm.

use crate::{error::AppError, models::SessionUser};
use leptos::prelude::*;

/// Registers a firm with its first admin account and signs that admin in.
#[server(endpoint = "register_firm")]
pub async fn register_firm(
    firm_name: String,
    tax_code: String,
    address: String,
    firm_phone: String,
    admin_name: String,
    email: String,
    password: String,
) -> Result<SessionUser, AppError> {
    use crate::{
        domain::firm::RegistrationForm,
        server::{firms, request, sessions},
    };
    let form = RegistrationForm {
        firm_name,
        tax_code,
        address,
        firm_phone,
        admin_name,
        email,
        password,
    };
    let firm = form
        .parse(crate::server::passwords::common())
        .map_err(|errors| AppError::invalid(errors, &form))?;
    let state = crate::server::state()?;
    let password_hash = state.passwords.hash(&firm.admin_password).await?;
    let user_id = firms::register(&state, &firm, &password_hash)
        .await
        .map_err(|error| error.for_form(&form))?;
    let (user, stage) = sessions::sign_in(&state, user_id).await?;
    request::redirect(stage.next_path(user.role));
    Ok(user)
}
