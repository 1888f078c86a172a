//! A border crossing declared in advance: which truck, which driver, which way, through
//! which gate, carrying what.

use super::{
    Problem,
    cargo::{DeclarationNumber, HsCode, SealNumber, Temperature},
    container::{ContainerNumber, parse_list},
    form::{FieldErrors, whole_number},
    text::bounded,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which way a trip crosses, seen from Vietnam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Vietnam to China.
    Export,
    /// China to Vietnam.
    Import,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::Export, Direction::Import];

    pub fn code(self) -> &'static str {
        match self {
            Direction::Export => "export",
            Direction::Import => "import",
        }
    }

    pub fn from_code(code: &str) -> Option<Direction> {
        Direction::ALL
            .into_iter()
            .find(|direction| direction.code() == code.trim())
    }
}

/// Where a trip is in its life (`docs/domain.md`, "How a trip moves").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripStatus {
    Draft,
    Declared,
    Booked,
    Arrived,
    CalledForward,
    Inspection,
    Held,
    Cleared,
    Exited,
    Rejected,
    Cancelled,
    NoShow,
}

impl TripStatus {
    pub const ALL: [TripStatus; 12] = [
        TripStatus::Draft,
        TripStatus::Declared,
        TripStatus::Booked,
        TripStatus::Arrived,
        TripStatus::CalledForward,
        TripStatus::Inspection,
        TripStatus::Held,
        TripStatus::Cleared,
        TripStatus::Exited,
        TripStatus::Rejected,
        TripStatus::Cancelled,
        TripStatus::NoShow,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TripStatus::Draft => "draft",
            TripStatus::Declared => "declared",
            TripStatus::Booked => "booked",
            TripStatus::Arrived => "arrived",
            TripStatus::CalledForward => "called_forward",
            TripStatus::Inspection => "inspection",
            TripStatus::Held => "held",
            TripStatus::Cleared => "cleared",
            TripStatus::Exited => "exited",
            TripStatus::Rejected => "rejected",
            TripStatus::Cancelled => "cancelled",
            TripStatus::NoShow => "no_show",
        }
    }

    pub fn from_code(code: &str) -> Option<TripStatus> {
        TripStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    /// Before a booking, everything about the trip may change.
    pub fn is_editable(self) -> bool {
        matches!(self, TripStatus::Draft | TripStatus::Declared)
    }

    /// Once booked (and until the truck reaches the yard), only the driver may change:
    /// the anchors learned that editable bookings are what bots hoard.
    pub fn allows_driver_change(self) -> bool {
        self == TripStatus::Booked
    }
}

/// Save as a draft (only what is filled in is checked) or declare (everything must be
/// complete and valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Draft,
    Declare,
}

impl Intent {
    pub fn from_code(code: &str) -> Option<Intent> {
        match code.trim() {
            "draft" => Some(Intent::Draft),
            "declare" => Some(Intent::Declare),
            _ => None,
        }
    }
}

/// The trip form as typed. Check boxes arrive only when ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TripForm {
    pub vehicle_id: String,
    pub driver_id: String,
    pub direction: String,
    pub gate_id: String,
    pub planned_date: String,
    pub cargo_description: String,
    pub hs_code: String,
    pub cargo_weight_kg: String,
    pub packages: String,
    pub containers: String,
    pub customs_declaration: String,
    pub seal_number: String,
    pub perishable: Option<String>,
    pub refrigerated: Option<String>,
    pub set_temperature: String,
    pub quarantine_required: Option<String>,
}

/// A trip as stored: in a draft any field may still be missing.
#[derive(Debug, Clone, PartialEq)]
pub struct TripDetails {
    pub vehicle_id: Option<Uuid>,
    pub driver_id: Option<Uuid>,
    pub direction: Option<Direction>,
    pub gate_id: Option<String>,
    pub planned_date: Option<chrono::NaiveDate>,
    pub cargo_description: Option<String>,
    pub hs_code: Option<HsCode>,
    pub cargo_weight_kg: Option<i32>,
    pub packages: Option<i32>,
    pub containers: Vec<ContainerNumber>,
    pub customs_declaration: Option<DeclarationNumber>,
    pub seal_number: Option<SealNumber>,
    pub perishable: bool,
    pub refrigerated: bool,
    pub set_temperature: Option<Temperature>,
    pub quarantine_required: bool,
}

pub const CARGO_WEIGHT_KG: (i64, i64) = (1, 60_000);
pub const PACKAGES: (i64, i64) = (1, 100_000);

fn ticked(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|value| matches!(value.trim(), "on" | "true" | "1" | "yes"))
}

fn date(input: &str) -> Result<chrono::NaiveDate, Problem> {
    let text = input.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Problem::DateFormat)
}

impl TripForm {
    /// Parses the form; `today` is the gate's local date, for refusing past dates.
    pub fn parse(
        &self,
        intent: Intent,
        today: chrono::NaiveDate,
    ) -> Result<TripDetails, FieldErrors> {
        let mut errors = FieldErrors::default();
        let required = intent == Intent::Declare;
        // Each field: empty is fine in a draft, a problem when declaring; filled in, it
        // must be valid either way.
        macro_rules! field {
            ($name:literal, $input:expr, $parse:expr) => {{
                let input: &str = $input;
                if input.trim().is_empty() {
                    if required {
                        errors.add($name, Problem::Required);
                    }
                    None
                } else {
                    errors.take($name, $parse(input))
                }
            }};
        }
        let vehicle_id = field!("vehicle_id", &self.vehicle_id, |text: &str| {
            Uuid::parse_str(text.trim()).map_err(|_| Problem::UnknownChoice)
        });
        let driver_id = field!("driver_id", &self.driver_id, |text: &str| Uuid::parse_str(
            text.trim()
        )
        .map_err(|_| Problem::UnknownChoice));
        let direction = field!("direction", &self.direction, |text: &str| {
            Direction::from_code(text).ok_or(Problem::UnknownChoice)
        });
        let gate_id = field!("gate_id", &self.gate_id, |text: &str| Ok::<_, Problem>(
            text.trim().to_string()
        ));
        let planned_date = field!("planned_date", &self.planned_date, |text: &str| date(text)
            .and_then(|day| {
                if day < today {
                    Err(Problem::DateInPast)
                } else if day > today + chrono::Days::new(90) {
                    Err(Problem::DateTooFar { days: 90 })
                } else {
                    Ok(day)
                }
            }));
        let cargo_description = field!(
            "cargo_description",
            &self.cargo_description,
            |text: &str| bounded(text, 2, 500)
        );
        let hs_code = field!("hs_code", &self.hs_code, HsCode::parse);
        let cargo_weight_kg = field!("cargo_weight_kg", &self.cargo_weight_kg, |text: &str| {
            whole_number(text, CARGO_WEIGHT_KG.0, CARGO_WEIGHT_KG.1).map(|kg| kg as i32)
        });
        let packages = field!("packages", &self.packages, |text: &str| whole_number(
            text, PACKAGES.0, PACKAGES.1
        )
        .map(|count| count as i32));
        let containers = errors
            .take("containers", parse_list(&self.containers))
            .unwrap_or_default();
        let customs_declaration = field!(
            "customs_declaration",
            &self.customs_declaration,
            DeclarationNumber::parse
        );
        let seal_number = if self.seal_number.trim().is_empty() {
            None
        } else {
            errors.take("seal_number", SealNumber::parse(&self.seal_number))
        };
        let refrigerated = ticked(&self.refrigerated);
        let set_temperature = match (refrigerated, self.set_temperature.trim().is_empty()) {
            (true, true) if required => {
                errors.add("set_temperature", Problem::Required);
                None
            }
            (_, true) => None,
            (_, false) => errors.take("set_temperature", Temperature::parse(&self.set_temperature)),
        };
        if errors.is_empty() {
            Ok(TripDetails {
                vehicle_id,
                driver_id,
                direction,
                gate_id,
                planned_date,
                cargo_description,
                hs_code,
                cargo_weight_kg,
                packages,
                containers,
                customs_declaration,
                seal_number,
                // Refrigerated cargo is perishable by nature.
                perishable: ticked(&self.perishable) || refrigerated,
                refrigerated,
                set_temperature: if refrigerated { set_temperature } else { None },
                quarantine_required: ticked(&self.quarantine_required),
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn complete() -> TripForm {
        TripForm {
            vehicle_id: Uuid::new_v4().to_string(),
            driver_id: Uuid::new_v4().to_string(),
            direction: "export".into(),
            gate_id: "huu-nghi".into(),
            planned_date: "2026-11-24".into(),
            cargo_description: "Thanh long tươi (fresh dragon fruit)".into(),
            hs_code: "0810.90.10".into(),
            cargo_weight_kg: "18.000".into(),
            packages: "1200".into(),
            containers: "CSQU3054383".into(),
            customs_declaration: "105523456789".into(),
            seal_number: "ES00123".into(),
            perishable: None,
            refrigerated: Some("on".into()),
            set_temperature: "4".into(),
            quarantine_required: Some("on".into()),
        }
    }

    fn fields(errors: FieldErrors) -> Vec<(String, Problem)> {
        errors
            .iter()
            .map(|error| (error.field.clone(), error.problem))
            .collect()
    }

    #[test]
    fn a_complete_form_declares() {
        let trip = complete().parse(Intent::Declare, today()).unwrap();
        assert_eq!(trip.direction, Some(Direction::Export));
        assert_eq!(trip.cargo_weight_kg, Some(18_000));
        assert_eq!(trip.containers.len(), 1);
        assert!(
            trip.refrigerated && trip.perishable,
            "refrigerated cargo is perishable"
        );
        assert_eq!(trip.set_temperature.map(Temperature::tenths), Some(40));
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_wrong() {
        let draft = TripForm {
            cargo_description: "Vải thiều".into(),
            ..TripForm::default()
        };
        let trip = draft.parse(Intent::Draft, today()).unwrap();
        assert_eq!(trip.vehicle_id, None);
        assert_eq!(trip.cargo_description.as_deref(), Some("Vải thiều"));

        let wrong = TripForm {
            hs_code: "08".into(),
            ..TripForm::default()
        };
        assert_eq!(
            fields(wrong.parse(Intent::Draft, today()).unwrap_err()),
            [("hs_code".into(), Problem::HsCodeFormat)]
        );
    }

    #[test]
    fn declaring_requires_everything() {
        let errors = TripForm::default()
            .parse(Intent::Declare, today())
            .unwrap_err();
        let names: Vec<String> = errors.iter().map(|error| error.field.clone()).collect();
        assert_eq!(
            names,
            [
                "vehicle_id",
                "driver_id",
                "direction",
                "gate_id",
                "planned_date",
                "cargo_description",
                "hs_code",
                "cargo_weight_kg",
                "packages",
                "customs_declaration"
            ]
        );
    }

    #[test]
    fn a_bad_container_number_is_a_field_error() {
        let form = TripForm {
            containers: "CSQU3054384".into(),
            ..complete()
        };
        assert_eq!(
            fields(form.parse(Intent::Declare, today()).unwrap_err()),
            [("containers".into(), Problem::ContainerCheckDigit)]
        );
    }

    #[test]
    fn refrigerated_cargo_needs_its_temperature() {
        let form = TripForm {
            set_temperature: String::new(),
            ..complete()
        };
        assert_eq!(
            fields(form.parse(Intent::Declare, today()).unwrap_err()),
            [("set_temperature".into(), Problem::Required)]
        );
        let not_cold = TripForm {
            refrigerated: None,
            set_temperature: "4".into(),
            ..complete()
        };
        assert_eq!(
            not_cold
                .parse(Intent::Declare, today())
                .unwrap()
                .set_temperature,
            None
        );
    }

    #[test]
    fn planned_dates_are_from_today_to_ninety_days() {
        let past = TripForm {
            planned_date: "2026-11-21".into(),
            ..complete()
        };
        assert_eq!(
            fields(past.parse(Intent::Declare, today()).unwrap_err()),
            [("planned_date".into(), Problem::DateInPast)]
        );
        let far = TripForm {
            planned_date: "2027-03-01".into(),
            ..complete()
        };
        assert_eq!(
            fields(far.parse(Intent::Declare, today()).unwrap_err()),
            [("planned_date".into(), Problem::DateTooFar { days: 90 })]
        );
        let garbage = TripForm {
            planned_date: "24/11/2026".into(),
            ..complete()
        };
        assert_eq!(
            fields(garbage.parse(Intent::Declare, today()).unwrap_err()),
            [("planned_date".into(), Problem::DateFormat)]
        );
    }

    #[test]
    fn status_codes_round_trip_and_edit_rules() {
        for status in TripStatus::ALL {
            assert_eq!(TripStatus::from_code(status.code()), Some(status));
        }
        let editable: Vec<_> = TripStatus::ALL
            .into_iter()
            .filter(|status| status.is_editable())
            .collect();
        assert_eq!(editable, [TripStatus::Draft, TripStatus::Declared]);
        assert!(TripStatus::Booked.allows_driver_change());
        assert!(!TripStatus::Arrived.allows_driver_change());
    }
}
