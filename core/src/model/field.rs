//! What a document field holds, as a type and as a value: how conflicts list the values of a
//! field and how an app gives a new one (`doc/fields.rs` says which field has which type).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    Capacity, Code, ConsentDecision, ConsentMethod, ConsultationMode, ContactChannel,
    ContactOutcome, ContactPreference, DeclineReason, DischargeReason, EpisodeStatus,
    EthnicCategory, FlagKind, GoalStatus, Need, NhsNumber, OnwardStatus, RedirectReason,
    ReferralSource, Sex, StepOwner, Urgency,
};
use crate::ids::Id;
use crate::measures::{AdministrationMode, Instrument, Timepoint};

/// A closed vocabulary whose codes a document field holds (see `docs/schema.md`,
/// Vocabularies). Lists its codes, so an app can offer them for a conflicted code field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(missing_docs)] // each variant is the vocabulary of the same name in docs/schema.md
pub enum Vocabulary {
    Need,
    GoalStatus,
    StepOwner,
    Instrument,
    Timepoint,
    AdministrationMode,
    ContactPreference,
    ReferralSource,
    Urgency,
    EpisodeStatus,
    DischargeReason,
    DeclineReason,
    RedirectReason,
    ContactChannel,
    ContactOutcome,
    ConsentDecision,
    ConsentMethod,
    Capacity,
    ConsultationMode,
    OnwardStatus,
    Sex,
    EthnicCategory,
    FlagKind,
}

fn all<C: Code>() -> Vec<&'static str> {
    C::ALL.iter().map(|c| c.code()).collect()
}

impl Vocabulary {
    /// Every code of the vocabulary this build knows, in display order.
    pub fn codes(self) -> Vec<&'static str> {
        match self {
            Vocabulary::Need => all::<Need>(),
            Vocabulary::GoalStatus => all::<GoalStatus>(),
            Vocabulary::StepOwner => all::<StepOwner>(),
            Vocabulary::Instrument => Instrument::ALL.iter().map(|i| i.code()).collect(),
            Vocabulary::Timepoint => Timepoint::ALL.iter().map(|t| t.code()).collect(),
            Vocabulary::AdministrationMode => {
                AdministrationMode::ALL.iter().map(|m| m.code()).collect()
            }
            Vocabulary::ContactPreference => all::<ContactPreference>(),
            Vocabulary::ReferralSource => all::<ReferralSource>(),
            Vocabulary::Urgency => all::<Urgency>(),
            Vocabulary::EpisodeStatus => all::<EpisodeStatus>(),
            Vocabulary::DischargeReason => all::<DischargeReason>(),
            Vocabulary::DeclineReason => all::<DeclineReason>(),
            Vocabulary::RedirectReason => all::<RedirectReason>(),
            Vocabulary::ContactChannel => all::<ContactChannel>(),
            Vocabulary::ContactOutcome => all::<ContactOutcome>(),
            Vocabulary::ConsentDecision => all::<ConsentDecision>(),
            Vocabulary::ConsentMethod => all::<ConsentMethod>(),
            Vocabulary::Capacity => all::<Capacity>(),
            Vocabulary::ConsultationMode => all::<ConsultationMode>(),
            Vocabulary::OnwardStatus => all::<OnwardStatus>(),
            Vocabulary::Sex => all::<Sex>(),
            Vocabulary::EthnicCategory => all::<EthnicCategory>(),
            Vocabulary::FlagKind => all::<FlagKind>(),
        }
    }

    /// Whether `code` is one of [`Self::codes`] (exactly, case-sensitive).
    pub fn knows(self, code: &str) -> bool {
        self.codes().contains(&code)
    }
}

/// What a document field holds (`doc/fields.rs` gives each field of the schema its type): the
/// kind of [`FieldValue`] its conflict values are listed as and a new value must be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FieldType {
    /// Text: a name, a note, prose (a string or a text object in the document).
    Text,
    /// A calendar date ([`FieldValue::Date`]).
    Date,
    /// An instant ([`FieldValue::Time`]).
    Time,
    /// A whole number ([`FieldValue::Integer`]).
    Integer,
    /// A decimal number ([`FieldValue::Decimal`]).
    Decimal,
    /// True or false ([`FieldValue::Bool`]).
    Bool,
    /// A code of `vocabulary` ([`FieldValue::Code`]); `codes` are the ones this build knows
    /// and accepts as a new value.
    Code {
        /// The vocabulary.
        vocabulary: Vocabulary,
        /// Its codes, in display order (what [`Vocabulary::codes`] gives).
        codes: Vec<String>,
    },
    /// The id of an item or episode ([`FieldValue::ItemId`]).
    ItemId,
    /// An NHS number ([`FieldValue::Nhs`]).
    Nhs,
    /// A map or list (an item, a set entry, a nested record) ([`FieldValue::Object`]): can
    /// only be resolved by keeping one of its values.
    Object,
    /// A key this build does not know (a newer version's): its values are listed as
    /// [`FieldValue::Unreadable`] and can only be kept.
    Other,
}

impl FieldType {
    /// The type of a field holding codes of `vocabulary`.
    pub fn code(vocabulary: Vocabulary) -> FieldType {
        FieldType::Code {
            vocabulary,
            codes: vocabulary.codes().into_iter().map(String::from).collect(),
        }
    }

    /// Lower-case name of the type, for messages and the CLI (`text`, `date`, `code`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Bool => "bool",
            FieldType::Code { .. } => "code",
            FieldType::ItemId => "item id",
            FieldType::Nhs => "NHS number",
            FieldType::Object => "object",
            FieldType::Other => "other",
        }
    }
}

/// One value of a document field, typed like the field ([`FieldType`]): how a conflict lists
/// its values ([`super::ConflictValue::value`]) and how an app keeps one or gives a new one
/// ([`super::ConflictResolution`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FieldValue {
    /// Text, exactly as stored (a string, or a text object's text).
    Text {
        /// The text.
        value: String,
    },
    /// A calendar date (stored `YYYY-MM-DD`).
    Date {
        /// The date.
        value: NaiveDate,
    },
    /// An instant (stored as milliseconds since the Unix epoch).
    Time {
        /// The instant, UTC.
        value: DateTime<Utc>,
    },
    /// A whole number.
    Integer {
        /// The number.
        value: i64,
    },
    /// A decimal number (finite).
    Decimal {
        /// The number.
        value: f64,
    },
    /// True or false.
    Bool {
        /// The value.
        value: bool,
    },
    /// A code of the field's vocabulary ([`FieldType::Code`]), e.g. `achieved`.
    Code {
        /// The code, as stored.
        value: String,
    },
    /// The id of an item or episode.
    ItemId {
        /// The id.
        value: Id,
    },
    /// An NHS number.
    Nhs {
        /// The number.
        value: NhsNumber,
    },
    /// A map or list, as JSON (keys sorted; text objects as strings, instants as
    /// milliseconds), so two values can be told apart and one kept. Never a new value.
    Object {
        /// The JSON text.
        json: String,
    },
    /// A value this build cannot read as its field's type (written by a newer version or
    /// another program, or any value of an unknown key), as text. Can only be kept.
    Unreadable {
        /// The value as text (numbers as digits, instants in RFC 3339, `null`).
        text: String,
    },
}

impl FieldValue {
    /// Parses `text` as a new value of type `ty`, as a person types it: text as it is, dates
    /// `YYYY-MM-DD`, instants RFC 3339, whole or decimal numbers, `true`/`false`, a code of the
    /// field's vocabulary, an id, an NHS number (spaces allowed).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] field `value` saying what the type expects (the accepted
    /// codes for a code field); for [`FieldType::Object`] and [`FieldType::Other`], which take
    /// no new value.
    pub fn parse(ty: &FieldType, text: &str) -> crate::Result<FieldValue> {
        use crate::Error;
        let expected = |what: &str| Error::invalid("value", format!("expected {what}"));
        let t = text.trim();
        Ok(match ty {
            FieldType::Text => FieldValue::Text {
                value: text.to_string(),
            },
            FieldType::Date => FieldValue::Date {
                value: super::text::parse_date("value", t)?,
            },
            FieldType::Time => FieldValue::Time {
                value: DateTime::parse_from_rfc3339(t)
                    .map_err(|_| expected("an instant in RFC 3339, e.g. 2031-02-28T09:30:00Z"))?
                    .with_timezone(&Utc),
            },
            FieldType::Integer => FieldValue::Integer {
                value: t.parse().map_err(|_| expected("a whole number"))?,
            },
            FieldType::Decimal => FieldValue::Decimal {
                value: t
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| expected("a number"))?,
            },
            FieldType::Bool => FieldValue::Bool {
                value: t.parse().map_err(|_| expected("true or false"))?,
            },
            FieldType::Code { codes, .. } => {
                if !codes.iter().any(|c| c == t) {
                    return Err(expected(&format!("one of {}", codes.join(", "))));
                }
                FieldValue::Code {
                    value: t.to_string(),
                }
            }
            FieldType::ItemId => FieldValue::ItemId {
                value: Id::parse("value", t)?,
            },
            FieldType::Nhs => FieldValue::Nhs {
                value: NhsNumber::parse(t).map_err(|_| expected("an NHS number"))?,
            },
            FieldType::Object | FieldType::Other => {
                return Err(Error::invalid(
                    "value",
                    "this field holds a map, list or unknown value: keep one of its values",
                ))
            }
        })
    }

    /// Whether this value is of type `ty` ([`FieldValue::Unreadable`] is of none;
    /// [`FieldValue::Object`] only of [`FieldType::Object`]).
    pub fn is_of(&self, ty: &FieldType) -> bool {
        matches!(
            (self, ty),
            (FieldValue::Text { .. }, FieldType::Text)
                | (FieldValue::Date { .. }, FieldType::Date)
                | (FieldValue::Time { .. }, FieldType::Time)
                | (FieldValue::Integer { .. }, FieldType::Integer)
                | (FieldValue::Decimal { .. }, FieldType::Decimal)
                | (FieldValue::Bool { .. }, FieldType::Bool)
                | (FieldValue::Code { .. }, FieldType::Code { .. })
                | (FieldValue::ItemId { .. }, FieldType::ItemId)
                | (FieldValue::Nhs { .. }, FieldType::Nhs)
                | (FieldValue::Object { .. }, FieldType::Object)
        )
    }
}

impl std::fmt::Display for FieldValue {
    /// The value as a person reads it: dates `YYYY-MM-DD`, instants RFC 3339, codes and text
    /// as they are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            FieldValue::Text { value } | FieldValue::Code { value } => value.clone(),
            FieldValue::Date { value } => value.format("%Y-%m-%d").to_string(),
            FieldValue::Time { value } => value.to_rfc3339(),
            FieldValue::Integer { value } => value.to_string(),
            FieldValue::Decimal { value } => value.to_string(),
            FieldValue::Bool { value } => value.to_string(),
            FieldValue::ItemId { value } => value.to_string(),
            FieldValue::Nhs { value } => value.as_str().to_string(),
            FieldValue::Object { json } => json.clone(),
            FieldValue::Unreadable { text } => text.clone(),
        };
        // `pad`, so width and alignment (`{:<16}`) apply.
        f.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_list_the_codes_of_their_enums() {
        assert_eq!(
            Vocabulary::GoalStatus.codes(),
            [
                "active",
                "achieved",
                "partly-achieved",
                "not-achieved",
                "dropped"
            ]
        );
        assert!(Vocabulary::Instrument.knows("loneliness-direct"));
        assert!(!Vocabulary::Instrument.knows("Loneliness-direct"));
        assert!(Vocabulary::EthnicCategory.knows("Z"));
        assert!(!Vocabulary::Sex.knows("paused"));
    }

    #[test]
    fn a_value_is_of_its_own_type_only() {
        let date = FieldValue::Date {
            value: NaiveDate::from_ymd_opt(2031, 2, 28).unwrap(),
        };
        assert!(date.is_of(&FieldType::Date));
        assert!(!date.is_of(&FieldType::Text));
        assert!(!date.is_of(&FieldType::Time));
        let code = FieldValue::Code {
            value: "active".into(),
        };
        assert!(code.is_of(&FieldType::code(Vocabulary::GoalStatus)));
        let unreadable = FieldValue::Unreadable { text: "x".into() };
        assert!(!unreadable.is_of(&FieldType::Other));
        assert!(!unreadable.is_of(&FieldType::Text));
        assert_eq!(date.to_string(), "2031-02-28");
    }

    #[test]
    fn text_parses_as_the_field_type_or_is_refused() {
        let status = FieldType::code(Vocabulary::GoalStatus);
        assert_eq!(
            FieldValue::parse(&status, "achieved").unwrap(),
            FieldValue::Code {
                value: "achieved".into()
            }
        );
        let err = FieldValue::parse(&status, "finished").unwrap_err();
        assert!(err.to_string().contains("partly-achieved"), "{err}");
        assert!(FieldValue::parse(&FieldType::Date, "2031-02-30").is_err());
        assert_eq!(
            FieldValue::parse(&FieldType::Date, "2031-02-28")
                .unwrap()
                .to_string(),
            "2031-02-28"
        );
        assert!(FieldValue::parse(&FieldType::Integer, "1.5").is_err());
        assert!(FieldValue::parse(&FieldType::Decimal, "NaN").is_err());
        assert!(FieldValue::parse(&FieldType::Bool, "yes").is_err());
        assert!(FieldValue::parse(&FieldType::Nhs, "943 476 5918").is_err());
        assert_eq!(
            FieldValue::parse(&FieldType::Nhs, "943 476 5919")
                .unwrap()
                .to_string(),
            "9434765919"
        );
        assert!(FieldValue::parse(&FieldType::Object, "{}").is_err());
        assert!(FieldValue::parse(&FieldType::Other, "x").is_err());
        let t = FieldValue::parse(&FieldType::Time, "2031-02-28T09:30:00+01:00").unwrap();
        assert_eq!(t.to_string(), "2031-02-28T08:30:00+00:00");
    }
}
