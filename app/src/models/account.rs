//! A person's own account: sessions, second factor, reset codes.

use crate::domain::role::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One open session of the signed-in person, for their list of sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: Uuid,
    /// Unix seconds.
    pub started_at: i64,
    pub last_seen_at: i64,
    /// A short name of the browser ("Chrome · Android"), when it said.
    pub device: Option<String>,
    /// The session of this very request.
    pub current: bool,
    /// The password was right but the second factor was not given (yet).
    pub pending: bool,
}

/// Whether the account has a second factor, for the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorStatus {
    pub set_up: bool,
    /// The role must have one (officers and admins).
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// A new authenticator to put into the app, until a code of it is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorSetup {
    /// `otpauth://` as an SVG QR code, rendered on the server.
    pub qr_svg: String,
    /// The secret in Base32, grouped, for typing into the app by hand.
    pub secret_text: String,
    /// It would replace a working second factor.
    pub replaces: bool,
    /// Setting it up is what this sign-in waits for.
    pub signing_in: bool,
}

/// A person whose forgotten password an administrator may reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: Uuid,
    pub full_name: String,
    pub role: Role,
    pub email: Option<String>,
}

/// A reset code just issued, shown once to the administrator who issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedResetCode {
    pub person_id: Uuid,
    /// Grouped for reading out (`K7MP-3QXA`).
    pub code: String,
    /// Unix seconds.
    pub expires_at: i64,
}
