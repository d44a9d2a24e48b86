//! Conversions shared by every module: ids cross as UUID text and instants as `SystemTime`
//! (Kotlin `java.time.Instant`, Swift `Date`).
//! Parsing uses the core's own parsers, so a bad value is `InvalidInput` naming its field.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
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

/// A core instant for the app.
pub(crate) fn instant(t: DateTime<Utc>) -> SystemTime {
    t.into()
}

/// An optional core instant for the app.
pub(crate) fn opt_instant(t: Option<DateTime<Utc>>) -> Option<SystemTime> {
    t.map(instant)
}

pub(crate) use linkwork_core::model::signed::{to_i32, to_i64, to_unsigned};

/// Converts every element of a list.
pub(crate) fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
