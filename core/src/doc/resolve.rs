//! Resolving a conflicted field: one new value at its key supersedes every concurrent value,
//! whether it is a copy of one of them (keep) or a new value of the same type.

use automerge::transaction::Transactable;
use automerge::{ObjType, ScalarValue, Value, ROOT};
use chrono::DateTime;

use super::conflicts::value_text;
use super::write::copy_object;
use crate::error::{Error, Result};
use crate::model::ConflictResolution;

/// The most path segments a caller may name (documents are a few maps deep).
const MAX_PATH: usize = 8;

/// Writes `how` at `path` (from the document root, as [`crate::model::FieldConflict::path`]),
/// which must hold concurrent values.
///
/// # Errors
/// [`Error::InvalidInput`]: field `path` when no conflicted field is there; field `value` when
/// a kept value is not among the conflict's values, or a new value does not parse as the
/// field's type, or the field holds maps or lists (which can only be kept).
pub(crate) fn resolve<T: Transactable>(
    tx: &mut T,
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
    match how {
        ConflictResolution::Keep(wanted) => {
            let (value, id) = values
                .into_iter()
                .find(|(v, id)| value_text(tx, v, id) == *wanted)
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
        ConflictResolution::New(text) => {
            let bad = || Error::invalid("value", "not a value of this field's type");
            match &values[0].0 {
                Value::Object(ObjType::Text) => {
                    let new = tx.put_object(&obj, key.as_str(), ObjType::Text)?;
                    tx.splice_text(&new, 0, 0, text)?;
                }
                Value::Object(_) => {
                    return Err(Error::invalid(
                        "value",
                        "this field holds a map or list: keep one of its values",
                    ))
                }
                Value::Scalar(s) => {
                    let new = match s.as_ref() {
                        ScalarValue::Str(_) => ScalarValue::Str(text.as_str().into()),
                        ScalarValue::Int(_) => ScalarValue::Int(text.parse().map_err(|_| bad())?),
                        ScalarValue::Uint(_) => ScalarValue::Uint(text.parse().map_err(|_| bad())?),
                        ScalarValue::F64(_) => {
                            let f: f64 = text.parse().map_err(|_| bad())?;
                            if !f.is_finite() {
                                return Err(bad());
                            }
                            ScalarValue::F64(f)
                        }
                        ScalarValue::Boolean(_) => {
                            ScalarValue::Boolean(text.parse().map_err(|_| bad())?)
                        }
                        ScalarValue::Timestamp(_) => ScalarValue::Timestamp(
                            DateTime::parse_from_rfc3339(text)
                                .map_err(|_| bad())?
                                .timestamp_millis(),
                        ),
                        _ => return Err(bad()),
                    };
                    tx.put(&obj, key.as_str(), new)?;
                }
            }
        }
    }
    Ok(())
}
