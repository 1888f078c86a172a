//! The second factor of a sign-in: an authenticator app (TOTP, RFC 6238: HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of clock skew either side), and ten recovery
//! codes for when the phone is lost. The arithmetic is `totp-rs`'s; the secrets are
//! sealed with [`AccountKeys`](super::account_keys::AccountKeys); the rule that a code
//! counts once is `domain::codes::accepts_step`, made atomic by a conditional update.

use super::{
    AppState,
    account_keys::{CodeUse, new_code},
};
use crate::{
    domain::codes::{RECOVERY_CODE_LENGTH, RECOVERY_CODES, SecondFactorCode, accepts_step},
    error::AppError,
};
use rand::RngCore;
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

/// The name authenticator apps show beside the code.
pub const ISSUER: &str = "Lang Son Border Gate";
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

fn totp(secret: Vec<u8>) -> Result<Totp, AppError> {
    Builder::new().with_secret(secret).build().map_err(|error| {
        tracing::error!(%error, "a TOTP secret was refused");
        AppError::Internal
    })
}

/// The authenticator's code for `secret` at `unix_seconds` (for tests and the demo).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> Result<String, AppError> {
    Ok(totp(secret.to_vec())?.generate(unix_seconds).to_string())
}

/// The secret of a Base32 text as authenticator apps take it.
pub fn secret_from_base32(text: &str) -> Option<Vec<u8>> {
    Secret::try_from_base32(text)
        .ok()
        .map(|secret| secret.as_ref().to_vec())
}

fn now() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// Whether the account has a working second factor.
pub async fn is_set_up(state: &AppState, user_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from second_factors where user_id = $1 and secret is not null)",
    )
    .bind(user_id)
    .fetch_one(&state.pool)
    .await?)
}

/// A new authenticator being set up: what to put into the app.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The secret in Base32, in groups of four, to type when the QR code cannot be scanned.
    pub secret_text: String,
    /// `otpauth://totp/...` as an SVG QR code.
    pub qr_svg: String,
    /// Whether a working second factor is already set up (this one would replace it).
    pub replaces: bool,
}

/// Starts (or shows again) setting up an authenticator for `user_id`, labelled
/// `account_label` in the app. The secret stays pending until a code of it is typed.
pub async fn begin(
    state: &AppState,
    user_id: Uuid,
    account_label: &str,
) -> Result<Setup, AppError> {
    let mut fresh = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut fresh);
    let (sealed, replaces): (Vec<u8>, bool) = sqlx::query_as(
        "insert into second_factors (user_id, pending_secret) values ($1, $2)
         on conflict (user_id) do update
           set pending_secret = coalesce(second_factors.pending_secret, excluded.pending_secret)
         returning pending_secret, secret is not null",
    )
    .bind(user_id)
    .bind(state.account_keys.seal(user_id, &fresh))
    .fetch_one(&state.pool)
    .await?;
    let secret = state
        .account_keys
        .open(user_id, &sealed)
        .ok_or_else(|| undecryptable(user_id))?;
    let text = Secret::from(secret).to_base32();
    Ok(Setup {
        secret_text: text
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        qr_svg: qr_svg(&otpauth_uri(&text, account_label))?,
        replaces,
    })
}

fn undecryptable(user_id: Uuid) -> AppError {
    tracing::error!(%user_id, "a second factor's secret does not decrypt");
    AppError::Internal
}

/// The key URI authenticator apps read (Google Authenticator's format).
fn otpauth_uri(secret_base32: &str, account_label: &str) -> String {
    let escape = |text: &str| {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (byte as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        issuer = escape(ISSUER),
        account = escape(account_label),
    )
}

fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| {
            tracing::error!(%error, "QR encoding failed");
            AppError::Internal
        })?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// Confirms the pending authenticator with a code it shows: it becomes the account's
/// second factor (replacing any earlier one) and the account gets ten new recovery
/// codes (the earlier ones stop working), returned once. `None` for a wrong code or
/// when nothing is being set up.
pub async fn confirm(
    state: &AppState,
    user_id: Uuid,
    code: &str,
) -> Result<Option<Vec<String>>, AppError> {
    let pending: Option<Vec<u8>> = sqlx::query_scalar(
        "select pending_secret from second_factors where user_id = $1 and pending_secret is not null",
    )
    .bind(user_id)
    .fetch_optional(&state.pool)
    .await?;
    let Some(sealed) = pending else {
        return Ok(None);
    };
    let secret = state
        .account_keys
        .open(user_id, &sealed)
        .ok_or_else(|| undecryptable(user_id))?;
    let Some(step) = totp(secret)?.check(code, now()) else {
        return Ok(None);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| new_code(RECOVERY_CODE_LENGTH))
        .collect();
    let mut transaction = state.pool.begin().await?;
    let confirmed = sqlx::query(
        "update second_factors
            set secret = pending_secret, pending_secret = null, confirmed_at = now(), last_step = $3
          where user_id = $1 and pending_secret = $2",
    )
    .bind(user_id)
    .bind(&sealed)
    .bind(step as i64)
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        == 1;
    if !confirmed {
        // Another request confirmed (or replaced) it in the meantime.
        return Ok(None);
    }
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query("insert into recovery_codes (user_id, code_hash) select $1, unnest($2::bytea[])")
        .bind(user_id)
        .bind(
            codes
                .iter()
                .map(|code| state.account_keys.digest(CodeUse::Recovery, user_id, code))
                .collect::<Vec<_>>(),
        )
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(Some(codes))
}

/// How a second step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Neither the current code nor an unused recovery code.
    Wrong,
    /// The right code, but it (or a later one) was already accepted.
    AlreadyUsed,
}

/// Checks the second step of a sign-in of `user_id`.
pub async fn verify(
    state: &AppState,
    user_id: Uuid,
    code: &SecondFactorCode,
) -> Result<Verdict, AppError> {
    match code {
        SecondFactorCode::Totp(digits) => {
            let row: Option<(Vec<u8>, Option<i64>)> = sqlx::query_as(
                "select secret, last_step from second_factors where user_id = $1 and secret is not null",
            )
            .bind(user_id)
            .fetch_optional(&state.pool)
            .await?;
            let Some((sealed, last_step)) = row else {
                return Ok(Verdict::Wrong);
            };
            let secret = state
                .account_keys
                .open(user_id, &sealed)
                .ok_or_else(|| undecryptable(user_id))?;
            let Some(step) = totp(secret)?.check(digits, now()).map(|step| step as i64) else {
                return Ok(Verdict::Wrong);
            };
            if !accepts_step(last_step, step) {
                return Ok(Verdict::AlreadyUsed);
            }
            // The same rule, atomic: of two requests with one code, one wins.
            let won = sqlx::query(
                "update second_factors set last_step = $2
                  where user_id = $1 and secret is not null and (last_step is null or last_step < $2)",
            )
            .bind(user_id)
            .bind(step)
            .execute(&state.pool)
            .await?
            .rows_affected()
                == 1;
            Ok(if won {
                Verdict::Accepted
            } else {
                Verdict::AlreadyUsed
            })
        }
        SecondFactorCode::Recovery(recovery) => {
            let used = sqlx::query(
                "update recovery_codes set used_at = now()
                  where user_id = $1 and code_hash = $2 and used_at is null
                    and exists (select 1 from second_factors f where f.user_id = $1 and f.secret is not null)",
            )
            .bind(user_id)
            .bind(state.account_keys.digest(CodeUse::Recovery, user_id, recovery))
            .execute(&state.pool)
            .await?
            .rows_affected()
                == 1;
            Ok(if used {
                Verdict::Accepted
            } else {
                Verdict::Wrong
            })
        }
    }
}

/// How many recovery codes of `user_id` are still unused.
pub async fn recovery_codes_left(state: &AppState, user_id: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "select count(*) from recovery_codes where user_id = $1 and used_at is null",
    )
    .bind(user_id)
    .fetch_one(&state.pool)
    .await?)
}

/// Gives `user_id` a working second factor with a known secret, no recovery codes: the
/// demo accounts' (documented in the README) and the tests'. Never for real accounts.
pub async fn set_up_with_secret(
    state: &AppState,
    user_id: Uuid,
    secret: &[u8],
) -> Result<(), AppError> {
    totp(secret.to_vec())?;
    sqlx::query(
        "insert into second_factors (user_id, secret, confirmed_at) values ($1, $2, now())
         on conflict (user_id) do update set secret = excluded.secret, confirmed_at = now(), pending_secret = null",
    )
    .bind(user_id)
    .bind(state.account_keys.seal(user_id, secret))
    .execute(&state.pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8 digits there; the last 6 here are the same code).
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(
                code_at(secret, time).unwrap(),
                &eight_digits[2..],
                "at {time}"
            );
        }
    }

    #[test]
    fn one_step_of_skew_either_side_and_no_more() {
        let secret = b"12345678901234567890".to_vec();
        let totp = totp(secret.clone()).unwrap();
        let now = 1_234_567_890;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(totp.check(&code, now), Some(now / 30));
        assert_eq!(totp.check(&code, now + 30), Some(now / 30), "a step late");
        assert_eq!(totp.check(&code, now - 30), Some(now / 30), "a step early");
        assert_eq!(totp.check(&code, now + 60), None);
        assert_eq!(totp.check(&code, now - 60), None);
    }

    #[test]
    fn the_key_uri_names_the_portal_and_the_account() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "lan@huunghi.example");
        assert_eq!(
            uri,
            "otpauth://totp/Lang%20Son%20Border%20Gate:lan@huunghi.example?secret=JBSWY3DPEHPK3PXP&issuer=Lang%20Son%20Border%20Gate&algorithm=SHA1&digits=6&period=30"
        );
        assert!(qr_svg(&uri).unwrap().starts_with("<?xml"));
    }

    #[test]
    fn base32_secrets_are_read() {
        assert_eq!(
            secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(),
            b"12345678901234567890"
        );
        assert_eq!(secret_from_base32("not base32!"), None);
    }
}
