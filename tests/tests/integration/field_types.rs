//! The field-type table (`core/src/doc/fields.rs`) covers every field the documents hold, so a
//! conflict can report no field untyped: every map key of a person with every kind of item
//! has a type, and when every scalar field of both documents conflicts at once, each is listed
//! with its type and values that read as that type.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, Value, ROOT};
use linkwork_core::doc::field_type;
use linkwork_core::model::*;
use linkwork_core::Store;
use linkwork_tests::{full_person, link_worker_store, Fixture};

/// Every map key path of `doc`, depth first, with whether it holds a scalar.
fn paths(doc: &Automerge) -> Vec<(Vec<String>, bool)> {
    fn walk(
        doc: &Automerge,
        obj: &ObjId,
        at: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, bool)>,
    ) {
        for (key, value, id) in doc
            .map_range(obj, ..)
            .map(|i| {
                let (key, id) = (i.key.to_string(), i.id());
                (key, i.value.into_value(), id)
            })
            .collect::<Vec<_>>()
        {
            at.push(key);
            out.push((at.clone(), matches!(value, Value::Scalar(_))));
            if matches!(value, Value::Object(ObjType::Map)) {
                walk(doc, &id, at, out);
            }
            at.pop();
        }
    }
    let mut out = Vec::new();
    walk(doc, &ROOT, &mut Vec::new(), &mut out);
    out
}

/// A person with every kind of item and every optional field this build writes.
fn everything(store: &Store) -> Fixture {
    let f = full_person(store);
    store
        .update_demographics(
            f.person,
            DemographicsUpdate {
                gp_codes_only: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    store.check_out(f.visit).unwrap();
    store.resolve_flag(f.flag).unwrap();
    f
}

#[test]
fn every_field_of_both_documents_has_a_type() {
    let (_dir, store) = link_worker_store();
    let f = everything(&store);
    let mut untyped = Vec::new();
    for kind in [DocKind::Plan, DocKind::Case] {
        let doc = Automerge::load(&store.export_document(f.person, kind).unwrap()).unwrap();
        let found = paths(&doc);
        assert!(found.len() > 40, "{kind}: a full document: {}", found.len());
        for (path, _) in found {
            if field_type(kind, &path) == FieldType::Other {
                untyped.push(format!("{kind} {}", path.join("/")));
            }
        }
    }
    assert!(
        untyped.is_empty(),
        "fields missing from doc/fields.rs: {untyped:#?}"
    );
}

#[test]
fn every_scalar_field_in_conflict_is_listed_typed() {
    let (_dir, store) = link_worker_store();
    let f = everything(&store);
    let mut expected = 0;
    for kind in [DocKind::Plan, DocKind::Case] {
        let mut doc = Automerge::load(&store.export_document(f.person, kind).unwrap())
            .unwrap()
            .with_actor(ActorId::random());
        let mut other = doc.fork().with_actor(ActorId::random());
        let leaves: Vec<Vec<String>> = paths(&doc)
            .into_iter()
            .filter(|(_, scalar)| *scalar)
            .map(|(p, _)| p)
            .collect();
        expected += leaves.len();
        // Both sides put every scalar again (the same value), each without seeing the other's.
        for side in [&mut doc, &mut other] {
            let mut tx = side.transaction();
            for path in &leaves {
                let (key, parent) = path.split_last().unwrap();
                let obj = obj_at_tx(&tx, parent);
                let (value, _) = tx.get(&obj, key.as_str()).unwrap().unwrap();
                let Value::Scalar(s) = value else { panic!() };
                let s = s.into_owned();
                // Automerge skips a put of the value a key holds: delete it first.
                tx.delete(&obj, key.as_str()).unwrap();
                tx.put(&obj, key.as_str(), s).unwrap();
            }
            tx.commit();
        }
        doc.merge(&mut other).unwrap();
        let conflicted = doc.map_range(&ROOT, ..).filter(|i| i.conflict).count();
        assert!(
            conflicted > 0,
            "{kind}: the merged document holds concurrent values"
        );
        assert!(store.import_document(&doc.save()).unwrap().changed);
    }
    let record = store.person(f.person).unwrap();
    assert_eq!(record.conflicts.len(), expected, "every scalar conflicts");
    for c in &record.conflicts {
        let at = format!("{} {}", c.document, c.path.join("/"));
        assert_ne!(c.field, FieldType::Other, "{at}");
        assert_eq!(c.values.len(), 2, "{at}");
        for v in &c.values {
            assert!(
                v.value.is_of(&c.field),
                "{at}: {:?} is not {:?}",
                v.value,
                c.field
            );
        }
    }
}

fn obj_at_tx(tx: &automerge::transaction::Transaction<'_>, path: &[String]) -> ObjId {
    path.iter().fold(ROOT, |obj, key| {
        tx.get(&obj, key.as_str()).unwrap().unwrap().1
    })
}
