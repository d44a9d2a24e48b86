//! Pure measure functions that need no store: instrument definitions, scoring, paired change.
//! None of them blocks; they may run on the main thread.

use linkwork_core::measures as m;

use crate::convert::list;
use crate::types::{Instrument, InstrumentDefinition, ItemChange, Score, ScoreOutcome};
use crate::LinkWorkError;

/// Validates and scores raw answers (one optional integer per item, in definition order)
/// without storing them. Incomplete answers give `ScoreOutcome.Incomplete`, never a prorated
/// score.
///
/// Errors: `InvalidInput` (field `answers`) for the wrong number of answers or an answer out
/// of range; `InvalidInput` (field `instrument`) for PAM, which is never scored here.
#[uniffi::export]
pub fn score_measure(
    instrument: Instrument,
    answers: Vec<Option<i64>>,
) -> Result<ScoreOutcome, LinkWorkError> {
    Ok(m::score(instrument, &answers).map_err(linkwork_core::Error::from)?)
}

/// The shipped definition of an instrument: title, version, items and their answer options,
/// licence note. What a questionnaire screen shows.
#[uniffi::export]
pub fn instrument_definition(instrument: Instrument) -> InstrumentDefinition {
    instrument.definition().into()
}

/// Paired change from a baseline to a follow-up score of `instrument`, one entry per reported
/// quantity (direction-aware); `null`/`nil` when either score is of another instrument.
#[uniffi::export]
pub fn measure_change(
    instrument: Instrument,
    baseline: Score,
    follow_up: Score,
) -> Option<Vec<ItemChange>> {
    m::change(instrument, &baseline, &follow_up).map(list)
}
