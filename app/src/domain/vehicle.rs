//! The firm's fleet: what a vehicle is and the form that registers or edits one, shared
//! by the single-vehicle form and every row of a CSV import.

use super::{
    Problem,
    form::{FieldErrors, whole_number},
    person::optional,
    plate::{Country, Plate},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleKind {
    Truck,
    TractorTrailer,
    ContainerCarrier,
    Refrigerated,
}

impl VehicleKind {
    pub const ALL: [VehicleKind; 4] = [
        VehicleKind::Truck,
        VehicleKind::TractorTrailer,
        VehicleKind::ContainerCarrier,
        VehicleKind::Refrigerated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            VehicleKind::Truck => "truck",
            VehicleKind::TractorTrailer => "tractor_trailer",
            VehicleKind::ContainerCarrier => "container_carrier",
            VehicleKind::Refrigerated => "refrigerated",
        }
    }

    pub fn from_code(code: &str) -> Option<VehicleKind> {
        let code = code.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        VehicleKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

/// Limits that catch typing mistakes (a weight in tonnes instead of kilograms), not legal
/// limits: those depend on the road and are the border guard's to check.
pub const AXLES: (i64, i64) = (2, 10);
pub const GROSS_WEIGHT_KG: (i64, i64) = (1_000, 80_000);

/// The vehicle form as typed (and each CSV row, column for column).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VehicleForm {
    pub plate: String,
    pub trailer_plate: String,
    pub kind: String,
    pub axles: String,
    pub gross_weight_kg: String,
    pub country: String,
}

/// A vehicle ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleDetails {
    pub plate: Plate,
    pub trailer_plate: Option<Plate>,
    pub kind: VehicleKind,
    pub axles: i16,
    pub gross_weight_kg: i32,
    pub country: Country,
}

impl VehicleForm {
    pub fn parse(&self) -> Result<VehicleDetails, FieldErrors> {
        let mut errors = FieldErrors::default();
        let country = errors.take(
            "country",
            Country::from_code(&self.country).ok_or(Problem::UnknownChoice),
        );
        // Without a valid country, still say what is wrong with the plate itself.
        let plate = errors.take(
            "plate",
            match country {
                Some(country) => Plate::parse_for(&self.plate, country),
                None => Plate::parse(&self.plate),
            }
            .and_then(|plate| {
                if plate.is_trailer() {
                    Err(Problem::PlateIsTrailer)
                } else {
                    Ok(plate)
                }
            }),
        );
        let trailer_plate = optional(
            &mut errors,
            "trailer_plate",
            &self.trailer_plate,
            false,
            |input| {
                Plate::parse(input).and_then(|plate| {
                    if plate.is_trailer() {
                        Ok(plate)
                    } else {
                        Err(Problem::PlateNotTrailer)
                    }
                })
            },
        );
        let kind = errors.take(
            "kind",
            VehicleKind::from_code(&self.kind).ok_or(Problem::UnknownChoice),
        );
        let axles = errors.take("axles", whole_number(&self.axles, AXLES.0, AXLES.1));
        let gross_weight_kg = errors.take(
            "gross_weight_kg",
            whole_number(&self.gross_weight_kg, GROSS_WEIGHT_KG.0, GROSS_WEIGHT_KG.1),
        );
        match (country, plate, trailer_plate, kind, axles, gross_weight_kg) {
            (
                Some(country),
                Some(plate),
                Some(trailer_plate),
                Some(kind),
                Some(axles),
                Some(gross_weight_kg),
            ) => Ok(VehicleDetails {
                plate,
                trailer_plate,
                kind,
                axles: axles as i16,
                gross_weight_kg: gross_weight_kg as i32,
                country,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> VehicleForm {
        VehicleForm {
            plate: "12c 123 45".into(),
            trailer_plate: "12R-012.34".into(),
            kind: "tractor_trailer".into(),
            axles: "5".into(),
            gross_weight_kg: "40000".into(),
            country: "VN".into(),
        }
    }

    fn problems(form: VehicleForm) -> Vec<(String, Problem)> {
        form.parse()
            .unwrap_err()
            .iter()
            .map(|error| (error.field.clone(), error.problem))
            .collect()
    }

    #[test]
    fn a_complete_form_parses() {
        let vehicle = form().parse().unwrap();
        assert_eq!(vehicle.plate.canonical(), "12C-123.45");
        assert_eq!(vehicle.trailer_plate.unwrap().canonical(), "12R-012.34");
        assert_eq!(vehicle.kind, VehicleKind::TractorTrailer);
        assert_eq!((vehicle.axles, vehicle.gross_weight_kg), (5, 40_000));
    }

    #[test]
    fn trailer_is_optional() {
        let vehicle = VehicleForm {
            trailer_plate: " ".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(vehicle.trailer_plate, None);
    }

    #[test]
    fn plates_must_sit_in_the_right_field() {
        assert_eq!(
            problems(VehicleForm {
                plate: "12R-012.34".into(),
                ..form()
            }),
            [("plate".into(), Problem::PlateIsTrailer)]
        );
        assert_eq!(
            problems(VehicleForm {
                trailer_plate: "12C-99999".into(),
                ..form()
            }),
            [("trailer_plate".into(), Problem::PlateNotTrailer)]
        );
    }

    #[test]
    fn plate_must_match_the_country_of_registration() {
        assert_eq!(
            problems(VehicleForm {
                country: "CN".into(),
                ..form()
            }),
            [("plate".into(), Problem::PlateCountryMismatch)]
        );
        let chinese = VehicleForm {
            plate: "桂A12345".into(),
            trailer_plate: "桂A1234挂".into(),
            country: "cn".into(),
            ..form()
        };
        assert_eq!(chinese.parse().unwrap().country, Country::China);
    }

    #[test]
    fn numbers_and_choices_are_checked() {
        let bad = VehicleForm {
            kind: "bicycle".into(),
            axles: "1".into(),
            gross_weight_kg: "forty".into(),
            country: "LA".into(),
            ..form()
        };
        assert_eq!(
            problems(bad),
            [
                ("country".into(), Problem::UnknownChoice),
                ("kind".into(), Problem::UnknownChoice),
                ("axles".into(), Problem::OutOfRange { min: 2, max: 10 }),
                ("gross_weight_kg".into(), Problem::NotANumber),
            ]
        );
    }

    #[test]
    fn kinds_are_read_leniently() {
        assert_eq!(
            VehicleKind::from_code("Container-Carrier"),
            Some(VehicleKind::ContainerCarrier)
        );
        assert_eq!(
            VehicleKind::from_code(" REFRIGERATED "),
            Some(VehicleKind::Refrigerated)
        );
    }
}
