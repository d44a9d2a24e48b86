//! Deterministic scoring of validated answers. Incomplete answers are never prorated.

use serde::{Deserialize, Serialize};

use super::definitions::LONELINESS_OFTEN_OR_ALWAYS;
use super::error::MeasureError;
use super::instrument::Instrument;
use super::ons4::{band_in_range, Ons4Item, Ons4Measure};
use super::swemwbs_table::swemwbs_metric;
use super::validation::{validate, Completeness};

/// A derived score. Serialised with an `"instrument"` tag holding the instrument code,
/// e.g. `{"instrument":"swemwbs","raw":21,"metric":19.25}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "instrument", rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Score {
    /// ONS4: each item with its band, in answer order. There is no total.
    Ons4 {
        /// The four items.
        items: Vec<Ons4Item>,
    },
    /// WEMWBS: sum of the 14 items, 14-70.
    Wemwbs {
        /// Total, 14-70.
        total: i64,
    },
    /// SWEMWBS: raw sum of the 7 items and the reported metric score from the table.
    Swemwbs {
        /// Raw sum, 7-35 (not the reported score).
        raw: i64,
        /// Metric score from the conversion table, 7.00-35.00 (the reported score).
        metric: f64,
    },
    /// UCLA 3-item: sum 3-9, higher is lonelier.
    Ucla3 {
        /// Total, 3-9.
        total: i64,
    },
    /// Direct loneliness question: not summed.
    LonelinessDirect {
        /// The answer, 1 (never) to 5 (often/always).
        answer: i64,
        /// Whether the answer was "often/always" (the reported indicator).
        often_or_always: bool,
    },
    /// MYCaW: the concern ratings (one or two, in order) and wellbeing, each 0-6, 0 best.
    Mycaw {
        /// One or two concern ratings.
        concerns: Vec<i64>,
        /// Wellbeing rating.
        wellbeing: i64,
    },
}

impl Score {
    /// The instrument this score belongs to.
    pub fn instrument(&self) -> Instrument {
        match self {
            Score::Ons4 { .. } => Instrument::Ons4,
            Score::Wemwbs { .. } => Instrument::Wemwbs,
            Score::Swemwbs { .. } => Instrument::Swemwbs,
            Score::Ucla3 { .. } => Instrument::Ucla3,
            Score::LonelinessDirect { .. } => Instrument::LonelinessDirect,
            Score::Mycaw { .. } => Instrument::Mycaw,
        }
    }
}

/// The outcome of scoring answers that passed validation. Serialised with a `"status"`
/// tag: `{"status":"incomplete","missing":[1]}` or `{"status":"scored","instrument":...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ScoreOutcome {
    /// Required items are unanswered: no score (never prorated).
    Incomplete {
        /// Zero-based indexes of the unanswered required items.
        missing: Vec<i32>,
    },
    /// Every required item was answered.
    Scored(#[cfg_attr(feature = "uniffi", uniffi(name = "score"))] Score),
}

impl ScoreOutcome {
    /// The score, if complete.
    pub fn score(&self) -> Option<&Score> {
        match self {
            ScoreOutcome::Scored(score) => Some(score),
            ScoreOutcome::Incomplete { .. } => None,
        }
    }
}

/// Validate (see [`validate`]) and score raw answers.
///
/// Answer encodings (one `Option<i64>` per item, definition order):
/// * ONS4 `[life satisfaction, worthwhile, happiness, anxiety]`, each 0-10.
/// * WEMWBS 14 answers, SWEMWBS 7 answers (WEMWBS items 1, 2, 3, 6, 7, 9, 11), each 1-5.
/// * UCLA 3 three answers 1-3; loneliness-direct one answer 1 (never) to 5 (often/always).
/// * MYCaW `[concern 1, concern 2, wellbeing]`, each 0-6; concern 2 is `None` when the
///   person named only one concern. Concern 1 and wellbeing are required.
/// * PAM → [`MeasureError::NotScoredHere`].
///
/// # Errors
/// Whatever [`validate`] rejects: wrong length, out of range, or PAM.
pub fn score(
    instrument: Instrument,
    answers: &[Option<i64>],
) -> Result<ScoreOutcome, MeasureError> {
    if let Completeness::Incomplete { missing } = validate(instrument, answers)? {
        // Instruments have a few dozen items at most: an index always fits.
        let missing = missing
            .into_iter()
            .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
            .collect();
        return Ok(ScoreOutcome::Incomplete { missing });
    }
    let sum = || answers.iter().flatten().sum::<i64>();
    let score = match instrument {
        Instrument::Ons4 => Score::Ons4 {
            items: Ons4Measure::ALL
                .into_iter()
                .zip(answers)
                .filter_map(|(measure, answer)| {
                    answer.map(|value| Ons4Item {
                        item: measure,
                        value,
                        band: band_in_range(measure, value),
                    })
                })
                .collect(),
        },
        Instrument::Wemwbs => Score::Wemwbs { total: sum() },
        Instrument::Swemwbs => {
            let raw = sum();
            let metric = swemwbs_metric(raw).ok_or(MeasureError::OutOfRange {
                // Unreachable after validation (7 answers of 1-5 sum to 7-35); kept so
                // that no path can panic.
                instrument: instrument.code(),
                item: 0,
                min: 1,
                max: 5,
            })?;
            Score::Swemwbs { raw, metric }
        }
        Instrument::Ucla3 => Score::Ucla3 { total: sum() },
        Instrument::LonelinessDirect => match answers {
            [Some(answer)] => Score::LonelinessDirect {
                answer: *answer,
                often_or_always: *answer == LONELINESS_OFTEN_OR_ALWAYS,
            },
            _ => return Err(shape_error(instrument, answers)),
        },
        Instrument::Mycaw => match answers {
            [Some(first), second, Some(wellbeing)] => Score::Mycaw {
                concerns: std::iter::once(*first).chain(*second).collect(),
                wellbeing: *wellbeing,
            },
            _ => return Err(shape_error(instrument, answers)),
        },
        Instrument::Pam => {
            return Err(MeasureError::NotScoredHere {
                instrument: instrument.code(),
            })
        }
    };
    Ok(ScoreOutcome::Scored(score))
}

/// Defensive error for a shape that validation already excludes.
fn shape_error(instrument: Instrument, answers: &[Option<i64>]) -> MeasureError {
    MeasureError::WrongLength {
        instrument: instrument.code(),
        expected: instrument.item_count(),
        got: answers.len(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::ons4::Ons4Band;
    use super::*;

    fn scored(instrument: Instrument, answers: &[Option<i64>]) -> Score {
        match score(instrument, answers).unwrap() {
            ScoreOutcome::Scored(s) => s,
            other => unreachable!("expected a score, got {other:?}"),
        }
    }

    fn some(values: &[i64]) -> Vec<Option<i64>> {
        values.iter().copied().map(Some).collect()
    }

    /// Seven SWEMWBS answers (1-5) summing to `raw`, filled from the first item or the last.
    fn swemwbs_answers(raw: i64, from_front: bool) -> Vec<Option<i64>> {
        let mut answers = [1i64; 7];
        let mut extra = raw - 7;
        let mut order: Vec<usize> = (0..7).collect();
        if !from_front {
            order.reverse();
        }
        for i in order {
            let add = extra.min(4);
            if let Some(a) = answers.get_mut(i) {
                *a += add;
            }
            extra -= add;
        }
        assert_eq!(answers.iter().sum::<i64>(), raw);
        some(&answers)
    }

    #[test]
    fn ons4_reports_each_item_with_its_band_and_no_total() {
        let s = scored(Instrument::Ons4, &some(&[4, 6, 9, 1]));
        let Score::Ons4 { items } = &s else {
            unreachable!()
        };
        let got: Vec<(Ons4Measure, i64, Ons4Band)> =
            items.iter().map(|i| (i.item, i.value, i.band)).collect();
        assert_eq!(
            got,
            [
                (Ons4Measure::LifeSatisfaction, 4, Ons4Band::Low),
                (Ons4Measure::Worthwhile, 6, Ons4Band::Medium),
                (Ons4Measure::Happiness, 9, Ons4Band::VeryHigh),
                (Ons4Measure::Anxiety, 1, Ons4Band::VeryLow),
            ]
        );
        let json = serde_json::to_value(&s).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["instrument", "items"]);
        assert!(!json.to_string().contains("total"));
    }

    #[test]
    fn ons4_band_edges_through_score() {
        let cases = [
            (
                [4, 4, 4, 1],
                [
                    Ons4Band::Low,
                    Ons4Band::Low,
                    Ons4Band::Low,
                    Ons4Band::VeryLow,
                ],
            ),
            (
                [5, 5, 5, 2],
                [
                    Ons4Band::Medium,
                    Ons4Band::Medium,
                    Ons4Band::Medium,
                    Ons4Band::Low,
                ],
            ),
            (
                [6, 6, 6, 3],
                [
                    Ons4Band::Medium,
                    Ons4Band::Medium,
                    Ons4Band::Medium,
                    Ons4Band::Low,
                ],
            ),
            (
                [7, 7, 7, 4],
                [
                    Ons4Band::High,
                    Ons4Band::High,
                    Ons4Band::High,
                    Ons4Band::Medium,
                ],
            ),
            (
                [8, 8, 8, 5],
                [
                    Ons4Band::High,
                    Ons4Band::High,
                    Ons4Band::High,
                    Ons4Band::Medium,
                ],
            ),
            (
                [9, 9, 9, 6],
                [
                    Ons4Band::VeryHigh,
                    Ons4Band::VeryHigh,
                    Ons4Band::VeryHigh,
                    Ons4Band::High,
                ],
            ),
            (
                [0, 10, 0, 10],
                [
                    Ons4Band::Low,
                    Ons4Band::VeryHigh,
                    Ons4Band::Low,
                    Ons4Band::High,
                ],
            ),
        ];
        for (answers, bands) in cases {
            let Score::Ons4 { items } = scored(Instrument::Ons4, &some(&answers)) else {
                unreachable!()
            };
            let got: Vec<Ons4Band> = items.iter().map(|i| i.band).collect();
            assert_eq!(got, bands, "{answers:?}");
        }
    }

    #[test]
    fn wemwbs_minimum_and_maximum() {
        assert_eq!(
            scored(Instrument::Wemwbs, &some(&[1; 14])),
            Score::Wemwbs { total: 14 }
        );
        assert_eq!(
            scored(Instrument::Wemwbs, &some(&[5; 14])),
            Score::Wemwbs { total: 70 }
        );
        let mixed = some(&[1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4]);
        assert_eq!(
            scored(Instrument::Wemwbs, &mixed),
            Score::Wemwbs { total: 40 }
        );
    }

    #[test]
    fn swemwbs_every_table_row_through_score() {
        let rows = super::super::swemwbs_table::tests::guide_rows();
        assert_eq!(rows.len(), 29);
        for (raw, metric) in rows {
            for from_front in [true, false] {
                let answers = swemwbs_answers(raw, from_front);
                assert_eq!(answers.len(), 7);
                assert_eq!(
                    scored(Instrument::Swemwbs, &answers),
                    Score::Swemwbs { raw, metric },
                    "raw {raw}"
                );
            }
        }
    }

    #[test]
    fn swemwbs_serialises_raw_and_metric() {
        let s = scored(Instrument::Swemwbs, &swemwbs_answers(21, true));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"instrument":"swemwbs","raw":21,"metric":19.25}"#
        );
    }

    #[test]
    fn ucla3_ranges_from_3_to_9() {
        assert_eq!(
            scored(Instrument::Ucla3, &some(&[1, 1, 1])),
            Score::Ucla3 { total: 3 }
        );
        assert_eq!(
            scored(Instrument::Ucla3, &some(&[3, 3, 3])),
            Score::Ucla3 { total: 9 }
        );
        assert_eq!(
            scored(Instrument::Ucla3, &some(&[1, 2, 3])),
            Score::Ucla3 { total: 6 }
        );
        assert!(matches!(
            score(Instrument::Ucla3, &some(&[1, 4, 1])),
            Err(MeasureError::OutOfRange {
                item: 1,
                min: 1,
                max: 3,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::Ucla3, &some(&[0, 1, 1])),
            Err(MeasureError::OutOfRange { item: 0, .. })
        ));
    }

    #[test]
    fn loneliness_direct_flags_often_or_always_only() {
        for answer in 1..=5 {
            assert_eq!(
                scored(Instrument::LonelinessDirect, &[Some(answer)]),
                Score::LonelinessDirect {
                    answer,
                    often_or_always: answer == 5
                }
            );
        }
        assert!(matches!(
            score(Instrument::LonelinessDirect, &[Some(6)]),
            Err(MeasureError::OutOfRange {
                item: 0,
                min: 1,
                max: 5,
                ..
            })
        ));
        assert_eq!(
            score(Instrument::LonelinessDirect, &[None]),
            Ok(ScoreOutcome::Incomplete { missing: vec![0] })
        );
    }

    #[test]
    fn mycaw_one_and_two_concerns() {
        assert_eq!(
            scored(Instrument::Mycaw, &[Some(5), None, Some(4)]),
            Score::Mycaw {
                concerns: vec![5],
                wellbeing: 4
            }
        );
        assert_eq!(
            scored(Instrument::Mycaw, &[Some(6), Some(0), Some(3)]),
            Score::Mycaw {
                concerns: vec![6, 0],
                wellbeing: 3
            }
        );
        assert_eq!(
            score(Instrument::Mycaw, &[None, Some(2), Some(3)]),
            Ok(ScoreOutcome::Incomplete { missing: vec![0] })
        );
        assert!(matches!(
            score(Instrument::Mycaw, &[Some(7), None, Some(3)]),
            Err(MeasureError::OutOfRange {
                item: 0,
                min: 0,
                max: 6,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::Mycaw, &[Some(2), Some(3)]),
            Err(MeasureError::WrongLength {
                expected: 3,
                got: 2,
                ..
            })
        ));
    }

    #[test]
    fn incomplete_is_never_prorated() {
        let mut answers = some(&[5; 14]);
        if let Some(a) = answers.get_mut(13) {
            *a = None;
        }
        assert_eq!(
            score(Instrument::Wemwbs, &answers),
            Ok(ScoreOutcome::Incomplete { missing: vec![13] })
        );
        let outcome = score(
            Instrument::Swemwbs,
            &[Some(5), None, Some(5), None, None, Some(5), Some(5)],
        )
        .unwrap();
        assert_eq!(
            outcome,
            ScoreOutcome::Incomplete {
                missing: vec![1, 3, 4]
            }
        );
        assert_eq!(outcome.score(), None);
        assert_eq!(
            score(Instrument::Ons4, &[Some(7), Some(7), Some(7), None]),
            Ok(ScoreOutcome::Incomplete { missing: vec![3] })
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert_eq!(
            score(Instrument::Ons4, &some(&[1, 2, 3])),
            Err(MeasureError::WrongLength {
                instrument: "ons4",
                expected: 4,
                got: 3
            })
        );
        for bad in [11, -1] {
            assert_eq!(
                score(Instrument::Ons4, &some(&[bad, 2, 3, 4])),
                Err(MeasureError::OutOfRange {
                    instrument: "ons4",
                    item: 0,
                    min: 0,
                    max: 10
                })
            );
        }
        assert!(matches!(
            score(Instrument::Wemwbs, &some(&[0; 14])),
            Err(MeasureError::OutOfRange {
                item: 0,
                min: 1,
                max: 5,
                ..
            })
        ));
        assert_eq!(
            score(Instrument::Swemwbs, &some(&[3; 14])),
            Err(MeasureError::WrongLength {
                instrument: "swemwbs",
                expected: 7,
                got: 14
            })
        );
    }

    #[test]
    fn pam_is_never_scored() {
        for answers in [vec![], some(&[50])] {
            assert_eq!(
                score(Instrument::Pam, &answers),
                Err(MeasureError::NotScoredHere { instrument: "pam" })
            );
        }
    }

    #[test]
    fn outcomes_round_trip_through_json() {
        let outcomes = [
            score(Instrument::Ons4, &some(&[1, 5, 7, 9])).unwrap(),
            score(Instrument::Swemwbs, &swemwbs_answers(30, true)).unwrap(),
            score(Instrument::Mycaw, &[Some(1), None, Some(2)]).unwrap(),
            score(Instrument::LonelinessDirect, &[Some(5)]).unwrap(),
            score(Instrument::Ucla3, &[None, Some(1), None]).unwrap(),
        ];
        for outcome in outcomes {
            let json = serde_json::to_string(&outcome).unwrap();
            let back: ScoreOutcome = serde_json::from_str(&json).unwrap();
            assert_eq!(back, outcome, "{json}");
        }
        let json =
            serde_json::to_string(&score(Instrument::Ucla3, &some(&[1, 1, 2])).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"status":"scored","instrument":"ucla3","total":4}"#
        );
    }

    #[test]
    fn score_knows_its_instrument() {
        for instrument in Instrument::ALL {
            if !instrument.is_scored_here() {
                continue;
            }
            let answers: Vec<Option<i64>> = instrument
                .definition()
                .items
                .iter()
                .map(|i| Some(i.min))
                .collect();
            assert_eq!(scored(instrument, &answers).instrument(), instrument);
        }
    }
}
