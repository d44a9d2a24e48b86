//! Versioned instrument definitions: item wording, allowed range, response options and
//! the direction in which each item counts as better.
//!
//! Answers are always supplied as one `Option<i64>` per item, in the order of
//! [`InstrumentDefinition::items`].

use serde::Serialize;

use super::instrument::Instrument;

/// One selectable answer to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseOption {
    /// The stored answer value.
    pub value: i64,
    /// The label shown to the person (numbers for unlabelled scale points).
    pub label: &'static str,
}

/// One item (question) of an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemDefinition {
    /// Stable item identifier, unique within the instrument (usable as a FHIR `linkId`).
    pub id: &'static str,
    /// The question or statement as presented.
    pub text: &'static str,
    /// Smallest allowed answer.
    pub min: i64,
    /// Largest allowed answer.
    pub max: i64,
    /// Every allowed answer, in the published display order (which for loneliness-direct
    /// is descending by value).
    pub options: &'static [ResponseOption],
    /// True when a lower answer is better (ONS4 anxiety, UCLA, loneliness, MYCaW).
    pub lower_is_better: bool,
    /// False only for an item that may be left unanswered in a complete response
    /// (MYCaW's second concern).
    pub required: bool,
}

impl ItemDefinition {
    /// The label of the option with this value, if the value is allowed.
    pub fn label_for(&self, value: i64) -> Option<&'static str> {
        self.options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label)
    }
}

/// A versioned instrument definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstrumentDefinition {
    /// Which instrument this defines.
    pub instrument: Instrument,
    /// Definition version shipped by this library (store it with each response).
    pub version: &'static str,
    /// Human-readable title.
    pub title: &'static str,
    /// The recall period stated in the instructions, when the instrument has one.
    pub recall_period: Option<&'static str>,
    /// The items in answer order (empty for PAM, which is never administered here).
    pub items: &'static [ItemDefinition],
    /// Licensing and attribution requirements.
    pub licence_note: &'static str,
}

const fn opt(value: i64, label: &'static str) -> ResponseOption {
    ResponseOption { value, label }
}

const fn item(
    id: &'static str,
    text: &'static str,
    (min, max): (i64, i64),
    options: &'static [ResponseOption],
    lower_is_better: bool,
) -> ItemDefinition {
    ItemDefinition {
        id,
        text,
        min,
        max,
        options,
        lower_is_better,
        required: true,
    }
}

// ---- ONS4 ---------------------------------------------------------------------------

const ONS4_OPTIONS: &[ResponseOption] = &[
    opt(0, "0 - Not at all"),
    opt(1, "1"),
    opt(2, "2"),
    opt(3, "3"),
    opt(4, "4"),
    opt(5, "5"),
    opt(6, "6"),
    opt(7, "7"),
    opt(8, "8"),
    opt(9, "9"),
    opt(10, "10 - Completely"),
];

static ONS4_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::Ons4,
    version: "1",
    title: "ONS4 personal wellbeing",
    recall_period: None,
    items: &[
        item(
            "life-satisfaction",
            "Overall, how satisfied are you with your life nowadays?",
            (0, 10),
            ONS4_OPTIONS,
            false,
        ),
        item(
            "worthwhile",
            "Overall, to what extent do you feel that the things you do in your life are \
             worthwhile?",
            (0, 10),
            ONS4_OPTIONS,
            false,
        ),
        item(
            "happiness",
            "Overall, how happy did you feel yesterday?",
            (0, 10),
            ONS4_OPTIONS,
            false,
        ),
        item(
            "anxiety",
            "Overall, how anxious did you feel yesterday?",
            (0, 10),
            ONS4_OPTIONS,
            true,
        ),
    ],
    licence_note: "Office for National Statistics personal wellbeing questions; free to use \
                   (Open Government Licence). Report each item with its band; never total \
                   or average the four items.",
};

// ---- WEMWBS / SWEMWBS ---------------------------------------------------------------

const WEMWBS_OPTIONS: &[ResponseOption] = &[
    opt(1, "None of the time"),
    opt(2, "Rarely"),
    opt(3, "Some of the time"),
    opt(4, "Often"),
    opt(5, "All of the time"),
];

const fn wemwbs_item(id: &'static str, text: &'static str) -> ItemDefinition {
    item(id, text, (1, 5), WEMWBS_OPTIONS, false)
}

const W01_OPTIMISTIC: ItemDefinition = wemwbs_item(
    "optimistic",
    "I've been feeling optimistic about the future",
);
const W02_USEFUL: ItemDefinition = wemwbs_item("useful", "I've been feeling useful");
const W03_RELAXED: ItemDefinition = wemwbs_item("relaxed", "I've been feeling relaxed");
const W04_INTERESTED_IN_PEOPLE: ItemDefinition = wemwbs_item(
    "interested-in-others",
    "I've been feeling interested in other people",
);
const W05_ENERGY: ItemDefinition = wemwbs_item("energy-to-spare", "I've had energy to spare");
const W06_PROBLEMS: ItemDefinition = wemwbs_item(
    "dealing-with-problems",
    "I've been dealing with problems well",
);
const W07_THINKING: ItemDefinition = wemwbs_item("thinking-clearly", "I've been thinking clearly");
const W08_GOOD_ABOUT_MYSELF: ItemDefinition =
    wemwbs_item("good-about-myself", "I've been feeling good about myself");
const W09_CLOSE: ItemDefinition =
    wemwbs_item("close-to-others", "I've been feeling close to other people");
const W10_CONFIDENT: ItemDefinition = wemwbs_item("confident", "I've been feeling confident");
const W11_OWN_MIND: ItemDefinition = wemwbs_item(
    "own-mind",
    "I've been able to make up my own mind about things",
);
const W12_LOVED: ItemDefinition = wemwbs_item("loved", "I've been feeling loved");
const W13_NEW_THINGS: ItemDefinition = wemwbs_item(
    "interested-in-new-things",
    "I've been interested in new things",
);
const W14_CHEERFUL: ItemDefinition = wemwbs_item("cheerful", "I've been feeling cheerful");

const WEMWBS_RECALL: Option<&str> = Some("over the last 2 weeks");
const WEMWBS_LICENCE: &str = "WEMWBS and SWEMWBS are copyright of the University of Warwick \
                              (with NHS Health Scotland and the University of Edinburgh); \
                              free for non-commercial use once the use is registered with \
                              Warwick Medical School. Do not alter the wording.";

static WEMWBS_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::Wemwbs,
    version: "1",
    title: "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS)",
    recall_period: WEMWBS_RECALL,
    items: &[
        W01_OPTIMISTIC,
        W02_USEFUL,
        W03_RELAXED,
        W04_INTERESTED_IN_PEOPLE,
        W05_ENERGY,
        W06_PROBLEMS,
        W07_THINKING,
        W08_GOOD_ABOUT_MYSELF,
        W09_CLOSE,
        W10_CONFIDENT,
        W11_OWN_MIND,
        W12_LOVED,
        W13_NEW_THINGS,
        W14_CHEERFUL,
    ],
    licence_note: WEMWBS_LICENCE,
};

/// SWEMWBS is exactly WEMWBS items 1, 2, 3, 6, 7, 9 and 11, in that order.
static SWEMWBS_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::Swemwbs,
    version: "1",
    title: "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    recall_period: WEMWBS_RECALL,
    items: &[
        W01_OPTIMISTIC,
        W02_USEFUL,
        W03_RELAXED,
        W06_PROBLEMS,
        W07_THINKING,
        W09_CLOSE,
        W11_OWN_MIND,
    ],
    licence_note: WEMWBS_LICENCE,
};

// ---- Loneliness ---------------------------------------------------------------------

const UCLA3_OPTIONS: &[ResponseOption] = &[
    opt(1, "Hardly ever or never"),
    opt(2, "Some of the time"),
    opt(3, "Often"),
];

static UCLA3_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::Ucla3,
    version: "1",
    title: "UCLA 3-item loneliness scale",
    recall_period: None,
    items: &[
        item(
            "lack-companionship",
            "How often do you feel that you lack companionship?",
            (1, 3),
            UCLA3_OPTIONS,
            true,
        ),
        item(
            "left-out",
            "How often do you feel left out?",
            (1, 3),
            UCLA3_OPTIONS,
            true,
        ),
        item(
            "isolated",
            "How often do you feel isolated from others?",
            (1, 3),
            UCLA3_OPTIONS,
            true,
        ),
    ],
    licence_note: "Three-item UCLA loneliness scale as used in the ONS national measures of \
                   loneliness; free to use.",
};

/// Answer value meaning "Often/always" for the direct loneliness question.
pub const LONELINESS_OFTEN_OR_ALWAYS: i64 = 5;

static LONELINESS_DIRECT_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::LonelinessDirect,
    version: "1",
    title: "Direct loneliness question (ONS national measure)",
    recall_period: None,
    items: &[item(
        "how-often-lonely",
        "How often do you feel lonely?",
        (1, 5),
        // Published display order; coded so that higher is lonelier, like UCLA 3.
        &[
            opt(LONELINESS_OFTEN_OR_ALWAYS, "Often/always"),
            opt(4, "Some of the time"),
            opt(3, "Occasionally"),
            opt(2, "Hardly ever"),
            opt(1, "Never"),
        ],
        true,
    )],
    licence_note: "ONS national measure of loneliness; free to use. Not summed: report the \
                   share answering often/always. Coded here 1 = never to 5 = often/always \
                   (the reverse of some ONS survey datasets).",
};

// ---- MYCaW --------------------------------------------------------------------------

const MYCAW_CONCERN_OPTIONS: &[ResponseOption] = &[
    opt(0, "0 - Not bothering me at all"),
    opt(1, "1"),
    opt(2, "2"),
    opt(3, "3"),
    opt(4, "4"),
    opt(5, "5"),
    opt(6, "6 - Bothers me greatly"),
];

const MYCAW_WELLBEING_OPTIONS: &[ResponseOption] = &[
    opt(0, "0 - As good as it could be"),
    opt(1, "1"),
    opt(2, "2"),
    opt(3, "3"),
    opt(4, "4"),
    opt(5, "5"),
    opt(6, "6 - As bad as it could be"),
];

static MYCAW_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::Mycaw,
    version: "1",
    title: "Measure Yourself Concerns and Wellbeing (MYCaW)",
    recall_period: None,
    items: &[
        item(
            "concern-1",
            "Your first concern or problem, in your own words: how severe is it now?",
            (0, 6),
            MYCAW_CONCERN_OPTIONS,
            true,
        ),
        ItemDefinition {
            required: false,
            ..item(
                "concern-2",
                "Your second concern or problem, if you have one, in your own words: how \
                 severe is it now?",
                (0, 6),
                MYCAW_CONCERN_OPTIONS,
                true,
            )
        },
        item(
            "wellbeing",
            "How would you rate your general feeling of wellbeing now?",
            (0, 6),
            MYCAW_WELLBEING_OPTIONS,
            true,
        ),
    ],
    licence_note: "MYCaW is licensed by Meaningful Measures Ltd; a licence is required and the \
                   licensed form's wording takes precedence over the wording here. The concern \
                   descriptions are the person's own words and are stored with the response, \
                   not in this definition.",
};

// ---- PAM ----------------------------------------------------------------------------

static PAM_DEFINITION: InstrumentDefinition = InstrumentDefinition {
    instrument: Instrument::Pam,
    version: "1",
    title: "Patient Activation Measure (PAM)",
    recall_period: None,
    items: &[],
    licence_note: "PAM is proprietary (Insignia Health). Its items and scoring are not shipped \
                   and it is never computed here: store a licensed scorer's output (score \
                   0-100, level 1-4, scorer version) as a PamResult.",
};

/// The shipped definition of `instrument`.
pub(super) fn definition_of(instrument: Instrument) -> &'static InstrumentDefinition {
    match instrument {
        Instrument::Ons4 => &ONS4_DEFINITION,
        Instrument::Wemwbs => &WEMWBS_DEFINITION,
        Instrument::Swemwbs => &SWEMWBS_DEFINITION,
        Instrument::Ucla3 => &UCLA3_DEFINITION,
        Instrument::LonelinessDirect => &LONELINESS_DIRECT_DEFINITION,
        Instrument::Mycaw => &MYCAW_DEFINITION,
        Instrument::Pam => &PAM_DEFINITION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn item_counts_match_the_guide() {
        let counts = [
            (Instrument::Ons4, 4),
            (Instrument::Wemwbs, 14),
            (Instrument::Swemwbs, 7),
            (Instrument::Ucla3, 3),
            (Instrument::LonelinessDirect, 1),
            (Instrument::Mycaw, 3),
            (Instrument::Pam, 0),
        ];
        for (instrument, n) in counts {
            assert_eq!(instrument.definition().items.len(), n, "{instrument}");
        }
    }

    #[test]
    fn options_cover_exactly_the_allowed_range_and_ids_are_unique() {
        for instrument in Instrument::ALL {
            let def = instrument.definition();
            let ids: HashSet<_> = def.items.iter().map(|i| i.id).collect();
            assert_eq!(ids.len(), def.items.len(), "{instrument} ids");
            assert!(!def.licence_note.is_empty());
            for item in def.items {
                let mut values: Vec<i64> = item.options.iter().map(|o| o.value).collect();
                values.sort_unstable();
                let range: Vec<i64> = (item.min..=item.max).collect();
                assert_eq!(values, range, "{instrument} {}", item.id);
                assert!(!item.text.is_empty());
            }
        }
    }

    #[test]
    fn swemwbs_is_wemwbs_items_1_2_3_6_7_9_11() {
        let wemwbs = Instrument::Wemwbs.definition().items;
        let swemwbs = Instrument::Swemwbs.definition().items;
        let picked: Vec<&ItemDefinition> = [1usize, 2, 3, 6, 7, 9, 11]
            .iter()
            .filter_map(|n| wemwbs.get(n - 1))
            .collect();
        let short: Vec<&ItemDefinition> = swemwbs.iter().collect();
        assert_eq!(short, picked);
    }

    #[test]
    fn wemwbs_item_order_follows_the_guide() {
        let keywords = [
            "optimistic",
            "useful",
            "relaxed",
            "interested in other people",
            "energy to spare",
            "dealing with problems well",
            "thinking clearly",
            "good about myself",
            "close to other people",
            "confident",
            "make up my own mind",
            "loved",
            "interested in new things",
            "cheerful",
        ];
        let items = Instrument::Wemwbs.definition().items;
        for (item, keyword) in items.iter().zip(keywords) {
            assert!(item.text.contains(keyword), "{} vs {keyword}", item.text);
        }
        assert_eq!(
            items.first().and_then(|i| i.label_for(1)),
            Some("None of the time")
        );
        assert_eq!(
            items.first().and_then(|i| i.label_for(5)),
            Some("All of the time")
        );
        assert_eq!(items.first().and_then(|i| i.label_for(6)), None);
    }

    #[test]
    fn directions_and_optional_items() {
        let ons4: Vec<bool> = Instrument::Ons4
            .definition()
            .items
            .iter()
            .map(|i| i.lower_is_better)
            .collect();
        assert_eq!(ons4, [false, false, false, true]);
        let mycaw: Vec<bool> = Instrument::Mycaw
            .definition()
            .items
            .iter()
            .map(|i| i.required)
            .collect();
        assert_eq!(mycaw, [true, false, true]);
        for instrument in Instrument::ALL {
            if instrument != Instrument::Mycaw {
                assert!(instrument.definition().items.iter().all(|i| i.required));
            }
        }
        let direct = Instrument::LonelinessDirect.definition().items;
        assert_eq!(
            direct
                .first()
                .and_then(|i| i.label_for(LONELINESS_OFTEN_OR_ALWAYS)),
            Some("Often/always")
        );
        assert_eq!(direct.first().and_then(|i| i.label_for(1)), Some("Never"));
    }
}
