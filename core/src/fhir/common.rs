//! Helpers shared by the resource builders: ids, references, dates, codings, pruning.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::LINKWORK_FHIR_BASE;
use crate::ids::Id;

/// Salts of the resources whose ids are derived from another item's id.
pub(super) const SALT_CARE_PLAN: u64 = 1;
pub(super) const SALT_REFERRAL: u64 = 2;
pub(super) const SALT_DECLINED: u64 = 3;
/// Observations derived from a measure response use `SALT_OBSERVATION + index`.
pub(super) const SALT_OBSERVATION: u64 = 100;

/// A stable id derived from `base` and `salt` (FNV-1a over both, shaped as a version-4 UUID),
/// so that exporting the same record twice gives the same resource ids.
pub(super) fn derived_id(base: Id, salt: u64) -> Id {
    let fnv = |seed: u64| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
        for b in base
            .as_bytes()
            .iter()
            .copied()
            .chain(salt.to_le_bytes())
            .chain(seed.to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    };
    let mut bytes = [0u8; 16];
    let (hi, lo) = bytes.split_at_mut(8);
    hi.copy_from_slice(&fnv(0x5bd1_e995).to_be_bytes());
    lo.copy_from_slice(&fnv(0x27d4_eb2f).to_be_bytes());
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    Id::from_bytes(bytes)
}

/// `urn:uuid:<id>`.
pub(super) fn urn(id: Id) -> String {
    format!("urn:uuid:{id}")
}

/// A reference to a resource in the bundle.
pub(super) fn reference(id: Id) -> Value {
    json!({ "reference": urn(id) })
}

/// A reference that only names something outside the bundle (a person, a service).
pub(super) fn display(text: &str) -> Value {
    json!({ "display": text })
}

/// A FHIR `instant` / `dateTime` in UTC with millisecond precision.
pub(super) fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A FHIR `date`.
pub(super) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A code system of ours: `<base>/CodeSystem/<name>`.
pub(super) fn code_system(name: &str) -> String {
    format!("{LINKWORK_FHIR_BASE}/CodeSystem/{name}")
}

/// An extension definition of ours: `<base>/StructureDefinition/<name>`.
pub(super) fn extension_url(name: &str) -> String {
    format!("{LINKWORK_FHIR_BASE}/StructureDefinition/{name}")
}

/// An extension with a `valueCode`.
pub(super) fn code_extension(name: &str, code: &str) -> Value {
    json!({ "url": extension_url(name), "valueCode": code })
}

/// A CodeableConcept with one coding of one of our code systems.
pub(super) fn our_concept(system: &str, code: &str, text: &str) -> Value {
    json!({
        "coding": [{ "system": code_system(system), "code": code, "display": text }],
        "text": text
    })
}

/// A bundle entry.
pub(super) fn entry(id: Id, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

/// Removes nulls, empty strings, empty arrays and empty objects, recursively (FHIR JSON
/// forbids empty values; builders use `null` for "absent").
pub(super) fn prune(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(map) => {
            let map: Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                .collect();
            (!map.is_empty()).then_some(Value::Object(map))
        }
        other => Some(other),
    }
}

/// Sentence-case label from a kebab-case code ("unable-to-contact" → "Unable to contact").
pub(super) fn label(code: &str) -> String {
    let spaced = code.replace('-', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_distinct_v4_uuids() {
        let base = Id::new();
        let a = derived_id(base, SALT_CARE_PLAN);
        assert_eq!(a, derived_id(base, SALT_CARE_PLAN));
        assert_ne!(a, derived_id(base, SALT_REFERRAL));
        assert_ne!(a, base);
        let text = a.to_string();
        assert_eq!(text.chars().nth(14), Some('4'));
        assert!(matches!(text.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
    }

    #[test]
    fn prune_drops_empty_values_recursively() {
        let v = json!({"a": null, "b": [], "c": {"d": ""}, "e": [{"f": null}, 1], "g": false});
        assert_eq!(prune(v), Some(json!({"e": [1], "g": false})));
    }

    #[test]
    fn labels_and_dates() {
        assert_eq!(label("unable-to-contact"), "Unable to contact");
        let at = DateTime::parse_from_rfc3339("2024-01-15T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(instant(at), "2024-01-15T10:00:00.000Z");
    }
}
