//! Outcome measures: versioned instrument definitions, validation, exact scoring and
//! paired change.
//!
//! Answers are raw and stored as given: one `Option<i64>` per item in definition order,
//! `None` meaning not answered. [`validate`] rejects wrong-length or out-of-range answers
//! with a typed [`MeasureError`]; [`score`] returns [`ScoreOutcome::Incomplete`] when a
//! required item is unanswered (never prorated) and otherwise the derived [`Score`].
//!
//! | code | answers | score |
//! |---|---|---|
//! | `ons4` | 4 items, 0-10 | each item with its [`Ons4Band`]; no total |
//! | `wemwbs` | 14 items, 1-5 | total 14-70 |
//! | `swemwbs` | 7 items (WEMWBS 1, 2, 3, 6, 7, 9, 11), 1-5 | raw 7-35 and the metric score from [`SWEMWBS_CONVERSION_TABLE`] |
//! | `ucla3` | 3 items, 1-3 | total 3-9, higher is lonelier |
//! | `loneliness-direct` | 1 item, 1 never … 5 often/always | the answer and an often/always flag |
//! | `mycaw` | `[concern 1, concern 2 or None, wellbeing]`, 0-6 | the concerns (1 or 2) and wellbeing |
//! | `pam` | — | never computed: store a [`PamResult`] |
//!
//! [`change`](fn@change) compares a baseline and a follow-up score, aware of each quantity's
//! direction (ONS4 anxiety, UCLA 3, loneliness and MYCaW: lower is better).
//!
//! The MYCaW concern descriptions (the person's own words) and the response metadata
//! ([`Timepoint`], [`AdministrationMode`], who, when, instrument version) are stored by
//! the caller alongside the raw answers.

mod change;
mod definitions;
mod error;
mod instrument;
mod meaningful;
mod ons4;
mod pam;
mod scoring;
mod swemwbs_table;
mod validation;

pub use change::{change, mycaw_change, DifferenceConvention, ItemChange};
pub use definitions::{
    InstrumentDefinition, ItemDefinition, ResponseOption, LONELINESS_OFTEN_OR_ALWAYS,
};
pub use error::MeasureError;
pub use instrument::{AdministrationMode, Instrument, Timepoint};
pub use meaningful::{meaningful_change, MeaningfulChange};
pub use ons4::{ons4_band, Ons4Band, Ons4Item, Ons4Measure};
pub use pam::{PamResult, PAM_LEVEL_RANGES};
pub use scoring::{score, Score, ScoreOutcome};
pub use swemwbs_table::{swemwbs_metric, SWEMWBS_CONVERSION_TABLE};
pub use validation::{validate, Completeness};
