//! Registering a fleet in bulk from a CSV file (as exported from a spreadsheet).
//!
//! The file has a header row naming the columns (in any order, any case):
//! `plate, trailer_plate, kind, axles, gross_weight_kg, country`. Commas or semicolons
//! separate cells (spreadsheets in Vietnamese settings often write semicolons). Each row
//! is judged on its own, with the same rules as the one-vehicle form, so that one bad row
//! never stops the good ones; a plate twice in the same file is refused the second time.

pub const COLUMNS: [&str; 6] = [
    "plate",
    "trailer_plate",
    "kind",
    "axles",
    "gross_weight_kg",
    "country",
];
pub const MAX_ROWS: u32 = 5_000;
pub const MAX_BYTES: usize = 1024 * 1024;

/// Reading files needs the `csv` crate, which stays out of the browser's wasm.
#[cfg(feature = "ssr")]
mod reader {
    use super::{COLUMNS, MAX_BYTES, MAX_ROWS};
    use crate::domain::{
        Problem,
        form::{FieldError, FieldErrors},
        vehicle::{VehicleDetails, VehicleForm},
    };
    use std::collections::HashMap;

    /// Columns a file must have; a missing trailer column means no trailers.
    const REQUIRED_COLUMNS: [&str; 5] = ["plate", "kind", "axles", "gross_weight_kg", "country"];

    /// One data row: its line in the file (the header is line 1) and its verdict.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JudgedRow {
        pub line: u32,
        /// The plate as typed, to name the row in the report.
        pub typed_plate: String,
        pub verdict: Result<VehicleDetails, Vec<FieldError>>,
    }

    /// Reads and judges a whole file. A problem with the file itself (not text, no header,
    /// a required column missing, too many rows) refuses the whole file.
    pub fn judge(bytes: &[u8]) -> Result<Vec<JudgedRow>, Problem> {
        if bytes.len() > MAX_BYTES {
            return Err(Problem::CsvTooLarge { max_rows: MAX_ROWS });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| Problem::CsvNotText)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let header_line = text
            .lines()
            .find(|line| !line.trim().is_empty())
            .ok_or(Problem::CsvEmpty)?;
        let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
            b';'
        } else {
            b','
        };

        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|_| Problem::CsvNotText)?
            .iter()
            .map(|name| name.trim().to_ascii_lowercase())
            .collect();
        let position = |column: &str| headers.iter().position(|header| header == column);
        if REQUIRED_COLUMNS
            .iter()
            .any(|column| position(column).is_none())
        {
            return Err(Problem::CsvMissingColumn);
        }
        let [plate, trailer_plate, kind, axles, gross_weight_kg, country] = COLUMNS.map(position);

        let mut rows = Vec::new();
        let mut first_line_of_plate: HashMap<String, u32> = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|_| Problem::CsvNotText)?;
            if record.iter().all(str::is_empty) {
                continue;
            }
            if rows.len() as u32 >= MAX_ROWS {
                return Err(Problem::CsvTooLarge { max_rows: MAX_ROWS });
            }
            // The reader's own line count and offset include blank lines before the
            // record; count the lines up to its first real character instead.
            let line = record.position().map_or(0, |position| {
                let bytes = text.as_bytes();
                let start = position.byte() as usize;
                let first = start
                    + bytes[start..]
                        .iter()
                        .take_while(|byte| matches!(byte, b'\r' | b'\n'))
                        .count();
                bytes[..first].iter().filter(|&&byte| byte == b'\n').count() as u32 + 1
            });
            let cell = |column: Option<usize>| {
                column
                    .and_then(|index| record.get(index))
                    .unwrap_or_default()
                    .to_string()
            };
            let form = VehicleForm {
                plate: cell(plate),
                trailer_plate: cell(trailer_plate),
                kind: cell(kind),
                axles: cell(axles),
                gross_weight_kg: cell(gross_weight_kg),
                country: cell(country),
            };
            let verdict = form
                .parse()
                .map_err(FieldErrors::into_vec)
                .and_then(
                    |vehicle| match first_line_of_plate.get(vehicle.plate.as_str()) {
                        Some(&first_row) => Err(vec![FieldError {
                            field: "plate".into(),
                            problem: Problem::DuplicateInFile { first_row },
                        }]),
                        None => {
                            first_line_of_plate.insert(vehicle.plate.as_str().to_string(), line);
                            Ok(vehicle)
                        }
                    },
                );
            rows.push(JudgedRow {
                line,
                typed_plate: form.plate,
                verdict,
            });
        }
        if rows.is_empty() {
            return Err(Problem::CsvEmpty);
        }
        Ok(rows)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn outcomes(file: &str) -> Vec<(u32, Result<String, Vec<(String, Problem)>>)> {
            judge(file.as_bytes())
                .unwrap()
                .into_iter()
                .map(|row| {
                    let verdict = row
                        .verdict
                        .map(|vehicle| vehicle.plate.canonical())
                        .map_err(|errors| {
                            errors
                                .into_iter()
                                .map(|error| (error.field, error.problem))
                                .collect()
                        });
                    (row.line, verdict)
                })
                .collect()
        }

        #[test]
        fn good_and_bad_rows_are_judged_one_by_one() {
            let file = "plate,trailer_plate,kind,axles,gross_weight_kg,country\n\
                        12C-123.45,12R-012.34,tractor_trailer,5,40000,VN\n\
                        12C-99,,truck,2,12000,VN\n\
                        桂A12345,,refrigerated,3,25000,CN\n\
                        12c12345,,truck,2,12000,VN\n";
            assert_eq!(
                outcomes(file),
                [
                    (2, Ok("12C-123.45".into())),
                    (3, Err(vec![("plate".into(), Problem::PlateFormat)])),
                    (4, Ok("桂A12345".into())),
                    (
                        5,
                        Err(vec![(
                            "plate".into(),
                            Problem::DuplicateInFile { first_row: 2 }
                        )])
                    ),
                ]
            );
        }

        #[test]
        fn spreadsheet_habits_are_understood() {
            // Byte-order mark, semicolons, columns in another order and case, no trailer
            // column, blank lines and padded cells.
            let file = "\u{feff}Country;Plate;Kind;Axles;Gross_Weight_Kg\r\n\r\n VN ; 12C-1234 ; Truck ; 2 ; 9.500 \r\n";
            assert_eq!(outcomes(file), [(3, Ok("12C-1234".into()))]);
        }

        #[test]
        fn quoted_cells_may_hold_the_delimiter() {
            let file =
                "plate,kind,axles,gross_weight_kg,country\n\"12C-123.45\",truck,3,\"24,000\",VN\n";
            assert_eq!(outcomes(file), [(2, Ok("12C-123.45".into()))]);
        }

        #[test]
        fn problems_with_the_file_itself_refuse_it_whole() {
            assert_eq!(judge(b""), Err(Problem::CsvEmpty));
            assert_eq!(
                judge(b"plate,kind,axles,gross_weight_kg,country\n"),
                Err(Problem::CsvEmpty)
            );
            assert_eq!(
                judge(b"plate,kind\n12C-1234,truck\n"),
                Err(Problem::CsvMissingColumn)
            );
            assert_eq!(judge(&[0xff, 0xfe, 0x00, 0x70]), Err(Problem::CsvNotText));
            let too_many = format!(
                "plate,kind,axles,gross_weight_kg,country\n{}",
                "12C-1234,truck,2,9000,VN\n".repeat(MAX_ROWS as usize + 1)
            );
            assert_eq!(
                judge(too_many.as_bytes()),
                Err(Problem::CsvTooLarge { max_rows: MAX_ROWS })
            );
        }
    }
}

#[cfg(feature = "ssr")]
pub use reader::{JudgedRow, judge};
