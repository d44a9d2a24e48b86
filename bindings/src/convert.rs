//! Conversions shared by every module: ids cross as UUID text, calendar dates as
//! `YYYY-MM-DD` text and instants as `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`).
//! Parsing uses the core's own parsers, so a bad value is `InvalidInput` naming its field.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
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

/// Converts every element of a list.
pub(crate) fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
