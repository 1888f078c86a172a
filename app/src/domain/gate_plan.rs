//! A gate's capacity plan as its admin types it.

use super::{
    Problem,
    booking::GatePolicy,
    form::{FieldErrors, whole_number},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GatePlanForm {
    pub slot_minutes: String,
    pub opens: String,
    pub closes: String,
    pub export_capacity: String,
    pub import_capacity: String,
    pub export_daily_intake: String,
    pub import_daily_intake: String,
    pub horizon_days: String,
    pub lead_minutes: String,
    pub free_change_minutes: String,
    pub firm_share_percent: String,
    pub perishable_share_percent: String,
    pub perishable_release_hours: String,
}

/// A plan ready to store. Rules not on the form keep their current values (`base`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSettings {
    pub policy: GatePolicy,
    pub opens_minute: i32,
    pub closes_minute: i32,
    pub export_capacity: i32,
    pub import_capacity: i32,
    pub export_daily_intake: Option<i32>,
    pub import_daily_intake: Option<i32>,
}

pub const SLOT_LENGTHS: [i64; 5] = [15, 20, 30, 60, 120];

/// `06:30` to minutes after midnight; `24:00` is the end of the day.
pub fn minute_of_day(text: &str) -> Result<i32, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    let (hours, minutes) = text.split_once(':').ok_or(Problem::TimeFormat)?;
    let hours: i32 = hours.parse().map_err(|_| Problem::TimeFormat)?;
    let minutes: i32 = minutes.parse().map_err(|_| Problem::TimeFormat)?;
    let total = hours * 60 + minutes;
    if (0..60).contains(&minutes) && (0..=1440).contains(&total) {
        Ok(total)
    } else {
        Err(Problem::TimeFormat)
    }
}

impl GatePlanForm {
    pub fn parse(&self, base: &GatePolicy) -> Result<PlanSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let number = |errors: &mut FieldErrors, field: &str, text: &str, min: i64, max: i64| {
            errors.take(field, whole_number(text, min, max))
        };
        let slot_minutes = errors.take(
            "slot_minutes",
            whole_number(&self.slot_minutes, 15, 120).and_then(|minutes| {
                if SLOT_LENGTHS.contains(&minutes) {
                    Ok(minutes)
                } else {
                    Err(Problem::UnknownChoice)
                }
            }),
        );
        let opens = errors.take(
            "opens",
            minute_of_day(&self.opens).and_then(|minute| {
                if minute < 1440 {
                    Ok(minute)
                } else {
                    Err(Problem::TimeFormat)
                }
            }),
        );
        let closes = errors.take("closes", minute_of_day(&self.closes));
        if let (Some(opens), Some(closes)) = (opens, closes) {
            if closes <= opens {
                errors.add("closes", Problem::EndBeforeStart);
            }
        }
        let export_capacity = number(
            &mut errors,
            "export_capacity",
            &self.export_capacity,
            0,
            10_000,
        );
        let import_capacity = number(
            &mut errors,
            "import_capacity",
            &self.import_capacity,
            0,
            10_000,
        );
        let optional_intake = |errors: &mut FieldErrors, field: &str, text: &str| {
            if text.trim().is_empty() {
                Some(None)
            } else {
                errors.take(field, whole_number(text, 1, 100_000)).map(Some)
            }
        };
        let export_daily_intake = optional_intake(
            &mut errors,
            "export_daily_intake",
            &self.export_daily_intake,
        );
        let import_daily_intake = optional_intake(
            &mut errors,
            "import_daily_intake",
            &self.import_daily_intake,
        );
        let horizon_days = number(&mut errors, "horizon_days", &self.horizon_days, 1, 90);
        let lead_minutes = number(
            &mut errors,
            "lead_minutes",
            &self.lead_minutes,
            0,
            7 * 24 * 60,
        );
        let free_change_minutes = number(
            &mut errors,
            "free_change_minutes",
            &self.free_change_minutes,
            0,
            7 * 24 * 60,
        );
        let firm_share_percent = number(
            &mut errors,
            "firm_share_percent",
            &self.firm_share_percent,
            1,
            100,
        );
        let perishable_share_percent = number(
            &mut errors,
            "perishable_share_percent",
            &self.perishable_share_percent,
            0,
            100,
        );
        let perishable_release_hours = number(
            &mut errors,
            "perishable_release_hours",
            &self.perishable_release_hours,
            0,
            7 * 24,
        );
        match (
            slot_minutes,
            opens,
            closes,
            export_capacity,
            import_capacity,
            export_daily_intake,
            import_daily_intake,
            horizon_days,
            lead_minutes,
            free_change_minutes,
            firm_share_percent,
            perishable_share_percent,
            perishable_release_hours,
        ) {
            (
                Some(slot_minutes),
                Some(opens),
                Some(closes),
                Some(export_capacity),
                Some(import_capacity),
                Some(export_daily_intake),
                Some(import_daily_intake),
                Some(horizon_days),
                Some(lead_minutes),
                Some(free_change_minutes),
                Some(firm_share_percent),
                Some(perishable_share_percent),
                Some(perishable_release_hours),
            ) if errors.is_empty() => Ok(PlanSettings {
                policy: GatePolicy {
                    slot_minutes,
                    horizon_days,
                    lead_minutes,
                    free_change_minutes,
                    firm_share_percent,
                    perishable_share_percent,
                    perishable_release_hours,
                    ..base.clone()
                },
                opens_minute: opens,
                closes_minute: closes,
                export_capacity: export_capacity as i32,
                import_capacity: import_capacity as i32,
                export_daily_intake: export_daily_intake.map(|limit| limit as i32),
                import_daily_intake: import_daily_intake.map(|limit| limit as i32),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> GatePlanForm {
        GatePlanForm {
            slot_minutes: "60".into(),
            opens: "00:00".into(),
            closes: "24:00".into(),
            export_capacity: "40".into(),
            import_capacity: "30".into(),
            export_daily_intake: "".into(),
            import_daily_intake: "600".into(),
            horizon_days: "7".into(),
            lead_minutes: "60".into(),
            free_change_minutes: "120".into(),
            firm_share_percent: "20".into(),
            perishable_share_percent: "30".into(),
            perishable_release_hours: "6".into(),
        }
    }

    #[test]
    fn a_complete_plan_parses_and_keeps_rules_not_on_the_form() {
        let base = GatePolicy {
            block_days: 14,
            ..GatePolicy::default()
        };
        let plan = form().parse(&base).unwrap();
        assert_eq!((plan.opens_minute, plan.closes_minute), (0, 1440));
        assert_eq!(
            (plan.export_daily_intake, plan.import_daily_intake),
            (None, Some(600))
        );
        assert_eq!(plan.policy.block_days, 14);
    }

    #[test]
    fn hours_and_lengths_are_checked() {
        let bad = GatePlanForm {
            slot_minutes: "45".into(),
            opens: "18:00".into(),
            closes: "06:00".into(),
            ..form()
        };
        let problems: Vec<_> = bad
            .parse(&GatePolicy::default())
            .unwrap_err()
            .iter()
            .map(|error| (error.field.clone(), error.problem))
            .collect();
        assert_eq!(
            problems,
            [
                ("slot_minutes".to_string(), Problem::UnknownChoice),
                ("closes".to_string(), Problem::EndBeforeStart)
            ]
        );
        assert_eq!(minute_of_day("6:30"), Ok(390));
        assert_eq!(minute_of_day("25:00"), Err(Problem::TimeFormat));
        assert_eq!(minute_of_day("noon"), Err(Problem::TimeFormat));
    }
}
