//! How people are reached and how they sign in: e-mail addresses and phone numbers.

use super::{Problem, text::fold_full_width};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An e-mail address, stored in lower case so that one person cannot hold two accounts
/// under `An@x.vn` and `an@x.vn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, Problem> {
        let address = input.trim().to_lowercase();
        if address.is_empty() {
            return Err(Problem::Required);
        }
        if address.chars().count() > 254 {
            return Err(Problem::TooLong { max: 254 });
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(Problem::EmailFormat);
        };
        let well_formed = !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !address.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
            });
        if well_formed {
            Ok(Email(address))
        } else {
            Err(Problem::EmailFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A phone number in E.164 form (`+84912345678`). Vietnamese numbers may be typed in the
/// national form (`0912 345 678`); any other country needs its `+` prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, Problem> {
        let folded = fold_full_width(input);
        let trimmed = folded.trim();
        if trimmed.is_empty() {
            return Err(Problem::Required);
        }
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        let digits: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
            .collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::PhoneFormat);
        }
        let full = if international {
            digits.strip_prefix("00").unwrap_or(&digits).to_string()
        } else if let Some(national) = digits.strip_prefix('0') {
            format!("84{national}")
        } else if digits.starts_with("84") && digits.len() >= 11 {
            digits
        } else {
            return Err(Problem::PhoneFormat);
        };
        let valid = if let Some(national) = full.strip_prefix("84") {
            // Mobiles have 9 digits after the 0 (09x, 03x, ...); landlines 10 (0205 ...).
            (9..=10).contains(&national.len()) && !national.starts_with(['0', '1'])
        } else if let Some(national) = full.strip_prefix("86") {
            // Mobiles 1xx xxxx xxxx; landlines an area code and number, 10 to 11 digits.
            (10..=11).contains(&national.len()) && !national.starts_with('0')
        } else {
            (8..=15).contains(&full.len()) && !full.starts_with('0')
        };
        if valid {
            Ok(Phone(format!("+{full}")))
        } else {
            Err(Problem::PhoneFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// How someone names their account at the sign-in form: staff by e-mail, drivers (and
/// anyone who prefers) by phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInName {
    Email(Email),
    Phone(Phone),
}

impl SignInName {
    pub fn parse(input: &str) -> Result<SignInName, Problem> {
        if input.contains('@') {
            Email::parse(input).map(SignInName::Email)
        } else {
            Phone::parse(input).map(SignInName::Phone)
        }
    }

    /// The key that login attempts are counted under.
    pub fn key(&self) -> &str {
        match self {
            SignInName::Email(email) => email.as_str(),
            SignInName::Phone(phone) => phone.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased() {
        assert_eq!(
            Email::parse("  An.Nguyen@HuuNghi-Logistics.VN ")
                .unwrap()
                .as_str(),
            "an.nguyen@huunghi-logistics.vn"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for typed in [
            "an",
            "an@",
            "@x.vn",
            "an@x",
            "an@@x.vn",
            "an nguyen@x.vn",
            "an@x..vn",
            "an@.x.vn",
        ] {
            assert_eq!(
                Email::parse(typed),
                Err(Problem::EmailFormat),
                "typed {typed:?}"
            );
        }
        assert_eq!(Email::parse(" "), Err(Problem::Required));
    }

    #[test]
    fn vietnamese_phones_in_any_form() {
        for typed in [
            "0912 345 678",
            "+84 912 345 678",
            "84912345678",
            "0084912345678",
            "091-234-5678",
            "(+84) 912.345.678",
        ] {
            assert_eq!(
                Phone::parse(typed).unwrap().as_str(),
                "+84912345678",
                "typed {typed:?}"
            );
        }
        assert_eq!(
            Phone::parse("0205 3870 123").unwrap().as_str(),
            "+842053870123",
            "Lang Son landline"
        );
    }

    #[test]
    fn chinese_and_other_phones_need_their_prefix() {
        assert_eq!(
            Phone::parse("+86 138 0771 2345").unwrap().as_str(),
            "+8613807712345"
        );
        assert_eq!(
            Phone::parse("+856 20 5555 1234").unwrap().as_str(),
            "+8562055551234"
        );
    }

    #[test]
    fn malformed_phones_are_refused() {
        for typed in [
            "12345",
            "0912 345",
            "09123456789012",
            "+84 0912345678",
            "0912-ABC-678",
            "+86 0771 1234",
        ] {
            assert_eq!(
                Phone::parse(typed),
                Err(Problem::PhoneFormat),
                "typed {typed:?}"
            );
        }
    }

    #[test]
    fn sign_in_name_is_email_or_phone() {
        assert_eq!(SignInName::parse("AN@x.vn").unwrap().key(), "an@x.vn");
        assert_eq!(
            SignInName::parse("0912345678").unwrap().key(),
            "+84912345678"
        );
        assert_eq!(SignInName::parse("nobody"), Err(Problem::PhoneFormat));
    }
}
