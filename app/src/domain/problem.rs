use serde::{Deserialize, Serialize};

/// Why one field of a form was refused. Each variant has a message in every language
/// (see `locales/*.json`, section `problem`), so the UI never shows a raw string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooShort {
        min: u32,
    },
    TooLong {
        max: u32,
    },
    /// A list longer than anything real (containers of one truck).
    TooMany {
        max: u32,
    },
    /// Control characters (NUL, escape, ...) where only text belongs.
    InvalidCharacters,
    /// Not a plate of any form we know (Vietnamese or Chinese).
    PlateFormat,
    /// A plate of the other country than the one chosen for the vehicle.
    PlateCountryMismatch,
    /// A trailer plate given where the truck's own plate belongs.
    PlateIsTrailer,
    /// A truck plate given where the trailer's plate belongs.
    PlateNotTrailer,
    /// Another active vehicle already carries this plate.
    PlateTaken,
    TaxCodeFormat,
    TaxCodeTaken,
    EmailFormat,
    EmailTaken,
    PhoneFormat,
    PhoneTaken,
    IdNumberFormat,
    PasswordTooShort {
        min: u32,
    },
    PasswordTooLong {
        max: u32,
    },
    /// Among the passwords most often found in breaches (NIST SP 800-63B).
    PasswordCommon,
    /// The account's own e-mail address (or its name before the `@`).
    PasswordIsEmail,
    PasswordIsPhone,
    PasswordIsPersonName,
    PasswordIsFirmName,
    /// The current password, asked again before changing it, is not this one.
    PasswordWrong,
    /// A reset code that is wrong, expired, used or voided, or not this account's.
    ResetCodeInvalid,
    /// Neither the authenticator's current code nor an unused recovery code.
    SecondFactorWrong,
    /// An authenticator code that was already used: wait for the next one.
    SecondFactorUsed,
    NotANumber,
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// A value outside the list the form offers (a tampered select, a bad CSV cell).
    UnknownChoice,
    /// A browser's push subscription that is not one (bad endpoint or keys).
    PushSubscriptionInvalid,
    /// The same plate appears twice in one uploaded file.
    DuplicateInFile {
        first_row: u32,
    },
    CsvNotText,
    CsvEmpty,
    CsvMissingColumn,
    CsvTooLarge {
        max_rows: u32,
    },
    /// A role this account may not give (a clerk cannot create an admin).
    RoleNotAllowed,
    ContainerFormat,
    ContainerCheckDigit,
    ContainerRepeated,
    DeclarationFormat,
    HsCodeFormat,
    SealFormat,
    DateFormat,
    DateInPast,
    DateTooFar {
        days: u32,
    },
    TimeFormat,
    /// An end before its start.
    EndBeforeStart,
    VehicleInactive,
    /// A booked trip: only its driver may change now.
    TripLocked,
    /// Booking needs a declared trip that holds no slot yet.
    TripNotBookable,
    /// Moving or cancelling needs a booked trip.
    TripNotBooked,
    /// The slot is not of the trip's gate and direction.
    WrongSlot,
    SameSlot,
    SlotTooSoon {
        lead_minutes: i64,
    },
    SlotTooFar {
        horizon_days: i64,
    },
    SlotFull,
    /// What is left is kept for perishable cargo until `hours` before the slot.
    ReservedForPerishable {
        hours: i64,
    },
    /// The firm already holds its share of this slot.
    FirmShareReached {
        cap: i32,
    },
    /// The receiving side takes no more trucks that day in that direction.
    DailyIntakeReached,
    /// No-shows or late cancellations: no booking until then (Unix seconds; shown in
    /// the gate's local time, `utc_offset_minutes` east of UTC).
    VehicleBlocked {
        until: i64,
        utc_offset_minutes: i32,
    },
    GateClosed,
    /// The same idempotency key came with a different request.
    KeyReused,
    /// The slot length cannot change while future bookings exist.
    SlotLengthLocked,
    /// The trip is not where this step can happen (another officer may have moved it).
    StepNotNow,
    /// This agency has no part in this trip.
    AgencyNotRequired,
    AlreadyCleared,
    /// Only the agency holding the truck may release or reject it.
    NotHolder,
    /// The pass's signature fails: not issued by this portal.
    PassForged,
    /// No live booking has this pass.
    PassUnknown,
    /// The pass is for another gate.
    PassOtherGate,
    /// The truck is early or late for its arrival window (Unix seconds, shown at the gate's offset).
    OutsideWindow {
        opens: i64,
        closes: i64,
        utc_offset_minutes: i32,
    },
    /// No booking here is expecting this plate now.
    PlateNotExpected,
    /// No truck waits in the yard to be called.
    YardEmpty,
}
