//! Outcome measures: instruments and their definitions, raw responses, derived scores and
//! paired change. Answers are one optional integer per item in definition order (`null`/`nil`
//! = not answered); scores are derived, never prorated.

use std::time::SystemTime;

use linkwork_core::measures as m;
use linkwork_core::model as lw;

use super::mirror_enum;
use crate::convert::{count, instant, list, opt_from_instant};
use crate::LinkWorkError;

mirror_enum! {
    /// An outcome-measure instrument.
    pub enum Instrument = m::Instrument {
        /// ONS4 personal wellbeing: four items 0-10, each reported with its band, no total.
        Ons4,
        /// Warwick-Edinburgh Mental Wellbeing Scale: 14 items 1-5, total 14-70.
        Wemwbs,
        /// Short WEMWBS: 7 items 1-5, raw 7-35 converted to the metric score.
        Swemwbs,
        /// UCLA 3-item loneliness scale: 3 items 1-3, total 3-9, higher is lonelier.
        Ucla3,
        /// ONS direct loneliness question, 1 (never) to 5 (often/always).
        LonelinessDirect,
        /// MYCaW: one or two concerns plus wellbeing, each 0 (best) to 6 (worst).
        Mycaw,
        /// Patient Activation Measure: proprietary; only a licensed scorer's result is stored.
        Pam,
    }
}

mirror_enum! {
    /// When in the episode a measure was taken.
    pub enum Timepoint = m::Timepoint {
        /// At or near the start of support.
        Baseline,
        /// An interim review.
        Review,
        /// At or near the end of support.
        FollowUp,
    }
}

mirror_enum! {
    /// How the questionnaire was administered (reading aloud biases answers upwards).
    pub enum AdministrationMode = m::AdministrationMode {
        /// The person filled it in themselves.
        SelfCompleted,
        /// The questions were read out and the answers recorded for them.
        ReadOut,
    }
}

mirror_enum! {
    /// One of the four ONS4 items, in answer order.
    pub enum Ons4Measure = m::Ons4Measure {
        /// Item 1: life satisfaction.
        LifeSatisfaction,
        /// Item 2: the things you do are worthwhile.
        Worthwhile,
        /// Item 3: happiness yesterday.
        Happiness,
        /// Item 4: anxiety yesterday (lower is better).
        Anxiety,
    }
}

mirror_enum! {
    /// An ONS4 band. Items 1-3 use low/medium/high/very high; anxiety uses very low/low/
    /// medium/high.
    pub enum Ons4Band = m::Ons4Band {
        /// Anxiety 0-1.
        VeryLow,
        /// Items 1-3: 0-4; anxiety: 2-3.
        Low,
        /// Items 1-3: 5-6; anxiety: 4-5.
        Medium,
        /// Items 1-3: 7-8; anxiety: 6-10.
        High,
        /// Items 1-3: 9-10.
        VeryHigh,
    }
}

mirror_enum! {
    /// Which way round a paired difference is taken.
    pub enum DifferenceConvention = m::DifferenceConvention {
        /// `follow_up - baseline` (every instrument except MYCaW).
        FollowUpMinusBaseline,
        /// `baseline - follow_up`, so positive means better (MYCaW's convention).
        BaselineMinusFollowUp,
    }
}

/// A licensed PAM scorer's output (PAM is never scored here).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PamResult {
    /// Activation score, 0-100.
    pub score: f64,
    /// Activation level, 1-4.
    pub level: u8,
    /// The scorer's version string (non-empty).
    pub version: String,
}

impl From<m::PamResult> for PamResult {
    fn from(p: m::PamResult) -> Self {
        PamResult {
            score: p.score,
            level: p.level,
            version: p.version,
        }
    }
}

impl From<PamResult> for m::PamResult {
    fn from(p: PamResult) -> Self {
        m::PamResult {
            score: p.score,
            level: p.level,
            version: p.version,
        }
    }
}

/// One reported ONS4 item: its value and band.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Ons4Item {
    /// Which item.
    pub item: Ons4Measure,
    /// The answer, 0-10.
    pub value: i64,
    /// The band the answer falls in.
    pub band: Ons4Band,
}

impl From<m::Ons4Item> for Ons4Item {
    fn from(i: m::Ons4Item) -> Self {
        Ons4Item {
            item: i.item.into(),
            value: i.value,
            band: i.band.into(),
        }
    }
}

impl From<Ons4Item> for m::Ons4Item {
    fn from(i: Ons4Item) -> Self {
        m::Ons4Item {
            item: i.item.into(),
            value: i.value,
            band: i.band.into(),
        }
    }
}

/// A derived score, by instrument.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum Score {
    /// ONS4: each item with its band, in answer order. There is no total.
    Ons4 {
        /// The answered items.
        items: Vec<Ons4Item>,
    },
    /// WEMWBS: sum of the 14 items, 14-70.
    Wemwbs {
        /// Total, 14-70.
        total: i64,
    },
    /// SWEMWBS: raw sum of the 7 items and the reported metric score.
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

impl From<m::Score> for Score {
    fn from(s: m::Score) -> Self {
        match s {
            m::Score::Ons4 { items } => Score::Ons4 { items: list(items) },
            m::Score::Wemwbs { total } => Score::Wemwbs { total },
            m::Score::Swemwbs { raw, metric } => Score::Swemwbs { raw, metric },
            m::Score::Ucla3 { total } => Score::Ucla3 { total },
            m::Score::LonelinessDirect {
                answer,
                often_or_always,
            } => Score::LonelinessDirect {
                answer,
                often_or_always,
            },
            m::Score::Mycaw {
                concerns,
                wellbeing,
            } => Score::Mycaw {
                concerns,
                wellbeing,
            },
        }
    }
}

impl From<Score> for m::Score {
    fn from(s: Score) -> Self {
        match s {
            Score::Ons4 { items } => m::Score::Ons4 { items: list(items) },
            Score::Wemwbs { total } => m::Score::Wemwbs { total },
            Score::Swemwbs { raw, metric } => m::Score::Swemwbs { raw, metric },
            Score::Ucla3 { total } => m::Score::Ucla3 { total },
            Score::LonelinessDirect {
                answer,
                often_or_always,
            } => m::Score::LonelinessDirect {
                answer,
                often_or_always,
            },
            Score::Mycaw {
                concerns,
                wellbeing,
            } => m::Score::Mycaw {
                concerns,
                wellbeing,
            },
        }
    }
}

/// The outcome of scoring valid answers.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum ScoreOutcome {
    /// Required items are unanswered: no score (never prorated).
    Incomplete {
        /// Zero-based indexes of the unanswered required items.
        missing: Vec<u32>,
    },
    /// Every required item was answered.
    Scored {
        /// The score.
        score: Score,
    },
}

impl From<m::ScoreOutcome> for ScoreOutcome {
    fn from(o: m::ScoreOutcome) -> Self {
        match o {
            m::ScoreOutcome::Incomplete { missing } => ScoreOutcome::Incomplete {
                missing: missing.into_iter().map(count).collect(),
            },
            m::ScoreOutcome::Scored(score) => ScoreOutcome::Scored {
                score: score.into(),
            },
        }
    }
}

/// The change in one reported quantity between a baseline and a follow-up score.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ItemChange {
    /// Quantity name: an ONS4 item code (`life-satisfaction`, ...), `total`, `metric`,
    /// `answer`, `concern-1`, `concern-2` or `wellbeing`.
    pub name: String,
    /// Whether a lower value is better.
    pub lower_is_better: bool,
    /// Baseline value.
    pub baseline: f64,
    /// Follow-up value.
    pub follow_up: f64,
    /// Signed difference per `convention`, rounded to 2 decimal places.
    pub difference: f64,
    /// Which way round `difference` is taken.
    pub convention: DifferenceConvention,
    /// `true` if follow-up is better, `false` if worse, absent if unchanged.
    pub improved: Option<bool>,
}

impl From<m::ItemChange> for ItemChange {
    fn from(c: m::ItemChange) -> Self {
        ItemChange {
            name: c.name,
            lower_is_better: c.lower_is_better,
            baseline: c.baseline,
            follow_up: c.follow_up,
            difference: c.difference,
            convention: c.convention.into(),
            improved: c.improved,
        }
    }
}

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
            instrument: d.instrument.into(),
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

/// A recorded outcome-measure response: raw answers as given, with the derived score.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasureResponse {
    /// Id.
    pub id: String,
    /// Instrument.
    pub instrument: Instrument,
    /// Instrument definition version the answers follow.
    pub version: String,
    /// Raw answers, one per item in definition order; absent = not answered.
    pub answers: Vec<Option<i64>>,
    /// MYCaW: the person's own words for each concern.
    pub concern_labels: Vec<String>,
    /// PAM: the licensed scorer's output.
    pub pam: Option<PamResult>,
    /// Baseline, review or follow-up.
    pub timepoint: Timepoint,
    /// Self-completed or read out.
    pub mode: AdministrationMode,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was answered.
    pub recorded_at: SystemTime,
    /// The episode it belongs to (the episode open when it was written); absent on a
    /// patient's store, which holds no episodes.
    pub episode_id: Option<String>,
    /// The derived score (absent for PAM).
    pub outcome: Option<ScoreOutcome>,
}

impl From<lw::MeasureResponse> for MeasureResponse {
    fn from(r: lw::MeasureResponse) -> Self {
        MeasureResponse {
            id: r.id.to_string(),
            instrument: r.instrument.into(),
            version: r.version,
            answers: r.answers,
            concern_labels: r.concern_labels,
            pam: r.pam.map(Into::into),
            timepoint: r.timepoint.into(),
            mode: r.mode.into(),
            recorded_by: r.recorded_by,
            recorded_at: instant(r.recorded_at),
            episode_id: r.episode_id.map(|e| e.to_string()),
            outcome: r.outcome.map(Into::into),
        }
    }
}

/// Input for a measure response.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct NewMeasureResponse {
    /// Instrument.
    pub instrument: Instrument,
    /// Baseline, review or follow-up.
    pub timepoint: Timepoint,
    /// Self-completed or read out.
    pub mode: AdministrationMode,
    /// Raw answers, one per item (empty for PAM).
    #[uniffi(default)]
    pub answers: Vec<Option<i64>>,
    /// MYCaW: one label per rated concern, in the person's words.
    #[uniffi(default)]
    pub concern_labels: Vec<String>,
    /// PAM: the licensed scorer's result (required for PAM, refused otherwise).
    #[uniffi(default)]
    pub pam: Option<PamResult>,
    /// When answered; now when absent.
    #[uniffi(default)]
    pub recorded_at: Option<SystemTime>,
}

impl TryFrom<NewMeasureResponse> for lw::NewMeasureResponse {
    type Error = LinkWorkError;
    fn try_from(r: NewMeasureResponse) -> Result<Self, LinkWorkError> {
        Ok(lw::NewMeasureResponse {
            instrument: r.instrument.into(),
            answers: r.answers,
            concern_labels: r.concern_labels,
            pam: r.pam.map(Into::into),
            timepoint: r.timepoint.into(),
            mode: r.mode.into(),
            recorded_at: opt_from_instant("recorded_at", r.recorded_at)?,
        })
    }
}
