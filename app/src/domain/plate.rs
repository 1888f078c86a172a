//! Vehicle registration plates of the two countries at the Lang Son gates.
//!
//! Users type plates with or without dashes, dots, spaces or middle dots, in any case,
//! and sometimes in full-width characters. A [`Plate`] keeps one normalised form (upper
//! case, no separators: `12C12345`, `桂A12345`) for storage and uniqueness, and shows the
//! canonical form people read on the plate itself (`12C-123.45`, `桂A12345`).

use super::{Problem, text::fold_full_width};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The country that registered a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Country {
    #[serde(rename = "VN")]
    Vietnam,
    #[serde(rename = "CN")]
    China,
}

impl Country {
    pub const ALL: [Country; 2] = [Country::Vietnam, Country::China];

    /// ISO 3166-1 alpha-2 code, as stored and as typed in CSV files.
    pub fn code(self) -> &'static str {
        match self {
            Country::Vietnam => "VN",
            Country::China => "CN",
        }
    }

    pub fn from_code(code: &str) -> Option<Country> {
        match code.trim().to_ascii_uppercase().as_str() {
            "VN" => Some(Country::Vietnam),
            "CN" => Some(Country::China),
            _ => None,
        }
    }
}

/// The one-character abbreviations of China's provinces, autonomous regions and
/// municipalities that begin every Chinese plate (桂 is Guangxi, across from Lang Son).
const CHINESE_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// The character that ends a Chinese trailer plate.
const CHINESE_TRAILER_MARK: char = '挂';

/// A registration plate, parsed and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plate {
    country: Country,
    normalised: String,
}

impl Plate {
    /// Parses a plate of either country, recognising the country by its first character.
    pub fn parse(input: &str) -> Result<Plate, Problem> {
        let compact = compact(input);
        if compact.is_empty() {
            return Err(Problem::Required);
        }
        let country = if compact.starts_with(|c: char| c.is_ascii_digit()) {
            Country::Vietnam
        } else {
            Country::China
        };
        parse_compact(&compact, country).ok_or(Problem::PlateFormat)
    }

    /// Parses a plate that must belong to `country`.
    pub fn parse_for(input: &str, country: Country) -> Result<Plate, Problem> {
        let plate = Plate::parse(input)?;
        if plate.country == country {
            Ok(plate)
        } else {
            Err(Problem::PlateCountryMismatch)
        }
    }

    /// Rebuilds a plate from its stored form. Anything stored went through `parse`, so a
    /// failure here is a broken database, not bad input.
    pub fn from_normalised(stored: &str) -> Option<Plate> {
        Plate::parse(stored)
            .ok()
            .filter(|plate| plate.normalised == stored)
    }

    pub fn country(&self) -> Country {
        self.country
    }

    /// The stored, unique form: upper case, no separators.
    pub fn as_str(&self) -> &str {
        &self.normalised
    }

    /// Trailers and semi-trailers: series R in Vietnam, ending in 挂 in China.
    pub fn is_trailer(&self) -> bool {
        match self.country {
            Country::Vietnam => {
                vietnamese_parts(&self.normalised).is_some_and(|(_, series, _)| series == "R")
            }
            Country::China => self.normalised.ends_with(CHINESE_TRAILER_MARK),
        }
    }

    /// The form printed on the plate: `12C-123.45`, `12C-1234`, `桂A12345`.
    pub fn canonical(&self) -> String {
        match self.country {
            Country::Vietnam => match vietnamese_parts(&self.normalised) {
                Some((province, series, number)) if number.len() == 5 => {
                    format!("{province}{series}-{}.{}", &number[..3], &number[3..])
                }
                Some((province, series, number)) => format!("{province}{series}-{number}"),
                None => self.normalised.clone(),
            },
            Country::China => self.normalised.clone(),
        }
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.canonical())
    }
}

/// Normalises what a person typed into the compact form, without judging it: full-width
/// folded, upper case, separators removed. Also used to search plates by a fragment.
pub fn compact(input: &str) -> String {
    fold_full_width(input)
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '-' | '.' | '·' | '•' | '・' | '_' | '–'))
        .flat_map(char::to_uppercase)
        .collect()
}

fn parse_compact(compact: &str, country: Country) -> Option<Plate> {
    let valid = match country {
        Country::Vietnam => vietnamese_parts(compact).is_some(),
        Country::China => is_chinese(compact),
    };
    valid.then(|| Plate {
        country,
        normalised: compact.to_string(),
    })
}

/// Splits `12C12345` into province `12`, series `C` and number `12345`.
///
/// Province codes run from 11 to 99; the series is one or two letters (C for trucks, R for
/// trailers, LD for foreign-invested firms); the number has 4 or 5 digits. Series that
/// mix a letter and a digit are not accepted: `29C12345` could then be read two ways.
fn vietnamese_parts(compact: &str) -> Option<(&str, &str, &str)> {
    if !compact.is_ascii() || compact.len() < 7 {
        return None;
    }
    let (province, rest) = compact.split_at(2);
    let province_number: u8 = province
        .parse()
        .ok()
        .filter(|_| province.bytes().all(|b| b.is_ascii_digit()))?;
    if !(11..=99).contains(&province_number) {
        return None;
    }
    let series_length = rest.bytes().take_while(u8::is_ascii_uppercase).count();
    if !(1..=2).contains(&series_length) {
        return None;
    }
    let (series, number) = rest.split_at(series_length);
    let digits_only = number.bytes().all(|b| b.is_ascii_digit());
    (digits_only && (4..=5).contains(&number.len())).then_some((province, series, number))
}

/// `桂A12345` (ordinary), `桂AD12345` (new energy, six characters), `桂A1234挂` (trailer).
/// Letters I and O are never used on Chinese plates (they read as 1 and 0).
fn is_chinese(compact: &str) -> bool {
    let mut characters = compact.chars();
    let Some(province) = characters.next() else {
        return false;
    };
    if !CHINESE_PROVINCES.contains(province) {
        return false;
    }
    let Some(authority) = characters.next() else {
        return false;
    };
    if !authority.is_ascii_uppercase() || matches!(authority, 'I' | 'O') {
        return false;
    }
    let serial: Vec<char> = characters.collect();
    let plain =
        |c: &char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, 'I' | 'O'));
    match serial.as_slice() {
        [body @ .., CHINESE_TRAILER_MARK] => body.len() == 4 && body.iter().all(plain),
        body => (5..=6).contains(&body.len()) && body.iter().all(plain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> Plate {
        Plate::parse(input).unwrap_or_else(|problem| panic!("{input:?} refused: {problem:?}"))
    }

    #[test]
    fn vietnamese_plates_normalise_however_they_are_typed() {
        for typed in [
            "12C-123.45",
            "12c12345",
            " 12C 123 45 ",
            "12C.12345",
            "１２Ｃ－１２３．４５",
            "12c-123-45",
        ] {
            let plate = parsed(typed);
            assert_eq!(plate.as_str(), "12C12345", "typed {typed:?}");
            assert_eq!(plate.canonical(), "12C-123.45");
            assert_eq!(plate.country(), Country::Vietnam);
            assert!(!plate.is_trailer());
        }
    }

    #[test]
    fn vietnamese_four_digit_and_two_letter_series() {
        assert_eq!(parsed("12C-1234").canonical(), "12C-1234");
        assert_eq!(parsed("29ld 012.34").canonical(), "29LD-012.34");
    }

    #[test]
    fn vietnamese_trailers_are_series_r() {
        let trailer = parsed("12R-012.34");
        assert!(trailer.is_trailer());
        assert_eq!(trailer.as_str(), "12R01234");
        assert_eq!(trailer.canonical(), "12R-012.34");
    }

    #[test]
    fn bad_vietnamese_plates_are_refused() {
        for typed in [
            "12C-123",
            "12C-123456",
            "10C-12345",
            "1C-12345",
            "12-12345",
            "12CDE-1234",
            "AB-12345",
            "12C-12a45",
        ] {
            assert_eq!(
                Plate::parse(typed),
                Err(Problem::PlateFormat),
                "typed {typed:?}"
            );
        }
    }

    #[test]
    fn chinese_plates() {
        let plate = parsed("桂A·12345");
        assert_eq!(plate.as_str(), "桂A12345");
        assert_eq!(plate.canonical(), "桂A12345");
        assert_eq!(plate.country(), Country::China);
        assert!(!plate.is_trailer());
        assert_eq!(
            parsed("桂a d12345").as_str(),
            "桂AD12345",
            "new-energy plates have six characters"
        );
        let trailer = parsed("桂A1234挂");
        assert!(trailer.is_trailer());
    }

    #[test]
    fn bad_chinese_plates_are_refused() {
        for typed in [
            "桂A1234",
            "桂A1234567",
            "桂I12345",
            "桂AO2345",
            "港A12345",
            "桂12345",
            "桂A123挂",
            "桂",
        ] {
            assert_eq!(
                Plate::parse(typed),
                Err(Problem::PlateFormat),
                "typed {typed:?}"
            );
        }
    }

    #[test]
    fn empty_input_is_required_not_malformed() {
        assert_eq!(Plate::parse("  - "), Err(Problem::Required));
    }

    #[test]
    fn country_must_match_when_asked() {
        assert_eq!(
            Plate::parse_for("桂A12345", Country::Vietnam),
            Err(Problem::PlateCountryMismatch)
        );
        assert_eq!(
            Plate::parse_for("12C-12345", Country::China),
            Err(Problem::PlateCountryMismatch)
        );
        assert!(Plate::parse_for("12C-12345", Country::Vietnam).is_ok());
    }

    #[test]
    fn stored_form_round_trips() {
        for typed in ["12C-123.45", "桂A1234挂", "29LD-1234"] {
            let plate = parsed(typed);
            assert_eq!(Plate::from_normalised(plate.as_str()), Some(plate));
        }
        assert_eq!(
            Plate::from_normalised("12C-123.45"),
            None,
            "a stored plate has no separators"
        );
    }

    #[test]
    fn country_codes() {
        assert_eq!(Country::from_code(" vn "), Some(Country::Vietnam));
        assert_eq!(Country::from_code("CN"), Some(Country::China));
        assert_eq!(Country::from_code("LA"), None);
    }
}
