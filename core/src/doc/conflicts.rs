//! Finding fields with concurrent values (automerge keeps them all; readers see one).

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, ValueRef, ROOT};
use chrono::{TimeZone, Utc};

use crate::model::{ConflictValue, DocKind, FieldConflict};

/// Every conflicted map key in `doc`, depth first.
pub(crate) fn find(doc: &Automerge, kind: DocKind) -> Vec<FieldConflict> {
    let mut out = Vec::new();
    walk(doc, kind, &ROOT, &mut Vec::new(), &mut out);
    out
}

/// How many map keys of `doc` hold concurrent values (as [`find`], without describing them).
pub(crate) fn count<D: ReadDoc>(doc: &D) -> usize {
    count_in(doc, &ROOT)
}

fn count_in<D: ReadDoc>(doc: &D, obj: &ObjId) -> usize {
    let items: Vec<(bool, Option<ObjId>)> = doc
        .map_range(obj, ..)
        .map(|i| {
            let child = matches!(i.value, ValueRef::Object(ObjType::Map)).then(|| i.id());
            (i.conflict, child)
        })
        .collect();
    items
        .into_iter()
        .map(|(conflict, child)| usize::from(conflict) + child.map_or(0, |c| count_in(doc, &c)))
        .sum()
}

fn walk(
    doc: &Automerge,
    kind: DocKind,
    obj: &ObjId,
    path: &mut Vec<String>,
    out: &mut Vec<FieldConflict>,
) {
    let items: Vec<(String, bool, bool, ObjId)> = doc
        .map_range(obj, ..)
        .map(|i| {
            (
                i.key.to_string(),
                i.conflict,
                matches!(i.value, ValueRef::Object(ObjType::Map)),
                i.id(),
            )
        })
        .collect();
    for (key, conflict, is_map, child) in items {
        path.push(key.clone());
        if conflict {
            // `get_all` lists values in op order and readers see the last one (automerge's
            // winner), so reverse: the shown value first.
            let values = doc
                .get_all(obj, key.as_str())
                .unwrap_or_default()
                .into_iter()
                .rev()
                .enumerate()
                .map(|(i, (v, id))| describe(doc, &v, &id, i == 0))
                .collect::<Vec<_>>();
            out.push(FieldConflict {
                document: kind,
                path: path.clone(),
                values,
            });
        }
        if is_map {
            walk(doc, kind, &child, path, out);
        }
        path.pop();
    }
}

fn describe(doc: &Automerge, value: &Value<'_>, id: &ObjId, shown: bool) -> ConflictValue {
    let text = value_text(doc, value, id);
    let change = doc
        .hash_for_opid(id)
        .and_then(|h| doc.get_change_by_hash(&h));
    let (set_by, set_at) = match change {
        Some(c) => (
            crate::history::user_of(c.message()),
            Utc.timestamp_opt(c.timestamp(), 0)
                .single()
                .unwrap_or_default(),
        ),
        None => (String::new(), chrono::DateTime::<Utc>::default()),
    };
    ConflictValue {
        value: text,
        set_by,
        set_at,
        shown,
    }
}

/// A conflicting value as text (what [`ConflictValue::value`] holds).
pub(crate) fn value_text<D: ReadDoc>(doc: &D, value: &Value<'_>, id: &ObjId) -> String {
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
        Value::Object(ObjType::Map | ObjType::Table) => "<map>".into(),
        Value::Object(ObjType::List) => "<list>".into(),
    }
}
