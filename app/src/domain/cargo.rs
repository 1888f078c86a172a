//! What a truck carries and the papers that go with it: customs declaration numbers,
//! HS commodity codes, seals and the set temperature of refrigerated cargo.

use super::{Problem, text::fold_full_width};
use serde::{Deserialize, Serialize};

/// Digits only, after folding full-width characters and dropping the separators people
/// type between groups.
fn digits_of(input: &str, separators: &[char]) -> String {
    fold_full_width(input)
        .chars()
        .filter(|c| !c.is_whitespace() && !separators.contains(c))
        .collect()
}

/// A VNACCS/VCIS customs declaration number: 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationNumber(String);

impl DeclarationNumber {
    pub fn parse(input: &str) -> Result<DeclarationNumber, Problem> {
        let digits = digits_of(input, &['-', '.']);
        if digits.is_empty() {
            Err(Problem::Required)
        } else if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(DeclarationNumber(digits))
        } else {
            Err(Problem::DeclarationFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Harmonized System commodity code: 6 digits internationally, 8 in Vietnam's tariff
/// (`0810.90.10` is fresh dragon fruit... and other fresh fruit of heading 08.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsCode(String);

impl HsCode {
    pub fn parse(input: &str) -> Result<HsCode, Problem> {
        let digits = digits_of(input, &['.', '-']);
        if digits.is_empty() {
            Err(Problem::Required)
        } else if matches!(digits.len(), 6 | 8) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(HsCode(digits))
        } else {
            Err(Problem::HsCodeFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `0810.90` or `0810.90.10`.
    pub fn canonical(&self) -> String {
        let code = &self.0;
        if code.len() == 8 {
            format!("{}.{}.{}", &code[..4], &code[4..6], &code[6..])
        } else {
            format!("{}.{}", &code[..4], &code[4..])
        }
    }
}

/// An electronic seal's number: 4 to 20 letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealNumber(String);

impl SealNumber {
    pub fn parse(input: &str) -> Result<SealNumber, Problem> {
        let compact: String = digits_of(input, &['-', '.']).to_uppercase();
        if compact.is_empty() {
            Err(Problem::Required)
        } else if (4..=20).contains(&compact.len())
            && compact.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            Ok(SealNumber(compact))
        } else {
            Err(Problem::SealFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A refrigerated unit's set temperature, in tenths of a degree Celsius, from -30 °C to
/// +30 °C. Typed `-18`, `2.5`, `+4` or with a decimal comma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Temperature(i16);

impl Temperature {
    pub const MIN_TENTHS: i16 = -300;
    pub const MAX_TENTHS: i16 = 300;

    pub fn parse(input: &str) -> Result<Temperature, Problem> {
        let text: String = fold_full_width(input)
            .trim()
            .trim_end_matches(['C', 'c', '°', ' '])
            .replace(',', ".")
            .replace(['−', '–'], "-");
        if text.is_empty() {
            return Err(Problem::Required);
        }
        let degrees: f64 = text.parse().map_err(|_| Problem::NotANumber)?;
        let tenths = (degrees * 10.0).round();
        if !(f64::from(Self::MIN_TENTHS)..=f64::from(Self::MAX_TENTHS)).contains(&tenths) {
            return Err(Problem::OutOfRange { min: -30, max: 30 });
        }
        Ok(Temperature(tenths as i16))
    }

    pub fn from_tenths(tenths: i16) -> Temperature {
        Temperature(tenths)
    }

    pub fn tenths(self) -> i16 {
        self.0
    }
}

impl std::fmt::Display for Temperature {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let whole = self.0.unsigned_abs() / 10;
        match self.0.unsigned_abs() % 10 {
            0 => write!(formatter, "{sign}{whole} °C"),
            tenth => write!(formatter, "{sign}{whole}.{tenth} °C"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_numbers_have_twelve_digits() {
        assert_eq!(
            DeclarationNumber::parse("1055 2345 6789").unwrap().as_str(),
            "105523456789"
        );
        assert_eq!(
            DeclarationNumber::parse("10552345678"),
            Err(Problem::DeclarationFormat)
        );
        assert_eq!(
            DeclarationNumber::parse("10552345678A"),
            Err(Problem::DeclarationFormat)
        );
        assert_eq!(DeclarationNumber::parse(" "), Err(Problem::Required));
    }

    #[test]
    fn hs_codes_have_six_or_eight_digits() {
        assert_eq!(HsCode::parse("0810.90.10").unwrap().as_str(), "08109010");
        assert_eq!(HsCode::parse("081090").unwrap().canonical(), "0810.90");
        assert_eq!(HsCode::parse("08109010").unwrap().canonical(), "0810.90.10");
        for bad in ["0810", "0810901", "081090100", "08A090"] {
            assert_eq!(HsCode::parse(bad), Err(Problem::HsCodeFormat), "{bad}");
        }
    }

    #[test]
    fn seals() {
        assert_eq!(SealNumber::parse("es-00123").unwrap().as_str(), "ES00123");
        assert_eq!(SealNumber::parse("E1"), Err(Problem::SealFormat));
    }

    #[test]
    fn temperatures_in_tenths() {
        assert_eq!(Temperature::parse("-18").unwrap().tenths(), -180);
        assert_eq!(Temperature::parse("2,5 °C").unwrap().tenths(), 25);
        assert_eq!(Temperature::parse("+4").unwrap().to_string(), "4 °C");
        assert_eq!(Temperature::parse("−0.5").unwrap().to_string(), "-0.5 °C");
        assert_eq!(
            Temperature::parse("35"),
            Err(Problem::OutOfRange { min: -30, max: 30 })
        );
        assert_eq!(Temperature::parse("cold"), Err(Problem::NotANumber));
    }
}
