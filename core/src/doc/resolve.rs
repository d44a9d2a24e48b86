//! Resolving a conflicted field: one new value at its key supersedes every concurrent value,
//! whether it is a copy of one of them (keep) or a new value of the field's type.

use automerge::transaction::Transactable;
use automerge::{ObjType, Value, ROOT};

use super::fields;
use super::write::copy_object;
use crate::error::{Error, Result};
use crate::model::{ConflictResolution, DocKind};

/// The most path segments a caller may name (documents are a few maps deep).
const MAX_PATH: usize = 8;

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
        ConflictResolution::New(new) => {
            let current = values.swap_remove(0).0.into_owned();
            fields::write_new(tx, &obj, key, &field, &current, new)?;
        }
    }
    Ok(())
}
