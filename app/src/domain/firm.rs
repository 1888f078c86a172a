//! Registering a firm together with its first administrator.

use super::{
    contact::{Email, Phone},
    form::FieldErrors,
    password::{AccountWords, CommonPasswords, NewPassword},
    tax_code::TaxCode,
    text::bounded,
};
use serde::{Deserialize, Serialize};

/// The registration form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegistrationForm {
    pub firm_name: String,
    pub tax_code: String,
    pub address: String,
    pub firm_phone: String,
    pub admin_name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct NewFirm {
    pub name: String,
    pub tax_code: TaxCode,
    pub address: String,
    pub phone: Phone,
    pub admin_name: String,
    pub admin_email: Email,
    pub admin_password: NewPassword,
}

impl RegistrationForm {
    /// The admin's password must not be common, nor the admin's e-mail or name, nor the
    /// firm's name or phone.
    pub fn parse(&self, common: &CommonPasswords) -> Result<NewFirm, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.take("firm_name", bounded(&self.firm_name, 2, 200));
        let tax_code = errors.take("tax_code", TaxCode::parse(&self.tax_code));
        let address = errors.take("address", bounded(&self.address, 5, 500));
        let phone = errors.take("firm_phone", Phone::parse(&self.firm_phone));
        let admin_name = errors.take("admin_name", bounded(&self.admin_name, 2, 200));
        let admin_email = errors.take("email", Email::parse(&self.email));
        let account = AccountWords {
            email: admin_email.as_ref(),
            phone: phone.as_ref(),
            person_name: admin_name.as_deref(),
            firm_name: name.as_deref(),
        };
        let admin_password = errors.take(
            "password",
            NewPassword::choose(&self.password, common, &account),
        );
        match (
            name,
            tax_code,
            address,
            phone,
            admin_name,
            admin_email,
            admin_password,
        ) {
            (
                Some(name),
                Some(tax_code),
                Some(address),
                Some(phone),
                Some(admin_name),
                Some(admin_email),
                Some(admin_password),
            ) => Ok(NewFirm {
                name,
                tax_code,
                address,
                phone,
                admin_name,
                admin_email,
                admin_password,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Problem;

    fn form() -> RegistrationForm {
        RegistrationForm {
            firm_name: "Công ty TNHH Vận tải Hữu Nghị".into(),
            tax_code: "4900123456".into(),
            address: "Km 3, Đồng Đăng, Cao Lộc, Lạng Sơn".into(),
            firm_phone: "0205 3851 234".into(),
            admin_name: "Nguyễn Thị Lan".into(),
            email: "Lan@HuuNghi.vn".into(),
            password: "mat-khau-2026".into(),
        }
    }

    fn common() -> CommonPasswords {
        CommonPasswords::from_lines("12345678\npassword\n")
    }

    #[test]
    fn a_complete_form_parses() {
        let firm = form().parse(&common()).unwrap();
        assert_eq!(firm.tax_code.as_str(), "4900123456");
        assert_eq!(firm.admin_email.as_str(), "lan@huunghi.vn");
        assert_eq!(firm.phone.as_str(), "+842053851234");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = RegistrationForm {
            tax_code: "49001".into(),
            email: "lan".into(),
            password: "123".into(),
            ..form()
        };
        let errors = bad.parse(&common()).unwrap_err();
        let problems: Vec<_> = errors
            .iter()
            .map(|error| (error.field.as_str(), error.problem))
            .collect();
        assert_eq!(
            problems,
            [
                ("tax_code", Problem::TaxCodeFormat),
                ("email", Problem::EmailFormat),
                ("password", Problem::PasswordTooShort { min: 8 })
            ]
        );
    }

    #[test]
    fn the_admins_password_is_neither_common_nor_the_firms_own_words() {
        let refused = |password: &str| {
            RegistrationForm {
                password: password.into(),
                ..form()
            }
            .parse(&common())
            .unwrap_err()
            .iter()
            .map(|error| (error.field.clone(), error.problem))
            .collect::<Vec<_>>()
        };
        let password = |problem| vec![("password".to_string(), problem)];
        assert_eq!(refused("PassWord"), password(Problem::PasswordCommon));
        assert_eq!(
            refused("LAN@huunghi.vn"),
            password(Problem::PasswordIsEmail)
        );
        assert_eq!(refused("0205 3851 234"), password(Problem::PasswordIsPhone));
        assert_eq!(
            refused("nguyenthilan"),
            password(Problem::PasswordIsPersonName)
        );
        assert_eq!(
            refused("Cong ty TNHH Van tai Huu Nghi"),
            password(Problem::PasswordIsFirmName)
        );
    }
}
