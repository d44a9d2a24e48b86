//! ONS4 personal wellbeing: the four measures and their bands. ONS4 has no total.
//!
//! Bands (ONS thresholds):
//! * life satisfaction, worthwhile, happiness: 0-4 low, 5-6 medium, 7-8 high, 9-10 very high;
//! * anxiety (higher is worse): 0-1 very low, 2-3 low, 4-5 medium, 6-10 high.

use serde::{Deserialize, Serialize};

/// One of the four ONS4 items, in answer order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Ons4Measure {
    /// Item 1: life satisfaction.
    LifeSatisfaction,
    /// Item 2: the things you do are worthwhile.
    Worthwhile,
    /// Item 3: happiness yesterday.
    Happiness,
    /// Item 4: anxiety yesterday (lower is better).
    Anxiety,
}

impl Ons4Measure {
    /// The four measures in answer order.
    pub const ALL: [Ons4Measure; 4] = [
        Ons4Measure::LifeSatisfaction,
        Ons4Measure::Worthwhile,
        Ons4Measure::Happiness,
        Ons4Measure::Anxiety,
    ];

    /// Stable code, equal to the item id in the definition: `"life-satisfaction"`,
    /// `"worthwhile"`, `"happiness"`, `"anxiety"`.
    pub fn code(self) -> &'static str {
        match self {
            Ons4Measure::LifeSatisfaction => "life-satisfaction",
            Ons4Measure::Worthwhile => "worthwhile",
            Ons4Measure::Happiness => "happiness",
            Ons4Measure::Anxiety => "anxiety",
        }
    }

    /// True only for anxiety.
    pub fn lower_is_better(self) -> bool {
        self == Ons4Measure::Anxiety
    }
}

/// An ONS4 band. Items 1-3 use low/medium/high/very high; anxiety uses very low/low/
/// medium/high. Serialised kebab-case (`"very-low"`, `"very-high"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Ons4Band {
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

/// One reported ONS4 item: its value and band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Ons4Item {
    /// Which item.
    pub item: Ons4Measure,
    /// The answer, 0-10.
    pub value: i64,
    /// The band the answer falls in.
    pub band: Ons4Band,
}

/// The band for an ONS4 answer, or `None` if `value` is outside 0..=10.
pub fn ons4_band(measure: Ons4Measure, value: i64) -> Option<Ons4Band> {
    (0..=10)
        .contains(&value)
        .then(|| band_in_range(measure, value))
}

/// Band for a value already known to be in 0..=10.
pub(super) fn band_in_range(measure: Ons4Measure, value: i64) -> Ons4Band {
    match measure {
        Ons4Measure::Anxiety => match value {
            ..=1 => Ons4Band::VeryLow,
            2..=3 => Ons4Band::Low,
            4..=5 => Ons4Band::Medium,
            _ => Ons4Band::High,
        },
        Ons4Measure::LifeSatisfaction | Ons4Measure::Worthwhile | Ons4Measure::Happiness => {
            match value {
                ..=4 => Ons4Band::Low,
                5..=6 => Ons4Band::Medium,
                7..=8 => Ons4Band::High,
                _ => Ons4Band::VeryHigh,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Instrument;
    use super::*;

    #[test]
    fn positive_item_band_edges() {
        let expected = [
            (0, Ons4Band::Low),
            (4, Ons4Band::Low),
            (5, Ons4Band::Medium),
            (6, Ons4Band::Medium),
            (7, Ons4Band::High),
            (8, Ons4Band::High),
            (9, Ons4Band::VeryHigh),
            (10, Ons4Band::VeryHigh),
        ];
        for measure in [
            Ons4Measure::LifeSatisfaction,
            Ons4Measure::Worthwhile,
            Ons4Measure::Happiness,
        ] {
            for (value, band) in expected {
                assert_eq!(ons4_band(measure, value), Some(band), "{measure:?} {value}");
            }
        }
    }

    #[test]
    fn anxiety_band_edges() {
        let expected = [
            (0, Ons4Band::VeryLow),
            (1, Ons4Band::VeryLow),
            (2, Ons4Band::Low),
            (3, Ons4Band::Low),
            (4, Ons4Band::Medium),
            (5, Ons4Band::Medium),
            (6, Ons4Band::High),
            (10, Ons4Band::High),
        ];
        for (value, band) in expected {
            assert_eq!(
                ons4_band(Ons4Measure::Anxiety, value),
                Some(band),
                "{value}"
            );
        }
    }

    #[test]
    fn out_of_range_has_no_band() {
        for measure in Ons4Measure::ALL {
            assert_eq!(ons4_band(measure, -1), None);
            assert_eq!(ons4_band(measure, 11), None);
        }
    }

    #[test]
    fn measure_codes_match_definition_ids_and_directions() {
        let items = Instrument::Ons4.definition().items;
        assert_eq!(items.len(), Ons4Measure::ALL.len());
        for (measure, item) in Ons4Measure::ALL.into_iter().zip(items) {
            assert_eq!(measure.code(), item.id);
            assert_eq!(measure.lower_is_better(), item.lower_is_better);
        }
    }
}
