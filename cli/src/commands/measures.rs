//! Outcome measures: recording a person's answers, pure scoring without a store, and a
//! person's paired change.

use std::fmt::Write as _;

use linkwork_core::measures::{self, AdministrationMode, Instrument, PamResult, Timepoint};
use linkwork_core::model::NewMeasureResponse;
use linkwork_core::reports::PairRefusal;
use linkwork_core::Error;

use super::{id, number, Ctx};
use crate::args::{MeasureCmd, MeasureRecordArgs};
use crate::error::CliResult;
use crate::output;

/// `measure record|score|change`.
///
/// # Errors
/// Bad instrument, answers, timepoint or mode; unknown person.
pub fn measure(ctx: &Ctx, cmd: MeasureCmd) -> CliResult {
    match cmd {
        MeasureCmd::Record(a) => record(ctx, a),
        MeasureCmd::Score(a) => {
            let instrument = instrument(&a.instrument)?;
            let answers = answers(&a.answers)?;
            let outcome = measures::score(instrument, &answers)?;
            ctx.out.json_value(&outcome)
        }
        MeasureCmd::Change(a) => {
            let person = id("person", &a.person)?;
            let episode = a.episode.as_deref().map(|e| id("episode", e)).transpose()?;
            let store = ctx.store()?;
            let changes = match episode {
                Some(e) => store.paired_change_in_episode(person, e)?,
                None => store.paired_change(person)?,
            };
            let refused = store.refused_pairs(person, episode)?;
            ctx.out.show(&changes, |c| {
                let mut text = output::person_changes(c);
                for r in &refused {
                    let reason = match r.reason {
                        PairRefusal::NoBaseline => "no complete baseline",
                        PairRefusal::NoFollowUp => "no complete follow-up",
                        PairRefusal::FollowUpBeforeBaseline => {
                            "the follow-up was answered before the baseline"
                        }
                    };
                    let _ = writeln!(text, "{}: not paired ({reason})", r.instrument);
                }
                text
            })
        }
    }
}

/// `measure record`.
fn record(ctx: &Ctx, a: MeasureRecordArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let instrument = instrument(&a.instrument)?;
    let pam = match (a.pam_score, a.pam_level, a.pam_version) {
        (None, None, None) => None,
        (score, level, version) => Some(PamResult {
            score: number::<f64>(
                "pam",
                score.as_deref().unwrap_or(""),
                "a PAM result needs --pam-score (0-100)",
            )?,
            level: number::<i32>(
                "pam",
                level.as_deref().unwrap_or(""),
                "a PAM result needs --pam-level (1-4)",
            )?,
            version: version.unwrap_or_default(),
        }),
    };
    let response = NewMeasureResponse {
        instrument,
        answers: match a.answers.as_deref() {
            Some(text) => answers(text)?,
            None => Vec::new(),
        },
        concern_labels: a.concerns,
        pam,
        timepoint: timepoint(&a.timepoint)?,
        mode: mode(&a.mode)?,
        recorded_at: None,
    };
    let store = ctx.store()?;
    let id = store.record_measure(person, response)?;
    ctx.out.created(id)
}

/// Parses comma-separated answers: whole numbers, with an empty entry or `-` for unanswered.
///
/// # Errors
/// [`Error::InvalidInput`] for an entry that is not a whole number (the value is not echoed).
pub fn answers(text: &str) -> CliResult<Vec<Option<i64>>> {
    text.split(',')
        .map(|part| match part.trim() {
            "" | "-" => Ok(None),
            n => number::<i64>(
                "answers",
                n,
                "expected comma-separated whole numbers (empty or - for unanswered)",
            )
            .map(Some),
        })
        .collect()
}

/// Parses an instrument code, listing the accepted codes on error.
///
/// # Errors
/// [`Error::InvalidInput`] for an unknown instrument.
pub fn instrument(text: &str) -> CliResult<Instrument> {
    Instrument::from_code(text.trim()).ok_or_else(|| {
        let codes: Vec<&str> = Instrument::ALL.iter().map(|i| i.code()).collect();
        Error::invalid(
            "instrument",
            format!("expected one of {}", codes.join(", ")),
        )
        .into()
    })
}

/// Parses a timepoint code, listing the accepted codes on error.
fn timepoint(text: &str) -> CliResult<Timepoint> {
    Timepoint::from_code(text.trim()).ok_or_else(|| {
        let codes: Vec<&str> = Timepoint::ALL.iter().map(|t| t.code()).collect();
        Error::invalid("timepoint", format!("expected one of {}", codes.join(", "))).into()
    })
}

/// Parses an administration mode code, listing the accepted codes on error.
fn mode(text: &str) -> CliResult<AdministrationMode> {
    AdministrationMode::from_code(text.trim()).ok_or_else(|| {
        let codes: Vec<&str> = AdministrationMode::ALL.iter().map(|m| m.code()).collect();
        Error::invalid("mode", format!("expected one of {}", codes.join(", "))).into()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_with_gaps() {
        assert_eq!(
            answers("7, ,-,3").unwrap(),
            vec![Some(7), None, None, Some(3)]
        );
        assert_eq!(answers("").unwrap(), vec![None]);
        let err = answers("1,zz").unwrap_err().to_string();
        assert!(err.starts_with("invalid answers:"), "{err}");
        assert!(!err.contains("zz"), "the value is not echoed: {err}");
    }

    #[test]
    fn unknown_instrument_lists_codes() {
        let err = instrument("phq9").unwrap_err().to_string();
        assert!(err.contains("ons4, wemwbs"), "{err}");
        assert!(!err.contains("phq9"));
    }
}
