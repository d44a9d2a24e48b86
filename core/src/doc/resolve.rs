//! Resolving a conflicted field: one new value at its key supersedes every concurrent value,
//! whether it is a copy of one of them (keep) or a new value of the field's type.

use automerge::transaction::Transactable;
use automerge::{ObjType, Value, ROOT};

use super::write::copy_object;
use super::{fields, keys};
use crate::error::{Error, Result};
use crate::model::{ConflictResolution, DocKind};

/// The most path segments a caller may name (documents are a few maps deep).
const MAX_PATH: usize = 8;

/// Root keys that say what the document is (its schema, version and person): a conflict on
/// one can only be resolved by keeping one of its values, never by a new value.
const STRUCTURAL: [&str; 3] = [keys::SCHEMA, keys::VERSION, keys::PERSON];

/// Writes `how` at `path` of a `kind` document (from the root, as
/// [`crate::model::FieldConflict::path`]), which must hold concurrent values.
///
/// # Errors
/// [`Error::InvalidInput`]: field `path` when no conflicted field is there; field `value` when
/// a kept value is not among the conflict's values (as the conflict lists them, typed like the
/// field), or a new value is not of the field's type ([`fields::write_new`]).
pub(crate) fn resolve<T: Transactable>(
    tx: &mut T,
    kind: DocKind,
    path: &[String],
    how: &ConflictResolution,
) -> Result<()> {
    let no_conflict = || Error::invalid("path", "no conflicted field at this path");
    let (key, parents) = path.split_last().ok_or_else(no_conflict)?;
    if path.len() > MAX_PATH {
        return Err(no_conflict());
    }
    let mut obj = ROOT;
    for segment in parents {
        obj = match tx.get(&obj, segment.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(no_conflict()),
        };
    }
    // Shown value first, as conflicts list them.
    let mut values = tx.get_all(&obj, key.as_str())?;
    values.reverse();
    if values.len() < 2 {
        return Err(no_conflict());
    }
    let field = fields::field_type(kind, path);
    match how {
        ConflictResolution::Keep(wanted) => {
            let (value, id) = values
                .into_iter()
                .find(|(v, id)| fields::read_value(tx, &field, v, id) == *wanted)
                .ok_or_else(|| Error::invalid("value", "not one of the conflict's values"))?;
            match value {
                Value::Scalar(s) => {
                    tx.put(&obj, key.as_str(), s.into_owned())?;
                }
                Value::Object(t) => {
                    let copy = tx.put_object(&obj, key.as_str(), t)?;
                    copy_object(tx, t, &id, &copy)?;
                }
            }
        }
        ConflictResolution::New(_) if parents.is_empty() && STRUCTURAL.contains(&key.as_str()) => {
            return Err(Error::invalid(
                "value",
                "the document's identity: keep one of its values",
            ));
        }
        ConflictResolution::New(new) => {
            let current = values.swap_remove(0).0.into_owned();
            fields::write_new(tx, &obj, key, &field, &current, new)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::{ActorId, AutoCommit, ReadDoc};

    use super::*;
    use crate::model::FieldValue;

    /// A document whose root `key` holds two concurrent values.
    fn conflicted(key: &str) -> AutoCommit {
        let mut a = AutoCommit::new();
        a.put(ROOT, key, "a").unwrap();
        let mut b = a.fork().with_actor(ActorId::random());
        a.put(ROOT, key, "x").unwrap();
        b.put(ROOT, key, "y").unwrap();
        a.merge(&mut b).unwrap();
        a
    }

    #[test]
    fn the_documents_identity_takes_no_new_value_but_can_be_kept() {
        let mut doc = conflicted("person_id");
        let path = vec!["person_id".to_string()];
        let new = ConflictResolution::New(FieldValue::ItemId {
            value: crate::Id::new(),
        });
        let err = resolve(&mut doc, DocKind::Plan, &path, &new).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "value", .. }),
            "{err:?}"
        );
        assert_eq!(doc.get_all(ROOT, "person_id").unwrap().len(), 2);
        // Not UUIDs, so listed (and kept) as unreadable text.
        let keep = ConflictResolution::Keep(FieldValue::Unreadable { text: "y".into() });
        resolve(&mut doc, DocKind::Plan, &path, &keep).unwrap();
        assert_eq!(doc.get_all(ROOT, "person_id").unwrap().len(), 1);
        // Another root key takes a new value of its type.
        let mut doc = conflicted("review_date");
        let date = ConflictResolution::New(FieldValue::Date {
            value: chrono::NaiveDate::from_ymd_opt(2031, 1, 1).unwrap(),
        });
        resolve(&mut doc, DocKind::Plan, &["review_date".to_string()], &date).unwrap();
        assert_eq!(doc.get_all(ROOT, "review_date").unwrap().len(), 1);
    }
}
