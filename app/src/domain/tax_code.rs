//! Vietnamese enterprise tax codes (mã số thuế, MST): 10 digits for a firm, 13 for a
//! branch, written `0101234567-001`.

use super::{Problem, text::fold_full_width};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxCode(String);

impl TaxCode {
    /// Accepts `0101234567`, `0101234567-001`, `0101234567001` and spaced forms; stores
    /// the firm's ten digits, then `-` and the branch's three when there is a branch.
    pub fn parse(input: &str) -> Result<TaxCode, Problem> {
        let digits: String = fold_full_width(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        if digits.is_empty() {
            return Err(Problem::Required);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::TaxCodeFormat);
        }
        match digits.len() {
            10 => Ok(TaxCode(digits)),
            13 if &digits[10..] != "000" => {
                Ok(TaxCode(format!("{}-{}", &digits[..10], &digits[10..])))
            }
            _ => Err(Problem::TaxCodeFormat),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_branch(&self) -> bool {
        self.0.len() == 14
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firm_and_branch_codes() {
        assert_eq!(TaxCode::parse("0101234567").unwrap().as_str(), "0101234567");
        assert!(!TaxCode::parse("0101234567").unwrap().is_branch());
        for typed in ["0101234567-001", "0101234567001", " 0101 234 567 - 001 "] {
            let code = TaxCode::parse(typed).unwrap();
            assert_eq!(code.as_str(), "0101234567-001", "typed {typed:?}");
            assert!(code.is_branch());
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        for typed in [
            "010123456",
            "01012345678",
            "0101234567-01",
            "0101234567-000",
            "01012345A7",
            "MST0101234567",
        ] {
            assert_eq!(
                TaxCode::parse(typed),
                Err(Problem::TaxCodeFormat),
                "typed {typed:?}"
            );
        }
        assert_eq!(TaxCode::parse(""), Err(Problem::Required));
    }
}
