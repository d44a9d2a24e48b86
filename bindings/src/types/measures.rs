//! Outcome measures: instruments and their definitions, raw responses, derived scores and
//! paired change. Answers are one optional integer per item in definition order (`null`/`nil`
//! = not answered); scores are derived, never prorated.
//!
//! Mirrored here: instrument definitions (core's are `&'static` tables); scores, outcomes and
//! responses are core's own types.

use linkwork_core::measures as m;

use super::*;

/// One selectable answer to an item.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ResponseOption {
    /// The stored answer value.
    pub value: i64,
    /// The label shown to the person.
    pub label: String,
}

/// One item (question) of an instrument.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ItemDefinition {
    /// Stable item identifier, unique within the instrument.
    pub id: String,
    /// The question or statement as presented.
    pub text: String,
    /// Smallest allowed answer.
    pub min: i64,
    /// Largest allowed answer.
    pub max: i64,
    /// Every allowed answer, in the published display order.
    pub options: Vec<ResponseOption>,
    /// Whether a lower answer is better.
    pub lower_is_better: bool,
    /// False only for an item that may be left unanswered (MYCaW's second concern).
    pub required: bool,
}

/// A versioned instrument definition: what a questionnaire screen shows.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct InstrumentDefinition {
    /// Which instrument.
    pub instrument: Instrument,
    /// Definition version (stored with each response).
    pub version: String,
    /// Human-readable title.
    pub title: String,
    /// The recall period stated in the instructions.
    pub recall_period: Option<String>,
    /// The items in answer order (empty for PAM).
    pub items: Vec<ItemDefinition>,
    /// Licensing and attribution requirements.
    pub licence_note: String,
}

impl From<&m::InstrumentDefinition> for InstrumentDefinition {
    fn from(d: &m::InstrumentDefinition) -> Self {
        InstrumentDefinition {
            instrument: d.instrument,
            version: d.version.into(),
            title: d.title.into(),
            recall_period: d.recall_period.map(Into::into),
            items: d
                .items
                .iter()
                .map(|i| ItemDefinition {
                    id: i.id.into(),
                    text: i.text.into(),
                    min: i.min,
                    max: i.max,
                    options: i
                        .options
                        .iter()
                        .map(|o| ResponseOption {
                            value: o.value,
                            label: o.label.into(),
                        })
                        .collect(),
                    lower_is_better: i.lower_is_better,
                    required: i.required,
                })
                .collect(),
            licence_note: d.licence_note.into(),
        }
    }
}
