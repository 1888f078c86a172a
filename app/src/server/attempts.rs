//! Throttling of every secret checked besides the sign-in password: the current password
//! before changing it, the second factor, a password reset code. Each is held to the
//! sign-in policy's counters (`domain::throttle::SignInPolicy`), shared by every server
//! process, under its own key per account (`second_factor:<account>`...), never as a
//! trusted device. As for sign-in, an attempt counts before its secret is checked (so
//! parallel guesses cannot outrun the count) and a success takes its hit back.

use super::{AppState, request, throttle};
use crate::{
    domain::throttle::{Attempt, SignInPolicy},
    error::AppError,
};

/// One throttled check, let through (and counted): say how it went.
pub struct Guard<'a> {
    state: &'a AppState,
    taken: throttle::Taken,
}

/// What is being checked; part of the counters' key.
#[derive(Debug, Clone, Copy)]
pub enum Secret {
    CurrentPassword,
    SecondFactor,
    ResetCode,
}

impl Secret {
    fn name(self) -> &'static str {
        match self {
            Secret::CurrentPassword => "current_password",
            Secret::SecondFactor => "second_factor",
            Secret::ResetCode => "reset_code",
        }
    }
}

/// Lets a check of `secret` for `account` go ahead (counting it), or refuses it with
/// how long to wait (429, recorded in the security log).
pub async fn guard<'a>(
    state: &'a AppState,
    secret: Secret,
    account: &str,
) -> Result<Guard<'a>, AppError> {
    let key = format!("{}:{account}", secret.name());
    let attempt = Attempt {
        account: &key,
        address: request::client_address(),
        trusted_device: false,
    };
    let who = throttle::Who {
        account: None,
        address: attempt.address,
    };
    let taken = throttle::take(state, &SignInPolicy::default().counters(attempt), who).await?;
    Ok(Guard { state, taken })
}

impl Guard<'_> {
    /// A wrong secret: it was counted when the check was let through.
    pub fn failed(self) {}

    /// A right secret takes its hit back, as a successful sign-in does.
    pub async fn passed(self) -> Result<(), AppError> {
        self.state
            .throttle
            .settle(&self.taken, |scope| {
                Some(SignInPolicy::after_success(scope))
            })
            .await
    }
}
