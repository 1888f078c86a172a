//! The security log as its page shows it.

use crate::domain::{role::Role, security::EventKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One row of the log: an event, or its repeats within one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    pub id: i64,
    pub kind: EventKind,
    /// First and last time seen, Unix seconds.
    pub first_at: i64,
    pub last_at: i64,
    pub count: i32,
    /// The client's address (an IPv6 client's /64 network); none when many were folded.
    pub address: Option<String>,
    pub detail: String,
    pub account: Option<Account>,
}

/// Who, when the account is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: Uuid,
    pub full_name: String,
    pub role: Option<Role>,
    /// The account's e-mail address or phone number.
    pub sign_in_name: Option<String>,
}

/// One page of the log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityLogPage {
    pub events: Vec<SecurityEvent>,
    pub kind: Option<EventKind>,
    /// From 1.
    pub page: u32,
    pub has_older: bool,
    /// Times are shown at the portal's own offset (Lang Son, UTC+7).
    pub utc_offset_minutes: i32,
}
