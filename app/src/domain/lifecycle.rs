//! A trip's life as a state machine (`docs/domain.md`, "How a trip moves"):
//!
//! Draft → Declared → Booked → Arrived → CalledForward → Inspection → Cleared → Exited,
//! with Held (an agency's hold, released back to Inspection or ending in Rejected),
//! Cancelled and NoShow as the other ends. A cancelled booking takes a Booked trip back
//! to Declared. Every change is an event; this module says which changes exist and
//! which agencies must still decide, and refuses everything else.

use super::{role::Agency, trip::TripStatus};
use serde::{Deserialize, Serialize};

/// A customs channel: green (documents accepted), yellow (documents checked), red
/// (physical inspection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Green,
    Yellow,
    Red,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Green, Channel::Yellow, Channel::Red];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Green => "green",
            Channel::Yellow => "yellow",
            Channel::Red => "red",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL
            .into_iter()
            .find(|channel| channel.code() == code.trim())
    }
}

/// Why an agency holds a truck: the list an officer picks from (plus free text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    DocumentsIncomplete,
    DeclarationMismatch,
    PhysicalInspection,
    SealBroken,
    QuarantineSample,
    TemperatureOutOfRange,
    DriverPapers,
    VehicleDefect,
    Other,
}

impl HoldReason {
    pub const ALL: [HoldReason; 9] = [
        HoldReason::DocumentsIncomplete,
        HoldReason::DeclarationMismatch,
        HoldReason::PhysicalInspection,
        HoldReason::SealBroken,
        HoldReason::QuarantineSample,
        HoldReason::TemperatureOutOfRange,
        HoldReason::DriverPapers,
        HoldReason::VehicleDefect,
        HoldReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HoldReason::DocumentsIncomplete => "documents_incomplete",
            HoldReason::DeclarationMismatch => "declaration_mismatch",
            HoldReason::PhysicalInspection => "physical_inspection",
            HoldReason::SealBroken => "seal_broken",
            HoldReason::QuarantineSample => "quarantine_sample",
            HoldReason::TemperatureOutOfRange => "temperature_out_of_range",
            HoldReason::DriverPapers => "driver_papers",
            HoldReason::VehicleDefect => "vehicle_defect",
            HoldReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<HoldReason> {
        HoldReason::ALL
            .into_iter()
            .find(|reason| reason.code() == code.trim())
    }
}

/// Something that happens to a trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Step {
    Declare,
    Book,
    /// The booking is cancelled; the trip may book again.
    CancelBooking,
    Cancel,
    NoShow,
    /// Checked in at the waiting yard (pass scanned or plate read).
    Arrive,
    /// Called from the yard to a lane.
    CallForward,
    /// An agency records that it clears its part (customs with its channel).
    Clear {
        agency: Agency,
    },
    /// Customs routes the declaration to a channel without clearing yet (red: physical
    /// inspection needed).
    Route {
        channel: Channel,
    },
    Hold {
        agency: Agency,
    },
    Release {
        agency: Agency,
    },
    Reject {
        agency: Agency,
    },
    /// Crossed the border.
    Exit,
}

/// What each required agency has decided so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decisions {
    pub cleared: Vec<Agency>,
    /// The agency holding the truck, if one is.
    pub holding: Option<Agency>,
}

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The step does not exist from this status.
    NotNow,
    /// This agency has no part in this trip (quarantine when none is required).
    NotRequired,
    /// This agency already cleared its part.
    AlreadyCleared,
    /// Only the agency that holds the truck may release or reject it.
    NotHolder,
}

/// The agencies that must clear a trip: customs and border guard always, quarantine when
/// the cargo needs it. Traffic police call trucks forward but decide nothing.
pub fn required_agencies(quarantine_required: bool) -> Vec<Agency> {
    let mut agencies = vec![Agency::Customs, Agency::BorderGuard];
    if quarantine_required {
        agencies.push(Agency::Quarantine);
    }
    agencies
}

/// The agencies that still have to decide.
pub fn pending_agencies(quarantine_required: bool, decisions: &Decisions) -> Vec<Agency> {
    required_agencies(quarantine_required)
        .into_iter()
        .filter(|agency| !decisions.cleared.contains(agency))
        .collect()
}

/// The status a step leads to from `status`, or why it cannot happen. `decisions` are
/// the agencies' decisions before the step; a clearance that completes the required set
/// leads to Cleared.
pub fn next(
    status: TripStatus,
    step: Step,
    quarantine_required: bool,
    decisions: &Decisions,
) -> Result<TripStatus, Refusal> {
    use TripStatus as S;
    let required = required_agencies(quarantine_required);
    match (status, step) {
        (S::Draft, Step::Declare) => Ok(S::Declared),
        (S::Declared, Step::Book) => Ok(S::Booked),
        (S::Booked, Step::CancelBooking) => Ok(S::Declared),
        (S::Draft | S::Declared | S::Booked, Step::Cancel) => Ok(S::Cancelled),
        (S::Booked, Step::NoShow) => Ok(S::NoShow),
        (S::Booked, Step::Arrive) => Ok(S::Arrived),
        (S::Arrived, Step::CallForward) => Ok(S::CalledForward),
        (S::CalledForward | S::Inspection, Step::Clear { agency } | Step::Hold { agency })
            if !required.contains(&agency) =>
        {
            Err(Refusal::NotRequired)
        }
        (S::CalledForward | S::Inspection, Step::Clear { agency })
            if decisions.cleared.contains(&agency) =>
        {
            Err(Refusal::AlreadyCleared)
        }
        (S::CalledForward | S::Inspection, Step::Clear { agency }) => {
            let all_cleared = required
                .iter()
                .all(|required| *required == agency || decisions.cleared.contains(required));
            Ok(if all_cleared {
                S::Cleared
            } else {
                S::Inspection
            })
        }
        (S::CalledForward | S::Inspection, Step::Route { .. }) => Ok(S::Inspection),
        (S::CalledForward | S::Inspection, Step::Hold { .. }) => Ok(S::Held),
        (S::Held, Step::Release { agency } | Step::Reject { agency })
            if decisions.holding != Some(agency) =>
        {
            Err(Refusal::NotHolder)
        }
        (S::Held, Step::Release { .. }) => Ok(S::Inspection),
        (S::Held, Step::Reject { .. }) => Ok(S::Rejected),
        (S::Cleared, Step::Exit) => Ok(S::Exited),
        _ => Err(Refusal::NotNow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TripStatus as S;

    fn all_steps() -> Vec<Step> {
        let mut steps = vec![
            Step::Declare,
            Step::Book,
            Step::CancelBooking,
            Step::Cancel,
            Step::NoShow,
            Step::Arrive,
            Step::CallForward,
            Step::Exit,
        ];
        for agency in Agency::ALL {
            steps.extend([
                Step::Clear { agency },
                Step::Hold { agency },
                Step::Release { agency },
                Step::Reject { agency },
            ]);
        }
        steps.extend(Channel::ALL.map(|channel| Step::Route { channel }));
        steps
    }

    /// Every allowed (status, step) pair and where it leads, with no decisions made yet
    /// and quarantine required; everything not listed must be refused.
    fn allowed() -> Vec<(S, Step, S)> {
        let mut allowed = vec![
            (S::Draft, Step::Declare, S::Declared),
            (S::Declared, Step::Book, S::Booked),
            (S::Booked, Step::CancelBooking, S::Declared),
            (S::Draft, Step::Cancel, S::Cancelled),
            (S::Declared, Step::Cancel, S::Cancelled),
            (S::Booked, Step::Cancel, S::Cancelled),
            (S::Booked, Step::NoShow, S::NoShow),
            (S::Booked, Step::Arrive, S::Arrived),
            (S::Arrived, Step::CallForward, S::CalledForward),
            (S::Cleared, Step::Exit, S::Exited),
        ];
        for status in [S::CalledForward, S::Inspection] {
            for agency in [Agency::Customs, Agency::BorderGuard, Agency::Quarantine] {
                allowed.push((status, Step::Clear { agency }, S::Inspection));
                allowed.push((status, Step::Hold { agency }, S::Held));
            }
            for channel in Channel::ALL {
                allowed.push((status, Step::Route { channel }, S::Inspection));
            }
        }
        allowed
    }

    #[test]
    fn every_pair_is_either_allowed_as_listed_or_refused() {
        let allowed = allowed();
        let holding_customs = Decisions {
            cleared: vec![],
            holding: Some(Agency::Customs),
        };
        for status in TripStatus::ALL {
            for step in all_steps() {
                let decisions = if status == S::Held {
                    holding_customs.clone()
                } else {
                    Decisions::default()
                };
                let result = next(status, step, true, &decisions);
                let expected = allowed
                    .iter()
                    .find(|(from, listed, _)| *from == status && *listed == step)
                    .map(|(_, _, to)| *to);
                match (status, step, expected) {
                    (
                        S::Held,
                        Step::Release {
                            agency: Agency::Customs,
                        },
                        _,
                    ) => assert_eq!(result, Ok(S::Inspection)),
                    (
                        S::Held,
                        Step::Reject {
                            agency: Agency::Customs,
                        },
                        _,
                    ) => assert_eq!(result, Ok(S::Rejected)),
                    (S::Held, Step::Release { .. } | Step::Reject { .. }, _) => {
                        assert_eq!(result, Err(Refusal::NotHolder), "{step:?}")
                    }
                    (_, _, Some(to)) => assert_eq!(result, Ok(to), "{status:?} + {step:?}"),
                    (
                        _,
                        Step::Clear {
                            agency: Agency::TrafficPolice,
                        }
                        | Step::Hold {
                            agency: Agency::TrafficPolice,
                        },
                        None,
                    ) if matches!(status, S::CalledForward | S::Inspection) => {
                        assert_eq!(result, Err(Refusal::NotRequired))
                    }
                    (_, _, None) => assert!(
                        result.is_err(),
                        "{status:?} + {step:?} should be refused, got {result:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn cleared_only_when_every_required_agency_has_cleared() {
        let customs_done = Decisions {
            cleared: vec![Agency::Customs],
            holding: None,
        };
        assert_eq!(
            next(
                S::Inspection,
                Step::Clear {
                    agency: Agency::BorderGuard
                },
                false,
                &customs_done
            ),
            Ok(S::Cleared)
        );
        assert_eq!(
            next(
                S::Inspection,
                Step::Clear {
                    agency: Agency::BorderGuard
                },
                true,
                &customs_done
            ),
            Ok(S::Inspection),
            "quarantine still to decide"
        );
        let two_done = Decisions {
            cleared: vec![Agency::Customs, Agency::BorderGuard],
            holding: None,
        };
        assert_eq!(
            next(
                S::Inspection,
                Step::Clear {
                    agency: Agency::Quarantine
                },
                true,
                &two_done
            ),
            Ok(S::Cleared)
        );
        assert_eq!(
            next(
                S::CalledForward,
                Step::Clear {
                    agency: Agency::Customs
                },
                false,
                &Decisions::default()
            ),
            Ok(S::Inspection)
        );
    }

    #[test]
    fn agencies_decide_only_their_own_part_once() {
        let customs_done = Decisions {
            cleared: vec![Agency::Customs],
            holding: None,
        };
        assert_eq!(
            next(
                S::Inspection,
                Step::Clear {
                    agency: Agency::Customs
                },
                false,
                &customs_done
            ),
            Err(Refusal::AlreadyCleared)
        );
        assert_eq!(
            next(
                S::Inspection,
                Step::Clear {
                    agency: Agency::Quarantine
                },
                false,
                &customs_done
            ),
            Err(Refusal::NotRequired)
        );
        assert_eq!(
            next(
                S::Inspection,
                Step::Hold {
                    agency: Agency::TrafficPolice
                },
                false,
                &customs_done
            ),
            Err(Refusal::NotRequired)
        );
    }

    #[test]
    fn pending_agencies_follow_the_cargo() {
        assert_eq!(
            pending_agencies(false, &Decisions::default()),
            [Agency::Customs, Agency::BorderGuard]
        );
        let customs_done = Decisions {
            cleared: vec![Agency::Customs],
            holding: None,
        };
        assert_eq!(
            pending_agencies(true, &customs_done),
            [Agency::BorderGuard, Agency::Quarantine]
        );
    }

    #[test]
    fn codes_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(Channel::from_code(channel.code()), Some(channel));
        }
        for reason in HoldReason::ALL {
            assert_eq!(HoldReason::from_code(reason.code()), Some(reason));
        }
    }
}
