//! People of a firm: their identity papers, passwords, and the add-person form.

pub use super::password::NewPassword;
use super::{
    Problem,
    contact::{Email, Phone},
    form::FieldErrors,
    password::{AccountWords, CommonPasswords},
    role::Role,
    text::{bounded, fold_full_width},
};
use serde::{Deserialize, Serialize};

/// A citizen ID (CCCD, 12 digits), an old ID card (CMND, 9 digits) or a passport number:
/// 6 to 20 letters and digits, stored in upper case without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(input: &str) -> Result<IdNumber, Problem> {
        let compact: String = fold_full_width(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .flat_map(char::to_uppercase)
            .collect();
        if compact.is_empty() {
            Err(Problem::Required)
        } else if (6..=20).contains(&compact.len())
            && compact.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            Ok(IdNumber(compact))
        } else {
            Err(Problem::IdNumberFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The add-person form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PersonForm {
    pub role: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub id_number: String,
    pub password: String,
}

/// A person ready to be stored in the firm.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub role: Role,
    pub full_name: String,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub password: NewPassword,
}

impl PersonForm {
    /// Drivers sign in by phone and carry identity papers at the gate, so both are
    /// required of them; office staff sign in by e-mail. The password must not be common
    /// nor the person's e-mail, phone or name, nor the name of `firm_name`.
    pub fn parse(
        &self,
        common: &CommonPasswords,
        firm_name: Option<&str>,
    ) -> Result<NewPerson, FieldErrors> {
        let mut errors = FieldErrors::default();
        let role = errors.take(
            "role",
            Role::from_firm_form(&self.role).ok_or(Problem::UnknownChoice),
        );
        let full_name = errors.take("full_name", bounded(&self.full_name, 2, 200));
        let is_driver = role == Some(Role::Driver);
        let email = optional(&mut errors, "email", &self.email, !is_driver, Email::parse);
        let phone = optional(&mut errors, "phone", &self.phone, is_driver, Phone::parse);
        let id_number = optional(
            &mut errors,
            "id_number",
            &self.id_number,
            is_driver,
            IdNumber::parse,
        );
        let account = AccountWords {
            email: email.as_ref().and_then(Option::as_ref),
            phone: phone.as_ref().and_then(Option::as_ref),
            person_name: full_name.as_deref(),
            firm_name,
        };
        let password = errors.take(
            "password",
            NewPassword::choose(&self.password, common, &account),
        );
        match (role, full_name, email, phone, id_number, password) {
            (
                Some(role),
                Some(full_name),
                Some(email),
                Some(phone),
                Some(id_number),
                Some(password),
            ) => Ok(NewPerson {
                role,
                full_name,
                email,
                phone,
                id_number,
                password,
            }),
            _ => Err(errors),
        }
    }
}

/// Parses a field that may be left empty unless `required`; `Some(None)` is a valid
/// empty field, `None` a refused one.
pub fn optional<T>(
    errors: &mut FieldErrors,
    field: &str,
    input: &str,
    required: bool,
    parse: impl Fn(&str) -> Result<T, Problem>,
) -> Option<Option<T>> {
    if input.trim().is_empty() {
        if required {
            errors.add(field, Problem::Required);
            None
        } else {
            Some(None)
        }
    } else {
        errors.take(field, parse(input)).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver_form() -> PersonForm {
        PersonForm {
            role: "driver".into(),
            full_name: "Hoàng Văn Thụ".into(),
            email: String::new(),
            phone: "0912 345 678".into(),
            id_number: "020 190 001 234".into(),
            password: "tai-xe-2026".into(),
        }
    }

    #[test]
    fn id_numbers() {
        assert_eq!(
            IdNumber::parse("020 190 001 234").unwrap().as_str(),
            "020190001234"
        );
        assert_eq!(IdNumber::parse("c1234567").unwrap().as_str(), "C1234567");
        assert_eq!(IdNumber::parse("12345"), Err(Problem::IdNumberFormat));
        assert_eq!(IdNumber::parse("12345/678"), Err(Problem::IdNumberFormat));
    }

    fn parse(form: &PersonForm) -> Result<NewPerson, FieldErrors> {
        form.parse(
            &CommonPasswords::from_lines("12345678\n"),
            Some("Vận tải Hữu Nghị"),
        )
    }

    #[test]
    fn a_new_persons_password_is_neither_common_nor_their_own_words() {
        let problem_of = |password: &str| {
            let form = PersonForm {
                password: password.into(),
                ..driver_form()
            };
            parse(&form)
                .unwrap_err()
                .iter()
                .map(|error| (error.field.clone(), error.problem))
                .collect::<Vec<_>>()
        };
        let password = |problem| vec![("password".to_string(), problem)];
        assert_eq!(problem_of("12345678"), password(Problem::PasswordCommon));
        assert_eq!(problem_of("0912345678"), password(Problem::PasswordIsPhone));
        assert_eq!(
            problem_of("hoang van thu"),
            password(Problem::PasswordIsPersonName)
        );
        assert_eq!(
            problem_of("VanTaiHuuNghi"),
            password(Problem::PasswordIsFirmName)
        );
    }

    #[test]
    fn a_driver_needs_phone_and_papers_but_no_email() {
        let person = parse(&driver_form()).unwrap();
        assert_eq!(person.role, Role::Driver);
        assert_eq!(person.phone.unwrap().as_str(), "+84912345678");
        assert!(person.email.is_none());

        let form = PersonForm {
            phone: String::new(),
            id_number: String::new(),
            ..driver_form()
        };
        let errors = parse(&form).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["phone", "id_number"]);
    }

    #[test]
    fn a_clerk_needs_an_email() {
        let form = PersonForm {
            role: "firm_clerk".into(),
            phone: String::new(),
            id_number: String::new(),
            ..driver_form()
        };
        let errors = parse(&form).unwrap_err();
        assert_eq!(
            errors
                .iter()
                .map(|error| (error.field.as_str(), error.problem))
                .collect::<Vec<_>>(),
            [("email", Problem::Required)]
        );
    }

    #[test]
    fn roles_outside_the_firm_cannot_be_given() {
        let form = PersonForm {
            role: "platform_admin".into(),
            ..driver_form()
        };
        let errors = parse(&form).unwrap_err();
        assert_eq!(errors.iter().next().unwrap().field, "role");
    }
}
