//! Throttling of every secret checked besides the sign-in password: the current password
//! before changing it, the second factor, a password reset code. Each is counted by the
//! sign-in limiter (`state.login_limiter`) like a sign-in, under its own key per account
//! (`second_factor:<account>`...), never as a trusted device: these are the only calls
//! to the limiter outside `functions::auth::login`.

use super::{AppState, rate_limit::Attempt, request};
use crate::error::AppError;
use std::{net::IpAddr, time::Instant};

/// One throttled check, let through: say how it went.
pub struct Guard<'a> {
    state: &'a AppState,
    key: String,
    address: IpAddr,
}

/// What is being checked; part of the limiter's key.
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

/// Lets a check of `secret` for `account` go ahead, or refuses it with how long to wait.
pub fn guard<'a>(
    state: &'a AppState,
    secret: Secret,
    account: &str,
) -> Result<Guard<'a>, AppError> {
    let guard = Guard {
        state,
        key: format!("{}:{account}", secret.name()),
        address: request::client_address(),
    };
    guard
        .state
        .login_limiter
        .check(guard.attempt(), Instant::now())
        .map_err(|wait| AppError::TooManyAttempts {
            retry_after_seconds: wait.as_secs().max(1),
        })?;
    Ok(guard)
}

impl Guard<'_> {
    fn attempt(&self) -> Attempt<'_> {
        Attempt {
            account: &self.key,
            address: self.address,
            trusted_device: false,
        }
    }

    pub fn failed(self) {
        self.state
            .login_limiter
            .record_failure(self.attempt(), Instant::now());
    }

    pub fn passed(self) {
        self.state.login_limiter.record_success(self.attempt());
    }
}
