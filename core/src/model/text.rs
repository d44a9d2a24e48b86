//! Validation helpers for free text and dates supplied by callers.

use chrono::{NaiveDate, Utc};

use crate::error::{Error, Result};

/// Longest free text accepted in one field (characters); longer input is refused, not cut.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Trims `value` and refuses empty or oversized text.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn required(field: &'static str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    bounded(field, trimmed)
}

/// Trims an optional text; empty becomes `None`.
///
/// # Errors
/// [`Error::InvalidInput`] when oversized.
pub fn optional(field: &'static str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v).map(Some),
    }
}

/// Refuses text longer than [`MAX_TEXT_CHARS`] or containing NUL.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn bounded(field: &'static str, value: &str) -> Result<String> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::invalid(
            field,
            format!("longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    if value.contains('\0') {
        return Err(Error::invalid(field, "contains a NUL character"));
    }
    Ok(value.to_string())
}

/// Parses a calendar date written `YYYY-MM-DD`.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn parse_date(field: &'static str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "expected a date written YYYY-MM-DD"))
}

/// Today's date (UTC), used to refuse dates of birth in the future.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn required_trims_and_refuses_blank() {
        assert_eq!(required("text", "  hi ").unwrap(), "hi");
        assert!(matches!(
            required("text", "   "),
            Err(Error::InvalidInput { field: "text", .. })
        ));
    }

    #[test]
    fn optional_blank_is_none() {
        assert_eq!(optional("note", Some("  ")).unwrap(), None);
        assert_eq!(optional("note", None).unwrap(), None);
    }

    #[test]
    fn oversized_and_nul_refused() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(bounded("note", &long).is_err());
        assert!(bounded("note", "a\0b").is_err());
    }

    #[test]
    fn dates_parse_strictly() {
        assert!(parse_date("dob", "1950-02-28").is_ok());
        assert!(parse_date("dob", "1950-02-30").is_err());
        assert!(parse_date("dob", "28/02/1950").is_err());
    }
}
