//! Signing in and out, and who is signed in.

use crate::{error::AppError, models::SessionUser};
use leptos::prelude::*;

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let state = crate::server::state()?;
    crate::server::sessions::current_user(&state).await
}

/// Signs in with an e-mail address or a phone number. Failed attempts are throttled per
/// account and address (see `server::rate_limit`); a throttled attempt is refused before
/// its password is even checked.
#[server(endpoint = "login")]
pub async fn login(identifier: String, password: String) -> Result<SessionUser, AppError> {
    use crate::{
        domain::contact::SignInName,
        server::{people, rate_limit::Attempt, request, sessions},
    };
    use std::time::Instant;

    #[derive(serde::Serialize)]
    struct Typed<'a> {
        identifier: &'a str,
    }
    let name = SignInName::parse(&identifier).map_err(|problem| {
        AppError::field(
            "identifier",
            problem,
            &Typed {
                identifier: &identifier,
            },
        )
    })?;
    let state = crate::server::state()?;
    let account = people::find_for_sign_in(&state, &name).await?;
    let attempt = Attempt {
        account: name.key(),
        address: request::client_address(),
        trusted_device: account
            .as_ref()
            .is_some_and(|account| sessions::is_trusted_device(&state, account.user_id)),
    };
    state
        .login_limiter
        .check(attempt, Instant::now())
        .map_err(|wait| AppError::TooManyAttempts {
            retry_after_seconds: wait.as_secs().max(1),
        })?;

    let verified = state
        .passwords
        .verify(
            &password,
            account
                .as_ref()
                .map(|account| account.password_hash.as_str()),
        )
        .await?;
    let Some(account) = account.filter(|_| verified) else {
        state.login_limiter.record_failure(attempt, Instant::now());
        return Err(AppError::WrongCredentials);
    };
    state.login_limiter.record_success(attempt);
    // Officers and admins (and anyone who set one up) still owe the second factor.
    let (user, stage) = sessions::sign_in(&state, account.user_id).await?;
    request::redirect(stage.next_path(user.role));
    Ok(user)
}

/// Signs out, and removes this browser's push subscriptions: the next person to use a
/// shared phone gets none of the last one's notifications.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = crate::server::state()?;
    crate::server::push::forget_this_browser(&state).await?;
    crate::server::sessions::end(&state).await?;
    crate::server::request::redirect("/");
    Ok(())
}
