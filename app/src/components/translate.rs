//! Translated text for the domain's values and problems. Each match is exhaustive, so
//! a new problem, role or kind does not compile until it has its words.

use crate::{
    domain::{
        Problem,
        clock::WallClock,
        lifecycle::{Channel, HoldReason},
        plate::Country,
        role::{Agency, Role},
        security::EventKind,
        trip::{Direction, TripStatus},
        vehicle::VehicleKind,
    },
    error::AppError,
    i18n::*,
    models::clearance::AgencyState,
};
use leptos_i18n::I18nContext;

pub type I18n = I18nContext<Locale>;

pub fn problem_text(i18n: I18n, problem: Problem) -> String {
    match problem {
        Problem::Required => t_string!(i18n, problem.required).to_string(),
        Problem::TooMany { max } => t_string!(i18n, problem.too_many, max).to_string(),
        Problem::InvalidCharacters => t_string!(i18n, problem.invalid_characters).to_string(),
        Problem::PushSubscriptionInvalid => {
            t_string!(i18n, problem.push_subscription_invalid).to_string()
        }
        Problem::TooShort { min } => t_string!(i18n, problem.too_short, min).to_string(),
        Problem::TooLong { max } => t_string!(i18n, problem.too_long, max).to_string(),
        Problem::PlateFormat => t_string!(i18n, problem.plate_format).to_string(),
        Problem::PlateCountryMismatch => {
            t_string!(i18n, problem.plate_country_mismatch).to_string()
        }
        Problem::PlateIsTrailer => t_string!(i18n, problem.plate_is_trailer).to_string(),
        Problem::PlateNotTrailer => t_string!(i18n, problem.plate_not_trailer).to_string(),
        Problem::PlateTaken => t_string!(i18n, problem.plate_taken).to_string(),
        Problem::TaxCodeFormat => t_string!(i18n, problem.tax_code_format).to_string(),
        Problem::TaxCodeTaken => t_string!(i18n, problem.tax_code_taken).to_string(),
        Problem::EmailFormat => t_string!(i18n, problem.email_format).to_string(),
        Problem::EmailTaken => t_string!(i18n, problem.email_taken).to_string(),
        Problem::PhoneFormat => t_string!(i18n, problem.phone_format).to_string(),
        Problem::PhoneTaken => t_string!(i18n, problem.phone_taken).to_string(),
        Problem::IdNumberFormat => t_string!(i18n, problem.id_number_format).to_string(),
        Problem::PasswordTooShort { min } => {
            t_string!(i18n, problem.password_too_short, min).to_string()
        }
        Problem::PasswordTooLong { max } => {
            t_string!(i18n, problem.password_too_long, max).to_string()
        }
        Problem::PasswordCommon => t_string!(i18n, problem.password_common).to_string(),
        Problem::PasswordIsEmail => t_string!(i18n, problem.password_is_email).to_string(),
        Problem::PasswordIsPhone => t_string!(i18n, problem.password_is_phone).to_string(),
        Problem::PasswordIsPersonName => {
            t_string!(i18n, problem.password_is_person_name).to_string()
        }
        Problem::PasswordIsFirmName => t_string!(i18n, problem.password_is_firm_name).to_string(),
        Problem::PasswordWrong => t_string!(i18n, problem.password_wrong).to_string(),
        Problem::ResetCodeInvalid => t_string!(i18n, problem.reset_code_invalid).to_string(),
        Problem::SecondFactorWrong => t_string!(i18n, problem.second_factor_wrong).to_string(),
        Problem::SecondFactorUsed => t_string!(i18n, problem.second_factor_used).to_string(),
        Problem::NotANumber => t_string!(i18n, problem.not_a_number).to_string(),
        Problem::OutOfRange { min, max } => {
            t_string!(i18n, problem.out_of_range, min, max).to_string()
        }
        Problem::UnknownChoice => t_string!(i18n, problem.unknown_choice).to_string(),
        Problem::DuplicateInFile { first_row } => {
            t_string!(i18n, problem.duplicate_in_file, row = first_row).to_string()
        }
        Problem::CsvNotText => t_string!(i18n, problem.csv_not_text).to_string(),
        Problem::CsvEmpty => t_string!(i18n, problem.csv_empty).to_string(),
        Problem::CsvMissingColumn => t_string!(i18n, problem.csv_missing_column).to_string(),
        Problem::CsvTooLarge { max_rows } => {
            t_string!(i18n, problem.csv_too_large, max_rows).to_string()
        }
        Problem::RoleNotAllowed => t_string!(i18n, problem.role_not_allowed).to_string(),
        Problem::ContainerFormat => t_string!(i18n, problem.container_format).to_string(),
        Problem::ContainerCheckDigit => t_string!(i18n, problem.container_check_digit).to_string(),
        Problem::ContainerRepeated => t_string!(i18n, problem.container_repeated).to_string(),
        Problem::DeclarationFormat => t_string!(i18n, problem.declaration_format).to_string(),
        Problem::HsCodeFormat => t_string!(i18n, problem.hs_code_format).to_string(),
        Problem::SealFormat => t_string!(i18n, problem.seal_format).to_string(),
        Problem::DateFormat => t_string!(i18n, problem.date_format).to_string(),
        Problem::DateInPast => t_string!(i18n, problem.date_in_past).to_string(),
        Problem::DateTooFar { days } => t_string!(i18n, problem.date_too_far, days).to_string(),
        Problem::TimeFormat => t_string!(i18n, problem.time_format).to_string(),
        Problem::EndBeforeStart => t_string!(i18n, problem.end_before_start).to_string(),
        Problem::VehicleInactive => t_string!(i18n, problem.vehicle_inactive).to_string(),
        Problem::TripLocked => t_string!(i18n, problem.trip_locked).to_string(),
        Problem::TripNotBookable => t_string!(i18n, problem.trip_not_bookable).to_string(),
        Problem::TripNotBooked => t_string!(i18n, problem.trip_not_booked).to_string(),
        Problem::WrongSlot => t_string!(i18n, problem.wrong_slot).to_string(),
        Problem::SameSlot => t_string!(i18n, problem.same_slot).to_string(),
        Problem::SlotTooSoon { lead_minutes } => {
            t_string!(i18n, problem.slot_too_soon, minutes = lead_minutes).to_string()
        }
        Problem::SlotTooFar { horizon_days } => {
            t_string!(i18n, problem.slot_too_far, days = horizon_days).to_string()
        }
        Problem::SlotFull => t_string!(i18n, problem.slot_full).to_string(),
        Problem::ReservedForPerishable { hours } => {
            t_string!(i18n, problem.reserved_for_perishable, hours).to_string()
        }
        Problem::FirmShareReached { cap } => {
            t_string!(i18n, problem.firm_share_reached, cap).to_string()
        }
        Problem::DailyIntakeReached => t_string!(i18n, problem.daily_intake_reached).to_string(),
        Problem::VehicleBlocked {
            until,
            utc_offset_minutes,
        } => {
            let until = WallClock::at(until, utc_offset_minutes).day_and_time();
            t_string!(i18n, problem.vehicle_blocked, until).to_string()
        }
        Problem::GateClosed => t_string!(i18n, problem.gate_closed).to_string(),
        Problem::KeyReused => t_string!(i18n, problem.key_reused).to_string(),
        Problem::SlotLengthLocked => t_string!(i18n, problem.slot_length_locked).to_string(),
        Problem::StepNotNow => t_string!(i18n, problem.step_not_now).to_string(),
        Problem::AgencyNotRequired => t_string!(i18n, problem.agency_not_required).to_string(),
        Problem::AlreadyCleared => t_string!(i18n, problem.already_cleared).to_string(),
        Problem::NotHolder => t_string!(i18n, problem.not_holder).to_string(),
        Problem::PassForged => t_string!(i18n, problem.pass_forged).to_string(),
        Problem::PassUnknown => t_string!(i18n, problem.pass_unknown).to_string(),
        Problem::PassOtherGate => t_string!(i18n, problem.pass_other_gate).to_string(),
        Problem::OutsideWindow {
            opens,
            closes,
            utc_offset_minutes,
        } => {
            let opens = WallClock::at(opens, utc_offset_minutes).day_and_time();
            let closes = WallClock::at(closes, utc_offset_minutes).day_and_time();
            t_string!(i18n, problem.outside_window, opens, closes).to_string()
        }
        Problem::PlateNotExpected => t_string!(i18n, problem.plate_not_expected).to_string(),
        Problem::YardEmpty => t_string!(i18n, problem.yard_empty).to_string(),
    }
}

/// The sentence for an error as a whole (a form's field problems are shown by the fields).
pub fn error_text(i18n: I18n, error: &AppError) -> String {
    match error {
        AppError::Invalid { .. } => t_string!(i18n, error.invalid).to_string(),
        AppError::WrongCredentials => t_string!(i18n, error.wrong_credentials).to_string(),
        AppError::TooManyAttempts {
            retry_after_seconds,
        } => {
            let minutes = retry_after_seconds.div_ceil(60);
            t_string!(i18n, error.too_many_attempts, minutes).to_string()
        }
        AppError::NotSignedIn => t_string!(i18n, error.not_signed_in).to_string(),
        AppError::Forbidden => t_string!(i18n, error.forbidden).to_string(),
        AppError::NotFound => t_string!(i18n, error.not_found).to_string(),
        AppError::CrossSite => t_string!(i18n, error.cross_site).to_string(),
        AppError::BadRequest => t_string!(i18n, error.bad_request).to_string(),
        AppError::TooLarge { max_bytes } => {
            let megabytes = (max_bytes / (1024 * 1024)).max(1);
            t_string!(i18n, error.too_large, megabytes = megabytes).to_string()
        }
        AppError::Unreachable => t_string!(i18n, error.unreachable).to_string(),
        AppError::Unavailable { .. } => t_string!(i18n, error.unavailable).to_string(),
        AppError::Internal => t_string!(i18n, error.internal).to_string(),
    }
}

pub fn agency_text(i18n: I18n, agency: Agency) -> String {
    match agency {
        Agency::Customs => t_string!(i18n, agency.customs).to_string(),
        Agency::BorderGuard => t_string!(i18n, agency.border_guard).to_string(),
        Agency::Quarantine => t_string!(i18n, agency.quarantine).to_string(),
        Agency::TrafficPolice => t_string!(i18n, agency.traffic_police).to_string(),
    }
}

pub fn role_text(i18n: I18n, role: Role) -> String {
    match role {
        Role::FirmAdmin => t_string!(i18n, role.firm_admin).to_string(),
        Role::FirmClerk => t_string!(i18n, role.firm_clerk).to_string(),
        Role::Driver => t_string!(i18n, role.driver).to_string(),
        Role::Officer(agency) => {
            t_string!(i18n, role.officer, agency = agency_text(i18n, agency)).to_string()
        }
        Role::GateAdmin => t_string!(i18n, role.gate_admin).to_string(),
        Role::PlatformAdmin => t_string!(i18n, role.platform_admin).to_string(),
    }
}

pub fn kind_text(i18n: I18n, kind: VehicleKind) -> String {
    match kind {
        VehicleKind::Truck => t_string!(i18n, kind.truck).to_string(),
        VehicleKind::TractorTrailer => t_string!(i18n, kind.tractor_trailer).to_string(),
        VehicleKind::ContainerCarrier => t_string!(i18n, kind.container_carrier).to_string(),
        VehicleKind::Refrigerated => t_string!(i18n, kind.refrigerated).to_string(),
    }
}

pub fn direction_text(i18n: I18n, direction: Direction) -> String {
    match direction {
        Direction::Export => t_string!(i18n, direction.export).to_string(),
        Direction::Import => t_string!(i18n, direction.import).to_string(),
    }
}

pub fn status_text(i18n: I18n, status: TripStatus) -> String {
    match status {
        TripStatus::Draft => t_string!(i18n, status.draft).to_string(),
        TripStatus::Declared => t_string!(i18n, status.declared).to_string(),
        TripStatus::Booked => t_string!(i18n, status.booked).to_string(),
        TripStatus::Arrived => t_string!(i18n, status.arrived).to_string(),
        TripStatus::CalledForward => t_string!(i18n, status.called_forward).to_string(),
        TripStatus::Inspection => t_string!(i18n, status.inspection).to_string(),
        TripStatus::Held => t_string!(i18n, status.held).to_string(),
        TripStatus::Cleared => t_string!(i18n, status.cleared).to_string(),
        TripStatus::Exited => t_string!(i18n, status.exited).to_string(),
        TripStatus::Rejected => t_string!(i18n, status.rejected).to_string(),
        TripStatus::Cancelled => t_string!(i18n, status.cancelled).to_string(),
        TripStatus::NoShow => t_string!(i18n, status.no_show).to_string(),
    }
}

/// The words for an event of a trip's timeline; unknown kinds show as they are stored.
pub fn event_text(i18n: I18n, kind: &str) -> String {
    match kind {
        "created" => t_string!(i18n, event.created).to_string(),
        "declared" => t_string!(i18n, event.declared).to_string(),
        "updated" => t_string!(i18n, event.updated).to_string(),
        "booked" => t_string!(i18n, event.booked).to_string(),
        "moved" => t_string!(i18n, event.moved).to_string(),
        "cancelled" => t_string!(i18n, event.cancelled).to_string(),
        "no_show" => t_string!(i18n, event.no_show).to_string(),
        "driver_changed" => t_string!(i18n, event.driver_changed).to_string(),
        "must_move" => t_string!(i18n, event.must_move).to_string(),
        "arrived" => t_string!(i18n, event.arrived).to_string(),
        "called_forward" => t_string!(i18n, event.called_forward).to_string(),
        "agency_cleared" => t_string!(i18n, event.agency_cleared).to_string(),
        "routed" => t_string!(i18n, event.routed).to_string(),
        "held" => t_string!(i18n, event.held).to_string(),
        "released" => t_string!(i18n, event.released).to_string(),
        "rejected" => t_string!(i18n, event.rejected).to_string(),
        "cleared" => t_string!(i18n, event.cleared).to_string(),
        "exited" => t_string!(i18n, event.exited).to_string(),
        other => other.to_string(),
    }
}

pub fn channel_text(i18n: I18n, channel: Channel) -> String {
    match channel {
        Channel::Green => t_string!(i18n, channel.green).to_string(),
        Channel::Yellow => t_string!(i18n, channel.yellow).to_string(),
        Channel::Red => t_string!(i18n, channel.red).to_string(),
    }
}

pub fn hold_reason_text(i18n: I18n, reason: HoldReason) -> String {
    match reason {
        HoldReason::DocumentsIncomplete => t_string!(i18n, hold.documents_incomplete).to_string(),
        HoldReason::DeclarationMismatch => t_string!(i18n, hold.declaration_mismatch).to_string(),
        HoldReason::PhysicalInspection => t_string!(i18n, hold.physical_inspection).to_string(),
        HoldReason::SealBroken => t_string!(i18n, hold.seal_broken).to_string(),
        HoldReason::QuarantineSample => t_string!(i18n, hold.quarantine_sample).to_string(),
        HoldReason::TemperatureOutOfRange => {
            t_string!(i18n, hold.temperature_out_of_range).to_string()
        }
        HoldReason::DriverPapers => t_string!(i18n, hold.driver_papers).to_string(),
        HoldReason::VehicleDefect => t_string!(i18n, hold.vehicle_defect).to_string(),
        HoldReason::Other => t_string!(i18n, hold.other).to_string(),
    }
}

pub fn agency_state_text(i18n: I18n, state: AgencyState) -> String {
    match state {
        AgencyState::Pending => t_string!(i18n, agency_state.pending).to_string(),
        AgencyState::Routed(channel) => channel_text(i18n, channel),
        AgencyState::Cleared => t_string!(i18n, agency_state.cleared).to_string(),
        AgencyState::Held => t_string!(i18n, agency_state.held).to_string(),
    }
}

/// An alert's kind in words; unknown kinds show as stored.
pub fn alert_text(i18n: I18n, kind: &str) -> String {
    match kind {
        "unknown_plate" => t_string!(i18n, alert.unknown_plate).to_string(),
        "outside_window" => t_string!(i18n, alert.outside_window).to_string(),
        "forged_pass" => t_string!(i18n, alert.forged_pass).to_string(),
        "unknown_pass" => t_string!(i18n, alert.unknown_pass).to_string(),
        "wrong_gate" => t_string!(i18n, alert.wrong_gate).to_string(),
        other => other.to_string(),
    }
}

pub fn security_event_text(i18n: I18n, kind: EventKind) -> String {
    match kind {
        EventKind::SignInFailed => t_string!(i18n, security.kind_sign_in_failed).to_string(),
        EventKind::Throttled => t_string!(i18n, security.kind_throttled).to_string(),
        EventKind::ForgedPass => t_string!(i18n, security.kind_forged_pass).to_string(),
        EventKind::RefusedPass => t_string!(i18n, security.kind_refused_pass).to_string(),
        EventKind::DeviceKeyRefused => {
            t_string!(i18n, security.kind_device_key_refused).to_string()
        }
        EventKind::CrossSite => t_string!(i18n, security.kind_cross_site).to_string(),
        EventKind::Forbidden => t_string!(i18n, security.kind_forbidden).to_string(),
    }
}

pub fn country_text(i18n: I18n, country: Country) -> String {
    match country {
        Country::Vietnam => t_string!(i18n, country.VN).to_string(),
        Country::China => t_string!(i18n, country.CN).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every key path of a locale file, `problem.required` style.
    fn keys(json: &str) -> BTreeSet<String> {
        fn walk(prefix: &str, value: &serde_json::Value, into: &mut BTreeSet<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, child) in map {
                        let path = if prefix.is_empty() {
                            key.clone()
                        } else {
                            format!("{prefix}.{key}")
                        };
                        walk(&path, child, into);
                    }
                }
                _ => {
                    into.insert(prefix.to_string());
                }
            }
        }
        let mut found = BTreeSet::new();
        walk(
            "",
            &serde_json::from_str(json).expect("a locale file is JSON"),
            &mut found,
        );
        found
    }

    #[test]
    fn every_string_exists_in_vietnamese_english_and_chinese() {
        let vietnamese = keys(include_str!("../../locales/vi.json"));
        for (name, other) in [
            ("en", keys(include_str!("../../locales/en.json"))),
            ("zh", keys(include_str!("../../locales/zh.json"))),
        ] {
            assert_eq!(
                vietnamese.difference(&other).collect::<Vec<_>>(),
                Vec::<&String>::new(),
                "missing from {name}"
            );
            assert_eq!(
                other.difference(&vietnamese).collect::<Vec<_>>(),
                Vec::<&String>::new(),
                "only in {name}"
            );
        }
        assert!(vietnamese.len() > 100);
    }

    #[test]
    fn no_translation_is_left_empty() {
        for (name, json) in [
            ("vi", include_str!("../../locales/vi.json")),
            ("en", include_str!("../../locales/en.json")),
            ("zh", include_str!("../../locales/zh.json")),
        ] {
            assert!(!json.contains("\"\""), "an empty string in {name}.json");
        }
    }
}
