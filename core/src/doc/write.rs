//! Typed writes into a document inside one automerge transaction.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ScalarValue, Value, ROOT};
use chrono::{DateTime, NaiveDate, Utc};

use super::read::{refuse_newer, Reader};
use crate::error::{Error, Result};
use crate::ids::Id;

/// Sets a scalar string.
pub(crate) fn put_str<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, v: &str) -> Result<()> {
    tx.put(obj, key, v)?;
    Ok(())
}

/// Sets an optional string: `None` removes the key (if present).
pub(crate) fn put_opt_str<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    v: Option<&str>,
) -> Result<()> {
    match v {
        Some(v) => put_str(tx, obj, key, v),
        None => delete(tx, obj, key),
    }
}

/// Removes a key if it is present.
pub(crate) fn delete<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str) -> Result<()> {
    if tx.get(obj, key)?.is_some() {
        tx.delete(obj, key)?;
    }
    Ok(())
}

/// Sets mergeable text: edits an existing Text object in place (so concurrent edits merge
/// character by character) or creates one.
pub(crate) fn put_text<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, v: &str) -> Result<()> {
    let text = match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Text), id)) => id,
        _ => tx.put_object(obj, key, ObjType::Text)?,
    };
    tx.update_text(&text, v)?;
    Ok(())
}

/// Sets an instant (automerge timestamp, milliseconds since the epoch).
pub(crate) fn put_time<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    v: DateTime<Utc>,
) -> Result<()> {
    tx.put(obj, key, ScalarValue::Timestamp(v.timestamp_millis()))?;
    Ok(())
}

/// Sets an optional calendar date (`YYYY-MM-DD`).
pub(crate) fn put_opt_date<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    v: Option<NaiveDate>,
) -> Result<()> {
    put_opt_str(
        tx,
        obj,
        key,
        v.map(|d| d.format("%Y-%m-%d").to_string()).as_deref(),
    )
}

/// Sets an integer.
pub(crate) fn put_int<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, v: i64) -> Result<()> {
    tx.put(obj, key, v)?;
    Ok(())
}

/// Sets a boolean.
pub(crate) fn put_bool<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, v: bool) -> Result<()> {
    tx.put(obj, key, v)?;
    Ok(())
}

/// Replaces the list at `key` with a new list of strings.
pub(crate) fn put_str_list<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    values: &[String],
) -> Result<()> {
    let list = tx.put_object(obj, key, ObjType::List)?;
    for (i, v) in values.iter().enumerate() {
        tx.insert(&list, i, v.as_str())?;
    }
    Ok(())
}

/// Replaces the list at `key` with optional integers (null for `None`).
pub(crate) fn put_opt_int_list<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    values: &[Option<i64>],
) -> Result<()> {
    let list = tx.put_object(obj, key, ObjType::List)?;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(n) => tx.insert(&list, i, *n)?,
            None => tx.insert(&list, i, ScalarValue::Null)?,
        }
    }
    Ok(())
}

/// Makes the set-like map at `key` hold exactly `members` among the codes this build knows
/// (`known`): each member maps to `true`. Keys this build does not know (written by a newer
/// version) are left alone, and existing members are kept as they are, so concurrent additions
/// of other members merge.
pub(crate) fn put_key_set<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    members: &[&str],
    known: &[&str],
) -> Result<()> {
    let set = match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => tx.put_object(obj, key, ObjType::Map)?,
    };
    let existing: Vec<String> = tx.keys(&set).collect();
    for k in existing
        .iter()
        .filter(|k| known.contains(&k.as_str()) && !members.contains(&k.as_str()))
    {
        tx.delete(&set, k.as_str())?;
    }
    for m in members.iter().filter(|m| !existing.iter().any(|e| e == *m)) {
        tx.put(&set, *m, true)?;
    }
    Ok(())
}

/// Creates an empty map at `key`.
pub(crate) fn new_map<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str) -> Result<ObjId> {
    Ok(tx.put_object(obj, key, ObjType::Map)?)
}

/// Puts a fresh map at `key` of `obj` holding a deep copy of the map `from` (every key, known to
/// this version or not). The new map supersedes every concurrent value at `key`, so this is how
/// an edit resolves a conflicted map without dropping what the shown value held.
pub(crate) fn replace_map_with_copy<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    from: &ObjId,
) -> Result<ObjId> {
    let to = new_map(tx, obj, key)?;
    copy_map_entries(tx, from, &to)?;
    Ok(to)
}

/// An entry read before it is written (reads and writes share the transaction).
enum Entry {
    Scalar(ScalarValue),
    Object(ObjType, ObjId),
}

fn entry(value: Value<'_>, id: ObjId) -> Entry {
    match value {
        Value::Scalar(s) => Entry::Scalar(s.into_owned()),
        Value::Object(t) => Entry::Object(t, id),
    }
}

fn copy_map_entries<T: Transactable>(tx: &mut T, from: &ObjId, to: &ObjId) -> Result<()> {
    let entries: Vec<(String, Entry)> = tx
        .map_range(from, ..)
        .map(|i| {
            let id = i.id();
            (i.key.to_string(), entry(i.value.into_value(), id))
        })
        .collect();
    for (key, e) in entries {
        match e {
            Entry::Scalar(s) => {
                tx.put(to, key.as_str(), s)?;
            }
            Entry::Object(t, src) => {
                let dst = tx.put_object(to, key.as_str(), t)?;
                copy_object(tx, t, &src, &dst)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn copy_object<T: Transactable>(
    tx: &mut T,
    t: ObjType,
    src: &ObjId,
    dst: &ObjId,
) -> Result<()> {
    match t {
        ObjType::Map | ObjType::Table => copy_map_entries(tx, src, dst),
        ObjType::Text => {
            let text = tx.text(src)?;
            tx.splice_text(dst, 0, 0, &text)?;
            Ok(())
        }
        ObjType::List => {
            let items: Vec<Entry> = tx
                .list_range(src, ..)
                .map(|i| {
                    let id = i.id();
                    entry(i.value.into_value(), id)
                })
                .collect();
            for (index, e) in items.into_iter().enumerate() {
                match e {
                    Entry::Scalar(s) => tx.insert(dst, index, s)?,
                    Entry::Object(t, src) => {
                        let child = tx.insert_object(dst, index, t)?;
                        copy_object(tx, t, &src, &child)?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// The root collection map `collection` (created with the document).
pub(crate) fn collection<T: Transactable>(tx: &T, collection: &str) -> Result<ObjId> {
    Reader::new(tx)
        .map(&ROOT, collection)
        .ok_or_else(|| Error::schema(format!("missing collection `{collection}`")))
}

/// Creates a new item map with key `id` in the root collection `collection`.
pub(crate) fn new_item<T: Transactable>(
    tx: &mut T,
    collection_key: &str,
    id: &str,
) -> Result<ObjId> {
    let c = collection(tx, collection_key)?;
    new_map(tx, &c, id)
}

/// The existing item `id` of root collection `collection` (`NotFound` of `kind`), refused with
/// [`Error::NewerVersion`] of `newer_kind` when `read` finds a code this build does not know:
/// an edit would act on an item the app cannot show.
pub(crate) fn readable_item<T: Transactable, I>(
    tx: &T,
    collection: &str,
    kind: &'static str,
    newer_kind: &'static str,
    id: Id,
    read: impl Fn(&Reader<'_, T>, &str, &ObjId) -> Result<I>,
) -> Result<ObjId> {
    let key = id.to_string();
    let o = existing_item(tx, collection, kind, &key)?;
    refuse_newer(read(&Reader::new(tx), &key, &o), newer_kind, &key)?;
    Ok(o)
}

/// The existing item `id` of root collection `collection`, or `NotFound` of `kind`.
pub(crate) fn existing_item<T: Transactable>(
    tx: &T,
    collection: &str,
    kind: &'static str,
    id: &str,
) -> Result<ObjId> {
    Reader::new(tx)
        .item(collection, id)
        .ok_or_else(|| Error::not_found(kind, id))
}

/// Raises the document's `schema_version` to this build's when it is lower, in the change
/// that first writes a key of this version (`docs/schema.md`, Evolution). Every concurrent
/// value is considered, so a higher version written by another device is never lowered.
pub(crate) fn raise_schema_version<T: Transactable>(tx: &mut T) -> Result<()> {
    let current = tx
        .get_all(&ROOT, super::keys::VERSION)?
        .into_iter()
        .filter_map(|(v, _)| match v {
            automerge::Value::Scalar(s) => match s.as_ref() {
                automerge::ScalarValue::Uint(u) => Some(*u),
                automerge::ScalarValue::Int(i) => u64::try_from(*i).ok(),
                _ => None,
            },
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if current < super::keys::SCHEMA_VERSION {
        tx.put(&ROOT, super::keys::VERSION, super::keys::SCHEMA_VERSION)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, ReadDoc};

    use super::*;

    /// A readable dump of an object, deep, for comparing copies.
    fn dump(doc: &AutoCommit, obj: &ObjId) -> String {
        let mut out = String::new();
        match doc.object_type(obj).unwrap() {
            ObjType::Map | ObjType::Table => {
                for i in doc.map_range(obj, ..) {
                    let id = i.id();
                    out += &format!("{}=", i.key);
                    out += &match i.value.into_value() {
                        Value::Scalar(s) => format!("{s};"),
                        Value::Object(_) => format!("{{{}}}", dump(doc, &id)),
                    };
                }
            }
            ObjType::List => {
                for i in doc.list_range(obj, ..) {
                    let id = i.id();
                    out += &match i.value.into_value() {
                        Value::Scalar(s) => format!("{s},"),
                        Value::Object(_) => format!("[{}]", dump(doc, &id)),
                    };
                }
            }
            ObjType::Text => out += &doc.text(obj).unwrap(),
        }
        out
    }

    #[test]
    fn a_copied_map_holds_every_key_deeply() {
        let mut doc = AutoCommit::new();
        let parent = doc.put_object(ROOT, "needs", ObjType::Map).unwrap();
        let from = doc.put_object(&parent, "housing", ObjType::Map).unwrap();
        doc.put(&from, "recorded_by", "ann").unwrap();
        doc.put(&from, "count", 3_i64).unwrap();
        let text = doc.put_object(&from, "words", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, "damp flat").unwrap();
        let list = doc.put_object(&from, "future", ObjType::List).unwrap();
        doc.insert(&list, 0, true).unwrap();
        let nested = doc.insert_object(&list, 1, ObjType::Map).unwrap();
        doc.put(&nested, "x", 1.5).unwrap();
        let before = dump(&doc, &from);
        let copy = replace_map_with_copy(&mut doc, &parent, "copy", &from).unwrap();
        assert_eq!(dump(&doc, &copy), before);
        assert!(
            before.contains("damp flat") && before.contains("x=1.5"),
            "{before}"
        );
    }

    #[test]
    fn raising_the_schema_version_never_lowers_it() {
        let version = |doc: &AutoCommit| match doc.get(&ROOT, super::super::keys::VERSION) {
            Ok(Some((Value::Scalar(s), _))) => s.as_u64(),
            _ => None,
        };
        for (before, after) in [(1u64, super::super::keys::SCHEMA_VERSION), (99, 99)] {
            let mut doc = AutoCommit::new();
            doc.put(&ROOT, super::super::keys::VERSION, before).unwrap();
            raise_schema_version(&mut doc).unwrap();
            assert_eq!(version(&doc), Some(after), "from {before}");
        }
    }
}
