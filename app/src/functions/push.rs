//! Web push for the signed-in user: the portal's public key, turning notifications on
//! for this device (the browser's subscription, made by `public/push.js`), choosing what
//! each device is told, and turning a device off.

use crate::{domain::push::PushDevice, error::AppError};
use leptos::prelude::*;

/// The VAPID public key browsers subscribe with (base64url).
#[server(endpoint = "push_key")]
pub async fn push_key() -> Result<String, AppError> {
    let state = crate::server::state()?;
    Ok(crate::server::push::VapidKeys::load_or_create(&state.pool)
        .await?
        .public_key)
}

/// Stores this browser's subscription for the signed-in user, in the language the
/// portal shows them now.
#[server(endpoint = "subscribe_push")]
pub async fn subscribe_push(
    endpoint: String,
    p256dh: String,
    auth: String,
    #[server(default)] device: String,
) -> Result<String, AppError> {
    use crate::{
        components::language::LANGUAGE_COOKIE,
        domain::push::Subscription,
        server::{push, request, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        endpoint: &'a str,
        device: &'a str,
    }
    let subscription = Subscription::parse(&endpoint, &p256dh, &auth, &state.settings.push_policy)
        .map_err(|(field, problem)| {
            AppError::field(
                field,
                problem,
                &Typed {
                    endpoint: &endpoint,
                    device: &device,
                },
            )
        })?;
    let language = request::cookie(LANGUAGE_COOKIE).unwrap_or_else(|| "vi".into());
    let id = push::subscribe(&state, user.user_id, &subscription, &device, &language).await?;
    Ok(id.to_string())
}

#[server(endpoint = "get_push_devices")]
pub async fn get_push_devices() -> Result<Vec<PushDevice>, AppError> {
    let state = crate::server::state()?;
    let user = crate::server::sessions::require_user(&state).await?;
    crate::server::push::devices(&state, user.user_id).await
}

/// Sets what one device is told: one checkbox per topic (checked ones are sent).
#[server(endpoint = "set_push_topics")]
pub async fn set_push_topics(
    device_id: String,
    #[server(default)] booking: Option<String>,
    #[server(default)] reminder: Option<String>,
    #[server(default)] called_forward: Option<String>,
    #[server(default)] inspection: Option<String>,
    #[server(default)] cleared: Option<String>,
    #[server(default)] exited: Option<String>,
    #[server(default)] late: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        domain::push::Topic,
        server::{push, request, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let chosen = [
        booking,
        reminder,
        called_forward,
        inspection,
        cleared,
        exited,
        late,
    ];
    let topics: Vec<Topic> = Topic::ALL
        .into_iter()
        .zip(chosen)
        .filter(|(_, checked)| checked.is_some())
        .map(|(topic, _)| topic)
        .collect();
    if !push::set_topics(&state, user.user_id, super::parse_id(&device_id)?, &topics).await? {
        return Err(AppError::NotFound);
    }
    request::redirect("/account?push=saved");
    Ok(())
}

#[server(endpoint = "remove_push_device")]
pub async fn remove_push_device(device_id: String) -> Result<(), AppError> {
    use crate::server::{push, request, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    if !push::remove(&state, user.user_id, super::parse_id(&device_id)?).await? {
        return Err(AppError::NotFound);
    }
    request::redirect("/account");
    Ok(())
}
