//! The one error type that crosses the wire between server functions and the pages.
//!
//! Each variant says what the user can do about it; none carries internal details (those
//! are logged on the server and never sent). The HTTP status of every variant is decided
//! here, in [`AppError::status`], and applied at the edge by the server.

use crate::domain::form::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Some fields were refused; each has its reason. `typed` echoes back what was typed
    /// (never passwords) so that a form posted without JavaScript can be shown again
    /// filled in, next to its errors.
    #[error("some fields were refused")]
    Invalid {
        fields: Vec<FieldError>,
        typed: Vec<(String, String)>,
    },
    #[error("wrong sign-in name or password")]
    WrongCredentials,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_seconds: u64 },
    #[error("not signed in")]
    NotSignedIn,
    #[error("not allowed")]
    Forbidden,
    /// Also what another firm's id gets: whether it exists is none of the caller's business.
    #[error("not found")]
    NotFound,
    #[error("cross-site request refused")]
    CrossSite,
    /// The request itself was malformed (a missing or undecodable argument).
    #[error("malformed request")]
    BadRequest,
    /// The browser could not reach the server (seen only in the browser).
    #[error("server unreachable")]
    Unreachable,
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// Refuses a form: every field's problem, and what was typed.
    pub fn invalid<Form: Serialize>(errors: FieldErrors, form: &Form) -> AppError {
        AppError::Invalid {
            fields: errors.into_vec(),
            typed: typed_fields(form),
        }
    }

    /// Refuses one field, for rules only the database can check (a plate already taken).
    pub fn field<Form: Serialize>(
        field: &str,
        problem: crate::domain::Problem,
        form: &Form,
    ) -> AppError {
        let mut errors = FieldErrors::default();
        errors.add(field, problem);
        AppError::invalid(errors, form)
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::WrongCredentials | AppError::NotSignedIn => 401,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Forbidden | AppError::CrossSite => 403,
            AppError::NotFound => 404,
            AppError::BadRequest => 400,
            AppError::Unreachable => 503,
            AppError::Internal => 500,
        }
    }

    /// The problems of one field, for showing beside it.
    pub fn problems_of<'a>(
        &'a self,
        field: &'a str,
    ) -> impl Iterator<Item = crate::domain::Problem> + 'a {
        let fields: &[FieldError] = match self {
            AppError::Invalid { fields, .. } => fields,
            _ => &[],
        };
        fields
            .iter()
            .filter(move |error| error.field == field)
            .map(|error| error.problem)
    }

    /// What was typed into `field` before the form was refused.
    pub fn typed(&self, field: &str) -> Option<&str> {
        match self {
            AppError::Invalid { typed, .. } => typed
                .iter()
                .find(|(name, _)| name == field)
                .map(|(_, value)| value.as_str()),
            _ => None,
        }
    }
}

/// The string fields of a form, minus anything secret, as (name, value) pairs.
fn typed_fields<Form: Serialize>(form: &Form) -> Vec<(String, String)> {
    match serde_json::to_value(form) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(name, _)| !name.contains("password"))
            .filter_map(|(name, value)| match value {
                serde_json::Value::String(text) if !text.is_empty() => Some((name, text)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
            ServerFnErrorErr::Request(_) => AppError::Unreachable,
            ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Problem, firm::RegistrationForm};

    #[test]
    fn what_was_typed_comes_back_but_never_the_password() {
        let form = RegistrationForm {
            firm_name: "Hữu Nghị".into(),
            password: "secret-secret".into(),
            ..Default::default()
        };
        let error = AppError::field("tax_code", Problem::TaxCodeFormat, &form);
        assert_eq!(error.typed("firm_name"), Some("Hữu Nghị"));
        assert_eq!(error.typed("password"), None);
        assert_eq!(
            error.problems_of("tax_code").collect::<Vec<_>>(),
            [Problem::TaxCodeFormat]
        );
        assert_eq!(error.problems_of("firm_name").count(), 0);
    }

    #[test]
    fn user_mistakes_are_4xx_and_only_our_own_failures_5xx() {
        let form = RegistrationForm::default();
        for error in [
            AppError::field("x", Problem::Required, &form),
            AppError::WrongCredentials,
            AppError::TooManyAttempts {
                retry_after_seconds: 60,
            },
            AppError::NotSignedIn,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::CrossSite,
            AppError::BadRequest,
        ] {
            assert!((400..500).contains(&error.status()), "{error:?}");
        }
        assert_eq!(AppError::Internal.status(), 500);
        assert_eq!(
            AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into())),
            AppError::BadRequest
        );
    }

    #[test]
    fn survives_the_wire() {
        let error = AppError::field(
            "plate",
            Problem::OutOfRange { min: 2, max: 10 },
            &RegistrationForm::default(),
        );
        let bytes = error.ser();
        assert_eq!(AppError::de(bytes), error);
    }
}
