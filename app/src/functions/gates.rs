//! Gate admins: capacity plans and closures of the gates they run.

use crate::{
    error::AppError,
    models::gates::{Gate, GatePlan},
};
use leptos::prelude::*;

#[server(endpoint = "my_gates")]
pub async fn my_gates() -> Result<Vec<Gate>, AppError> {
    use crate::server::{gates, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let now = chrono::Utc::now();
    Ok(gates::administered(&state, &user)
        .await?
        .iter()
        .map(|gate| gate.gate(now))
        .collect())
}

#[server(endpoint = "gate_plan")]
pub async fn get_gate_plan(gate_id: String) -> Result<GatePlan, AppError> {
    use crate::server::{gates, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    gates::plan(&state, &gate, chrono::Utc::now()).await
}

/// Saves a gate's plan and applies it to the slots ahead. Bookings that no longer fit
/// are kept, listed on the gate's page and marked on their trips to be moved.
#[server(endpoint = "update_gate_plan")]
#[allow(clippy::too_many_arguments)]
pub async fn update_gate_plan(
    gate_id: String,
    slot_minutes: String,
    opens: String,
    closes: String,
    export_capacity: String,
    import_capacity: String,
    export_daily_intake: String,
    import_daily_intake: String,
    horizon_days: String,
    lead_minutes: String,
    free_change_minutes: String,
    firm_share_percent: String,
    perishable_share_percent: String,
    perishable_release_hours: String,
) -> Result<usize, AppError> {
    use crate::{
        domain::gate_plan::GatePlanForm,
        server::{gates, request, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    let form = GatePlanForm {
        slot_minutes,
        opens,
        closes,
        export_capacity,
        import_capacity,
        export_daily_intake,
        import_daily_intake,
        horizon_days,
        lead_minutes,
        free_change_minutes,
        firm_share_percent,
        perishable_share_percent,
        perishable_release_hours,
    };
    let plan = form
        .parse(&gate.policy())
        .map_err(|errors| AppError::invalid(errors, &form))?;
    let now = chrono::Utc::now();
    let displaced = gates::update_plan(&state, &gate, &plan, user.user_id, now)
        .await
        .map_err(|error| error.for_form(&form))?;
    request::redirect(&format!("/gates/{}?saved=1", gate.id));
    Ok(displaced.len())
}

#[server(endpoint = "add_closure")]
pub async fn add_closure(
    gate_id: String,
    starts_at: String,
    ends_at: String,
    reason: String,
) -> Result<usize, AppError> {
    use crate::{
        domain::{Problem, form::FieldErrors, text::bounded},
        server::{gates, request, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        starts_at: &'a str,
        ends_at: &'a str,
        reason: &'a str,
    }
    let typed = Typed {
        starts_at: &starts_at,
        ends_at: &ends_at,
        reason: &reason,
    };
    let mut errors = FieldErrors::default();
    let start = errors.take(
        "starts_at",
        gates::parse_local_datetime(&gate.time_zone, &starts_at),
    );
    let end = errors.take(
        "ends_at",
        gates::parse_local_datetime(&gate.time_zone, &ends_at),
    );
    let reason = errors.take("reason", bounded(&reason, 2, 300));
    let (Some(start), Some(end), Some(reason)) = (start, end, reason) else {
        return Err(AppError::invalid(errors, &typed));
    };
    if end <= start {
        return Err(AppError::field("ends_at", Problem::EndBeforeStart, &typed));
    }
    let displaced = gates::add_closure(
        &state,
        &gate.id,
        start,
        end,
        &reason,
        user.user_id,
        chrono::Utc::now(),
    )
    .await?;
    request::redirect(&format!("/gates/{}?saved=1", gate.id));
    Ok(displaced.len())
}

#[server(endpoint = "remove_closure")]
pub async fn remove_closure(gate_id: String, closure_id: String) -> Result<(), AppError> {
    use super::parse_id;
    use crate::server::{gates, request, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    if !gates::remove_closure(
        &state,
        &gate.id,
        parse_id(&closure_id)?,
        user.user_id,
        chrono::Utc::now(),
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    request::redirect(&format!("/gates/{}?saved=1", gate.id));
    Ok(())
}

/// A gate's devices, for its admin.
#[server(endpoint = "list_devices")]
pub async fn list_devices(
    gate_id: String,
) -> Result<Vec<crate::models::clearance::DeviceInfo>, AppError> {
    use crate::server::{devices, gates, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    devices::list(&state, &gate.id).await
}

/// Issues a device key. The key is shown once: returned to the page, or (for a plain
/// form post) handed over in a short-lived cookie the gate's page shows and clears.
#[server(endpoint = "issue_device")]
pub async fn issue_device(
    gate_id: String,
    name: String,
    location: String,
) -> Result<String, AppError> {
    use crate::{
        domain::{Problem, text::bounded},
        server::{devices, gates, request, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        name: &'a str,
        location: &'a str,
    }
    let typed = Typed {
        name: &name,
        location: &location,
    };
    let name =
        bounded(&name, 2, 100).map_err(|problem| AppError::field("name", problem, &typed))?;
    if !matches!(location.trim(), "yard" | "exit") {
        return Err(AppError::field("location", Problem::UnknownChoice, &typed));
    }
    let (_, key) = devices::issue(&state, &gate.id, &name, location.trim(), user.user_id).await?;
    // The hydrated app shows the key from this answer; a plain form post is redirected,
    // so the key waits for the next page in a short-lived cookie.
    if request::from_plain_form() {
        request::set_cookie(DEVICE_KEY_COOKIE, &key, 120, state.settings.secure_cookies);
    }
    request::redirect(&format!("/gates/{}?device=1", gate.id));
    Ok(key)
}

/// Where a newly issued key waits to be shown once (HttpOnly, two minutes).
pub const DEVICE_KEY_COOKIE: &str = "bgp_new_device_key";

/// The key just issued, once: read and cleared (for pages rendered after a plain post).
#[server(endpoint = "take_new_device_key")]
pub async fn take_new_device_key() -> Result<Option<String>, AppError> {
    use crate::server::{request, sessions};
    let state = crate::server::state()?;
    sessions::require_user(&state).await?;
    let key = request::cookie(DEVICE_KEY_COOKIE);
    if key.is_some() {
        request::set_cookie(DEVICE_KEY_COOKIE, "", 0, state.settings.secure_cookies);
    }
    Ok(key)
}

#[server(endpoint = "revoke_device")]
pub async fn revoke_device(gate_id: String, device_id: String) -> Result<(), AppError> {
    use super::parse_id;
    use crate::server::{devices, gates, request, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let gate = gates::require_admin(&state, &user, gate_id.trim()).await?;
    if !devices::revoke(&state, &gate.id, parse_id(&device_id)?).await? {
        return Err(AppError::NotFound);
    }
    request::redirect(&format!("/gates/{}", gate.id));
    Ok(())
}
