//! Collecting every field's problem at once, so a form shows all of them after one
//! submit instead of one per round trip on a slow connection.

use super::Problem;
use serde::{Deserialize, Serialize};

/// One refused field: its form name and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

/// The problems found so far while parsing a form.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value when it parsed, records the problem under `field` when not.
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, Problem>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, problem: Problem) {
        self.0.push(FieldError {
            field: field.to_string(),
            problem,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
}

/// Parses an optional whole number within `min..=max`; empty means `Required`.
pub fn whole_number(input: &str, min: i64, max: i64) -> Result<i64, Problem> {
    let digits: String = super::text::fold_full_width(input)
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '_'))
        .collect();
    if digits.is_empty() {
        return Err(Problem::Required);
    }
    let number: i64 = digits.parse().map_err(|_| Problem::NotANumber)?;
    if (min..=max).contains(&number) {
        Ok(number)
    } else {
        Err(Problem::OutOfRange { min, max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_kept_with_its_field() {
        let mut errors = FieldErrors::default();
        assert_eq!(errors.take("axles", whole_number("3", 2, 10)), Some(3));
        assert_eq!(errors.take("weight", whole_number("abc", 1, 9)), None);
        assert_eq!(
            errors.take("plate", Err::<(), _>(Problem::PlateFormat)),
            None
        );
        let fields: Vec<_> = errors
            .iter()
            .map(|error| (error.field.as_str(), error.problem))
            .collect();
        assert_eq!(
            fields,
            [
                ("weight", Problem::NotANumber),
                ("plate", Problem::PlateFormat)
            ]
        );
    }

    #[test]
    fn numbers_accept_thousands_separators() {
        assert_eq!(whole_number("40.000", 1000, 80000), Ok(40000));
        assert_eq!(whole_number("40,000", 1000, 80000), Ok(40000));
        assert_eq!(
            whole_number("90000", 1000, 80000),
            Err(Problem::OutOfRange {
                min: 1000,
                max: 80000
            })
        );
        assert_eq!(whole_number("", 1, 2), Err(Problem::Required));
        assert_eq!(
            whole_number("-3", 1, 2),
            Err(Problem::OutOfRange { min: 1, max: 2 })
        );
    }
}
