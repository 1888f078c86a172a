//! A person's own account: changing the password, their sessions, the second factor
//! (setting it up, and the second step of signing in).

use crate::{
    error::AppError,
    models::{
        SessionUser,
        account::{
            IssuedResetCode, SecondFactorSetup, SecondFactorStatus, SessionInfo, StaffMember,
        },
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
    let guard = attempts::guard(&state, Secret::CurrentPassword, &user.user_id.to_string()).await?;
    if !state
        .passwords
        .verify(&current_password, Some(&hash))
        .await?
    {
        guard.failed();
        return Err(refuse("current_password", Problem::PasswordWrong));
    }
    guard.passed().await?;
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
    let guard = attempts::guard(&state, Secret::SecondFactor, &user.user_id.to_string()).await?;
    let Some(codes) = second_factor::confirm(&state, user.user_id, &code).await? else {
        guard.failed();
        return Err(refuse("code", Problem::SecondFactorWrong));
    };
    guard.passed().await?;
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
    )
    .await?;
    match second_factor::verify(&state, pending.user.user_id, &code).await? {
        Verdict::Accepted => guard.passed().await?,
        Verdict::Wrong => {
            guard.failed();
            return Err(refuse("code", Problem::SecondFactorWrong));
        }
        // A right code given twice is no guess: it does not count against the account.
        Verdict::AlreadyUsed => {
            guard.passed().await?;
            return Err(refuse("code", Problem::SecondFactorUsed));
        }
    }
    sessions::start(&state, &pending.user, SignInStage::Complete).await?;
    request::redirect(pending.user.role.home_path());
    Ok(pending.user)
}

/// Where a newly issued reset code waits to be shown once after a plain form post
/// (HttpOnly, two minutes, cleared when shown).
pub const RESET_CODE_COOKIE: &str = "bgp_new_reset_code";

/// Issues a one-time code for a person who forgot their password (a firm admin for the
/// firm's people, a gate admin for the officers at their gates, a platform admin for
/// officers and gate admins). The code is returned once; the previous one stops working.
#[server(endpoint = "issue_reset_code")]
pub async fn issue_reset_code(person_id: String) -> Result<IssuedResetCode, AppError> {
    use super::parse_id;
    use crate::{
        domain::{codes::grouped, role::Role},
        server::{request, reset_codes, sessions},
    };
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    if !matches!(
        user.role,
        Role::FirmAdmin | Role::GateAdmin | Role::PlatformAdmin
    ) {
        return Err(AppError::Forbidden);
    }
    let person_id = parse_id(&person_id)?;
    let (code, expires_at) = reset_codes::issue(&state, &user, person_id).await?;
    let issued = IssuedResetCode {
        person_id,
        code: grouped(&code),
        expires_at: expires_at.timestamp(),
    };
    // The hydrated page shows the code from this answer; a plain form post is
    // redirected, so the code waits for the next page in a short-lived cookie.
    if request::from_plain_form() {
        request::set_cookie(
            RESET_CODE_COOKIE,
            &format!("{}.{}.{}", issued.person_id, issued.code, issued.expires_at),
            120,
            state.settings.secure_cookies,
        );
    }
    request::redirect(if user.role.belongs_to_firm() {
        "/people?reset_code=1"
    } else {
        "/staff?reset_code=1"
    });
    Ok(issued)
}

/// The reset code just issued, once: read and cleared (for the page after a plain post).
#[server(endpoint = "take_new_reset_code")]
pub async fn take_new_reset_code() -> Result<Option<IssuedResetCode>, AppError> {
    use crate::server::{request, sessions};
    let state = crate::server::state()?;
    sessions::require_user(&state).await?;
    let Some(cookie) = request::cookie(RESET_CODE_COOKIE) else {
        return Ok(None);
    };
    request::set_cookie(RESET_CODE_COOKIE, "", 0, state.settings.secure_cookies);
    let mut parts = cookie.splitn(3, '.');
    let (Some(person), Some(code), Some(expires)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    Ok(match (person.parse(), expires.parse()) {
        (Ok(person_id), Ok(expires_at)) => Some(IssuedResetCode {
            person_id,
            code: code.to_string(),
            expires_at,
        }),
        _ => None,
    })
}

/// The officers and gate admins whose password the signed-in gate or platform admin
/// may reset.
#[server(endpoint = "list_staff")]
pub async fn list_staff() -> Result<Vec<StaffMember>, AppError> {
    use crate::server::{reset_codes, sessions};
    let state = crate::server::state()?;
    let user = sessions::require_user(&state).await?;
    reset_codes::staff(&state, &user).await
}

/// Sets a new password with a reset code an administrator gave: the person names their
/// account by phone or e-mail. Wrong codes are throttled and, past a few, void the code.
/// Every session of the account ends; the person is then signed in (or asked for their
/// second factor, as at any sign-in).
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    identifier: String,
    code: String,
    new_password: String,
) -> Result<SessionUser, AppError> {
    use crate::{
        domain::{
            Problem,
            codes::ResetCode,
            contact::SignInName,
            form::FieldErrors,
            password::{AccountWords, NewPassword},
        },
        server::{
            accounts,
            attempts::{self, Secret},
            passwords, people, request, reset_codes, sessions,
        },
    };
    #[derive(serde::Serialize)]
    struct Typed<'a> {
        identifier: &'a str,
    }
    let typed = Typed {
        identifier: &identifier,
    };
    let mut errors = FieldErrors::default();
    let name = errors.take("identifier", SignInName::parse(&identifier));
    let reset_code = errors.take("code", ResetCode::parse(&code));
    // What needs no account first; its own words once it is known.
    errors.take(
        "new_password",
        NewPassword::choose(&new_password, passwords::common(), &AccountWords::default()),
    );
    let (Some(name), Some(reset_code), true) = (name, reset_code, errors.is_empty()) else {
        return Err(AppError::invalid(errors, &typed));
    };
    let state = crate::server::state()?;
    let guard = attempts::guard(&state, Secret::ResetCode, name.key()).await?;
    let account = people::find_for_sign_in(&state, &name).await?;
    let checked = match &account {
        Some(account) => reset_codes::check(&state, account.user_id, &reset_code).await?,
        None => None,
    };
    let (Some(account), Some(code_id)) = (account, checked) else {
        guard.failed();
        return Err(AppError::field("code", Problem::ResetCodeInvalid, &typed));
    };
    guard.passed().await?;
    let (_, words) = accounts::of(&state, account.user_id)
        .await?
        .ok_or(AppError::Internal)?;
    let password = NewPassword::choose(&new_password, passwords::common(), &words.words())
        .map_err(|problem| AppError::field("new_password", problem, &typed))?;
    let hash = state.passwords.hash(&password).await?;
    if !reset_codes::redeem(&state, code_id, account.user_id, &hash).await? {
        return Err(AppError::field("code", Problem::ResetCodeInvalid, &typed));
    }
    let (user, stage) = sessions::sign_in(&state, account.user_id).await?;
    request::redirect(stage.next_path(user.role));
    Ok(user)
}
