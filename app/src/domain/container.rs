//! Freight container numbers (ISO 6346): `CSQU3054383` is owner code `CSQ`, category
//! `U` (U freight, J detachable equipment, Z trailer or chassis), serial `305438` and
//! check digit `3`. A wrong check digit is a typing mistake caught before the gate.

use super::{Problem, text::fold_full_width};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContainerNumber(String);

/// Letters count from A=10 upwards, skipping 11, 22 and 33 (multiples of eleven).
const LETTER_VALUES: [u32; 26] = [
    10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36,
    37, 38,
];

/// The value of a character in the check-digit sum.
fn value(character: u8) -> Option<u32> {
    match character {
        b'0'..=b'9' => Some(u32::from(character - b'0')),
        b'A'..=b'Z' => Some(LETTER_VALUES[usize::from(character - b'A')]),
        _ => None,
    }
}

/// The check digit of the first ten characters.
fn check_digit(first_ten: &[u8]) -> Option<u32> {
    let sum = first_ten
        .iter()
        .enumerate()
        .map(|(position, &character)| value(character).map(|value| value << position))
        .sum::<Option<u32>>()?;
    Some(sum % 11 % 10)
}

impl ContainerNumber {
    pub fn parse(input: &str) -> Result<ContainerNumber, Problem> {
        let compact: String = fold_full_width(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '/'))
            .flat_map(char::to_uppercase)
            .collect();
        if compact.is_empty() {
            return Err(Problem::Required);
        }
        let bytes = compact.as_bytes();
        let well_formed = bytes.len() == 11
            && bytes[..3].iter().all(u8::is_ascii_uppercase)
            && matches!(bytes[3], b'U' | b'J' | b'Z')
            && bytes[4..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(Problem::ContainerFormat);
        }
        match check_digit(&bytes[..10]) {
            Some(expected) if expected == u32::from(bytes[10] - b'0') => {
                Ok(ContainerNumber(compact))
            }
            _ => Err(Problem::ContainerCheckDigit),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContainerNumber {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// The most containers one truck carries: two 20-foot boxes on a semi-trailer, or one
/// 40-foot; four leaves room for a road train and refuses a list pasted by mistake.
pub const MAX_PER_TRIP: usize = 4;

/// Parses a list typed one per line or separated by commas or semicolons; the problem of
/// the first bad number, a number given twice, or more than [`MAX_PER_TRIP`] refuses
/// the list.
pub fn parse_list(input: &str) -> Result<Vec<ContainerNumber>, Problem> {
    let mut containers: Vec<ContainerNumber> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in input
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        if containers.len() == MAX_PER_TRIP {
            return Err(Problem::TooMany {
                max: MAX_PER_TRIP as u32,
            });
        }
        let container = ContainerNumber::parse(item)?;
        if !seen.insert(container.clone()) {
            return Err(Problem::ContainerRepeated);
        }
        containers.push(container);
    }
    Ok(containers)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_truck_carries_a_few_containers_not_thousands() {
        let four = "CSQU3054383, MSKU1234565, TGHU8884440, HLXU2008419";
        assert!(
            super::parse_list(four).is_ok(),
            "{:?}",
            super::parse_list(four)
        );
        let five = format!("{four}, TCNU7777770");
        assert_eq!(
            super::parse_list(&five),
            Err(super::Problem::TooMany { max: 4 })
        );
        let pasted = "CSQU3054383\n".repeat(20_000);
        assert_eq!(
            super::parse_list(&pasted),
            Err(super::Problem::ContainerRepeated)
        );
    }

    use super::*;

    #[test]
    fn letter_values_skip_multiples_of_eleven() {
        assert!(LETTER_VALUES.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(LETTER_VALUES.iter().all(|value| value % 11 != 0));
        assert_eq!((LETTER_VALUES[0], LETTER_VALUES[25]), (10, 38));
    }

    #[test]
    fn real_container_numbers_pass() {
        for number in [
            "CSQU3054383",
            "MSKU9070323",
            "TGHU9876542",
            "csqu 305438 3",
            "CSQU-305438-3",
        ] {
            assert!(ContainerNumber::parse(number).is_ok(), "{number}");
        }
        assert_eq!(
            ContainerNumber::parse("csqu 305438 3").unwrap().as_str(),
            "CSQU3054383"
        );
    }

    #[test]
    fn a_wrong_check_digit_is_caught() {
        assert_eq!(
            ContainerNumber::parse("CSQU3054384"),
            Err(Problem::ContainerCheckDigit)
        );
        assert_eq!(
            ContainerNumber::parse("CSQU3054833"),
            Err(Problem::ContainerCheckDigit),
            "swapped digits"
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for number in [
            "CSQ3054383",
            "CSQX3054383",
            "CSQU305438",
            "CSQU30543833",
            "C5QU3054383",
        ] {
            assert_eq!(
                ContainerNumber::parse(number),
                Err(Problem::ContainerFormat),
                "{number}"
            );
        }
    }

    #[test]
    fn lists_are_split_and_checked() {
        let list = parse_list("CSQU3054383\nMSKU9070323, ").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(parse_list(""), Ok(vec![]));
        assert_eq!(
            parse_list("CSQU3054383; csqu3054383"),
            Err(Problem::ContainerRepeated)
        );
        assert_eq!(
            parse_list("CSQU3054383, CSQU3054384"),
            Err(Problem::ContainerCheckDigit)
        );
    }
}
