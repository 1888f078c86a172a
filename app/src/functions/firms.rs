//! Registering a firm.

use crate::{error::AppError, models::SessionUser};
use leptos::prelude::*;

/// Registers a firm with its first admin account and signs that admin in. Throttled per
/// client address (`REGISTRATIONS_PER_HOUR`); the password is hashed (argon2, the one
/// costly step) only after everything cheap has passed: the form, the throttle, and a
/// tax code and e-mail address no one holds yet.
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
        domain::{firm::RegistrationForm, form::FieldErrors},
        server::{firms, request, sessions, throttle},
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
    let who = throttle::Who {
        account: None,
        address: request::client_address(),
    };
    let counters = state.settings.throttles.registration(who.address);
    throttle::take(&state, &counters, who).await?;
    let taken = firms::already_taken(&state, &firm).await?;
    if !taken.is_empty() {
        let mut errors = FieldErrors::default();
        for (field, problem) in taken {
            errors.add(field, problem);
        }
        return Err(AppError::invalid(errors, &form));
    }
    // The unique constraints still decide, in the insert, for a race with another.
    let password_hash = state.passwords.hash(&firm.admin_password).await?;
    let user_id = firms::register(&state, &firm, &password_hash)
        .await
        .map_err(|error| error.for_form(&form))?;
    let (user, stage) = sessions::sign_in(&state, user_id).await?;
    request::redirect(stage.next_path(user.role));
    Ok(user)
}
