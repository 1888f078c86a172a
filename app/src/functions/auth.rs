//! Signing in and out, and who is signed in.

use crate::{error::AppError, models::SessionUser};
use leptos::prelude::*;

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let state = crate::server::state()?;
    crate::server::sessions::current_user(&state).await
}

/// Signs in with an e-mail address or a phone number. Failed attempts are throttled per
/// account and address (see `domain::throttle`), in counters every server process
/// shares; a throttled attempt is refused before its password is even checked. Failures
/// and throttling are recorded in the security log.
#[server(endpoint = "login")]
pub async fn login(identifier: String, password: String) -> Result<SessionUser, AppError> {
    use crate::{
        domain::{
            contact::SignInName,
            security::EventKind,
            throttle::{Attempt, SignInPolicy},
        },
        server::{people, request, security_events, sessions, throttle},
    };

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
    let known = account.as_ref().map(|account| account.user_id);
    let who = throttle::Who {
        account: known,
        address: attempt.address,
    };
    let taken = throttle::take(&state, &SignInPolicy::default().counters(attempt), who).await?;

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
        let detail = if known.is_some() {
            "wrong_password"
        } else {
            "unknown_account"
        };
        security_events::record_here(&state, EventKind::SignInFailed, known, detail);
        return Err(AppError::WrongCredentials);
    };
    state
        .throttle
        .settle(&taken, |scope| Some(SignInPolicy::after_success(scope)))
        .await?;
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
