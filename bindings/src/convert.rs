//! Conversions shared by every module: ids cross as UUID text, calendar dates as
//! `YYYY-MM-DD` text and instants as `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`).
//! Parsing uses the core's own parsers, so a bad value is `InvalidInput` naming its field.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use linkwork_core::model::text;
use linkwork_core::Id;

use crate::LinkWorkError;

/// Parses an id given by the app; `field` names the argument in the error.
pub(crate) fn id(field: &'static str, value: &str) -> Result<Id, LinkWorkError> {
    Ok(Id::parse(field, value)?)
}

/// Parses an optional id.
pub(crate) fn opt_id(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<Id>, LinkWorkError> {
    value.map(|v| id(field, &v)).transpose()
}

/// Parses a calendar date written `YYYY-MM-DD`.
pub(crate) fn date(field: &'static str, value: &str) -> Result<NaiveDate, LinkWorkError> {
    Ok(text::parse_date(field, value)?)
}

/// Parses an optional calendar date.
pub(crate) fn opt_date(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<NaiveDate>, LinkWorkError> {
    value.map(|v| date(field, &v)).transpose()
}

/// A calendar date as `YYYY-MM-DD`.
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An optional calendar date as `YYYY-MM-DD`.
pub(crate) fn opt_date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(date_text)
}

/// A core instant for the app.
pub(crate) fn instant(t: DateTime<Utc>) -> SystemTime {
    t.into()
}

/// An optional core instant for the app.
pub(crate) fn opt_instant(t: Option<DateTime<Utc>>) -> Option<SystemTime> {
    t.map(instant)
}

/// An instant from the app; `InvalidInput` instead of a panic when it is out of range.
pub(crate) fn from_instant(
    field: &'static str,
    t: SystemTime,
) -> Result<DateTime<Utc>, LinkWorkError> {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => TimeDelta::from_std(after)
            .ok()
            .and_then(|d| epoch.checked_add_signed(d)),
        Err(before) => TimeDelta::from_std(before.duration())
            .ok()
            .and_then(|d| epoch.checked_sub_signed(d)),
    }
    .ok_or_else(|| LinkWorkError::InvalidInput {
        field: field.into(),
        reason: "is outside the supported range of instants".into(),
    })
}

/// An optional instant from the app.
pub(crate) fn opt_from_instant(
    field: &'static str,
    t: Option<SystemTime>,
) -> Result<Option<DateTime<Utc>>, LinkWorkError> {
    t.map(|t| from_instant(field, t)).transpose()
}

/// A count or index for the app (saturating: counts never approach `u32::MAX`).
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Converts every element of a list.
pub(crate) fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
