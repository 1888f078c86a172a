//! The rules of booking a gate slot, as a gate's policy: when a slot may be booked,
//! how much of it one firm or non-perishable cargo may take, when a change is free, when
//! a truck must arrive, and when a vehicle is blocked for no-shows and late cancels.
//! Defaults from `docs/domain.md`; every one is a setting of the gate.

use super::Problem;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatePolicy {
    pub slot_minutes: i64,
    /// A slot can be booked from this far ahead...
    pub horizon_days: i64,
    /// ...until this close to its start.
    pub lead_minutes: i64,
    /// Moving or cancelling is free until this long before the slot.
    pub free_change_minutes: i64,
    /// A truck may arrive this long before its slot starts...
    pub arrive_before_minutes: i64,
    /// ...and this long after it ends; later is a no-show.
    pub arrive_after_minutes: i64,
    /// At most this share of one slot per firm (against hoarding).
    pub firm_share_percent: i64,
    /// This share of each slot is kept for perishable cargo...
    pub perishable_share_percent: i64,
    /// ...until this long before the slot, when it opens to all.
    pub perishable_release_hours: i64,
    /// Strikes count within this window:
    pub strike_window_days: i64,
    /// this many no-shows, or
    pub no_show_strikes: i64,
    /// this many late cancellations, block the vehicle
    pub late_cancel_strikes: i64,
    /// for this long after the last strike.
    pub block_days: i64,
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy {
            slot_minutes: 60,
            horizon_days: 7,
            lead_minutes: 60,
            free_change_minutes: 120,
            arrive_before_minutes: 30,
            arrive_after_minutes: 30,
            firm_share_percent: 20,
            perishable_share_percent: 30,
            perishable_release_hours: 6,
            strike_window_days: 30,
            no_show_strikes: 1,
            late_cancel_strikes: 2,
            block_days: 7,
        }
    }
}

/// Why a slot cannot be booked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimingRefusal {
    /// Closer to its start than the lead time allows.
    TooSoon { lead_minutes: i64 },
    /// Further ahead than the horizon.
    TooFar { horizon_days: i64 },
}

/// A cancellation or move made in good time, or too late (it counts as a strike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Free,
    Late,
}

/// A mark against a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strike {
    NoShow(DateTime<Utc>),
    LateCancel(DateTime<Utc>),
}

/// A slot as last read, before any lock is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSnapshot {
    pub starts_at: DateTime<Utc>,
    pub capacity: i32,
    pub booked: i32,
    pub booked_perishable: i32,
    /// A closure overlaps it.
    pub closed: bool,
}

/// The other counters a booking must fit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holdings {
    /// Places the firm holds in the slot.
    pub firm_booked: i32,
    /// The receiving side's intake for the slot's day and direction, and its bookings.
    pub day_limit: Option<i32>,
    pub day_booked: i32,
    /// Moving within the same day: the trip's own place is given back first.
    pub same_day_move: bool,
}

/// The limits the database applies atomically when the booking is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub regular_cap: i32,
    pub firm_cap: i32,
    /// How many more places this trip could take (for showing free capacity).
    pub free_for_trip: i32,
}

impl GatePolicy {
    /// Whether a trip (perishable or not) may take a place in `slot` at `now`, judged on
    /// a snapshot: refusing here costs no lock. The database applies the same caps again
    /// atomically, so a snapshot that aged only ever leads to a refusal there, never to
    /// an overbooking.
    pub fn admit(
        &self,
        now: DateTime<Utc>,
        slot: &SlotSnapshot,
        perishable: bool,
        holdings: &Holdings,
        strikes: &[Strike],
        utc_offset_minutes: i32,
    ) -> Result<Caps, Problem> {
        self.check_timing(now, slot.starts_at)
            .map_err(|refusal| match refusal {
                TimingRefusal::TooSoon { lead_minutes } => Problem::SlotTooSoon { lead_minutes },
                TimingRefusal::TooFar { horizon_days } => Problem::SlotTooFar { horizon_days },
            })?;
        if let Some(until) = self.blocked_until(now, strikes) {
            return Err(Problem::VehicleBlocked {
                until: until.timestamp(),
                utc_offset_minutes,
            });
        }
        if slot.closed {
            return Err(Problem::GateClosed);
        }
        let regular_cap = self.regular_cap(now, slot.starts_at, slot.capacity);
        let firm_cap = self.firm_cap(slot.capacity);
        let mut free = slot.capacity - slot.booked;
        if free <= 0 {
            return Err(Problem::SlotFull);
        }
        if !perishable {
            free = free.min(regular_cap - (slot.booked - slot.booked_perishable));
            if free <= 0 {
                return Err(Problem::ReservedForPerishable {
                    hours: self.perishable_release_hours,
                });
            }
        }
        free = free.min(firm_cap - holdings.firm_booked);
        if free <= 0 {
            return Err(Problem::FirmShareReached { cap: firm_cap });
        }
        if let Some(limit) = holdings.day_limit.filter(|_| !holdings.same_day_move) {
            free = free.min(limit - holdings.day_booked);
            if free <= 0 {
                return Err(Problem::DailyIntakeReached);
            }
        }
        Ok(Caps {
            regular_cap,
            firm_cap,
            free_for_trip: free,
        })
    }

    pub fn slot_length(&self) -> Duration {
        Duration::minutes(self.slot_minutes)
    }

    /// Whether a slot starting at `start` may be booked (or moved to) at `now`.
    pub fn check_timing(
        &self,
        now: DateTime<Utc>,
        start: DateTime<Utc>,
    ) -> Result<(), TimingRefusal> {
        if start - now < Duration::minutes(self.lead_minutes) {
            Err(TimingRefusal::TooSoon {
                lead_minutes: self.lead_minutes,
            })
        } else if start - now > Duration::days(self.horizon_days) {
            Err(TimingRefusal::TooFar {
                horizon_days: self.horizon_days,
            })
        } else {
            Ok(())
        }
    }

    /// The most bookings one firm may hold in a slot of `capacity`: its share, rounded
    /// down, but at least one wherever the slot has room at all.
    pub fn firm_cap(&self, capacity: i32) -> i32 {
        if capacity <= 0 {
            0
        } else {
            ((i64::from(capacity) * self.firm_share_percent / 100) as i32).max(1)
        }
    }

    /// The part of a slot kept for perishable cargo (rounded down).
    pub fn perishable_reserve(&self, capacity: i32) -> i32 {
        (i64::from(capacity.max(0)) * self.perishable_share_percent / 100) as i32
    }

    /// How many bookings in all non-perishable cargo may reach in a slot at `now`: all
    /// of it once the reserve has been released, the rest before.
    pub fn regular_cap(&self, now: DateTime<Utc>, start: DateTime<Utc>, capacity: i32) -> i32 {
        if now >= start - Duration::hours(self.perishable_release_hours) {
            capacity
        } else {
            capacity - self.perishable_reserve(capacity)
        }
    }

    /// Whether moving or cancelling a booking of a slot starting at `start` is free now.
    pub fn change(&self, now: DateTime<Utc>, start: DateTime<Utc>) -> Change {
        if now <= start - Duration::minutes(self.free_change_minutes) {
            Change::Free
        } else {
            Change::Late
        }
    }

    /// When a truck booked for `start` may check in: from a little before its slot to a
    /// little after its end.
    pub fn arrival_window(&self, start: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            start - Duration::minutes(self.arrive_before_minutes),
            start + self.slot_length() + Duration::minutes(self.arrive_after_minutes),
        )
    }

    /// Until when a vehicle with these strikes may not book, if it is blocked at `now`.
    pub fn blocked_until(&self, now: DateTime<Utc>, strikes: &[Strike]) -> Option<DateTime<Utc>> {
        let since = now - Duration::days(self.strike_window_days);
        let mut no_shows: Vec<DateTime<Utc>> = Vec::new();
        let mut late_cancels: Vec<DateTime<Utc>> = Vec::new();
        for strike in strikes {
            match *strike {
                Strike::NoShow(at) if at >= since => no_shows.push(at),
                Strike::LateCancel(at) if at >= since => late_cancels.push(at),
                _ => {}
            }
        }
        let reached = |mut times: Vec<DateTime<Utc>>, threshold: i64| {
            times.sort();
            (threshold > 0 && times.len() as i64 >= threshold).then(|| times[times.len() - 1])
        };
        let last_strike = [
            reached(no_shows, self.no_show_strikes),
            reached(late_cancels, self.late_cancel_strikes),
        ]
        .into_iter()
        .flatten()
        .max()?;
        let until = last_strike + Duration::days(self.block_days);
        (until > now).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
            .unwrap()
    }

    #[test]
    fn slots_are_bookable_from_seven_days_to_one_hour_ahead() {
        let policy = GatePolicy::default();
        let now = at(22, 8, 0);
        assert_eq!(policy.check_timing(now, at(22, 9, 0)), Ok(()));
        assert_eq!(
            policy.check_timing(now, at(22, 8, 59)),
            Err(TimingRefusal::TooSoon { lead_minutes: 60 })
        );
        assert_eq!(policy.check_timing(now, at(29, 8, 0)), Ok(()));
        assert_eq!(
            policy.check_timing(now, at(29, 9, 0)),
            Err(TimingRefusal::TooFar { horizon_days: 7 })
        );
    }

    #[test]
    fn a_firm_holds_at_most_a_fifth_of_a_slot_but_at_least_one() {
        let policy = GatePolicy::default();
        assert_eq!(policy.firm_cap(50), 10);
        assert_eq!(policy.firm_cap(12), 2);
        assert_eq!(policy.firm_cap(3), 1);
        assert_eq!(policy.firm_cap(0), 0);
    }

    #[test]
    fn perishable_reserve_opens_six_hours_before() {
        let policy = GatePolicy::default();
        let start = at(23, 14, 0);
        assert_eq!(policy.perishable_reserve(50), 15);
        assert_eq!(policy.regular_cap(at(23, 7, 59), start, 50), 35);
        assert_eq!(policy.regular_cap(at(23, 8, 0), start, 50), 50);
    }

    #[test]
    fn changes_are_free_until_two_hours_before() {
        let policy = GatePolicy::default();
        let start = at(23, 14, 0);
        assert_eq!(policy.change(at(23, 12, 0), start), Change::Free);
        assert_eq!(policy.change(at(23, 12, 1), start), Change::Late);
    }

    #[test]
    fn arrival_window_is_half_an_hour_either_side_of_the_slot() {
        let policy = GatePolicy::default();
        assert_eq!(
            policy.arrival_window(at(23, 14, 0)),
            (at(23, 13, 30), at(23, 15, 30))
        );
    }

    #[test]
    fn one_no_show_blocks_for_seven_days() {
        let policy = GatePolicy::default();
        let strikes = [Strike::NoShow(at(20, 10, 0))];
        assert_eq!(
            policy.blocked_until(at(22, 8, 0), &strikes),
            Some(at(27, 10, 0))
        );
        assert_eq!(
            policy.blocked_until(at(27, 10, 0), &strikes),
            None,
            "the block has ended"
        );
    }

    #[test]
    fn two_late_cancellations_block_but_one_does_not() {
        let policy = GatePolicy::default();
        let now = at(22, 8, 0);
        assert_eq!(
            policy.blocked_until(now, &[Strike::LateCancel(at(21, 9, 0))]),
            None
        );
        let two = [
            Strike::LateCancel(at(5, 9, 0)),
            Strike::LateCancel(at(21, 9, 0)),
        ];
        assert_eq!(policy.blocked_until(now, &two), Some(at(28, 9, 0)));
    }

    fn open_slot(booked: i32, booked_perishable: i32) -> SlotSnapshot {
        SlotSnapshot {
            starts_at: at(23, 14, 0),
            capacity: 10,
            booked,
            booked_perishable,
            closed: false,
        }
    }

    #[test]
    fn admission_names_the_first_reason_to_refuse() {
        let policy = GatePolicy::default();
        let now = at(22, 8, 0);
        let none = Holdings::default();
        let admit = |slot: SlotSnapshot, perishable: bool, holdings: Holdings| {
            policy.admit(now, &slot, perishable, &holdings, &[], 420)
        };

        let caps = admit(open_slot(0, 0), false, none).unwrap();
        assert_eq!(
            caps,
            Caps {
                regular_cap: 7,
                firm_cap: 2,
                free_for_trip: 2
            }
        );
        assert_eq!(admit(open_slot(10, 3), true, none), Err(Problem::SlotFull));
        assert_eq!(
            admit(open_slot(7, 0), false, none),
            Err(Problem::ReservedForPerishable { hours: 6 })
        );
        assert_eq!(
            admit(open_slot(7, 0), true, none).unwrap().free_for_trip,
            2,
            "the reserve is for perishable cargo"
        );
        assert_eq!(
            admit(
                open_slot(2, 0),
                false,
                Holdings {
                    firm_booked: 2,
                    ..none
                }
            ),
            Err(Problem::FirmShareReached { cap: 2 })
        );
        let day_full = Holdings {
            day_limit: Some(300),
            day_booked: 300,
            ..none
        };
        assert_eq!(
            admit(open_slot(0, 0), false, day_full),
            Err(Problem::DailyIntakeReached)
        );
        assert!(
            admit(
                open_slot(0, 0),
                false,
                Holdings {
                    same_day_move: true,
                    ..day_full
                }
            )
            .is_ok(),
            "a move within the day frees its own place"
        );
        assert_eq!(
            admit(
                SlotSnapshot {
                    closed: true,
                    ..open_slot(0, 0)
                },
                false,
                none
            ),
            Err(Problem::GateClosed)
        );
        let soon = SlotSnapshot {
            starts_at: at(22, 8, 30),
            ..open_slot(0, 0)
        };
        assert_eq!(
            admit(soon, false, none),
            Err(Problem::SlotTooSoon { lead_minutes: 60 })
        );
    }

    #[test]
    fn a_blocked_vehicle_is_told_until_when() {
        let policy = GatePolicy::default();
        let strikes = [Strike::NoShow(at(21, 10, 0))];
        let refusal = policy.admit(
            at(22, 8, 0),
            &open_slot(0, 0),
            false,
            &Holdings::default(),
            &strikes,
            420,
        );
        assert_eq!(
            refusal,
            Err(Problem::VehicleBlocked {
                until: at(28, 10, 0).timestamp(),
                utc_offset_minutes: 420
            })
        );
    }

    #[test]
    fn strikes_older_than_the_window_are_forgotten() {
        let policy = GatePolicy::default();
        let old = [Strike::NoShow(
            Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap(),
        )];
        assert_eq!(policy.blocked_until(at(22, 8, 0), &old), None);
    }
}
