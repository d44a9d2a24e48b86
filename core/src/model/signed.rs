//! Integers at the app boundary: Kotlin and Swift apps see signed integers only (issue 14), so
//! a count or size core holds unsigned is given out signed, and an app's signed value is taken
//! back into core's unsigned type with a typed refusal, never a wrap or a panic.

use crate::error::{Error, Result};

/// `value` (an app's signed integer) as core's unsigned type `T`.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `value` is negative or too large for `T`.
pub fn to_unsigned<T: TryFrom<i64>>(field: &'static str, value: impl Into<i64>) -> Result<T> {
    let value = value.into();
    if value < 0 {
        return Err(Error::invalid(field, "must not be negative"));
    }
    T::try_from(value).map_err(|_| Error::invalid(field, "is too large"))
}

/// A core count or size as the app's `i64`, saturating at `i64::MAX` (no count or size core
/// holds comes near it).
pub fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A core count as the app's `i32`, saturating at `i32::MAX`.
pub fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_too_large_values_are_refused_by_field() {
        assert_eq!(to_unsigned::<u32>("days", 7_i32).unwrap(), 7);
        assert_eq!(to_unsigned::<u64>("bytes", 0_i64).unwrap(), 0);
        let err = to_unsigned::<u32>("days", -1_i32).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if *field == "days"),
            "{err:?}"
        );
        let err = to_unsigned::<u32>("limit", i64::from(u32::MAX) + 1).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput { field, .. } if *field == "limit"));
        assert!(to_unsigned::<u8>("level", 256_i32).is_err());
    }

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        assert_eq!(to_i64(u64::MAX), i64::MAX);
        assert_eq!(to_i64(5), 5);
        assert_eq!(to_i32(u32::MAX), i32::MAX);
        assert_eq!(to_i32(3), 3);
    }
}
