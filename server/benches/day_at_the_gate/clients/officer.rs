//! Officers at the gate: traffic police call trucks forward (`call_forward`), customs,
//! border guard and quarantine decide (`decide`), a border guard confirms the exit
//! (`confirm_exit`).

use super::{Portal, Reply, Session};
use crate::{seeding::Account, settings::Group};

/// Signs an officer in: every officer of the day signs in here and nowhere else, with
/// the password and the second factor officers need.
pub async fn sign_in(portal: &Portal, account: &Account) -> anyhow::Result<Session> {
    super::sign_in_as_staff(portal, account).await
}

/// Calls the next `count` trucks of the group's yard to a lane; the reply's JSON is the
/// list of trip ids called.
pub async fn call_forward(portal: &Portal, session: &Session, group: &Group, lane: &str) -> Reply {
    portal
        .call(
            session,
            "call_forward",
            &[
                ("gate_id", group.gate.as_str()),
                ("direction", group.direction),
                ("count", "1"),
                ("lane", lane),
            ],
        )
        .await
}

/// Clears the agency's part of a trip (customs in `channel`).
pub async fn clear(
    portal: &Portal,
    session: &Session,
    group: &Group,
    trip_id: &str,
    channel: Option<&str>,
) -> Reply {
    let mut form = vec![
        ("gate_id", group.gate.as_str()),
        ("direction", group.direction),
        ("trip_id", trip_id),
        ("decision", "clear"),
    ];
    if let Some(channel) = channel {
        form.push(("channel", channel));
    }
    portal.call(session, "decide", &form).await
}

pub async fn confirm_exit(
    portal: &Portal,
    session: &Session,
    group: &Group,
    trip_id: &str,
) -> Reply {
    portal
        .call(
            session,
            "confirm_exit",
            &[
                ("gate_id", group.gate.as_str()),
                ("direction", group.direction),
                ("trip_id", trip_id),
            ],
        )
        .await
}
