//! A person's own account: changing the password, their sessions, the second factor
//! (setting it up, and the second step of signing in).

use crate::{
    error::AppError,
    models::{
        SessionUser,
        account::{SecondFactorSetup, SecondFactorStatus, SessionInfo},
    },
};
use leptos::prelude::*;

/// Nothing typed into these forms is echoed back: they hold only secrets.
#[cfg(feature = "ssr")]
#[derive(serde::Serialize)]
struct NothingTyped {}

#[cfg(feature = "ssr")]
fn refuse(field: &str, problem: crate::domain::Problem) -> AppError {
    AppError::field(field, problem, &NothingTyped {})
}

/// Where a newly made set of recovery codes waits to be shown once after a plain form
/// post (HttpOnly, five minutes, cleared when shown).
pub const RECOVERY_CODES_COOKIE: &str = "bgp_new_recovery_codes";

/// Changes the signed-in person's password. The current one is asked again (throttled
/// like signing in); the new one follows the rules of a new password. Every other
/// session of the account ends; returns how many did.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<u64, AppError> {
    use crate::{
        domain::{Problem, password::NewPassword},
        server::{
            accounts,
            attempts::{self, Secret},
            passwords, request, sessions,
        },
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let current_session = sessions::claimed_session(&state).map(|(_, session)| session);
    let (hash, words) = accounts::of(&state, user.user_id)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    let guard = attempts::guard(&state, Secret::CurrentPassword, &user.user_id.to_string())?;
    if !state
        .passwords
        .verify(&current_password, Some(&hash))
        .await?
    {
        guard.failed();
        return Err(refuse("current_password", Problem::PasswordWrong));
    }
    guard.passed();
    let password = NewPassword::choose(&new_password, passwords::common(), &words.words())
        .map_err(|problem| refuse("new_password", problem))?;
    let hash = state.passwords.hash(&password).await?;
    let ended = accounts::set_password(&state, user.user_id, &hash, current_session).await?;
    request::redirect(&format!("/account?password_changed={ended}"));
    Ok(ended)
}

/// The signed-in person's open sessions, this one marked.
#[server(endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::server::sessions;
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let current = sessions::claimed_session(&state)
        .map(|(_, session)| session)
        .ok_or(AppError::NotSignedIn)?;
    sessions::list(&state, user.user_id, current).await
}

/// Ends one of the signed-in person's sessions (another person's is `NotFound`).
/// Ending this very session signs out.
#[server(endpoint = "end_session")]
pub async fn end_session(session_id: String) -> Result<(), AppError> {
    use super::parse_id;
    use crate::server::{request, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let session_id = parse_id(&session_id)?;
    let current = sessions::claimed_session(&state).map(|(_, session)| session);
    if current == Some(session_id) {
        sessions::end(&state).await?;
        request::redirect("/");
        return Ok(());
    }
    if !sessions::end_one(&state, user.user_id, session_id).await? {
        return Err(AppError::NotFound);
    }
    request::redirect("/account?session_ended=1");
    Ok(())
}

/// Signs out everywhere but here; returns how many sessions ended.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use crate::server::{request, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    let current = sessions::claimed_session(&state).map(|(_, session)| session);
    let ended = sessions::end_others(&state.pool, user.user_id, current).await?;
    request::redirect(&format!("/account?sessions_ended={ended}"));
    Ok(ended)
}

/// Whether the signed-in person has a second factor.
#[server(endpoint = "second_factor_status")]
pub async fn get_second_factor_status() -> Result<SecondFactorStatus, AppError> {
    use crate::server::{second_factor, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    Ok(SecondFactorStatus {
        set_up: second_factor::is_set_up(&state, user.user_id).await?,
        required: user.role.requires_second_factor(),
        recovery_codes_left: second_factor::recovery_codes_left(&state, user.user_id).await?,
    })
}

/// Who may set up a second factor now: the signed-in person, or one whose sign-in waits
/// for exactly that (their role requires one and they have none). The second value is
/// true for the latter.
#[cfg(feature = "ssr")]
async fn setting_up(state: &crate::server::AppState) -> Result<(SessionUser, bool), AppError> {
    use crate::{domain::session::SignInStage, server::sessions};
    if let Some(user) = sessions::current_user(state).await? {
        return Ok((user, false));
    }
    match sessions::pending_sign_in(state).await? {
        Some(pending) if pending.stage == SignInStage::Enrolment => Ok((pending.user, true)),
        _ => Err(AppError::NotSignedIn),
    }
}

/// A new authenticator to put into the app (the same one until it is confirmed).
#[server(endpoint = "begin_second_factor")]
pub async fn begin_second_factor() -> Result<SecondFactorSetup, AppError> {
    use crate::server::{accounts, second_factor};
    let state = crate::server::state()?;
    let (user, signing_in) = setting_up(&state).await?;
    let (_, words) = accounts::of(&state, user.user_id)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    let label = words
        .email
        .map(|email| email.to_string())
        .or_else(|| words.phone.map(|phone| phone.to_string()))
        .unwrap_or(words.full_name);
    let setup = second_factor::begin(&state, user.user_id, &label).await?;
    Ok(SecondFactorSetup {
        qr_svg: setup.qr_svg,
        secret_text: setup.secret_text,
        replaces: setup.replaces,
        signing_in,
    })
}

/// Confirms the new authenticator with a code it shows. It becomes the account's second
/// factor, with ten new recovery codes, returned once (after a plain form post they wait
/// in a short-lived cookie for the next page). A sign-in that waited for this is
/// complete.
#[server(endpoint = "confirm_second_factor")]
pub async fn confirm_second_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::{
        domain::{
            Problem,
            codes::{SecondFactorCode, grouped},
            session::SignInStage,
        },
        server::{
            attempts::{self, Secret},
            request, second_factor, sessions,
        },
    };
    let state = crate::server::state()?;
    let (user, signing_in) = setting_up(&state).await?;
    let code = SecondFactorCode::parse_totp(&code).map_err(|problem| refuse("code", problem))?;
    let guard = attempts::guard(&state, Secret::SecondFactor, &user.user_id.to_string())?;
    let Some(codes) = second_factor::confirm(&state, user.user_id, &code).await? else {
        guard.failed();
        return Err(refuse("code", Problem::SecondFactorWrong));
    };
    guard.passed();
    let codes: Vec<String> = codes.iter().map(|code| grouped(code)).collect();
    if signing_in {
        sessions::start(&state, &user, SignInStage::Complete).await?;
    }
    if request::from_plain_form() {
        request::set_cookie(
            RECOVERY_CODES_COOKIE,
            &codes.join("."),
            300,
            state.settings.secure_cookies,
        );
    }
    request::redirect("/account/second-factor?done=1");
    Ok(codes)
}

/// The recovery codes just made, once: read and cleared (for the page after a plain post).
#[server(endpoint = "take_new_recovery_codes")]
pub async fn take_new_recovery_codes() -> Result<Option<Vec<String>>, AppError> {
    use crate::server::{request, sessions};
    let state = crate::server::state()?;
    sessions::require_user(&state).await?;
    let codes = request::cookie(RECOVERY_CODES_COOKIE);
    if codes.is_some() {
        request::set_cookie(RECOVERY_CODES_COOKIE, "", 0, state.settings.secure_cookies);
    }
    Ok(codes.map(|codes| codes.split('.').map(str::to_string).collect()))
}

/// The second step of signing in: the authenticator's current code, or a recovery code.
/// Wrong codes are throttled like passwords; a code already used is refused.
#[server(endpoint = "verify_second_factor")]
pub async fn verify_second_factor(code: String) -> Result<SessionUser, AppError> {
    use crate::{
        domain::{Problem, codes::SecondFactorCode, session::SignInStage},
        server::{
            attempts::{self, Secret},
            request,
            second_factor::{self, Verdict},
            sessions,
        },
    };
    let state = crate::server::state()?;
    let pending = sessions::pending_sign_in(&state)
        .await?
        .filter(|pending| pending.stage == SignInStage::SecondFactor)
        .ok_or(AppError::NotSignedIn)?;
    let code = SecondFactorCode::parse(&code).map_err(|problem| refuse("code", problem))?;
    let guard = attempts::guard(
        &state,
        Secret::SecondFactor,
        &pending.user.user_id.to_string(),
    )?;
    match second_factor::verify(&state, pending.user.user_id, &code).await? {
        Verdict::Accepted => guard.passed(),
        Verdict::Wrong => {
            guard.failed();
            return Err(refuse("code", Problem::SecondFactorWrong));
        }
        Verdict::AlreadyUsed => return Err(refuse("code", Problem::SecondFactorUsed)),
    }
    sessions::start(&state, &pending.user, SignInStage::Complete).await?;
    request::redirect(pending.user.role.home_path());
    Ok(pending.user)
}
