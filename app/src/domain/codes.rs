//! One-time codes people type: a password reset code an administrator gave them, the
//! six digits of their authenticator app (TOTP, RFC 6238), or one of their recovery
//! codes. Typed loosely (any case, spaces and dashes, full-width digits), parsed here
//! into one shape; what they are checked against is the server's business.

use super::{Problem, text::fold_full_width};

/// The characters of reset and recovery codes: no 0/O, 1/I/L, so a code read out over
/// a phone or copied from a screen is not mistyped.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 8 characters of 31: about 40 bits, against at most [`RESET_CODE_MAX_FAILURES`]
/// guesses while it works (`RESET_CODE_MINUTES`).
pub const RESET_CODE_LENGTH: usize = 8;
/// After this many wrong codes for an account its reset code is void.
pub const RESET_CODE_MAX_FAILURES: i32 = 5;
/// 10 characters of 31: about 50 bits each.
pub const RECOVERY_CODE_LENGTH: usize = 10;
/// How many recovery codes a person gets when they set up a second factor.
pub const RECOVERY_CODES: usize = 10;
/// Digits of an authenticator code.
pub const TOTP_DIGITS: usize = 6;

/// Upper case, without spaces, dashes and dots, full-width characters folded.
fn compact(input: &str) -> String {
    fold_full_width(input)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '\t'))
        .flat_map(char::to_uppercase)
        .collect()
}

fn in_alphabet(code: &str, length: usize) -> bool {
    code.len() == length && code.bytes().all(|b| ALPHABET.contains(&b))
}

/// A reset code as typed, in its one stored form (`K7MP-3QXA` is `K7MP3QXA`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetCode(String);

impl ResetCode {
    pub fn parse(input: &str) -> Result<ResetCode, Problem> {
        let code = compact(input);
        if code.is_empty() {
            Err(Problem::Required)
        } else if in_alphabet(&code, RESET_CODE_LENGTH) {
            Ok(ResetCode(code))
        } else {
            Err(Problem::ResetCodeInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the second step of a sign-in accepts: the authenticator's current code, or a
/// recovery code when the phone with the authenticator is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorCode {
    Totp(String),
    Recovery(String),
}

impl SecondFactorCode {
    pub fn parse(input: &str) -> Result<SecondFactorCode, Problem> {
        let code = compact(input);
        if code.is_empty() {
            Err(Problem::Required)
        } else if code.len() == TOTP_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(SecondFactorCode::Totp(code))
        } else if in_alphabet(&code, RECOVERY_CODE_LENGTH) {
            Ok(SecondFactorCode::Recovery(code))
        } else {
            Err(Problem::SecondFactorWrong)
        }
    }

    /// Only an authenticator code, for confirming a new authenticator.
    pub fn parse_totp(input: &str) -> Result<String, Problem> {
        match SecondFactorCode::parse(input)? {
            SecondFactorCode::Totp(code) => Ok(code),
            SecondFactorCode::Recovery(_) => Err(Problem::SecondFactorWrong),
        }
    }
}

/// A code as shown to a person, in groups they can read out (`K7MP-3QXA`,
/// `K7MP3-QXA92`).
pub fn grouped(code: &str) -> String {
    let half = code.len().div_ceil(2);
    if code.len() >= 8 && code.is_char_boundary(half) {
        format!("{}-{}", &code[..half], &code[half..])
    } else {
        code.to_string()
    }
}

/// RFC 6238 5.2: a code is accepted once. The authenticator's codes come one per time
/// step; after one of step `last` was accepted, only a code of a later step is.
pub fn accepts_step(last: Option<i64>, step: i64) -> bool {
    last.is_none_or(|last| step > last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_codes_are_typed_loosely() {
        for typed in ["K7MP-3QXA", "k7mp 3qxa", " K7MP3QXA ", "Ｋ７ＭＰ３ＱＸＡ"] {
            assert_eq!(
                ResetCode::parse(typed).unwrap().as_str(),
                "K7MP3QXA",
                "{typed}"
            );
        }
        assert_eq!(ResetCode::parse(""), Err(Problem::Required));
        for typed in ["K7MP-3QX", "K7MP-3QXA9", "K0MP-3QXA", "K7MP-3QX!"] {
            assert_eq!(
                ResetCode::parse(typed),
                Err(Problem::ResetCodeInvalid),
                "{typed}"
            );
        }
    }

    #[test]
    fn the_second_step_takes_six_digits_or_a_recovery_code() {
        assert_eq!(
            SecondFactorCode::parse("123 456"),
            Ok(SecondFactorCode::Totp("123456".into()))
        );
        assert_eq!(
            SecondFactorCode::parse("k7mp3-qxa92"),
            Ok(SecondFactorCode::Recovery("K7MP3QXA92".into()))
        );
        assert_eq!(SecondFactorCode::parse(" "), Err(Problem::Required));
        for typed in ["12345", "1234567", "12345a", "K7MP3QXA9"] {
            assert_eq!(
                SecondFactorCode::parse(typed),
                Err(Problem::SecondFactorWrong),
                "{typed}"
            );
        }
        assert_eq!(
            SecondFactorCode::parse_totp("K7MP3QXA92"),
            Err(Problem::SecondFactorWrong),
            "setting up takes the authenticator's code"
        );
    }

    #[test]
    fn codes_are_shown_in_two_groups() {
        assert_eq!(grouped("K7MP3QXA"), "K7MP-3QXA");
        assert_eq!(grouped("K7MP3QXA92"), "K7MP3-QXA92");
        assert_eq!(grouped("123456"), "123456");
    }

    #[test]
    fn a_code_is_accepted_once_and_never_an_older_one() {
        assert!(accepts_step(None, 100));
        assert!(accepts_step(Some(99), 100));
        assert!(!accepts_step(Some(100), 100), "the same code again");
        assert!(
            !accepts_step(Some(101), 100),
            "the previous step's code after a newer one"
        );
    }
}
