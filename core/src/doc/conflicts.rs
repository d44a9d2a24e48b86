//! Finding fields with concurrent values (automerge keeps them all; readers see one), each
//! value typed like its field (`fields.rs`).

use automerge::{Automerge, ObjId, ObjType, ReadDoc, Value, ValueRef, ROOT};
use chrono::{TimeZone, Utc};

use super::fields;
use crate::model::{ConflictValue, DocKind, FieldConflict, FieldType};

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
            let field = fields::field_type(kind, path);
            // `get_all` lists values in op order and readers see the last one (automerge's
            // winner), so reverse: the shown value first.
            let values = doc
                .get_all(obj, key.as_str())
                .unwrap_or_default()
                .into_iter()
                .rev()
                .enumerate()
                .map(|(i, (v, id))| describe(doc, &field, &v, &id, i == 0))
                .collect::<Vec<_>>();
            out.push(FieldConflict {
                document: kind,
                path: path.clone(),
                field,
                values,
            });
        }
        if is_map {
            walk(doc, kind, &child, path, out);
        }
        path.pop();
    }
}

fn describe(
    doc: &Automerge,
    field: &FieldType,
    value: &Value<'_>,
    id: &ObjId,
    shown: bool,
) -> ConflictValue {
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
        value: fields::read_value(doc, field, value, id),
        set_by,
        set_at,
        shown,
    }
}
