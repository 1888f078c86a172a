//! Wall-clock times as people at a gate read them, from Unix seconds and the zone's
//! offset east of UTC (computed by the server from the gate's IANA zone). Plain integer
//! arithmetic, so the browser's wasm carries no date library.

/// A local date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

impl WallClock {
    pub fn at(unix_seconds: i64, utc_offset_minutes: i32) -> WallClock {
        let local = unix_seconds + i64::from(utc_offset_minutes) * 60;
        let days = local.div_euclid(86_400);
        let seconds_of_day = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        WallClock {
            year,
            month,
            day,
            hour: (seconds_of_day / 3600) as u32,
            minute: (seconds_of_day % 3600 / 60) as u32,
        }
    }

    /// `14:00`
    pub fn time(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `23/11/2026 14:00` (day first, as read in Vietnam).
    pub fn day_and_time(&self) -> String {
        format!(
            "{:02}/{:02}/{} {}",
            self.day,
            self.month,
            self.year,
            self.time()
        )
    }

    /// `2026-11-23`
    pub fn iso_date(&self) -> String {
        format!("{}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_instant_on_both_sides_of_the_border() {
        // 2026-11-23 07:00 UTC: 14:00 in Lang Son (UTC+7), 15:00 in Pingxiang (UTC+8).
        let instant = 1_795_417_200;
        assert_eq!(
            WallClock::at(instant, 7 * 60).day_and_time(),
            "23/11/2026 14:00"
        );
        assert_eq!(WallClock::at(instant, 8 * 60).time(), "15:00");
    }

    #[test]
    fn dates_cross_midnight_and_leap_days() {
        // 2028-02-29 17:30 UTC is 00:30 on 1 March in UTC+7.
        let instant = 1_835_458_200;
        assert_eq!(WallClock::at(instant, 0).iso_date(), "2028-02-29");
        assert_eq!(WallClock::at(instant, 7 * 60).iso_date(), "2028-03-01");
        assert_eq!(WallClock::at(0, 0).day_and_time(), "01/01/1970 00:00");
        assert_eq!(WallClock::at(-1, 0).day_and_time(), "31/12/1969 23:59");
    }
}
