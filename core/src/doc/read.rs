//! Typed reads of document values, tolerant of concurrent values (conflicts) and unknown keys.

use std::hash::{Hash, Hasher};

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef, ROOT};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::keys;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{Code, NewerItem};

/// Reads typed values out of a document.
pub(crate) struct Reader<'a, D: ReadDoc> {
    pub(crate) doc: &'a D,
}

impl<'a, D: ReadDoc> Reader<'a, D> {
    pub(crate) fn new(doc: &'a D) -> Self {
        Reader { doc }
    }

    fn scalar(&self, obj: &ObjId, key: &str) -> Option<ScalarValue> {
        match self.doc.get(obj, key) {
            Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
            _ => None,
        }
    }

    /// A string stored as a scalar or as a Text object.
    pub(crate) fn str(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.doc.get(obj, key) {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            Ok(Some((Value::Object(ObjType::Text), id))) => self.doc.text(&id).ok(),
            _ => None,
        }
    }

    pub(crate) fn req_str(&self, obj: &ObjId, key: &'static str) -> Result<String> {
        self.str(obj, key).ok_or_else(|| missing(key))
    }

    pub(crate) fn id(&self, obj: &ObjId, key: &'static str) -> Result<Id> {
        let text = self.req_str(obj, key)?;
        Id::parse(key, &text).map_err(|_| Error::schema(format!("`{key}` is not an id")))
    }

    pub(crate) fn opt_id(&self, obj: &ObjId, key: &'static str) -> Result<Option<Id>> {
        match self.str(obj, key) {
            None => Ok(None),
            Some(t) => Id::parse(key, &t)
                .map(Some)
                .map_err(|_| Error::schema(format!("`{key}` is not an id"))),
        }
    }

    pub(crate) fn code<T: Code>(&self, obj: &ObjId, key: &'static str) -> Result<T> {
        self.opt_code(obj, key)?.ok_or_else(|| missing(key))
    }

    /// An optional code. A code this build does not know is [`unknown_code`]: the item that
    /// holds it is left out by readers ([`hide_newer`]) and refused by writers ([`refuse_newer`]).
    pub(crate) fn opt_code<T: Code>(&self, obj: &ObjId, key: &'static str) -> Result<Option<T>> {
        match self.str(obj, key) {
            None => Ok(None),
            Some(c) => T::from_code(&c).map(Some).ok_or_else(|| unknown_code(key)),
        }
    }

    /// A hash of everything under `obj`: keys, scalar values, text, nested maps and lists, and
    /// every concurrent value of a map key. Equal content gives equal hashes within one build.
    pub(crate) fn fingerprint(&self, obj: &ObjId) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash_object(obj, &mut h, 0);
        h.finish()
    }

    fn hash_object(&self, obj: &ObjId, h: &mut impl Hasher, depth: usize) {
        // Documents are bounded on import; the depth guard only keeps a hostile one from
        // exhausting the stack.
        if depth > 64 {
            return;
        }
        match self.doc.object_type(obj) {
            Ok(ObjType::Map) | Ok(ObjType::Table) => {
                for key in self.doc.keys(obj) {
                    key.hash(h);
                    for (value, id) in self.doc.get_all(obj, key.as_str()).unwrap_or_default() {
                        self.hash_value(&value, &id, h, depth);
                    }
                }
            }
            Ok(ObjType::List) => {
                for item in self.doc.list_range(obj, ..) {
                    item.index.hash(h);
                    match item.value {
                        ValueRef::Scalar(s) => format!("{s:?}").hash(h),
                        ValueRef::Object(t) => {
                            format!("{t:?}").hash(h);
                            self.hash_object(&item.id(), h, depth + 1);
                        }
                    }
                }
            }
            Ok(ObjType::Text) => self.doc.text(obj).unwrap_or_default().hash(h),
            Err(_) => {}
        }
    }

    fn hash_value(&self, value: &Value<'_>, id: &ObjId, h: &mut impl Hasher, depth: usize) {
        match value {
            Value::Scalar(s) => format!("{:?}", s.as_ref()).hash(h),
            Value::Object(t) => {
                format!("{t:?}").hash(h);
                self.hash_object(id, h, depth + 1);
            }
        }
    }

    pub(crate) fn int(&self, obj: &ObjId, key: &str) -> Option<i64> {
        match self.scalar(obj, key)? {
            ScalarValue::Int(i) => Some(i),
            ScalarValue::Uint(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    pub(crate) fn f64(&self, obj: &ObjId, key: &str) -> Option<f64> {
        match self.scalar(obj, key)? {
            ScalarValue::F64(f) => Some(f),
            ScalarValue::Int(i) => Some(i as f64),
            ScalarValue::Uint(u) => Some(u as f64),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, obj: &ObjId, key: &str) -> Option<bool> {
        match self.scalar(obj, key)? {
            ScalarValue::Boolean(b) => Some(b),
            _ => None,
        }
    }

    pub(crate) fn time(&self, obj: &ObjId, key: &str) -> Option<DateTime<Utc>> {
        match self.scalar(obj, key)? {
            ScalarValue::Timestamp(ms) | ScalarValue::Int(ms) => {
                Utc.timestamp_millis_opt(ms).single()
            }
            _ => None,
        }
    }

    pub(crate) fn req_time(&self, obj: &ObjId, key: &'static str) -> Result<DateTime<Utc>> {
        self.time(obj, key).ok_or_else(|| missing(key))
    }

    pub(crate) fn date(&self, obj: &ObjId, key: &'static str) -> Result<Option<NaiveDate>> {
        match self.str(obj, key) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| Error::schema(format!("`{key}` is not a date"))),
        }
    }

    /// A list of strings (absent = empty).
    pub(crate) fn str_list(&self, obj: &ObjId, key: &str) -> Vec<String> {
        let Ok(Some((Value::Object(ObjType::List), list))) = self.doc.get(obj, key) else {
            return Vec::new();
        };
        self.doc
            .list_range(&list, ..)
            .filter_map(|item| match item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.into_owned()),
                _ => None,
            })
            .collect()
    }

    /// A list of optional integers (absent = empty; null = `None`).
    pub(crate) fn opt_int_list(&self, obj: &ObjId, key: &str) -> Vec<Option<i64>> {
        let Ok(Some((Value::Object(ObjType::List), list))) = self.doc.get(obj, key) else {
            return Vec::new();
        };
        self.doc
            .list_range(&list, ..)
            .map(|item| match item.value {
                ValueRef::Scalar(ScalarValueRef::Int(i)) => Some(i),
                ValueRef::Scalar(ScalarValueRef::Uint(u)) => i64::try_from(u).ok(),
                _ => None,
            })
            .collect()
    }

    /// The child map at `key`, if it is a map.
    pub(crate) fn map(&self, obj: &ObjId, key: &str) -> Option<ObjId> {
        match self.doc.get(obj, key) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        }
    }

    /// The entries of the collection map at `key`: `(item key, item map)`.
    ///
    /// When two devices created the collection concurrently (possible only for containers that a
    /// later schema version adds), every concurrent container is read, so nothing is hidden.
    pub(crate) fn items(&self, obj: &ObjId, key: &str) -> Vec<(String, ObjId)> {
        let mut out: Vec<(String, ObjId)> = Vec::new();
        let containers = self.doc.get_all(obj, key).unwrap_or_default();
        for (value, container) in containers {
            if value.as_objtype() != Some(ObjType::Map) {
                continue;
            }
            for item in self.doc.map_range(&container, ..) {
                if let ValueRef::Object(ObjType::Map) = item.value {
                    let k = item.key.to_string();
                    if !out.iter().any(|(seen, _)| *seen == k) {
                        out.push((k, item.id()));
                    }
                }
            }
        }
        out
    }

    /// The keys of a set-like map at `key` (e.g. a goal's needs).
    pub(crate) fn key_set(&self, obj: &ObjId, key: &str) -> Vec<String> {
        match self.map(obj, key) {
            Some(m) => self
                .doc
                .map_range(&m, ..)
                .map(|i| i.key.to_string())
                .collect(),
            None => Vec::new(),
        }
    }

    /// The item map with id `id` in the root collection `collection`.
    pub(crate) fn item(&self, collection: &str, id: &str) -> Option<ObjId> {
        self.items(&ROOT, collection)
            .into_iter()
            .find(|(k, _)| k == id)
            .map(|(_, o)| o)
    }
}

fn missing(key: &'static str) -> Error {
    Error::schema(format!("missing `{key}`"))
}

/// A code this build does not know, in key `key`: marks the item as written by a newer version.
/// Item readers pass it up with `?`; collection readers turn it into a [`NewerItem`] with
/// [`hide_newer`], writers into an error naming the item with [`refuse_newer`].
pub(crate) fn unknown_code(key: &'static str) -> Error {
    Error::NewerVersion {
        kind: key,
        id: String::new(),
    }
}

/// The outcome of reading one item: `Ok(Some(item))`, `Ok(None)` when the item carries a code
/// this build does not know (it is recorded in `hidden`), or the schema error.
pub(crate) fn hide_newer<T, D: ReadDoc>(
    r: &Reader<'_, D>,
    read: Result<T>,
    hidden: &mut Vec<NewerItem>,
    kind: &'static str,
    key: &str,
    obj: &ObjId,
    at: Option<DateTime<Utc>>,
) -> Result<Option<T>> {
    match read {
        Ok(item) => Ok(Some(item)),
        Err(Error::NewerVersion { .. }) => {
            let id = Id::parse("id", key).map_err(|_| Error::schema("item key is not an id"))?;
            hidden.push(NewerItem {
                kind,
                id,
                at,
                supersedes: None,
                fingerprint: r.fingerprint(obj),
            });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Reads every item of the map at `key` of `obj` with `read`; an item carrying a code this
/// build does not know is left out and recorded in `hidden` ([`hide_newer`]) with its time at
/// `at_key`.
pub(crate) fn read_items<T, D: ReadDoc>(
    r: &Reader<'_, D>,
    obj: &ObjId,
    key: &str,
    kind: &'static str,
    at_key: &'static str,
    hidden: &mut Vec<NewerItem>,
    read: impl Fn(&str, &ObjId) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for (k, o) in r.items(obj, key) {
        let at = r.time(&o, at_key);
        if let Some(item) = hide_newer(r, read(&k, &o), hidden, kind, &k, &o, at)? {
            out.push(item);
        }
    }
    Ok(out)
}

/// Refuses to edit an item that this build cannot read because of a code only a newer version
/// knows: the error names the item, never the code or its content.
pub(crate) fn refuse_newer<T>(read: Result<T>, kind: &'static str, id: &str) -> Result<T> {
    read.map_err(|e| match e {
        Error::NewerVersion { .. } => Error::NewerVersion {
            kind,
            id: id.to_string(),
        },
        other => other,
    })
}

/// The `(schema, version, person)` of a document, or a schema error.
pub(crate) fn schema_of<D: ReadDoc>(doc: &D) -> Result<(String, u64, Id)> {
    let r = Reader::new(doc);
    let schema = r.req_str(&ROOT, keys::SCHEMA)?;
    let version = r
        .int(&ROOT, keys::VERSION)
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| missing(keys::VERSION))?;
    let person = r.id(&ROOT, keys::PERSON)?;
    Ok((schema, version, person))
}
