//! The typed error returned when answers or an external result cannot be accepted.
//!
//! Messages never contain answer values or anything about the person: they name the
//! instrument code and, where relevant, the zero-based item index.

use thiserror::Error;

/// Why answers (or an externally scored result) were rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MeasureError {
    /// The answer vector does not have one entry per item of the definition.
    #[error("{instrument}: expected {expected} answers, got {got}")]
    WrongLength {
        /// Instrument code, e.g. `"wemwbs"`.
        instrument: &'static str,
        /// Number of items in the shipped definition.
        expected: usize,
        /// Number of answers supplied.
        got: usize,
    },
    /// An answer lies outside the item's allowed range (the value itself is not reported).
    #[error("{instrument}: answer to item index {item} is outside {min}..={max}")]
    OutOfRange {
        /// Instrument code, e.g. `"ons4"`.
        instrument: &'static str,
        /// Zero-based index of the offending item, in definition order.
        item: usize,
        /// Smallest allowed answer for that item.
        min: i64,
        /// Largest allowed answer for that item.
        max: i64,
    },
    /// The instrument is proprietary and scored by a licensed external scorer (PAM).
    #[error("{instrument} is scored by a licensed external scorer, never here")]
    NotScoredHere {
        /// Instrument code, i.e. `"pam"`.
        instrument: &'static str,
    },
    /// An externally scored PAM result has a missing or out-of-range field.
    #[error("invalid PAM result: {field} is missing or out of range")]
    InvalidPam {
        /// Field name: `"score"`, `"level"` or `"version"`.
        field: &'static str,
    },
    /// An instrument code that this engine does not know.
    #[error("unknown instrument code")]
    UnknownInstrument,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_item_but_not_the_value() {
        let err = MeasureError::OutOfRange {
            instrument: "ons4",
            item: 2,
            min: 0,
            max: 10,
        };
        assert_eq!(
            err.to_string(),
            "ons4: answer to item index 2 is outside 0..=10"
        );
        let err = MeasureError::WrongLength {
            instrument: "wemwbs",
            expected: 14,
            got: 7,
        };
        assert_eq!(err.to_string(), "wemwbs: expected 14 answers, got 7");
        assert_eq!(
            MeasureError::InvalidPam { field: "level" }.to_string(),
            "invalid PAM result: level is missing or out of range"
        );
    }
}
