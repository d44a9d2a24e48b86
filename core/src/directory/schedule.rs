//! When a service is open: the subset of HSDS 3.0 schedules (RFC 5545 RRULE fields) that
//! answers "open on this day": `freq` WEEKLY or MONTHLY, `interval` with `dtstart`, `byday`
//! (with an ordinal for MONTHLY, e.g. `2MO`, `-1FR`), `bymonthday`, `valid_from`/`valid_to`.
//! A schedule with neither `byday` nor `bymonthday` says nothing about days and never matches.

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One opening schedule of a service, as imported (fields and meanings as in HSDS 3.0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRule {
    /// `WEEKLY` or `MONTHLY` (absent: weekly).
    pub freq: Option<String>,
    /// Every how many weeks or months (with `dtstart`; absent: 1).
    pub interval: Option<u32>,
    /// Comma-separated days (`MO,TH`; MONTHLY may prefix an ordinal: `2MO`, `-1FR`).
    pub byday: Option<String>,
    /// Comma-separated days of the month (negative counts from the end).
    pub bymonthday: Option<String>,
    /// The first occurrence (anchors `interval`).
    pub dtstart: Option<NaiveDate>,
    /// First day the schedule holds.
    pub valid_from: Option<NaiveDate>,
    /// Last day the schedule holds.
    pub valid_to: Option<NaiveDate>,
    /// Opening time as given (`HH:MM[:SS]`, maybe with a zone).
    pub opens_at: Option<String>,
    /// Closing time as given.
    pub closes_at: Option<String>,
    /// The feed's own words about it.
    pub description: Option<String>,
}

/// The day a search asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenOn {
    /// Any such weekday from today on (schedules that ended before today do not count).
    Weekday(Weekday),
    /// That calendar date (validity, ordinals, month days and intervals all apply).
    Date(NaiveDate),
}

impl OpenOn {
    /// Reads `monday`/`mon`/`mo` (any case) or a date `YYYY-MM-DD`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `open`) for anything else.
    pub fn parse(s: &str) -> Result<OpenOn> {
        let s = s.trim();
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(OpenOn::Date(d));
        }
        let lower = s.to_ascii_lowercase();
        for (code, day) in DAYS {
            let name = weekday_name(*day);
            if code.eq_ignore_ascii_case(&lower)
                || name == lower
                || (lower.len() >= 3 && name.starts_with(&lower))
            {
                return Ok(OpenOn::Weekday(*day));
            }
        }
        Err(Error::invalid(
            "open",
            "expected a weekday (monday, mon, mo) or a date YYYY-MM-DD",
        ))
    }
}

const DAYS: &[(&str, Weekday)] = &[
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// One `byday` entry: an optional ordinal (1..=5 or -5..=-1) and a weekday.
pub(crate) fn parse_byday_entry(s: &str) -> Option<(Option<i8>, Weekday)> {
    let s = s.trim();
    let split = s.len().checked_sub(2)?;
    let (ord, code) = (s.get(..split)?, s.get(split..)?);
    let day = DAYS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, d)| *d)?;
    let ord = if ord.is_empty() {
        None
    } else {
        let n: i8 = ord.strip_prefix('+').unwrap_or(ord).parse().ok()?;
        if n == 0 || !(-5..=5).contains(&n) {
            return None;
        }
        Some(n)
    };
    Some((ord, day))
}

/// Checks a whole `byday` value; `None` when any entry is malformed.
pub(crate) fn valid_byday(s: &str) -> bool {
    !s.trim().is_empty() && s.split(',').all(|e| parse_byday_entry(e).is_some())
}

/// Checks a whole `bymonthday` value (each -31..=31, not 0).
pub(crate) fn valid_bymonthday(s: &str) -> bool {
    !s.trim().is_empty()
        && s.split(',').all(|e| {
            e.trim()
                .parse::<i8>()
                .is_ok_and(|n| n != 0 && (-31..=31).contains(&n))
        })
}

fn days_in_month(d: NaiveDate) -> u32 {
    let first = d.with_day(1).unwrap_or(d);
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .map_or(31, |last| last.day())
}

impl ScheduleRule {
    fn monthly(&self) -> bool {
        self.freq
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case("MONTHLY"))
    }

    /// Whether the schedule is open on `on` (`today` bounds a weekday question: a schedule
    /// whose `valid_to` is before it no longer counts).
    pub fn is_open(&self, on: OpenOn, today: NaiveDate) -> bool {
        match on {
            OpenOn::Weekday(day) => {
                if self.valid_to.is_some_and(|to| to < today) {
                    return false;
                }
                self.byday.as_deref().is_some_and(|b| {
                    b.split(',')
                        .filter_map(parse_byday_entry)
                        .any(|(_, d)| d == day)
                })
            }
            OpenOn::Date(date) => self.is_open_on_date(date),
        }
    }

    fn is_open_on_date(&self, date: NaiveDate) -> bool {
        if self.valid_from.is_some_and(|f| date < f) || self.valid_to.is_some_and(|t| date > t) {
            return false;
        }
        if self.dtstart.is_some_and(|s| date < s) {
            return false;
        }
        let day_matches = if let Some(byday) = self.byday.as_deref() {
            let dim = days_in_month(date);
            let nth = i64::from((date.day() - 1) / 7 + 1);
            let nth_last = -i64::from((dim - date.day()) / 7 + 1);
            byday
                .split(',')
                .filter_map(parse_byday_entry)
                .any(|(ord, d)| {
                    d == date.weekday()
                        && match ord {
                            None => true,
                            Some(n) if self.monthly() => {
                                let n = i64::from(n);
                                n == nth || n == nth_last
                            }
                            Some(_) => true,
                        }
                })
        } else if let Some(days) = self.bymonthday.as_deref() {
            let dim = i64::from(days_in_month(date));
            let day = i64::from(date.day());
            days.split(',')
                .filter_map(|e| e.trim().parse::<i64>().ok())
                .any(|n| n == day || (n < 0 && dim + 1 + n == day))
        } else {
            false
        };
        day_matches && self.in_interval(date)
    }

    fn in_interval(&self, date: NaiveDate) -> bool {
        let interval = i64::from(self.interval.unwrap_or(1).max(1));
        let Some(start) = self.dtstart else {
            return true;
        };
        if interval == 1 {
            return true;
        }
        if self.monthly() {
            let months = (i64::from(date.year()) - i64::from(start.year())) * 12
                + i64::from(date.month())
                - i64::from(start.month());
            months.rem_euclid(interval) == 0
        } else {
            let week = |d: NaiveDate| {
                d.num_days_from_ce() as i64 - i64::from(d.weekday().num_days_from_monday())
            };
            ((week(date) - week(start)) / 7).rem_euclid(interval) == 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn weekly(byday: &str) -> ScheduleRule {
        ScheduleRule {
            freq: Some("WEEKLY".into()),
            byday: Some(byday.into()),
            ..ScheduleRule::default()
        }
    }

    #[test]
    fn weekdays_and_dates_parse() {
        assert_eq!(
            OpenOn::parse("Tuesday").ok(),
            Some(OpenOn::Weekday(Weekday::Tue))
        );
        assert_eq!(
            OpenOn::parse("tue").ok(),
            Some(OpenOn::Weekday(Weekday::Tue))
        );
        assert_eq!(
            OpenOn::parse("TU").ok(),
            Some(OpenOn::Weekday(Weekday::Tue))
        );
        assert_eq!(
            OpenOn::parse("2026-12-08").ok(),
            Some(OpenOn::Date(d("2026-12-08")))
        );
        assert!(OpenOn::parse("someday").is_err());
        assert!(OpenOn::parse("t").is_err());
    }

    #[test]
    fn weekly_schedules_match_their_days() {
        let s = weekly("TU,TH");
        let today = d("2026-12-07");
        assert!(s.is_open(OpenOn::Weekday(Weekday::Tue), today));
        assert!(!s.is_open(OpenOn::Weekday(Weekday::Mon), today));
        assert!(s.is_open(OpenOn::Date(d("2026-12-08")), today)); // a Tuesday
        assert!(!s.is_open(OpenOn::Date(d("2026-12-09")), today));
    }

    #[test]
    fn validity_bounds_apply() {
        let s = ScheduleRule {
            valid_from: Some(d("2026-01-01")),
            valid_to: Some(d("2026-06-30")),
            ..weekly("MO")
        };
        assert!(s.is_open(OpenOn::Date(d("2026-03-02")), d("2026-01-01")));
        assert!(!s.is_open(OpenOn::Date(d("2026-07-06")), d("2026-01-01")));
        // A weekday question from a day after it ended.
        assert!(!s.is_open(OpenOn::Weekday(Weekday::Mon), d("2026-12-07")));
    }

    #[test]
    fn monthly_ordinals_and_month_days() {
        let second_monday = ScheduleRule {
            freq: Some("MONTHLY".into()),
            ..weekly("2MO,-1FR")
        };
        assert!(second_monday.is_open(OpenOn::Date(d("2026-12-14")), d("2026-01-01")));
        assert!(!second_monday.is_open(OpenOn::Date(d("2026-12-07")), d("2026-01-01")));
        assert!(second_monday.is_open(OpenOn::Date(d("2026-12-25")), d("2026-01-01")));
        let fifteenth = ScheduleRule {
            freq: Some("MONTHLY".into()),
            bymonthday: Some("15,-1".into()),
            ..ScheduleRule::default()
        };
        assert!(fifteenth.is_open(OpenOn::Date(d("2026-02-15")), d("2026-01-01")));
        assert!(fifteenth.is_open(OpenOn::Date(d("2026-02-28")), d("2026-01-01")));
        assert!(!fifteenth.is_open(OpenOn::Date(d("2026-02-27")), d("2026-01-01")));
        assert!(!fifteenth.is_open(OpenOn::Weekday(Weekday::Mon), d("2026-01-01")));
    }

    #[test]
    fn fortnightly_follows_its_start() {
        let s = ScheduleRule {
            interval: Some(2),
            dtstart: Some(d("2026-12-01")),
            ..weekly("TU")
        };
        assert!(s.is_open(OpenOn::Date(d("2026-12-01")), d("2026-01-01")));
        assert!(!s.is_open(OpenOn::Date(d("2026-12-08")), d("2026-01-01")));
        assert!(s.is_open(OpenOn::Date(d("2026-12-15")), d("2026-01-01")));
    }

    #[test]
    fn byday_values_are_checked() {
        assert!(valid_byday("MO,TU"));
        assert!(valid_byday("2MO,-1FR"));
        assert!(!valid_byday("Mondays"));
        assert!(!valid_byday("9MO"));
        assert!(!valid_byday(""));
        assert!(valid_bymonthday("1,15,-1"));
        assert!(!valid_bymonthday("0"));
        assert!(!valid_bymonthday("32"));
    }
}
