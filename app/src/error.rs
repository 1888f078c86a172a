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
    /// The request's body is larger than the portal ever reads.
    #[error("request too large")]
    TooLarge { max_bytes: u64 },
    /// The browser could not reach the server (seen only in the browser).
    #[error("server unreachable")]
    Unreachable,
    /// The server cannot reach its database now (a restart, a failover, an outage):
    /// nothing was done; the same request can be sent again after a while.
    #[error("temporarily unavailable")]
    Unavailable { retry_after_seconds: u64 },
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

    /// Refuses one field that echoes nothing back (a choice, an id, a code).
    pub fn refused(field: &str, problem: crate::domain::Problem) -> AppError {
        let mut errors = FieldErrors::default();
        errors.add(field, problem);
        AppError::Invalid {
            fields: errors.into_vec(),
            typed: Vec::new(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::WrongCredentials | AppError::NotSignedIn => 401,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Forbidden | AppError::CrossSite => 403,
            AppError::NotFound => 404,
            AppError::BadRequest => 400,
            AppError::TooLarge { .. } => 413,
            AppError::Unreachable | AppError::Unavailable { .. } => 503,
            AppError::Internal => 500,
        }
    }

    /// How long a client should wait before trying again, when that is the remedy.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts {
                retry_after_seconds,
            }
            | AppError::Unavailable {
                retry_after_seconds,
            } => Some((*retry_after_seconds).max(1)),
            _ => None,
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

    /// Takes what was typed out of a refusal (to keep it off a URL); the error keeps
    /// its problems.
    pub fn take_typed(&mut self) -> Vec<(String, String)> {
        match self {
            AppError::Invalid { typed, .. } => std::mem::take(typed),
            _ => Vec::new(),
        }
    }

    /// Puts back what was typed, for a refusal that lost it on its way (see
    /// `server::flash`).
    pub fn with_typed(mut self, values: Vec<(String, String)>) -> AppError {
        if let AppError::Invalid { typed, .. } = &mut self {
            if typed.is_empty() {
                *typed = values;
            }
        }
        self
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

/// The field a decoding error says is missing (serde: "missing field `plate`").
fn missing_field(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("missing field `")?;
    let (field, _) = rest.split_once('`')?;
    (!field.is_empty()
        && field.len() <= 60
        && field
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte == b'_'))
    .then_some(field)
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            // A field the form did not send is named, like any other refused field.
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                match missing_field(&message) {
                    Some(field) => AppError::refused(field, crate::domain::Problem::Required),
                    None => AppError::BadRequest,
                }
            }
            ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
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

/// The one shape every HTTP answer of an error takes, from server functions, the device
/// API and the live streams alike: the status of [`AppError::status`], the error as
/// JSON, and `Retry-After` when waiting helps.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            [(http::header::CONTENT_TYPE, "application/json")],
            self.ser(),
        )
            .into_response();
        if let Some(seconds) = self.retry_after_seconds() {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }
}

/// A database error as the caller sees it: 503 with `Retry-After` when the database
/// cannot be reached (see `server::outage`), else our own failure (500).
#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if crate::server::outage::note(&error) {
            tracing::warn!(%error, "database unavailable");
            return AppError::Unavailable {
                retry_after_seconds: crate::server::outage::RETRY_AFTER_SECONDS,
            };
        }
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
            AppError::TooLarge { max_bytes: 1 },
        ] {
            assert!((400..500).contains(&error.status()), "{error:?}");
        }
        assert_eq!(AppError::Internal.status(), 500);
        let unavailable = AppError::Unavailable {
            retry_after_seconds: 5,
        };
        assert_eq!(unavailable.status(), 503);
        assert_eq!(unavailable.retry_after_seconds(), Some(5));
        assert_eq!(
            AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into())),
            AppError::BadRequest
        );
        let missing =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `plate`".into()));
        assert_eq!(missing.status(), 422);
        assert_eq!(
            missing.problems_of("plate").collect::<Vec<_>>(),
            [Problem::Required]
        );
        assert_eq!(
            AppError::from_server_fn_error(ServerFnErrorErr::Args(
                "missing field `<script>`".into()
            )),
            AppError::BadRequest
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_unreachable_database_is_unavailable_and_other_database_errors_internal() {
        let dropped = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert_eq!(
            AppError::from(dropped),
            AppError::Unavailable {
                retry_after_seconds: crate::server::outage::RETRY_AFTER_SECONDS
            }
        );
        assert_eq!(AppError::from(sqlx::Error::PoolTimedOut).status(), 503);
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::Internal);
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
