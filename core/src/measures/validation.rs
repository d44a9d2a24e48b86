//! Checking a raw answer vector against an instrument definition.

use serde::{Deserialize, Serialize};

use super::definitions::ItemDefinition;
use super::error::MeasureError;
use super::instrument::Instrument;

/// Result of validating answers that are the right length and in range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Completeness {
    /// Every required item is answered.
    Complete,
    /// Some required items are unanswered; store as incomplete, never prorate.
    Incomplete {
        /// Zero-based indexes of the unanswered required items, ascending.
        missing: Vec<usize>,
    },
}

/// Check raw answers: one `Option<i64>` per item in definition order, `None` = not answered.
///
/// * Wrong number of answers → [`MeasureError::WrongLength`].
/// * Any answer outside its item's range → [`MeasureError::OutOfRange`] (lowest index first),
///   even when other items are unanswered.
/// * PAM → [`MeasureError::NotScoredHere`].
/// * Otherwise [`Completeness::Incomplete`] listing unanswered required items, or
///   [`Completeness::Complete`]. MYCaW's second concern (index 1) is optional.
///
/// # Errors
/// [`MeasureError::NotScoredHere`], [`MeasureError::WrongLength`] or
/// [`MeasureError::OutOfRange`] as listed above.
pub fn validate(
    instrument: Instrument,
    answers: &[Option<i64>],
) -> Result<Completeness, MeasureError> {
    if !instrument.is_scored_here() {
        return Err(MeasureError::NotScoredHere {
            instrument: instrument.code(),
        });
    }
    let items: &[ItemDefinition] = instrument.definition().items;
    if answers.len() != items.len() {
        return Err(MeasureError::WrongLength {
            instrument: instrument.code(),
            expected: items.len(),
            got: answers.len(),
        });
    }
    let mut missing = Vec::new();
    for (index, (item, answer)) in items.iter().zip(answers).enumerate() {
        match answer {
            Some(value) if (item.min..=item.max).contains(value) => {}
            Some(_) => {
                return Err(MeasureError::OutOfRange {
                    instrument: instrument.code(),
                    item: index,
                    min: item.min,
                    max: item.max,
                })
            }
            None if item.required => missing.push(index),
            None => {}
        }
    }
    if missing.is_empty() {
        Ok(Completeness::Complete)
    } else {
        Ok(Completeness::Incomplete { missing })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all(instrument: Instrument, value: i64) -> Vec<Option<i64>> {
        vec![Some(value); instrument.item_count()]
    }

    #[test]
    fn wrong_length_is_an_error_for_every_instrument() {
        for instrument in Instrument::ALL {
            if !instrument.is_scored_here() {
                continue;
            }
            let n = instrument.item_count();
            let min = instrument.definition().items.first().unwrap().min;
            for len in [0, n - 1, n + 1] {
                let answers = vec![Some(min); len];
                assert_eq!(
                    validate(instrument, &answers),
                    Err(MeasureError::WrongLength {
                        instrument: instrument.code(),
                        expected: n,
                        got: len
                    })
                );
            }
        }
    }

    #[test]
    fn swemwbs_rejects_a_full_wemwbs_vector() {
        let err = validate(Instrument::Swemwbs, &all(Instrument::Wemwbs, 3));
        assert_eq!(
            err,
            Err(MeasureError::WrongLength {
                instrument: "swemwbs",
                expected: 7,
                got: 14
            })
        );
    }

    #[test]
    fn out_of_range_11_and_minus_1_name_the_item() {
        for bad in [11, -1] {
            let answers = [Some(5), Some(5), Some(bad), Some(5)];
            assert_eq!(
                validate(Instrument::Ons4, &answers),
                Err(MeasureError::OutOfRange {
                    instrument: "ons4",
                    item: 2,
                    min: 0,
                    max: 10
                })
            );
        }
    }

    #[test]
    fn out_of_range_at_each_instrument_boundary() {
        for instrument in Instrument::ALL {
            let items = instrument.definition().items;
            for (index, item) in items.iter().enumerate() {
                for bad in [item.min - 1, item.max + 1, 11, -1, i64::MIN, i64::MAX] {
                    if (item.min..=item.max).contains(&bad) {
                        continue;
                    }
                    let mut answers = vec![Some(item.min); items.len()];
                    if let Some(slot) = answers.get_mut(index) {
                        *slot = Some(bad);
                    }
                    assert_eq!(
                        validate(instrument, &answers),
                        Err(MeasureError::OutOfRange {
                            instrument: instrument.code(),
                            item: index,
                            min: item.min,
                            max: item.max
                        }),
                        "{instrument} item {index} value {bad}"
                    );
                }
            }
        }
    }

    #[test]
    fn out_of_range_wins_over_missing() {
        let answers = [None, Some(1), Some(6), Some(1), Some(1), Some(1), Some(1)];
        assert!(matches!(
            validate(Instrument::Swemwbs, &answers),
            Err(MeasureError::OutOfRange { item: 2, .. })
        ));
    }

    #[test]
    fn unanswered_items_make_it_incomplete() {
        let answers = [Some(3), None, Some(7), None];
        assert_eq!(
            validate(Instrument::Ons4, &answers),
            Ok(Completeness::Incomplete {
                missing: vec![1, 3]
            })
        );
        assert_eq!(
            validate(Instrument::Ucla3, &[None, None, None]),
            Ok(Completeness::Incomplete {
                missing: vec![0, 1, 2]
            })
        );
        assert_eq!(
            validate(Instrument::Wemwbs, &all(Instrument::Wemwbs, 4)),
            Ok(Completeness::Complete)
        );
    }

    #[test]
    fn mycaw_second_concern_is_optional() {
        assert_eq!(
            validate(Instrument::Mycaw, &[Some(4), None, Some(3)]),
            Ok(Completeness::Complete)
        );
        assert_eq!(
            validate(Instrument::Mycaw, &[Some(4), Some(2), Some(3)]),
            Ok(Completeness::Complete)
        );
        assert_eq!(
            validate(Instrument::Mycaw, &[None, Some(2), Some(3)]),
            Ok(Completeness::Incomplete { missing: vec![0] })
        );
        assert_eq!(
            validate(Instrument::Mycaw, &[Some(1), None, None]),
            Ok(Completeness::Incomplete { missing: vec![2] })
        );
    }

    #[test]
    fn pam_is_refused() {
        assert_eq!(
            validate(Instrument::Pam, &[]),
            Err(MeasureError::NotScoredHere { instrument: "pam" })
        );
        assert_eq!(
            validate(Instrument::Pam, &[Some(50)]),
            Err(MeasureError::NotScoredHere { instrument: "pam" })
        );
    }

    #[test]
    fn completeness_serialises_with_a_status_tag() {
        let json = serde_json::to_string(&Completeness::Incomplete { missing: vec![2] }).unwrap();
        assert_eq!(json, r#"{"status":"incomplete","missing":[2]}"#);
        let json = serde_json::to_string(&Completeness::Complete).unwrap();
        assert_eq!(json, r#"{"status":"complete"}"#);
    }
}
