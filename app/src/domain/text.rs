//! Free text fields: names, addresses. Trimmed, inner runs of white space folded to one
//! space, bounded in length (counted in characters, not bytes: Vietnamese and Chinese
//! names are multi-byte).

use super::Problem;

/// Whether a character may appear in text a person typed: anything but control
/// characters (NUL, escape, the C1 range), except tabs and line breaks.
pub fn is_typeable(character: char) -> bool {
    !character.is_control() || matches!(character, '\t' | '\n' | '\r')
}

/// Refuses text carrying characters nobody types (see [`is_typeable`]).
pub fn typeable(input: &str) -> Result<&str, Problem> {
    if input.chars().all(is_typeable) {
        Ok(input)
    } else {
        Err(Problem::InvalidCharacters)
    }
}

/// Trims and folds white space, then checks the length is within `min..=max` characters.
pub fn bounded(input: &str, min: u32, max: u32) -> Result<String, Problem> {
    typeable(input)?;
    let folded = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let length = folded.chars().count() as u32;
    if length == 0 {
        Err(Problem::Required)
    } else if length < min {
        Err(Problem::TooShort { min })
    } else if length > max {
        Err(Problem::TooLong { max })
    } else {
        Ok(folded)
    }
}

/// Folds full-width ASCII (typed by Chinese and Japanese input methods: `１２Ｃ`) to
/// ordinary ASCII, so identifiers typed on any phone keyboard parse the same.
pub fn fold_full_width(input: &str) -> String {
    input
        .chars()
        .map(|character| match character {
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(character as u32 - 0xFF01 + 0x21).unwrap_or(character)
            }
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_trimmed_and_folded() {
        assert_eq!(
            bounded("  Công ty   TNHH\tHữu Nghị ", 2, 200).unwrap(),
            "Công ty TNHH Hữu Nghị"
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Six Chinese characters are 18 bytes but 6 characters.
        assert_eq!(bounded("凭祥市物流公司", 2, 7).unwrap(), "凭祥市物流公司");
        assert_eq!(
            bounded("凭祥市物流公司", 2, 6),
            Err(Problem::TooLong { max: 6 })
        );
    }

    #[test]
    fn empty_and_short_are_refused() {
        assert_eq!(bounded("   ", 2, 10), Err(Problem::Required));
        assert_eq!(bounded("A", 2, 10), Err(Problem::TooShort { min: 2 }));
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_are_text() {
        assert_eq!(
            bounded("Hữu\u{0}Nghị", 2, 10),
            Err(Problem::InvalidCharacters)
        );
        assert_eq!(
            bounded("Hữu\u{1b}[31m", 2, 10),
            Err(Problem::InvalidCharacters)
        );
        assert_eq!(bounded("Hữu\u{85}", 2, 10), Err(Problem::InvalidCharacters));
        assert_eq!(bounded("Hữu\r\nNghị", 2, 10).unwrap(), "Hữu Nghị");
        assert_eq!(typeable("a\tb\nc"), Ok("a\tb\nc"));
    }

    #[test]
    fn full_width_folds_to_ascii() {
        assert_eq!(fold_full_width("１２Ｃ－１２３．４５"), "12C-123.45");
        assert_eq!(fold_full_width("桂Ａ１２３４５"), "桂A12345");
    }
}
