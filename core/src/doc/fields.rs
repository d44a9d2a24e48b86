//! The field-type table: what each key of the documents holds (`docs/schema.md`), by path from
//! the root, so a conflict lists its values typed like their field and a new value that
//! resolves one is checked against the field's type. Reading and writing one typed value.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};
use chrono::{NaiveDate, TimeZone, Utc};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{DocKind, FieldType, FieldValue, NhsNumber, Vocabulary};

/// How a table entry types its field: a plain type or a code of a vocabulary.
#[derive(Clone, Copy)]
enum T {
    Text,
    Date,
    Time,
    Integer,
    Decimal,
    Bool,
    Code(Vocabulary),
    ItemId,
    Nhs,
    Object,
}

use Vocabulary as V;

/// Every path of a plan document, `*` matching any one key (an item id, a need code).
const PLAN: &[(&str, T)] = &[
    ("schema", T::Text),
    ("schema_version", T::Integer),
    ("person_id", T::ItemId),
    ("what_matters", T::Text),
    ("review_date", T::Date),
    ("needs", T::Object),
    ("needs/*", T::Object),
    ("needs/*/note", T::Text),
    ("needs/*/recorded_by", T::Text),
    ("needs/*/recorded_at", T::Time),
    ("goals", T::Object),
    ("goals/*", T::Object),
    ("goals/*/text", T::Text),
    ("goals/*/smart_detail", T::Text),
    ("goals/*/needs", T::Object),
    ("goals/*/needs/*", T::Bool),
    ("goals/*/target_date", T::Date),
    ("goals/*/status", T::Code(V::GoalStatus)),
    ("goals/*/progress", T::Object),
    ("goals/*/progress/*", T::Object),
    ("goals/*/progress/*/rating", T::Integer),
    ("goals/*/progress/*/note", T::Text),
    ("goals/*/progress/*/recorded_by", T::Text),
    ("goals/*/progress/*/recorded_at", T::Time),
    ("goals/*/created_by", T::Text),
    ("goals/*/created_at", T::Time),
    ("steps", T::Object),
    ("steps/*", T::Object),
    ("steps/*/text", T::Text),
    ("steps/*/owner", T::Code(V::StepOwner)),
    ("steps/*/owner_name", T::Text),
    ("steps/*/goal_id", T::ItemId),
    ("steps/*/due", T::Date),
    ("steps/*/done_at", T::Time),
    ("steps/*/done_by", T::Text),
    ("steps/*/created_by", T::Text),
    ("steps/*/created_at", T::Time),
    ("measures", T::Object),
    ("measures/*", T::Object),
    ("measures/*/instrument", T::Code(V::Instrument)),
    ("measures/*/version", T::Text),
    ("measures/*/answers", T::Object),
    ("measures/*/concern_labels", T::Object),
    ("measures/*/pam", T::Object),
    ("measures/*/pam/score", T::Decimal),
    ("measures/*/pam/level", T::Integer),
    ("measures/*/pam/version", T::Text),
    ("measures/*/timepoint", T::Code(V::Timepoint)),
    ("measures/*/mode", T::Code(V::AdministrationMode)),
    ("measures/*/recorded_by", T::Text),
    ("measures/*/recorded_at", T::Time),
];

/// Every path of a case document, as [`PLAN`].
const CASE: &[(&str, T)] = &[
    ("schema", T::Text),
    ("schema_version", T::Integer),
    ("person_id", T::ItemId),
    ("demographics", T::Object),
    ("demographics/given_name", T::Text),
    ("demographics/family_name", T::Text),
    ("demographics/date_of_birth", T::Date),
    ("demographics/nhs_number", T::Nhs),
    ("demographics/address", T::Text),
    ("demographics/phone", T::Text),
    ("demographics/email", T::Text),
    (
        "demographics/preferred_contact",
        T::Code(V::ContactPreference),
    ),
    ("demographics/communication_needs", T::Text),
    ("demographics/gp_codes_only", T::Bool),
    ("demographics/sex", T::Code(V::Sex)),
    ("demographics/ethnicity", T::Code(V::EthnicCategory)),
    ("demographics/gp_practice", T::Text),
    ("demographics/pcn", T::Text),
    ("episodes", T::Object),
    ("episodes/*", T::Object),
    ("episodes/*/source", T::Code(V::ReferralSource)),
    ("episodes/*/referrer", T::Text),
    ("episodes/*/reasons", T::Object),
    ("episodes/*/urgency", T::Code(V::Urgency)),
    ("episodes/*/consent_to_contact", T::Bool),
    ("episodes/*/received", T::Date),
    ("episodes/*/status", T::Code(V::EpisodeStatus)),
    ("episodes/*/status_reason", T::Text),
    ("episodes/*/discharge_reason", T::Code(V::DischargeReason)),
    ("episodes/*/decline_reason", T::Code(V::DeclineReason)),
    ("episodes/*/redirect_reason", T::Code(V::RedirectReason)),
    ("episodes/*/accepted_at", T::Time),
    ("episodes/*/opened_at", T::Time),
    ("episodes/*/history", T::Object),
    ("episodes/*/history/*", T::Object),
    ("episodes/*/history/*/from", T::Code(V::EpisodeStatus)),
    ("episodes/*/history/*/to", T::Code(V::EpisodeStatus)),
    ("episodes/*/history/*/reason", T::Text),
    ("episodes/*/history/*/by", T::Text),
    ("episodes/*/history/*/at", T::Time),
    ("episodes/*/history/*/reopened", T::Bool),
    ("gp_codes", T::Object),
    ("gp_codes/*", T::Object),
    ("gp_codes/*/code", T::Text),
    ("gp_codes/*/display", T::Text),
    ("gp_codes/*/episode_id", T::ItemId),
    ("gp_codes/*/recorded_by", T::Text),
    ("gp_codes/*/recorded_at", T::Time),
    ("contact_attempts", T::Object),
    ("contact_attempts/*", T::Object),
    ("contact_attempts/*/episode_id", T::ItemId),
    ("contact_attempts/*/at", T::Time),
    ("contact_attempts/*/channel", T::Code(V::ContactChannel)),
    ("contact_attempts/*/outcome", T::Code(V::ContactOutcome)),
    ("contact_attempts/*/note", T::Text),
    ("contact_attempts/*/by", T::Text),
    ("consents", T::Object),
    ("consents/*", T::Object),
    ("consents/*/purpose", T::Text),
    ("consents/*/recipient", T::Text),
    ("consents/*/recipient_org", T::Text),
    ("consents/*/decision", T::Code(V::ConsentDecision)),
    ("consents/*/method", T::Code(V::ConsentMethod)),
    ("consents/*/capacity", T::Code(V::Capacity)),
    ("consents/*/proxy", T::Object),
    ("consents/*/proxy/name", T::Text),
    ("consents/*/proxy/relationship", T::Text),
    ("consents/*/expires", T::Date),
    ("consents/*/supersedes", T::ItemId),
    ("consents/*/recorded_by", T::Text),
    ("consents/*/recorded_at", T::Time),
    ("consultations", T::Object),
    ("consultations/*", T::Object),
    ("consultations/*/episode_id", T::ItemId),
    ("consultations/*/mode", T::Code(V::ConsultationMode)),
    ("consultations/*/start", T::Time),
    ("consultations/*/duration_minutes", T::Integer),
    ("consultations/*/attendees", T::Object),
    ("consultations/*/notes", T::Text),
    ("consultations/*/checked_in_at", T::Time),
    ("consultations/*/checked_out_at", T::Time),
    ("consultations/*/by", T::Text),
    ("onward_referrals", T::Object),
    ("onward_referrals/*", T::Object),
    ("onward_referrals/*/service", T::Text),
    ("onward_referrals/*/service_id", T::Text),
    ("onward_referrals/*/organisation", T::Text),
    ("onward_referrals/*/need", T::Text),
    ("onward_referrals/*/status", T::Code(V::OnwardStatus)),
    ("onward_referrals/*/by", T::Text),
    ("onward_referrals/*/sent_at", T::Time),
    ("onward_referrals/*/history", T::Object),
    ("onward_referrals/*/history/*", T::Object),
    (
        "onward_referrals/*/history/*/from",
        T::Code(V::OnwardStatus),
    ),
    ("onward_referrals/*/history/*/to", T::Code(V::OnwardStatus)),
    ("onward_referrals/*/history/*/note", T::Text),
    ("onward_referrals/*/history/*/by", T::Text),
    ("onward_referrals/*/history/*/at", T::Time),
    ("flags", T::Object),
    ("flags/*", T::Object),
    ("flags/*/kind", T::Code(V::FlagKind)),
    ("flags/*/description", T::Text),
    ("flags/*/raised_by", T::Text),
    ("flags/*/raised_at", T::Time),
    ("flags/*/resolved_at", T::Time),
    ("flags/*/resolved_by", T::Text),
    ("notes", T::Object),
    ("notes/*", T::Object),
    ("notes/*/text", T::Text),
    ("notes/*/by", T::Text),
    ("notes/*/at", T::Time),
];

/// The type of the field at `path` of a `kind` document; [`FieldType::Other`] for a path the
/// schema does not define (a newer version's key).
pub fn field_type(kind: DocKind, path: &[String]) -> FieldType {
    let table = match kind {
        DocKind::Plan => PLAN,
        DocKind::Case => CASE,
    };
    let found = table.iter().find(|(pattern, _)| {
        pattern.split('/').count() == path.len()
            && pattern
                .split('/')
                .zip(path)
                .all(|(p, key)| p == "*" || p == key)
    });
    match found.map(|(_, t)| *t) {
        None => FieldType::Other,
        Some(T::Text) => FieldType::Text,
        Some(T::Date) => FieldType::Date,
        Some(T::Time) => FieldType::Time,
        Some(T::Integer) => FieldType::Integer,
        Some(T::Decimal) => FieldType::Decimal,
        Some(T::Bool) => FieldType::Bool,
        Some(T::Code(v)) => FieldType::code(v),
        Some(T::ItemId) => FieldType::ItemId,
        Some(T::Nhs) => FieldType::Nhs,
        Some(T::Object) => FieldType::Object,
    }
}

/// One value of a field of type `ty` (`id`: the value's object id, for objects) as the
/// conflict lists it; [`FieldValue::Unreadable`] when it does not read as `ty`. Readers'
/// leniencies hold: a text object where a string is expected, a non-negative `uint` as an
/// integer, an `int` of milliseconds as an instant, whole numbers as a decimal.
pub(crate) fn read_value<D: ReadDoc>(
    doc: &D,
    ty: &FieldType,
    value: &Value<'_>,
    id: &ObjId,
) -> FieldValue {
    let text = match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        Value::Object(ObjType::Text) => doc.text(id).ok(),
        Value::Object(_) => None,
    };
    let scalar = match value {
        Value::Scalar(s) => Some(s.as_ref()),
        Value::Object(_) => None,
    };
    let typed = match (ty, &text, scalar) {
        (FieldType::Text, Some(t), _) => Some(FieldValue::Text { value: t.clone() }),
        (FieldType::Code { .. }, Some(t), _) => Some(FieldValue::Code { value: t.clone() }),
        (FieldType::Date, Some(t), _) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .map(|value| FieldValue::Date { value }),
        (FieldType::ItemId, Some(t), _) => Id::parse("value", t)
            .ok()
            .map(|value| FieldValue::ItemId { value }),
        (FieldType::Nhs, Some(t), _) => NhsNumber::parse(t)
            .ok()
            .map(|value| FieldValue::Nhs { value }),
        (FieldType::Time, _, Some(ScalarValue::Timestamp(ms) | ScalarValue::Int(ms))) => Utc
            .timestamp_millis_opt(*ms)
            .single()
            .map(|value| FieldValue::Time { value }),
        (FieldType::Integer, _, Some(ScalarValue::Int(i))) => {
            Some(FieldValue::Integer { value: *i })
        }
        (FieldType::Integer, _, Some(ScalarValue::Uint(u))) => i64::try_from(*u)
            .ok()
            .map(|value| FieldValue::Integer { value }),
        (FieldType::Decimal, _, Some(s)) => match s {
            ScalarValue::F64(f) if f.is_finite() => Some(FieldValue::Decimal { value: *f }),
            // A decimal field: readers accept whole numbers too.
            ScalarValue::Int(i) => Some(FieldValue::Decimal { value: *i as f64 }),
            ScalarValue::Uint(u) => Some(FieldValue::Decimal { value: *u as f64 }),
            _ => None,
        },
        (FieldType::Bool, _, Some(ScalarValue::Boolean(b))) => Some(FieldValue::Bool { value: *b }),
        (FieldType::Object, _, None) if !matches!(value, Value::Object(ObjType::Text)) => {
            Some(FieldValue::Object {
                json: json(doc, value, id, 0).to_string(),
            })
        }
        _ => None,
    };
    typed.unwrap_or_else(|| FieldValue::Unreadable {
        text: match value {
            Value::Object(ObjType::Map | ObjType::Table | ObjType::List) => {
                json(doc, value, id, 0).to_string()
            }
            _ => scalar_text(doc, value, id),
        },
    })
}

/// How deep [`json`] describes nested objects; deeper ones read as `"…"`.
const MAX_JSON_DEPTH: usize = 12;

/// A value as JSON, objects described recursively (maps with sorted keys, as serde_json's
/// map is ordered).
fn json<D: ReadDoc>(doc: &D, value: &Value<'_>, id: &ObjId, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > MAX_JSON_DEPTH {
        return J::String("…".into());
    }
    match value {
        Value::Object(ObjType::Map | ObjType::Table) => J::Object(
            doc.map_range(id, ..)
                .map(|i| {
                    let (key, child) = (i.key.to_string(), i.id());
                    (key, json(doc, &i.value.into_value(), &child, depth + 1))
                })
                .collect(),
        ),
        Value::Object(ObjType::List) => J::Array(
            doc.list_range(id, ..)
                .map(|i| {
                    let child = i.id();
                    json(doc, &i.value.into_value(), &child, depth + 1)
                })
                .collect(),
        ),
        Value::Object(ObjType::Text) => J::String(doc.text(id).unwrap_or_default()),
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => J::String(s.to_string()),
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => J::from(*i),
            ScalarValue::Uint(u) => J::from(*u),
            ScalarValue::F64(f) => J::from(*f),
            ScalarValue::Boolean(b) => J::Bool(*b),
            ScalarValue::Null => J::Null,
            _ => J::String("<value>".into()),
        },
    }
}

/// A scalar or text object as text (what [`FieldValue::Unreadable`] holds).
fn scalar_text<D: ReadDoc>(doc: &D, value: &Value<'_>, id: &ObjId) -> String {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            ScalarValue::Int(i) => i.to_string(),
            ScalarValue::Uint(u) => u.to_string(),
            ScalarValue::F64(f) => f.to_string(),
            ScalarValue::Boolean(b) => b.to_string(),
            ScalarValue::Timestamp(ms) => Utc
                .timestamp_millis_opt(*ms)
                .single()
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            ScalarValue::Null => "null".into(),
            _ => "<value>".into(),
        },
        Value::Object(ObjType::Text) => doc.text(id).unwrap_or_default(),
        Value::Object(_) => json(doc, value, id, 0).to_string(),
    }
}

/// Puts `new`, a value of type `ty`, at `key` of `obj`, superseding every value there.
/// `current` is the value readers see now: a text field keeps its kind (text object or
/// string), an integer field stored unsigned stays unsigned.
///
/// # Errors
/// [`Error::InvalidInput`] field `value` when `new` is not of type `ty`, is a code the field's
/// vocabulary does not hold, text over the length bound, a negative number for an unsigned
/// field or a non-finite decimal, or the field is an object or unknown key (keep a value).
pub(crate) fn write_new<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    ty: &FieldType,
    current: &Value<'_>,
    new: &FieldValue,
) -> Result<()> {
    if matches!(ty, FieldType::Object | FieldType::Other) {
        return Err(Error::invalid(
            "value",
            "this field holds a map, list or unknown value: keep one of its values",
        ));
    }
    if !new.is_of(ty) {
        return Err(Error::invalid(
            "value",
            format!("expected a value of type {}", ty.name()),
        ));
    }
    let scalar = match new {
        FieldValue::Text { value } => {
            let value = crate::model::text::bounded("value", value)?;
            if matches!(current, Value::Object(ObjType::Text)) {
                let text = tx.put_object(obj, key, ObjType::Text)?;
                tx.splice_text(&text, 0, 0, &value)?;
                return Ok(());
            }
            ScalarValue::Str(value.into())
        }
        FieldValue::Code { value } => match ty {
            FieldType::Code { vocabulary, .. } if vocabulary.knows(value) => {
                ScalarValue::Str(value.as_str().into())
            }
            _ => {
                return Err(Error::invalid(
                    "value",
                    "not a code of this field's vocabulary",
                ))
            }
        },
        FieldValue::Date { value } => ScalarValue::Str(value.format("%Y-%m-%d").to_string().into()),
        FieldValue::Time { value } => ScalarValue::Timestamp(value.timestamp_millis()),
        FieldValue::Integer { value } => match current {
            Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Uint(_)) => ScalarValue::Uint(
                u64::try_from(*value)
                    .map_err(|_| Error::invalid("value", "must not be negative"))?,
            ),
            _ => ScalarValue::Int(*value),
        },
        FieldValue::Decimal { value } if value.is_finite() => ScalarValue::F64(*value),
        FieldValue::Decimal { .. } => return Err(Error::invalid("value", "not a finite number")),
        FieldValue::Bool { value } => ScalarValue::Boolean(*value),
        FieldValue::ItemId { value } => ScalarValue::Str(value.to_string().into()),
        FieldValue::Nhs { value } => ScalarValue::Str(value.as_str().into()),
        FieldValue::Object { .. } | FieldValue::Unreadable { .. } => {
            return Err(Error::invalid("value", "keep one of the conflict's values"))
        }
    };
    tx.put(obj, key, scalar)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc, Value, ROOT};

    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('/').map(String::from).collect()
    }

    #[test]
    fn paths_are_typed_by_the_schema_table() {
        let goal = "3f0c2a9e-6a55-4c1e-9b8e-2f1d5c7a9b10";
        assert_eq!(
            field_type(DocKind::Plan, &path(&format!("goals/{goal}/status"))),
            FieldType::code(Vocabulary::GoalStatus)
        );
        assert_eq!(
            field_type(DocKind::Plan, &path(&format!("steps/{goal}/due"))),
            FieldType::Date
        );
        assert_eq!(
            field_type(DocKind::Case, &path("demographics/nhs_number")),
            FieldType::Nhs
        );
        assert_eq!(
            field_type(
                DocKind::Case,
                &path(&format!("episodes/{goal}/history/{goal}/to"))
            ),
            FieldType::code(Vocabulary::EpisodeStatus)
        );
        assert_eq!(
            field_type(
                DocKind::Case,
                &path(&format!("onward_referrals/{goal}/history/{goal}/to"))
            ),
            FieldType::code(Vocabulary::OnwardStatus)
        );
        // The same key in the other document, a newer version's key, a deeper path.
        assert_eq!(
            field_type(DocKind::Plan, &path("demographics/phone")),
            FieldType::Other
        );
        assert_eq!(
            field_type(DocKind::Case, &path("demographics/pronouns")),
            FieldType::Other
        );
        assert_eq!(
            field_type(DocKind::Plan, &path(&format!("goals/{goal}/status/x"))),
            FieldType::Other
        );
        assert_eq!(field_type(DocKind::Plan, &[]), FieldType::Other);
    }

    fn first(doc: &AutoCommit, key: &str) -> (Value<'static>, automerge::ObjId) {
        let (v, id) = doc.get(&ROOT, key).unwrap().unwrap();
        (v.to_owned(), id)
    }

    #[test]
    fn values_read_as_their_field_type_or_unreadable() {
        let mut doc = AutoCommit::new();
        doc.put(&ROOT, "date", "2031-02-28").unwrap();
        doc.put(&ROOT, "bad_date", "2031-02-30").unwrap();
        doc.put(&ROOT, "uint", 7_u64).unwrap();
        doc.put(&ROOT, "ms", ScalarValue::Int(1_000)).unwrap();
        let text = doc.put_object(&ROOT, "prose", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, "hello").unwrap();
        let map = doc.put_object(&ROOT, "map", ObjType::Map).unwrap();
        doc.put(&map, "b", true).unwrap();
        doc.put(&map, "a", "x").unwrap();

        let read = |key: &str, ty: FieldType| {
            let (v, id) = first(&doc, key);
            read_value(&doc, &ty, &v, &id)
        };
        assert_eq!(
            read("date", FieldType::Date),
            FieldValue::Date {
                value: NaiveDate::from_ymd_opt(2031, 2, 28).unwrap()
            }
        );
        assert_eq!(
            read("bad_date", FieldType::Date),
            FieldValue::Unreadable {
                text: "2031-02-30".into()
            }
        );
        assert_eq!(
            read("uint", FieldType::Integer),
            FieldValue::Integer { value: 7 }
        );
        assert_eq!(
            read("uint", FieldType::Text),
            FieldValue::Unreadable { text: "7".into() }
        );
        assert_eq!(
            read("ms", FieldType::Time),
            FieldValue::Time {
                value: Utc.timestamp_millis_opt(1_000).unwrap()
            }
        );
        assert_eq!(
            read("prose", FieldType::Text),
            FieldValue::Text {
                value: "hello".into()
            }
        );
        assert_eq!(
            read("map", FieldType::Object),
            FieldValue::Object {
                json: r#"{"a":"x","b":true}"#.into()
            }
        );
        assert_eq!(
            read("map", FieldType::Other),
            FieldValue::Unreadable {
                text: r#"{"a":"x","b":true}"#.into()
            }
        );
    }

    #[test]
    fn a_new_value_must_be_of_the_field_type() {
        let mut doc = AutoCommit::new();
        doc.put(&ROOT, "due", "2031-02-28").unwrap();
        doc.put(&ROOT, "level", 3_u64).unwrap();
        let (due, _) = first(&doc, "due");
        let (level, _) = first(&doc, "level");
        let obj = ROOT;
        let text = FieldValue::Text {
            value: "soon".into(),
        };
        let err = write_new(&mut doc, &obj, "due", &FieldType::Date, &due, &text).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        let status = FieldType::code(Vocabulary::GoalStatus);
        let paused = FieldValue::Code {
            value: "paused".into(),
        };
        let err = write_new(&mut doc, &obj, "due", &status, &due, &paused).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        let minus = FieldValue::Integer { value: -1 };
        let err =
            write_new(&mut doc, &obj, "level", &FieldType::Integer, &level, &minus).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        let keep_only = FieldValue::Object { json: "{}".into() };
        assert!(write_new(&mut doc, &obj, "due", &FieldType::Object, &due, &keep_only).is_err());
        assert_eq!(
            doc.get(&ROOT, "due").unwrap().unwrap().0.as_str(),
            Some("2031-02-28")
        );

        let date = FieldValue::Date {
            value: NaiveDate::from_ymd_opt(2032, 1, 2).unwrap(),
        };
        write_new(&mut doc, &obj, "due", &FieldType::Date, &due, &date).unwrap();
        assert_eq!(
            doc.get(&ROOT, "due").unwrap().unwrap().0.as_str(),
            Some("2032-01-02")
        );
        let four = FieldValue::Integer { value: 4 };
        write_new(&mut doc, &obj, "level", &FieldType::Integer, &level, &four).unwrap();
        assert_eq!(
            doc.get(&ROOT, "level").unwrap().unwrap().0.as_u64(),
            Some(4)
        );
    }
}
