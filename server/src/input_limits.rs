//! What a request may carry, checked once for every route before anything runs: the
//! body's size, and for the fields of forms and queries their characters and length.
//!
//! Every form, call and upload of the portal fits in far less than 2 MiB (the biggest is
//! a fleet CSV of a few thousand rows), and no field a person types is longer than a few
//! thousand characters: a bigger body is 413, a longer field is refused by name (422).
//! Control characters (NUL, escape, the C1 range) are never text anyone typed; they are
//! refused by field too, so they reach neither the domain nor the database (which
//! cannot store NUL and would fail the request). Each area's rules then give the tighter
//! limits of its own fields (a name of at most 200 characters, a plate of at most 12).

use crate::middleware::app_error_response;
use app::{
    domain::{Problem, form::FieldErrors, text::is_typeable},
    error::AppError,
};
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{Method, header},
    middleware::Next,
    response::Response,
};

/// 2 MiB, the same as Axum's default body limit, which stays as a second line.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The longest field any form may send, in characters.
pub const MAX_FIELD_CHARACTERS: u32 = 4_000;

pub async fn check_input(request: Request, next: Next) -> Response {
    if let Err(error) = check_uri(&request) {
        return app_error_response(&error);
    }
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let too_large = || {
        app_error_response(&AppError::TooLarge {
            max_bytes: MAX_BODY_BYTES as u64,
        })
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    // A body that does not say its length is read up to the limit here.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large();
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        if let Err(error) = check_fields(&bytes) {
            return app_error_response(&error);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A path or query with control characters in it is no address of ours (400); a query's
/// fields follow the same rules as a form's.
fn check_uri(request: &Request) -> Result<(), AppError> {
    let uri = request.uri();
    if !percent_decoded(uri.path()).chars().all(is_typeable) {
        return Err(AppError::BadRequest);
    }
    match uri.query() {
        Some(query) => check_fields(query.as_bytes()),
        None => Ok(()),
    }
}

/// A path as the router reads it, `%xx` decoded (`+` stays a plus).
fn percent_decoded(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Every field of a URL-encoded form or query: typeable characters, at most
/// [`MAX_FIELD_CHARACTERS`]; all problems at once, by field.
fn check_fields(encoded: &[u8]) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    for (name, value) in url::form_urlencoded::parse(encoded) {
        if !name.chars().all(is_typeable) || name.chars().count() > 100 {
            return Err(AppError::BadRequest);
        }
        if !value.chars().all(is_typeable) {
            errors.add(&name, Problem::InvalidCharacters);
        } else if value.chars().count() as u32 > MAX_FIELD_CHARACTERS {
            errors.add(
                &name,
                Problem::TooLong {
                    max: MAX_FIELD_CHARACTERS,
                },
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid {
            fields: errors.into_vec(),
            typed: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(error: AppError) -> Vec<(String, Problem)> {
        match error {
            AppError::Invalid { fields, .. } => fields
                .into_iter()
                .map(|field| (field.field, field.problem))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn control_characters_and_long_fields_are_refused_by_name() {
        let long = "x".repeat(4_001);
        let body = format!("name=Lan&note=a%00b&lane=3&search={long}&memo=line%0Abreak");
        let error = check_fields(body.as_bytes()).unwrap_err();
        assert_eq!(
            fields_of(error),
            [
                ("note".to_string(), Problem::InvalidCharacters),
                ("search".to_string(), Problem::TooLong { max: 4_000 }),
            ]
        );
        assert!(check_fields(b"a=1&b=%E1%BB%AF&c=%0D%0A").is_ok());
    }
}
