//! Paired change between a baseline score and a follow-up score of the same instrument.

use serde::{Deserialize, Serialize};

use super::instrument::Instrument;
use super::ons4::Ons4Measure;
use super::scoring::Score;

/// How [`ItemChange::difference`] is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DifferenceConvention {
    /// `follow_up - baseline` (every instrument except MYCaW).
    FollowUpMinusBaseline,
    /// `baseline - follow_up`, so positive means better (MYCaW's published convention).
    BaselineMinusFollowUp,
}

/// The change in one reported quantity between baseline and follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ItemChange {
    /// Quantity name: an ONS4 measure code (`"life-satisfaction"`, `"worthwhile"`,
    /// `"happiness"`, `"anxiety"`), `"total"` (WEMWBS, UCLA 3), `"metric"` (SWEMWBS),
    /// `"answer"` (loneliness-direct), or `"concern-1"`, `"concern-2"`, `"wellbeing"` (MYCaW).
    pub name: String,
    /// Whether a lower value of this quantity is better.
    pub lower_is_better: bool,
    /// Baseline value.
    pub baseline: f64,
    /// Follow-up value.
    pub follow_up: f64,
    /// Signed difference per [`ItemChange::convention`], rounded to 2 decimal places.
    pub difference: f64,
    /// Which way round `difference` is taken.
    pub convention: DifferenceConvention,
    /// Direction-aware: `Some(true)` if follow-up is better, `Some(false)` if worse,
    /// `None` if unchanged.
    pub improved: Option<bool>,
}

/// Paired change from `baseline` to `follow_up` for `instrument`, one entry per reported
/// quantity; `None` if either score is not of `instrument`.
///
/// * ONS4: one entry per item (no total); anxiety is lower-is-better.
/// * WEMWBS and UCLA 3: the total. SWEMWBS: the metric score (not the raw sum).
/// * Loneliness-direct: the answer code (higher is lonelier).
/// * MYCaW: each concern paired by position (a concern present at only one timepoint is
///   left out) and wellbeing; difference is baseline − follow-up, positive = better. Scores
///   carry no concern labels: with the labels, use [`mycaw_change`], which pairs concerns by
///   what the person named them (paired change in reports always does).
pub fn change(
    instrument: Instrument,
    baseline: &Score,
    follow_up: &Score,
) -> Option<Vec<ItemChange>> {
    if baseline.instrument() != instrument || follow_up.instrument() != instrument {
        return None;
    }
    let forward = DifferenceConvention::FollowUpMinusBaseline;
    let changes = match (baseline, follow_up) {
        (Score::Ons4 { items: b }, Score::Ons4 { items: f }) => Ons4Measure::ALL
            .into_iter()
            .filter_map(|measure| {
                let bv = b.iter().find(|i| i.item == measure)?.value;
                let fv = f.iter().find(|i| i.item == measure)?.value;
                Some(quantity(
                    measure.code(),
                    measure.lower_is_better(),
                    (bv as f64, fv as f64),
                    forward,
                ))
            })
            .collect(),
        (Score::Wemwbs { total: b }, Score::Wemwbs { total: f }) => {
            vec![quantity("total", false, (*b as f64, *f as f64), forward)]
        }
        (Score::Swemwbs { metric: b, .. }, Score::Swemwbs { metric: f, .. }) => {
            vec![quantity("metric", false, (*b, *f), forward)]
        }
        (Score::Ucla3 { total: b }, Score::Ucla3 { total: f }) => {
            vec![quantity("total", true, (*b as f64, *f as f64), forward)]
        }
        (Score::LonelinessDirect { answer: b, .. }, Score::LonelinessDirect { answer: f, .. }) => {
            vec![quantity("answer", true, (*b as f64, *f as f64), forward)]
        }
        (
            Score::Mycaw {
                concerns: bc,
                wellbeing: bw,
            },
            Score::Mycaw {
                concerns: fc,
                wellbeing: fw,
            },
        ) => {
            let backward = DifferenceConvention::BaselineMinusFollowUp;
            let names = ["concern-1", "concern-2"];
            let mut out: Vec<ItemChange> = names
                .into_iter()
                .zip(bc.iter().zip(fc))
                .map(|(name, (b, f))| quantity(name, true, (*b as f64, *f as f64), backward))
                .collect();
            out.push(quantity(
                "wellbeing",
                true,
                (*bw as f64, *fw as f64),
                backward,
            ));
            out
        }
        _ => return None,
    };
    Some(changes)
}

/// MYCaW change with each concern paired by what the person named it, not by position: a
/// baseline concern pairs with the follow-up concern whose label is the same ignoring case
/// and spacing ("Money worries" and "money  worries"); a concern named at only one
/// timepoint, or without a label, is left out. Each pair is named by its baseline position
/// (`"concern-1"`, `"concern-2"`); `"wellbeing"` always pairs. `None` unless both scores
/// are MYCaW.
pub fn mycaw_change(
    baseline: &Score,
    baseline_labels: &[String],
    follow_up: &Score,
    follow_up_labels: &[String],
) -> Option<Vec<ItemChange>> {
    let (
        Score::Mycaw {
            concerns: bc,
            wellbeing: bw,
        },
        Score::Mycaw {
            concerns: fc,
            wellbeing: fw,
        },
    ) = (baseline, follow_up)
    else {
        return None;
    };
    let backward = DifferenceConvention::BaselineMinusFollowUp;
    let mut out = Vec::new();
    // Each follow-up concern pairs at most once (two concerns given the same words pair in
    // order).
    let mut used: Vec<usize> = Vec::new();
    for (i, (name, b)) in ["concern-1", "concern-2"].into_iter().zip(bc).enumerate() {
        let Some(label) = baseline_labels.get(i).map(|l| same_concern(l)) else {
            continue;
        };
        let matched = follow_up_labels
            .iter()
            .enumerate()
            .position(|(j, l)| !used.contains(&j) && same_concern(l) == label);
        if let Some((j, f)) = matched.and_then(|j| fc.get(j).map(|f| (j, f))) {
            used.push(j);
            out.push(quantity(name, true, (*b as f64, *f as f64), backward));
        }
    }
    out.push(quantity(
        "wellbeing",
        true,
        (*bw as f64, *fw as f64),
        backward,
    ));
    Some(out)
}

/// A concern label compared ignoring case and runs of white space.
fn same_concern(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn quantity(
    name: &str,
    lower_is_better: bool,
    (baseline, follow_up): (f64, f64),
    convention: DifferenceConvention,
) -> ItemChange {
    let raw = match convention {
        DifferenceConvention::FollowUpMinusBaseline => follow_up - baseline,
        DifferenceConvention::BaselineMinusFollowUp => baseline - follow_up,
    };
    let improved = if follow_up == baseline {
        None
    } else if lower_is_better {
        Some(follow_up < baseline)
    } else {
        Some(follow_up > baseline)
    };
    ItemChange {
        name: name.to_owned(),
        lower_is_better,
        baseline,
        follow_up,
        difference: (raw * 100.0).round() / 100.0,
        convention,
        improved,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::scoring::{score, ScoreOutcome};
    use super::*;

    fn scored(instrument: Instrument, answers: &[i64]) -> Score {
        let answers: Vec<Option<i64>> = answers.iter().copied().map(Some).collect();
        match score(instrument, &answers).unwrap() {
            ScoreOutcome::Scored(s) => s,
            other => unreachable!("{other:?}"),
        }
    }

    fn summary(changes: &[ItemChange]) -> Vec<(&str, f64, Option<bool>)> {
        changes
            .iter()
            .map(|c| (c.name.as_str(), c.difference, c.improved))
            .collect()
    }

    #[test]
    fn ons4_one_change_per_item_and_anxiety_lower_is_better() {
        let b = scored(Instrument::Ons4, &[3, 5, 5, 8]);
        let f = scored(Instrument::Ons4, &[6, 5, 4, 2]);
        let changes = change(Instrument::Ons4, &b, &f).unwrap();
        assert_eq!(
            summary(&changes),
            [
                ("life-satisfaction", 3.0, Some(true)),
                ("worthwhile", 0.0, None),
                ("happiness", -1.0, Some(false)),
                ("anxiety", -6.0, Some(true)),
            ]
        );
        let worse = change(Instrument::Ons4, &f, &b).unwrap();
        assert_eq!(worse.last().unwrap().improved, Some(false));
        assert!(changes
            .iter()
            .all(|c| c.convention == DifferenceConvention::FollowUpMinusBaseline));
    }

    #[test]
    fn mycaw_change_is_baseline_minus_follow_up() {
        let b = Score::Mycaw {
            concerns: vec![5, 4],
            wellbeing: 3,
        };
        let f = Score::Mycaw {
            concerns: vec![2, 6],
            wellbeing: 3,
        };
        let changes = change(Instrument::Mycaw, &b, &f).unwrap();
        assert_eq!(
            summary(&changes),
            [
                ("concern-1", 3.0, Some(true)),
                ("concern-2", -2.0, Some(false)),
                ("wellbeing", 0.0, None),
            ]
        );
        assert!(changes.iter().all(|c| c.convention
            == DifferenceConvention::BaselineMinusFollowUp
            && c.lower_is_better));
    }

    #[test]
    fn mycaw_concerns_pair_by_the_name_the_person_gave_not_by_position() {
        let b = Score::Mycaw {
            concerns: vec![6, 4],
            wellbeing: 3,
        };
        let f = Score::Mycaw {
            concerns: vec![1, 5],
            wellbeing: 3,
        };
        let labels = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        // Loneliness (6) then money (4); follow-up money first (1), loneliness second (5).
        let changes = mycaw_change(
            &b,
            &labels(&["Loneliness", "Money worries"]),
            &f,
            &labels(&["money  WORRIES", "loneliness"]),
        )
        .unwrap();
        assert_eq!(
            summary(&changes),
            [
                ("concern-1", 1.0, Some(true)),
                ("concern-2", 3.0, Some(true)),
                ("wellbeing", 0.0, None),
            ]
        );
        // Different concerns never pair.
        let one = Score::Mycaw {
            concerns: vec![6],
            wellbeing: 3,
        };
        let other = Score::Mycaw {
            concerns: vec![1],
            wellbeing: 2,
        };
        let changes = mycaw_change(
            &one,
            &labels(&["Loneliness"]),
            &other,
            &labels(&["Money worries"]),
        )
        .unwrap();
        assert_eq!(summary(&changes), [("wellbeing", 1.0, Some(true))]);
    }

    #[test]
    fn mycaw_unmatched_second_concern_is_left_out() {
        let b = scored(Instrument::Mycaw, &[6, 5, 4]);
        let f = Score::Mycaw {
            concerns: vec![1],
            wellbeing: 2,
        };
        let changes = change(Instrument::Mycaw, &b, &f).unwrap();
        assert_eq!(
            summary(&changes),
            [
                ("concern-1", 5.0, Some(true)),
                ("wellbeing", 2.0, Some(true))
            ]
        );
    }

    #[test]
    fn swemwbs_change_uses_the_metric_score() {
        let b = Score::Swemwbs {
            raw: 26,
            metric: 23.21,
        };
        let f = Score::Swemwbs {
            raw: 27,
            metric: 24.11,
        };
        let changes = change(Instrument::Swemwbs, &b, &f).unwrap();
        assert_eq!(summary(&changes), [("metric", 0.9, Some(true))]);
        assert_eq!(changes.first().unwrap().baseline, 23.21);
    }

    #[test]
    fn totals_and_loneliness_directions() {
        let b = scored(Instrument::Wemwbs, &[3; 14]);
        let f = scored(Instrument::Wemwbs, &[4; 14]);
        assert_eq!(
            summary(&change(Instrument::Wemwbs, &b, &f).unwrap()),
            [("total", 14.0, Some(true))]
        );
        let b = scored(Instrument::Ucla3, &[3, 3, 2]);
        let f = scored(Instrument::Ucla3, &[1, 2, 2]);
        assert_eq!(
            summary(&change(Instrument::Ucla3, &b, &f).unwrap()),
            [("total", -3.0, Some(true))]
        );
        let b = scored(Instrument::LonelinessDirect, &[2]);
        let f = scored(Instrument::LonelinessDirect, &[5]);
        assert_eq!(
            summary(&change(Instrument::LonelinessDirect, &b, &f).unwrap()),
            [("answer", 3.0, Some(false))]
        );
    }

    #[test]
    fn mismatched_instruments_give_none() {
        let w = scored(Instrument::Wemwbs, &[3; 14]);
        let u = scored(Instrument::Ucla3, &[1, 1, 1]);
        assert_eq!(change(Instrument::Wemwbs, &w, &u), None);
        assert_eq!(change(Instrument::Ucla3, &w, &u), None);
        assert_eq!(change(Instrument::Ucla3, &w, &w), None);
        assert_eq!(change(Instrument::Pam, &u, &u), None);
        assert!(change(Instrument::Ucla3, &u, &u).is_some());
    }
}
