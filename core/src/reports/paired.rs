//! Paired change: for each person and instrument, the baseline against the latest follow-up.
//!
//! Rules (the same for a person's own view, the GP message and the caseload report):
//! * only complete responses count (an incomplete response never pairs, and is never
//!   prorated); for PAM, a response counts when it carries the licensed scorer's result;
//! * the baseline is the **earliest** complete response with timepoint `baseline`;
//! * the follow-up is the **latest** complete response with timepoint `follow-up`.
//!   Responses with timepoint `review` are interim and never used (there is no fallback);
//! * the follow-up must have been answered **after** the baseline; otherwise there is no pair
//!   and [`refused_pairs`] says why ([`PairRefusal::FollowUpBeforeBaseline`]);
//! * pairs are made within one episode: callers pass the plan scoped to an episode
//!   ([`crate::model::PersonRecord::for_episode`]), so a second episode never pairs with the
//!   first episode's baseline;
//! * MYCaW concerns pair by what the person named them ([`measures::mycaw_change`]), never
//!   by position;
//! * ties in time are broken by the response id, so the choice is deterministic;
//! * each reported quantity is compared with [`measures::change`], which knows its direction
//!   (ONS4 anxiety, UCLA 3, loneliness and MYCaW: lower is better) and its difference
//!   convention (MYCaW: baseline − follow-up, so positive is better; every other instrument:
//!   follow-up − baseline). PAM, which `change` does not score, is compared here on the
//!   licensed activation score (higher is better, follow-up − baseline).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::Id;
use crate::measures::{self, DifferenceConvention, Instrument, Timepoint};
use crate::model::{MeasureResponse, Plan};

/// One person's change in one reported quantity of one instrument.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PersonChange {
    /// The instrument.
    pub instrument: Instrument,
    /// The quantity, as named by [`measures::ItemChange::name`] (`"metric"`, `"anxiety"`,
    /// `"concern-1"`, ...), or `"score"` for PAM's activation score.
    pub quantity: String,
    /// Whether a lower value of the quantity is better.
    pub lower_is_better: bool,
    /// How [`PersonChange::difference`] is taken.
    pub convention: DifferenceConvention,
    /// The baseline value.
    pub baseline: f64,
    /// The follow-up value.
    pub follow_up: f64,
    /// Signed difference per `convention`, rounded to 2 decimal places.
    pub difference: f64,
    /// `Some(true)` improved, `Some(false)` worse, `None` unchanged.
    pub improved: Option<bool>,
    /// The baseline response's id.
    pub baseline_response: Id,
    /// The follow-up response's id.
    pub follow_up_response: Id,
    /// When the baseline was answered.
    pub baseline_at: DateTime<Utc>,
    /// When the follow-up was answered.
    pub follow_up_at: DateTime<Utc>,
    /// The published meaningful-change threshold of the quantity; `None` when none is
    /// published ([`measures::meaningful_change`]).
    pub meaningful_threshold: Option<f64>,
    /// Whether the change reaches that threshold (in either direction); `None` when no
    /// threshold is published.
    pub meaningful: Option<bool>,
}

/// Why an instrument with responses has no pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PairRefusal {
    /// No complete baseline response.
    NoBaseline,
    /// No complete follow-up response.
    NoFollowUp,
    /// The latest complete follow-up was answered before (or at the same time as) the
    /// earliest complete baseline.
    FollowUpBeforeBaseline,
}

/// An instrument with responses but no paired change, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefusedPair {
    /// The instrument.
    pub instrument: Instrument,
    /// Why there is no pair.
    pub reason: PairRefusal,
}

/// The caseload's paired change in one quantity of one instrument.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeasureChange {
    /// The instrument.
    pub instrument: Instrument,
    /// The quantity (see [`PersonChange::quantity`]).
    pub quantity: String,
    /// Whether a lower value of the quantity is better.
    pub lower_is_better: bool,
    /// How the differences are taken.
    pub convention: DifferenceConvention,
    /// People with a baseline and a follow-up for this quantity.
    pub n: i32,
    /// Mean difference (per `convention`); `None` when `n` is 0, and always for the direct
    /// loneliness question (see `often_always_baseline`).
    pub mean_change: Option<f64>,
    /// Mean baseline value of the pairs; `None` when `n` is 0.
    pub mean_baseline: Option<f64>,
    /// Mean follow-up value of the pairs; `None` when `n` is 0.
    pub mean_follow_up: Option<f64>,
    /// People whose value got better (direction-aware).
    pub improved: i32,
    /// People whose value did not change.
    pub same: i32,
    /// People whose value got worse (direction-aware).
    pub worse: i32,
    /// Smallest difference; `None` when `n` is 0.
    pub min: Option<f64>,
    /// Median difference (the mean of the middle two for an even `n`); `None` when `n` is 0.
    pub median: Option<f64>,
    /// Largest difference; `None` when `n` is 0.
    pub max: Option<f64>,
    /// The published meaningful-change threshold; `None` when none is published.
    pub meaningful_threshold: Option<f64>,
    /// Pairs that improved by at least the threshold; `None` without a threshold.
    pub meaningfully_improved: Option<i32>,
    /// Pairs that got worse by at least the threshold; `None` without a threshold.
    pub meaningfully_worse: Option<i32>,
    /// The direct loneliness question only (ONS reports the share, not a mean of answer
    /// codes): the share of the pairs answering "often/always" at baseline, 0 to 1.
    pub often_always_baseline: Option<f64>,
    /// As `often_always_baseline`, at follow-up.
    pub often_always_follow_up: Option<f64>,
}

/// The answer code of "often/always" to the direct loneliness question.
const OFTEN_ALWAYS: f64 = 5.0;

/// Every reported quantity, in report order: `(instrument, quantity, lower is better)`.
pub const QUANTITIES: [(Instrument, &str, bool); 12] = [
    (Instrument::Ons4, "life-satisfaction", false),
    (Instrument::Ons4, "worthwhile", false),
    (Instrument::Ons4, "happiness", false),
    (Instrument::Ons4, "anxiety", true),
    (Instrument::Wemwbs, "total", false),
    (Instrument::Swemwbs, "metric", false),
    (Instrument::Ucla3, "total", true),
    (Instrument::LonelinessDirect, "answer", true),
    (Instrument::Mycaw, "concern-1", true),
    (Instrument::Mycaw, "concern-2", true),
    (Instrument::Mycaw, "wellbeing", true),
    (Instrument::Pam, "score", false),
];

/// Whether a response is complete: scored (never incomplete), or for PAM carrying a result.
pub fn is_complete(m: &MeasureResponse) -> bool {
    match m.instrument {
        Instrument::Pam => m.pam.as_ref().is_some_and(|p| p.validate().is_ok()),
        _ => m.outcome.as_ref().and_then(|o| o.score()).is_some(),
    }
}

/// The pair used for `instrument`: earliest complete baseline and latest complete follow-up,
/// when the follow-up was answered after the baseline.
pub fn pair_for(
    plan: &Plan,
    instrument: Instrument,
) -> Option<(&MeasureResponse, &MeasureResponse)> {
    try_pair(plan, instrument).ok()
}

fn try_pair(
    plan: &Plan,
    instrument: Instrument,
) -> Result<(&MeasureResponse, &MeasureResponse), PairRefusal> {
    let complete = |timepoint: Timepoint| {
        plan.measures
            .iter()
            .filter(move |m| m.instrument == instrument && m.timepoint == timepoint)
            .filter(|m| is_complete(m))
    };
    let baseline = complete(Timepoint::Baseline)
        .min_by_key(|m| (m.recorded_at, m.id))
        .ok_or(PairRefusal::NoBaseline)?;
    let follow_up = complete(Timepoint::FollowUp)
        .max_by_key(|m| (m.recorded_at, m.id))
        .ok_or(PairRefusal::NoFollowUp)?;
    if follow_up.recorded_at <= baseline.recorded_at {
        return Err(PairRefusal::FollowUpBeforeBaseline);
    }
    Ok((baseline, follow_up))
}

/// Every instrument that has at least one response in `plan` but no pair, with the reason
/// (in [`Instrument::ALL`] order).
pub fn refused_pairs(plan: &Plan) -> Vec<RefusedPair> {
    Instrument::ALL
        .into_iter()
        .filter(|i| plan.measures.iter().any(|m| m.instrument == *i))
        .filter_map(|instrument| {
            try_pair(plan, instrument)
                .err()
                .map(|reason| RefusedPair { instrument, reason })
        })
        .collect()
}

/// One person's paired change, for every instrument that has a pair, in [`QUANTITIES`] order
/// of instruments (quantities within an instrument in [`measures::change`]'s order).
pub fn person_changes(plan: &Plan) -> Vec<PersonChange> {
    let mut out = Vec::new();
    for instrument in Instrument::ALL {
        let Some((b, f)) = pair_for(plan, instrument) else {
            continue;
        };
        let stamp = |quantity: String,
                     lower_is_better: bool,
                     convention: DifferenceConvention,
                     (baseline, follow_up, difference): (f64, f64, f64),
                     improved: Option<bool>| {
            let meaningful_threshold =
                measures::meaningful_change(instrument, &quantity).map(|m| m.threshold);
            PersonChange {
                instrument,
                meaningful_threshold,
                meaningful: meaningful_threshold.map(|t| difference.abs() >= t),
                quantity,
                lower_is_better,
                convention,
                baseline,
                follow_up,
                difference,
                improved,
                baseline_response: b.id,
                follow_up_response: f.id,
                baseline_at: b.recorded_at,
                follow_up_at: f.recorded_at,
            }
        };
        if instrument == Instrument::Pam {
            if let (Some(bp), Some(fp)) = (&b.pam, &f.pam) {
                let difference = ((fp.score - bp.score) * 100.0).round() / 100.0;
                let improved = if fp.score == bp.score {
                    None
                } else {
                    Some(fp.score > bp.score)
                };
                out.push(stamp(
                    "score".into(),
                    false,
                    DifferenceConvention::FollowUpMinusBaseline,
                    (bp.score, fp.score, difference),
                    improved,
                ));
            }
            continue;
        }
        let scores = (
            b.outcome.as_ref().and_then(|o| o.score()),
            f.outcome.as_ref().and_then(|o| o.score()),
        );
        let (Some(bs), Some(fs)) = scores else {
            continue;
        };
        let changes = if instrument == Instrument::Mycaw {
            measures::mycaw_change(bs, &b.concern_labels, fs, &f.concern_labels)
        } else {
            measures::change(instrument, bs, fs)
        };
        for c in changes.unwrap_or_default() {
            out.push(stamp(
                c.name,
                c.lower_is_better,
                c.convention,
                (c.baseline, c.follow_up, c.difference),
                c.improved,
            ));
        }
    }
    out
}

/// The caseload's paired change: one row per entry of [`QUANTITIES`] (rows with `n` = 0
/// included, so the table's shape never depends on the data).
pub fn paired_change<'a>(plans: impl IntoIterator<Item = &'a Plan>) -> Vec<MeasureChange> {
    summarise_changes(plans.into_iter().flat_map(person_changes))
}

/// Aggregates people's paired changes into one row per entry of [`QUANTITIES`] (rows with
/// `n` = 0 included), as [`paired_change`] does (the period report passes the pairs whose
/// follow-up falls in its period).
pub(crate) fn summarise_changes(
    changes: impl IntoIterator<Item = PersonChange>,
) -> Vec<MeasureChange> {
    let mut per_quantity: Vec<Vec<PersonChange>> = vec![Vec::new(); QUANTITIES.len()];
    for change in changes {
        let slot = QUANTITIES
            .iter()
            .position(|(i, q, _)| *i == change.instrument && *q == change.quantity);
        if let Some(bucket) = slot.and_then(|i| per_quantity.get_mut(i)) {
            bucket.push(change);
        }
    }
    QUANTITIES
        .iter()
        .zip(per_quantity)
        .map(|(&(instrument, quantity, lower_is_better), changes)| {
            summarise(instrument, quantity, lower_is_better, &changes)
        })
        .collect()
}

fn summarise(
    instrument: Instrument,
    quantity: &str,
    lower_is_better: bool,
    changes: &[PersonChange],
) -> MeasureChange {
    let convention = if instrument == Instrument::Mycaw {
        DifferenceConvention::BaselineMinusFollowUp
    } else {
        DifferenceConvention::FollowUpMinusBaseline
    };
    let mut diffs: Vec<f64> = changes.iter().map(|c| c.difference).collect();
    diffs.sort_by(f64::total_cmp);
    let count = |want: Option<bool>| {
        i32::try_from(changes.iter().filter(|c| c.improved == want).count()).unwrap_or(i32::MAX)
    };
    let threshold = measures::meaningful_change(instrument, quantity).map(|m| m.threshold);
    let meaningfully = |better: bool| {
        threshold.map(|t| {
            changes
                .iter()
                .filter(|c| c.improved == Some(better) && c.difference.abs() >= t)
                .count()
                .try_into()
                .unwrap_or(i32::MAX)
        })
    };
    let loneliness = instrument == Instrument::LonelinessDirect;
    let share = |value: fn(&PersonChange) -> f64| {
        let often = changes.iter().filter(|c| value(c) == OFTEN_ALWAYS).count();
        (loneliness && !changes.is_empty()).then(|| often as f64 / changes.len() as f64)
    };
    // A mean of answer codes means nothing for the direct loneliness question.
    let mean_of = |values: &mut dyn Iterator<Item = f64>| {
        if loneliness {
            None
        } else {
            mean(values)
        }
    };
    MeasureChange {
        meaningful_threshold: threshold,
        meaningfully_improved: meaningfully(true),
        meaningfully_worse: meaningfully(false),
        often_always_baseline: share(|c| c.baseline),
        often_always_follow_up: share(|c| c.follow_up),
        instrument,
        quantity: quantity.to_string(),
        lower_is_better,
        convention,
        n: i32::try_from(changes.len()).unwrap_or(i32::MAX),
        mean_change: mean_of(&mut diffs.iter().copied()),
        mean_baseline: mean_of(&mut changes.iter().map(|c| c.baseline)),
        mean_follow_up: mean_of(&mut changes.iter().map(|c| c.follow_up)),
        improved: count(Some(true)),
        same: count(None),
        worse: count(Some(false)),
        min: diffs.first().copied(),
        median: median_sorted(&diffs),
        max: diffs.last().copied(),
    }
}

/// The mean of `values`; `None` when empty.
pub(crate) fn mean(values: &mut dyn Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// The median of already sorted values (mean of the middle two for an even count).
pub(crate) fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let upper = sorted.get(n / 2).copied()?;
    if n % 2 == 1 {
        Some(upper)
    } else {
        let lower = sorted.get(n / 2 - 1).copied()?;
        Some((lower + upper) / 2.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::measures::{score, AdministrationMode, PamResult};
    use chrono::TimeZone;

    fn response(
        instrument: Instrument,
        answers: &[Option<i64>],
        timepoint: Timepoint,
        day: u32,
    ) -> MeasureResponse {
        MeasureResponse {
            id: Id::new(),
            instrument,
            version: "1".into(),
            answers: answers.to_vec(),
            concern_labels: Vec::new(),
            pam: None,
            timepoint,
            mode: AdministrationMode::SelfCompleted,
            recorded_by: "sam".into(),
            recorded_at: Utc.with_ymd_and_hms(2024, 1, day, 10, 0, 0).unwrap(),
            outcome: score(instrument, answers).ok(),
            episode_id: None,
        }
    }

    fn plan(measures: Vec<MeasureResponse>) -> Plan {
        Plan {
            person_id: Id::new(),
            what_matters: String::new(),
            needs: Vec::new(),
            goals: Vec::new(),
            steps: Vec::new(),
            review_date: None,
            measures,
            newer_items: Vec::new(),
        }
    }

    fn some(v: &[i64]) -> Vec<Option<i64>> {
        v.iter().copied().map(Some).collect()
    }

    #[test]
    fn earliest_baseline_and_latest_follow_up_complete_only() {
        let p = plan(vec![
            response(Instrument::Ucla3, &some(&[3, 3, 3]), Timepoint::Baseline, 2),
            response(Instrument::Ucla3, &some(&[2, 2, 2]), Timepoint::Baseline, 3),
            response(
                Instrument::Ucla3,
                &[None, Some(1), Some(1)],
                Timepoint::Baseline,
                1,
            ),
            response(Instrument::Ucla3, &some(&[1, 1, 1]), Timepoint::Review, 20),
            response(
                Instrument::Ucla3,
                &some(&[2, 1, 1]),
                Timepoint::FollowUp,
                10,
            ),
            response(
                Instrument::Ucla3,
                &some(&[1, 2, 2]),
                Timepoint::FollowUp,
                12,
            ),
            response(
                Instrument::Ucla3,
                &[Some(1), None, Some(1)],
                Timepoint::FollowUp,
                15,
            ),
        ]);
        let changes = person_changes(&p);
        assert_eq!(changes.len(), 1);
        let c = changes.first().unwrap();
        assert_eq!((c.baseline, c.follow_up, c.difference), (9.0, 5.0, -4.0));
        assert_eq!(c.improved, Some(true));
    }

    #[test]
    fn no_follow_up_no_pair_and_review_is_not_a_fallback() {
        let p = plan(vec![
            response(Instrument::Ucla3, &some(&[3, 3, 3]), Timepoint::Baseline, 2),
            response(Instrument::Ucla3, &some(&[1, 1, 1]), Timepoint::Review, 20),
        ]);
        assert!(person_changes(&p).is_empty());
        let rows = paired_change([&p]);
        assert_eq!(rows.len(), QUANTITIES.len());
        assert!(rows.iter().all(|r| r.n == 0 && r.mean_change.is_none()));
    }

    #[test]
    fn pam_compares_the_licensed_score() {
        let mut b = response(Instrument::Pam, &[], Timepoint::Baseline, 1);
        b.pam = Some(PamResult::new(47.5, 2, "v13").unwrap());
        let mut f = response(Instrument::Pam, &[], Timepoint::FollowUp, 9);
        f.pam = Some(PamResult::new(60.25, 3, "v13").unwrap());
        let changes = person_changes(&plan(vec![b, f]));
        let c = changes.first().unwrap();
        assert_eq!((c.quantity.as_str(), c.difference), ("score", 12.75));
        assert_eq!(c.improved, Some(true));
    }

    #[test]
    fn aggregate_distribution() {
        let people: Vec<Plan> = [(9, 5), (5, 5), (4, 6)]
            .iter()
            .map(|&(b, f)| {
                let b = [b / 3, b / 3, b - 2 * (b / 3)];
                let f = [f / 3, f / 3, f - 2 * (f / 3)];
                plan(vec![
                    response(Instrument::Ucla3, &some(&b), Timepoint::Baseline, 1),
                    response(Instrument::Ucla3, &some(&f), Timepoint::FollowUp, 2),
                ])
            })
            .collect();
        let rows = paired_change(people.iter());
        let ucla = rows
            .iter()
            .find(|r| r.instrument == Instrument::Ucla3)
            .unwrap();
        assert_eq!(ucla.n, 3);
        assert_eq!((ucla.improved, ucla.same, ucla.worse), (1, 1, 1));
        assert_eq!(ucla.min, Some(-4.0));
        assert_eq!(ucla.median, Some(0.0));
        assert_eq!(ucla.max, Some(2.0));
        assert_eq!(ucla.mean_change, Some(-2.0 / 3.0));
    }

    #[test]
    fn a_follow_up_answered_before_its_baseline_never_pairs() {
        let p = plan(vec![
            response(Instrument::Ucla3, &some(&[3, 3, 3]), Timepoint::FollowUp, 2),
            response(Instrument::Ucla3, &some(&[1, 1, 1]), Timepoint::Baseline, 9),
        ]);
        assert!(person_changes(&p).is_empty());
        assert_eq!(
            refused_pairs(&p),
            [RefusedPair {
                instrument: Instrument::Ucla3,
                reason: PairRefusal::FollowUpBeforeBaseline
            }]
        );
        assert!(paired_change([&p]).iter().all(|r| r.n == 0));
    }

    #[test]
    fn loneliness_reports_the_share_often_always_not_a_mean_of_codes() {
        let people: Vec<Plan> = [(5, 2), (5, 5), (1, 5), (3, 1)]
            .iter()
            .map(|&(b, f)| {
                plan(vec![
                    response(
                        Instrument::LonelinessDirect,
                        &some(&[b]),
                        Timepoint::Baseline,
                        1,
                    ),
                    response(
                        Instrument::LonelinessDirect,
                        &some(&[f]),
                        Timepoint::FollowUp,
                        2,
                    ),
                ])
            })
            .collect();
        let rows = paired_change(people.iter());
        let row = rows
            .iter()
            .find(|r| r.instrument == Instrument::LonelinessDirect)
            .unwrap();
        assert_eq!(row.n, 4);
        assert_eq!(row.often_always_baseline, Some(0.5));
        assert_eq!(row.often_always_follow_up, Some(0.5));
        assert_eq!(
            (row.mean_change, row.mean_baseline, row.mean_follow_up),
            (None, None, None)
        );
        let ucla = rows
            .iter()
            .find(|r| r.instrument == Instrument::Ucla3)
            .unwrap();
        assert_eq!(ucla.often_always_baseline, None);
    }

    #[test]
    fn meaningful_change_uses_only_published_thresholds() {
        let mut b = response(Instrument::Pam, &[], Timepoint::Baseline, 1);
        b.pam = Some(PamResult::new(50.0, 2, "v13").unwrap());
        let mut f = response(Instrument::Pam, &[], Timepoint::FollowUp, 9);
        f.pam = Some(PamResult::new(53.0, 2, "v13").unwrap());
        let pam_plan = plan(vec![b, f]);
        let c = person_changes(&pam_plan);
        let c = c.first().unwrap();
        assert_eq!(
            (c.meaningful_threshold, c.meaningful),
            (Some(3.0), Some(true))
        );
        let rows = paired_change([&pam_plan]);
        let row = rows
            .iter()
            .find(|r| r.instrument == Instrument::Pam)
            .unwrap();
        assert_eq!(
            (row.meaningfully_improved, row.meaningfully_worse),
            (Some(1), Some(0))
        );
        let ucla = plan(vec![
            response(Instrument::Ucla3, &some(&[3, 3, 3]), Timepoint::Baseline, 1),
            response(Instrument::Ucla3, &some(&[1, 1, 1]), Timepoint::FollowUp, 2),
        ]);
        let c = person_changes(&ucla);
        assert_eq!((c[0].meaningful_threshold, c[0].meaningful), (None, None));
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        assert_eq!(median_sorted(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
        assert_eq!(median_sorted(&[]), None);
    }
}
