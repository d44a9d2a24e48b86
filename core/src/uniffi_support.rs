//! How core's own value types cross the uniffi boundary (feature `uniffi`, ADR 0009): each
//! platform type is declared once here and every record that holds one uses it.
//!
//! - [`Id`]: UUID text; an app's text that is not a UUID is refused while it is lifted, as
//!   [`LinkWorkError::InvalidInput`] with field `id`.
//! - [`NhsNumber`]: the ten digits; an invalid number is refused the same way (field
//!   `nhs_number`, the number never echoed).
//! - [`NaiveDate`]: a calendar date, `YYYY-MM-DD` text (field `date` when it does not parse).
//! - [`Timestamp`] (`DateTime<Utc>`): an instant, `SystemTime` on the Rust side of the FFI
//!   (Kotlin `java.time.Instant`, Swift `Date`); an instant chrono cannot hold is refused
//!   (field `instant`) instead of panicking.
//!
//! A refusal while lifting reaches the app as a typed [`LinkWorkError`] only because uniffi
//! hands a lift error that downcasts to the call's own error type back as that error: every
//! exported call that takes one of these returns `Result<_, LinkWorkError>`.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::ffi_error::LinkWorkError;
use crate::ids::Id;
use crate::model::person::NhsNumber;
use crate::model::text;

/// An instant as core holds it; named so uniffi can declare it as a custom type (which needs
/// a single identifier). Crosses as `SystemTime`.
pub type Timestamp = DateTime<Utc>;

/// An `InvalidInput` lift error for `field`.
fn refused(field: &str, reason: &str) -> uniffi::deps::anyhow::Error {
    LinkWorkError::InvalidInput {
        field: field.into(),
        reason: reason.into(),
    }
    .into()
}

/// A core error met while lifting, as the app's error.
fn lift_error(e: crate::Error) -> uniffi::deps::anyhow::Error {
    LinkWorkError::from(e).into()
}

uniffi::custom_type!(Id, String, {
    try_lift: |text| Id::parse("id", &text).map_err(lift_error),
    lower: |id| id.to_string(),
});

uniffi::custom_type!(NhsNumber, String, {
    try_lift: |text| NhsNumber::parse(&text).map_err(lift_error),
    lower: |n| n.as_str().to_owned(),
});

uniffi::custom_type!(NaiveDate, String, {
    remote,
    try_lift: |text| text::parse_date("date", &text).map_err(lift_error),
    lower: |d| d.format("%Y-%m-%d").to_string(),
});

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    try_lift: |t| from_system_time(t).ok_or_else(|| refused("instant", "is outside the supported range of instants")),
    lower: |t| t.into(),
});

/// A `SystemTime` as a chrono instant; `None` when chrono cannot represent it (where chrono's
/// own `From` would panic).
pub fn from_system_time(t: SystemTime) -> Option<Timestamp> {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => TimeDelta::from_std(after)
            .ok()
            .and_then(|d| epoch.checked_add_signed(d)),
        Err(before) => TimeDelta::from_std(before.duration())
            .ok()
            .and_then(|d| epoch.checked_sub_signed(d)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn instants_chrono_cannot_hold_are_refused_not_panics() {
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        assert!(from_system_time(far).is_none());
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let back: SystemTime = from_system_time(t).map(Into::into).unwrap_or(UNIX_EPOCH);
        assert_eq!(back, t);
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(
            from_system_time(before).map(|d| d.timestamp()),
            Some(-86_400)
        );
    }

    #[test]
    fn lift_errors_carry_the_apps_error_type() {
        let e = lift_error(crate::Error::invalid("id", "is not a valid id"));
        assert!(matches!(
            e.downcast_ref::<LinkWorkError>(),
            Some(LinkWorkError::InvalidInput { field, .. }) if field == "id"
        ));
    }
}
