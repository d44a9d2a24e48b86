//! The instruments we support, the timepoints and administration modes a response
//! is recorded with, and their stable string codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::definitions::{definition_of, InstrumentDefinition};
use super::error::MeasureError;

/// An outcome measure instrument. Serialised as its kebab-case code (see [`Instrument::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Instrument {
    /// ONS4 personal wellbeing: four items 0-10, each reported with its band, no total.
    Ons4,
    /// Warwick-Edinburgh Mental Wellbeing Scale: 14 items 1-5, total 14-70.
    Wemwbs,
    /// Short WEMWBS: 7 items 1-5, raw 7-35 converted to the metric score.
    Swemwbs,
    /// UCLA 3-item loneliness scale: 3 items 1-3, total 3-9, higher is lonelier.
    Ucla3,
    /// ONS direct loneliness question "How often do you feel lonely?", coded 1 (never) to
    /// 5 (often/always), so higher is lonelier.
    LonelinessDirect,
    /// MYCaW: one or two concerns plus wellbeing, each 0 (best) to 6 (worst).
    Mycaw,
    /// Patient Activation Measure: proprietary, only an external scorer's result is stored.
    Pam,
}

impl Instrument {
    /// Every instrument, in a stable order.
    pub const ALL: [Instrument; 7] = [
        Instrument::Ons4,
        Instrument::Wemwbs,
        Instrument::Swemwbs,
        Instrument::Ucla3,
        Instrument::LonelinessDirect,
        Instrument::Mycaw,
        Instrument::Pam,
    ];

    /// Stable code used in storage, the CLI and serde: `"ons4"`, `"wemwbs"`, `"swemwbs"`,
    /// `"ucla3"`, `"loneliness-direct"`, `"mycaw"`, `"pam"`.
    pub fn code(self) -> &'static str {
        match self {
            Instrument::Ons4 => "ons4",
            Instrument::Wemwbs => "wemwbs",
            Instrument::Swemwbs => "swemwbs",
            Instrument::Ucla3 => "ucla3",
            Instrument::LonelinessDirect => "loneliness-direct",
            Instrument::Mycaw => "mycaw",
            Instrument::Pam => "pam",
        }
    }

    /// The instrument with exactly this code, if any (case-sensitive, no trimming).
    pub fn from_code(code: &str) -> Option<Instrument> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }

    /// The version of the definition (wording, options, scoring) this library ships.
    /// Store it with every response.
    pub fn version(self) -> &'static str {
        self.definition().version
    }

    /// The shipped definition: title, items, response options, licence note.
    pub fn definition(self) -> &'static InstrumentDefinition {
        definition_of(self)
    }

    /// Number of answers [`validate`](super::validate) and [`score`](super::score) expect
    /// (0 for PAM, which is never answered item by item here).
    pub fn item_count(self) -> usize {
        self.definition().items.len()
    }

    /// Whether this engine computes scores for the instrument (false only for PAM).
    pub fn is_scored_here(self) -> bool {
        self != Instrument::Pam
    }

    /// Overall direction of the headline score(s) used for paired change.
    ///
    /// * true: UCLA 3 (higher is lonelier), loneliness-direct (coded so higher is lonelier),
    ///   MYCaW (0 is as good as it could be).
    /// * false: WEMWBS, SWEMWBS, PAM, and ONS4. ONS4 is mixed: anxiety is lower-is-better,
    ///   the other three items higher-is-better, so use the per-item
    ///   [`ItemDefinition::lower_is_better`](super::ItemDefinition) for ONS4.
    pub fn lower_is_better(self) -> bool {
        match self {
            Instrument::Ucla3 | Instrument::LonelinessDirect | Instrument::Mycaw => true,
            Instrument::Ons4 | Instrument::Wemwbs | Instrument::Swemwbs | Instrument::Pam => false,
        }
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Instrument {
    type Err = MeasureError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Instrument::from_code(s).ok_or(MeasureError::UnknownInstrument)
    }
}

/// When in the episode a measure was taken. Serialised as its kebab-case code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Timepoint {
    /// At or near the start of support (usually first contact).
    Baseline,
    /// An interim review during support.
    Review,
    /// At or near the end of support (usually last contact).
    FollowUp,
}

impl Timepoint {
    /// Every timepoint, in episode order.
    pub const ALL: [Timepoint; 3] = [Timepoint::Baseline, Timepoint::Review, Timepoint::FollowUp];

    /// Stable code: `"baseline"`, `"review"`, `"follow-up"`.
    pub fn code(self) -> &'static str {
        match self {
            Timepoint::Baseline => "baseline",
            Timepoint::Review => "review",
            Timepoint::FollowUp => "follow-up",
        }
    }

    /// The timepoint with exactly this code, if any.
    pub fn from_code(code: &str) -> Option<Timepoint> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

impl fmt::Display for Timepoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How the questionnaire was administered. Reading aloud biases answers upwards, so the
/// mode is stored with every response. Serialised as its kebab-case code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AdministrationMode {
    /// The person filled it in themselves.
    SelfCompleted,
    /// The questions were read out (e.g. by the link worker) and answers recorded for them.
    ReadOut,
}

impl AdministrationMode {
    /// Every mode.
    pub const ALL: [AdministrationMode; 2] = [
        AdministrationMode::SelfCompleted,
        AdministrationMode::ReadOut,
    ];

    /// Stable code: `"self-completed"`, `"read-out"`.
    pub fn code(self) -> &'static str {
        match self {
            AdministrationMode::SelfCompleted => "self-completed",
            AdministrationMode::ReadOut => "read-out",
        }
    }

    /// The mode with exactly this code, if any.
    pub fn from_code(code: &str) -> Option<AdministrationMode> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }
}

impl fmt::Display for AdministrationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn instrument_codes_round_trip_and_match_serde() {
        let expected = [
            "ons4",
            "wemwbs",
            "swemwbs",
            "ucla3",
            "loneliness-direct",
            "mycaw",
            "pam",
        ];
        for (instrument, code) in Instrument::ALL.into_iter().zip(expected) {
            assert_eq!(instrument.code(), code);
            assert_eq!(Instrument::from_code(code), Some(instrument));
            assert_eq!(code.parse::<Instrument>(), Ok(instrument));
            assert_eq!(instrument.to_string(), code);
            let json = serde_json::to_string(&instrument).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            let back: Instrument = serde_json::from_str(&json).unwrap();
            assert_eq!(back, instrument);
        }
    }

    #[test]
    fn unknown_instrument_codes_are_rejected() {
        assert_eq!(Instrument::from_code("ONS4"), None);
        assert_eq!(Instrument::from_code(""), None);
        assert_eq!(Instrument::from_code("phq9"), None);
        assert_eq!(
            "phq9".parse::<Instrument>(),
            Err(MeasureError::UnknownInstrument)
        );
    }

    #[test]
    fn timepoint_and_mode_codes_round_trip_and_match_serde() {
        for t in Timepoint::ALL {
            assert_eq!(Timepoint::from_code(t.code()), Some(t));
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.code())
            );
        }
        assert_eq!(Timepoint::FollowUp.code(), "follow-up");
        assert_eq!(Timepoint::from_code("followup"), None);
        for m in AdministrationMode::ALL {
            assert_eq!(AdministrationMode::from_code(m.code()), Some(m));
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.code())
            );
        }
        assert_eq!(AdministrationMode::ReadOut.code(), "read-out");
        assert_eq!(AdministrationMode::SelfCompleted.code(), "self-completed");
    }

    #[test]
    fn versions_and_directions() {
        for i in Instrument::ALL {
            assert_eq!(i.version(), "1");
            assert_eq!(i.definition().instrument, i);
        }
        assert!(Instrument::Mycaw.lower_is_better());
        assert!(Instrument::Ucla3.lower_is_better());
        assert!(Instrument::LonelinessDirect.lower_is_better());
        assert!(!Instrument::Wemwbs.lower_is_better());
        assert!(!Instrument::Swemwbs.lower_is_better());
        assert!(!Instrument::Pam.is_scored_here());
        assert_eq!(Instrument::Pam.item_count(), 0);
    }
}
