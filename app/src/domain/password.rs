//! Choosing a password (NIST SP 800-63B 3.1.1.2): long enough, not one of the passwords
//! attackers try first, and not something the account already shows to everyone (its
//! e-mail, phone, the person's or the firm's name).
//!
//! The list of common passwords is data (`app/data/common-passwords.txt`) that only the
//! server loads (`server::passwords::common`); the rule here takes it as a value, so it
//! stays testable and the list never reaches the browser.

use super::{
    Problem,
    contact::{Email, Phone},
};
use std::collections::HashSet;

/// A password as chosen, before hashing. Length is what makes a password strong: at
/// least 8 characters, at most 128, any characters, never trimmed.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: u32 = 8;
    pub const MAX: u32 = 128;

    /// Checks the length only: for passwords that are not chosen by a person (demo and
    /// test accounts), or before the account's own words are known.
    pub fn parse(input: &str) -> Result<NewPassword, Problem> {
        let length = input.chars().count() as u32;
        if length == 0 {
            Err(Problem::Required)
        } else if length < Self::MIN {
            Err(Problem::PasswordTooShort { min: Self::MIN })
        } else if length > Self::MAX {
            Err(Problem::PasswordTooLong { max: Self::MAX })
        } else {
            Ok(NewPassword(input.to_string()))
        }
    }

    /// A password a person chose for `account`: long enough, not common, and not one of
    /// the account's own words.
    pub fn choose(
        input: &str,
        common: &CommonPasswords,
        account: &AccountWords<'_>,
    ) -> Result<NewPassword, Problem> {
        let password = NewPassword::parse(input)?;
        if common.contains(input) {
            return Err(Problem::PasswordCommon);
        }
        account.refuse(input)?;
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("NewPassword(..)")
    }
}

/// Passwords found in breaches, compared case-insensitively.
#[derive(Debug, Default, Clone)]
pub struct CommonPasswords(HashSet<String>);

impl CommonPasswords {
    /// One password a line; empty lines and lines starting with `#` are skipped.
    pub fn from_lines(text: &str) -> CommonPasswords {
        CommonPasswords(
            text.lines()
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_lowercase)
                .collect(),
        )
    }

    pub fn contains(&self, password: &str) -> bool {
        self.0.contains(&password.to_lowercase())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What an account shows of itself, which its password must not be.
#[derive(Debug, Default, Clone, Copy)]
pub struct AccountWords<'a> {
    pub email: Option<&'a Email>,
    pub phone: Option<&'a Phone>,
    pub person_name: Option<&'a str>,
    pub firm_name: Option<&'a str>,
}

impl AccountWords<'_> {
    /// Compared loosely: case, spaces, punctuation and Vietnamese tone marks aside
    /// (`nguyenthilan` is Nguyễn Thị Lan), a phone in any way it can be typed.
    fn refuse(&self, password: &str) -> Result<(), Problem> {
        let typed = loose(password);
        if let Some(email) = self.email {
            let local = email.as_str().split('@').next().unwrap_or_default();
            if typed == loose(email.as_str())
                || (local.chars().count() >= NewPassword::MIN as usize && typed == loose(local))
            {
                return Err(Problem::PasswordIsEmail);
            }
        }
        if let Some(phone) = self.phone
            && is_phone(password, phone)
        {
            return Err(Problem::PasswordIsPhone);
        }
        let same_as = |name: Option<&str>| name.is_some_and(|name| typed == loose(name));
        if same_as(self.person_name) {
            return Err(Problem::PasswordIsPersonName);
        }
        if same_as(self.firm_name) {
            return Err(Problem::PasswordIsFirmName);
        }
        Ok(())
    }
}

/// The phone itself, typed any way (`0912 345 678`, `+84912345678`), or its digits
/// without the country or trunk prefix (`912345678`).
fn is_phone(password: &str, phone: &Phone) -> bool {
    if Phone::parse(password).is_ok_and(|typed| &typed == phone) {
        return true;
    }
    let digits: String = password
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
        .collect();
    digits.len() >= NewPassword::MIN as usize
        && digits.bytes().all(|b| b.is_ascii_digit())
        && phone.as_str().ends_with(&digits)
}

/// Lower case, letters and digits only, Vietnamese letters without their marks.
fn loose(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(without_marks)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The base letter of a Vietnamese letter (`ễ` -> `e`, `đ` -> `d`); other characters as they are.
fn without_marks(letter: char) -> char {
    const GROUPS: [(&str, char); 7] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ìíỉĩị", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ùúủũụưừứửữự", 'u'),
        ("ỳýỷỹỵ", 'y'),
        ("đ", 'd'),
    ];
    GROUPS
        .iter()
        .find(|(marked, _)| marked.contains(letter))
        .map_or(letter, |(_, base)| *base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> CommonPasswords {
        CommonPasswords::from_lines("# a header line\n12345678\npassword\n\nqwertyuiop\n")
    }

    #[test]
    fn passwords_are_bounded_by_length() {
        assert_eq!(
            NewPassword::parse("short"),
            Err(Problem::PasswordTooShort { min: 8 })
        );
        assert!(NewPassword::parse("mật khẩu dài").is_ok());
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)),
            Err(Problem::PasswordTooLong { max: 128 })
        );
        assert_eq!(NewPassword::parse(""), Err(Problem::Required));
        assert_eq!(
            format!("{:?}", NewPassword::parse("secret-secret").unwrap()),
            "NewPassword(..)",
            "never logged"
        );
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        let common = common();
        assert_eq!(common.len(), 3, "comments and empty lines are skipped");
        for typed in ["12345678", "PASSWORD", "QwertyUiop"] {
            assert_eq!(
                NewPassword::choose(typed, &common, &AccountWords::default()),
                Err(Problem::PasswordCommon),
                "{typed}"
            );
        }
        assert!(NewPassword::choose("mat-khau-2026", &common, &AccountWords::default()).is_ok());
        assert_eq!(
            NewPassword::choose("1234", &common, &AccountWords::default()),
            Err(Problem::PasswordTooShort { min: 8 }),
            "length first"
        );
    }

    #[test]
    fn the_accounts_own_words_are_refused_loosely() {
        let email = Email::parse("lan.nguyen@huunghi.vn").unwrap();
        let phone = Phone::parse("0912 345 678").unwrap();
        let account = AccountWords {
            email: Some(&email),
            phone: Some(&phone),
            person_name: Some("Nguyễn Thị Lan"),
            firm_name: Some("Công ty TNHH Vận tải Hữu Nghị"),
        };
        let choose =
            |typed: &str| NewPassword::choose(typed, &CommonPasswords::default(), &account);
        for typed in [
            "Lan.Nguyen@HuuNghi.vn",
            " lan.nguyen@huunghi.vn ",
            "lan.nguyen",
        ] {
            assert_eq!(choose(typed), Err(Problem::PasswordIsEmail), "{typed}");
        }
        for typed in [
            "0912345678",
            "0912 345 678",
            "+84 912 345 678",
            "84912345678",
            "912345678",
        ] {
            assert_eq!(choose(typed), Err(Problem::PasswordIsPhone), "{typed}");
        }
        for typed in ["nguyen thi lan", "NguyenThiLan", "Nguyễn Thị Lan"] {
            assert_eq!(choose(typed), Err(Problem::PasswordIsPersonName), "{typed}");
        }
        assert_eq!(
            choose("cong ty tnhh van tai huu nghi"),
            Err(Problem::PasswordIsFirmName)
        );
        for typed in [
            "huunghi-2026",
            "0912345679",
            "lan.nguyen-2026",
            "nguyen-thi-lan-2026",
        ] {
            assert!(
                choose(typed).is_ok(),
                "{typed} is only like the account's words"
            );
        }
    }

    #[test]
    fn a_short_email_name_is_not_a_word_to_refuse_alone() {
        let email = Email::parse("lan@x.vn").unwrap();
        let account = AccountWords {
            email: Some(&email),
            ..AccountWords::default()
        };
        assert!(NewPassword::choose("lanlanlan", &CommonPasswords::default(), &account).is_ok());
        assert_eq!(
            NewPassword::choose("LAN@X.VN", &CommonPasswords::default(), &account),
            Err(Problem::PasswordIsEmail)
        );
    }
}
