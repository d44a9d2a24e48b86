//! Documents across app versions (docs/schema.md, "Evolution"): a document carrying keys,
//! lists, collections and codes from a newer app version, edited by this version and synced,
//! keeps everything the newer version wrote, value for value.
//!
//! The newer version is played with raw automerge on an exported document, imported back.
//! (A store file written by a future version is covered by
//! `core/src/storage/migrations.rs`: `a_future_schema_bump_keeps_every_current_row_and_document`
//! and `a_store_from_a_newer_version_is_refused_and_left_unchanged`.)

use crate::sync_support;

/// A schema version newer than this build writes.
const NEWER_VERSION: u64 = linkwork_core::doc::SCHEMA_VERSION + 1;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use chrono::Utc;
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use linkwork_tests::{full_person, new_consultation, ons4, today, Fixture};
use sync_support::{sync, try_sync, Dir};

use linkwork_core::measures::Timepoint;

// ---------------------------------------------------------------------------------------------
// Playing a newer app version with raw automerge

/// A path of map keys from the root.
type Path = Vec<String>;

fn path(keys: &[&str]) -> Path {
    keys.iter().map(|k| k.to_string()).collect()
}

/// The object at `path` (maps only).
fn obj_at(doc: &Automerge, at: &Path) -> ObjId {
    let mut o = ROOT;
    for k in at {
        o = match doc.get(&o, k.as_str()).unwrap() {
            Some((Value::Object(_), id)) => id,
            other => panic!("no object at {at:?} ({k}): {other:?}"),
        };
    }
    o
}

/// The keys of the map at `path`.
fn keys_at(doc: &Automerge, at: &Path) -> Vec<String> {
    doc.keys(obj_at(doc, at)).collect()
}

/// A document as a newer app version on another device holds it.
fn load(bytes: &[u8]) -> Automerge {
    Automerge::load(bytes)
        .unwrap()
        .with_actor(ActorId::random())
}

/// Makes one change as the newer version and returns the document's bytes.
fn newer_change(
    doc: &mut Automerge,
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) -> Vec<u8> {
    let mut tx = doc.transaction();
    f(&mut tx);
    tx.commit_with(
        CommitOptions::default()
            .with_message(r#"{"u":"newer app","a":"future.edit"}"#.to_string())
            .with_time(Utc::now().timestamp()),
    );
    doc.save()
}

/// Everything under `o` as text: keys, scalar values with their types, text, nested objects,
/// list entries in order, and every concurrent value of a key. Equal dumps = equal content.
fn dump(doc: &Automerge, o: &ObjId) -> String {
    let mut out = String::new();
    match doc.object_type(o).unwrap() {
        ObjType::Map | ObjType::Table => {
            for k in doc.keys(o) {
                for (v, id) in doc.get_all(o, k.as_str()).unwrap() {
                    out.push_str(&format!("{k}={};", dump_value(doc, &v, &id)));
                }
            }
        }
        ObjType::List => {
            for i in 0..doc.length(o) {
                let (v, id) = doc.get(o, i).unwrap().unwrap();
                out.push_str(&format!("[{i}]={};", dump_value(doc, &v, &id)));
            }
        }
        ObjType::Text => out.push_str(&format!("text({:?})", doc.text(o).unwrap())),
    }
    out
}

fn dump_value(doc: &Automerge, v: &Value<'_>, id: &ObjId) -> String {
    match v {
        Value::Scalar(s) => format!("{:?}", s.as_ref()),
        Value::Object(t) => format!("{t:?}{{{}}}", dump(doc, id)),
    }
}

/// Writes a newer version's unknown keys into the map `o`: a string, an int, a timestamp, a
/// nested map, a list and a Text.
fn put_unknown(tx: &mut automerge::transaction::Transaction<'_>, o: &ObjId, tag: &str) {
    tx.put(o, "x_future_str", format!("newer value at {tag}"))
        .unwrap();
    tx.put(o, "x_future_int", -42_i64).unwrap();
    tx.put(o, "x_future_uint", ScalarValue::Uint(7)).unwrap();
    tx.put(
        o,
        "x_future_time",
        ScalarValue::Timestamp(1_900_000_000_123),
    )
    .unwrap();
    let m = tx.put_object(o, "x_future_map", ObjType::Map).unwrap();
    tx.put(&m, "deep", tag).unwrap();
    tx.put(&m, "flag", true).unwrap();
    let l = tx.put_object(o, "x_future_list", ObjType::List).unwrap();
    tx.insert(&l, 0, "first").unwrap();
    tx.insert(&l, 1, 7_i64).unwrap();
    tx.insert(&l, 2, ScalarValue::Null).unwrap();
    let t = tx.put_object(o, "x_future_text", ObjType::Text).unwrap();
    tx.splice_text(&t, 0, 0, "prose from a newer app").unwrap();
}

/// The unknown keys written by [`put_unknown`], as a newer version reads them.
fn unknown_dump(doc: &Automerge, at: &Path) -> String {
    let o = obj_at(doc, at);
    let mut out = String::new();
    for k in doc
        .keys(&o)
        .filter(|k| k.starts_with("x_future") || k.starts_with("x-future"))
    {
        let all = doc.get_all(&o, k.as_str()).unwrap();
        assert_eq!(
            all.len(),
            1,
            "{at:?}/{k} holds concurrent values: something rewrote it"
        );
        let (v, id) = &all[0];
        out.push_str(&format!("{k}={};", dump_value(doc, v, id)));
    }
    out
}

/// What a newer version wrote into one document: where, and the content as written.
struct Written {
    /// Paths of maps that got unknown keys, with the dump of those keys.
    unknown: Vec<(Path, String)>,
    /// Whole objects the newer version created (new items, new collections), with their dump.
    whole: Vec<(Path, String)>,
    /// Extra entries appended to existing lists: (path of the list's parent, key, entries).
    list_tail: Vec<(Path, &'static str, Vec<String>)>,
}

impl Written {
    /// Asserts that `doc` still holds everything, value for value.
    fn check(&self, doc: &Automerge, context: &str) {
        for (at, expected) in &self.unknown {
            assert_eq!(
                &unknown_dump(doc, at),
                expected,
                "{context}: unknown keys at {at:?}"
            );
        }
        for (at, expected) in &self.whole {
            assert_eq!(
                &dump(doc, &obj_at(doc, at)),
                expected,
                "{context}: object at {at:?}"
            );
        }
        for (at, key, entries) in &self.list_tail {
            let list = match doc.get(obj_at(doc, at), *key).unwrap() {
                Some((Value::Object(ObjType::List), id)) => id,
                other => panic!("{context}: no list {key} at {at:?}: {other:?}"),
            };
            let len = doc.length(&list);
            let tail: Vec<String> = (len - entries.len()..len)
                .map(|i| match doc.get(&list, i).unwrap() {
                    Some((Value::Scalar(s), _)) => match s.as_ref() {
                        ScalarValue::Str(s) => s.to_string(),
                        other => panic!("{context}: {other:?}"),
                    },
                    other => panic!("{context}: {other:?}"),
                })
                .collect();
            assert_eq!(&tail, entries, "{context}: list {key} at {at:?}");
        }
        assert_eq!(
            doc.get(ROOT, "schema_version")
                .unwrap()
                .map(|(v, _)| v.as_u64()),
            Some(Some(NEWER_VERSION)),
            "{context}: the newer schema_version"
        );
    }
}

/// The newer version's additions to a person's plan: unknown keys at every level, an unknown
/// need code in a goal's needs, a new root collection, a newer `schema_version`.
fn newer_plan(store: &Store, f: &Fixture) -> (Vec<u8>, Written) {
    let mut doc = load(&store.export_document(f.person, DocKind::Plan).unwrap());
    let goal = f.goal.to_string();
    let step = f.step.to_string();
    let done = f.done_step.to_string();
    let measure = f.measure.to_string();
    let progress = f.progress[0].to_string();
    let maps = vec![
        path(&[]),
        path(&["needs", "loneliness"]),
        path(&["needs", "debt"]),
        path(&["goals", &goal]),
        path(&["goals", &goal, "progress", &progress]),
        path(&["steps", &step]),
        path(&["steps", &done]),
        path(&["measures", &measure]),
    ];
    let future_item = Id::new().to_string();
    let bytes = newer_change(&mut doc, |tx| {
        tx.put(ROOT, "schema_version", ScalarValue::Uint(NEWER_VERSION))
            .unwrap();
        for at in &maps {
            let o = obj_at_tx(tx, at);
            put_unknown(tx, &o, &at.join("/"));
        }
        let needs = obj_at_tx(tx, &path(&["goals", &goal, "needs"]));
        tx.put(&needs, "x-future-need", true).unwrap();
        let labels = match tx.get(
            obj_at_tx(tx, &path(&["measures", &measure])),
            "concern_labels",
        ) {
            Ok(Some((Value::Object(ObjType::List), id))) => id,
            other => panic!("{other:?}"),
        };
        tx.insert(&labels, 0, "a label from a newer app").unwrap();
        let c = tx.put_object(ROOT, "x_future_items", ObjType::Map).unwrap();
        let item = tx
            .put_object(&c, future_item.as_str(), ObjType::Map)
            .unwrap();
        put_unknown(tx, &item, "future item");
    });
    let mut unknown: Vec<(Path, String)> = maps
        .iter()
        .map(|at| (at.clone(), unknown_dump(&doc, at)))
        .collect();
    let needs = path(&["goals", &goal, "needs"]);
    assert_eq!(unknown_dump(&doc, &needs), "x-future-need=Boolean(true);");
    unknown.push((needs.clone(), unknown_dump(&doc, &needs)));
    let written = Written {
        unknown,
        whole: vec![(
            path(&["x_future_items"]),
            dump(&doc, &obj_at(&doc, &path(&["x_future_items"]))),
        )],
        list_tail: vec![(
            path(&["measures", &measure]),
            "concern_labels",
            vec!["a label from a newer app".to_string()],
        )],
    };
    (bytes, written)
}

/// [`obj_at`] inside a transaction.
fn obj_at_tx(tx: &automerge::transaction::Transaction<'_>, at: &Path) -> ObjId {
    let mut o = ROOT;
    for k in at {
        o = match tx.get(&o, k.as_str()).unwrap() {
            Some((Value::Object(_), id)) => id,
            other => panic!("no object at {at:?} ({k}): {other:?}"),
        };
    }
    o
}

/// The newer version's additions to a person's case document.
fn newer_case(store: &Store, f: &Fixture) -> (Vec<u8>, Written) {
    let mut doc = load(&store.export_document(f.person, DocKind::Case).unwrap());
    let ep = f.episode.to_string();
    let history = keys_at(&doc, &path(&["episodes", &ep, "history"]));
    let onward = f.onward.to_string();
    let onward_history = keys_at(&doc, &path(&["onward_referrals", &onward, "history"]));
    let mut maps = vec![
        path(&[]),
        path(&["demographics"]),
        path(&["episodes", &ep]),
        path(&["gp_codes", &format!("{ep}:accepted")]),
        path(&["contact_attempts", &f.contact.to_string()]),
        path(&["consents", &f.consent.to_string()]),
        path(&["consultations", &f.visit.to_string()]),
        path(&["consultations", &f.call.to_string()]),
        path(&["onward_referrals", &onward]),
        path(&["flags", &f.flag.to_string()]),
        path(&["notes", &f.note.to_string()]),
    ];
    for h in &history {
        maps.push(path(&["episodes", &ep, "history", h]));
    }
    for h in &onward_history {
        maps.push(path(&["onward_referrals", &onward, "history", h]));
    }
    let future_item = Id::new().to_string();
    let bytes = newer_change(&mut doc, |tx| {
        tx.put(ROOT, "schema_version", ScalarValue::Uint(NEWER_VERSION))
            .unwrap();
        for at in &maps {
            let o = obj_at_tx(tx, at);
            put_unknown(tx, &o, &at.join("/"));
        }
        for (at, key, entry) in [
            (
                path(&["episodes", &ep]),
                "reasons",
                "a reason from a newer app",
            ),
            (
                path(&["consultations", &f.visit.to_string()]),
                "attendees",
                "an attendee from a newer app",
            ),
        ] {
            let list = match tx.get(obj_at_tx(tx, &at), key) {
                Ok(Some((Value::Object(ObjType::List), id))) => id,
                other => panic!("{other:?}"),
            };
            let len = tx.length(&list);
            tx.insert(&list, len, entry).unwrap();
        }
        let c = tx.put_object(ROOT, "x_future_items", ObjType::Map).unwrap();
        let item = tx
            .put_object(&c, future_item.as_str(), ObjType::Map)
            .unwrap();
        put_unknown(tx, &item, "future case item");
    });
    let written = Written {
        unknown: maps
            .iter()
            .map(|at| (at.clone(), unknown_dump(&doc, at)))
            .collect(),
        whole: vec![(
            path(&["x_future_items"]),
            dump(&doc, &obj_at(&doc, &path(&["x_future_items"]))),
        )],
        list_tail: vec![
            (
                path(&["episodes", &ep]),
                "reasons",
                vec!["a reason from a newer app".to_string()],
            ),
            (
                path(&["consultations", &f.visit.to_string()]),
                "attendees",
                vec!["an attendee from a newer app".to_string()],
            ),
        ],
    };
    (bytes, written)
}

fn exported(store: &Store, person: Id, kind: DocKind) -> Automerge {
    Automerge::load(&store.export_document(person, kind).unwrap()).unwrap()
}

fn assert_newer(err: &Error, kind: &str, id: Id) {
    match err {
        Error::NewerVersion { kind: k, id: i } => {
            assert_eq!((*k, i.as_str()), (kind, id.to_string().as_str()), "{err}");
        }
        other => panic!("expected NewerVersion for {kind} {id}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Unknown keys

#[test]
fn unknown_keys_survive_every_edit_and_sync() {
    let dir = Dir::new();
    let a = dir.link_worker("a.db");
    let f = full_person(&a);
    let (plan, plan_written) = newer_plan(&a, &f);
    let (case, case_written) = newer_case(&a, &f);
    assert!(a.import_document(&plan).unwrap().changed);
    assert!(a.import_document(&case).unwrap().changed);
    // This version still reads the person as before the newer version's change.
    let record = a.person(f.person).unwrap();
    assert!(record.plan.newer_items.is_empty());
    assert_eq!(
        record.plan.goals[0].needs,
        vec![Need::Loneliness, Need::PhysicalActivity]
    );

    // Every kind of edit this version makes, on the items that carry unknown keys.
    let p = f.person;
    a.set_what_matters(p, "Getting out more, and the garden")
        .unwrap();
    a.add_need(p, Need::Loneliness, Some("since the move"))
        .unwrap();
    a.add_need(p, Need::Debt, Some("rent arrears")).unwrap();
    a.set_review_date(p, Some(linkwork_tests::date(2031, 1, 1)))
        .unwrap();
    a.update_goal(
        f.goal,
        GoalUpdate {
            text: Some("Join a walking group, then lead one".into()),
            smart_detail: Some(None),
            target_date: Some(Some(linkwork_tests::date(2031, 6, 1))),
            status: Some(GoalStatus::Active),
            needs: Some(vec![Need::Loneliness, Need::Debt]),
        },
    )
    .unwrap();
    a.record_progress(
        f.goal,
        NewProgress {
            rating: Some(8),
            note: Some("went twice".into()),
        },
    )
    .unwrap();
    a.update_step(
        f.step,
        StepUpdate {
            text: Some("Call the walking group on Monday".into()),
            owner: Some(StepOwner::LinkWorker),
            owner_name: Some(Some("Sam".into())),
            due: Some(Some(linkwork_tests::date(2030, 3, 1))),
        },
    )
    .unwrap();
    a.complete_step(f.step).unwrap();
    a.reopen_step(f.done_step).unwrap();
    a.record_measure(p, ons4([7, 7, 6, 2], Timepoint::Review))
        .unwrap();
    a.update_demographics(
        p,
        DemographicsUpdate {
            given_name: Some("Augusta".into()),
            family_name: Some("King".into()),
            date_of_birth: Some(Some(linkwork_tests::date(1952, 12, 11))),
            nhs_number: Some(None),
            address: Some(Some("2 Analytical Row".into())),
            phone: Some(None),
            email: Some(Some("augusta@example.invalid".into())),
            preferred_contact: Some(Some(ContactPreference::Email)),
            communication_needs: Some(None),
            gp_codes_only: Some(true),
        },
    )
    .unwrap();
    a.record_contact_attempt(
        p,
        NewContactAttempt {
            at: None,
            channel: ContactChannel::Sms,
            outcome: ContactOutcome::Sent,
            note: None,
        },
    )
    .unwrap();
    a.record_consent(
        p,
        linkwork_tests::new_consent(
            "debt support",
            "Citizens Advice",
            ConsentDecision::Withdrawn,
        ),
    )
    .unwrap();
    a.check_out(f.visit).unwrap();
    a.set_consultation_notes(f.call, "Talked about the group")
        .unwrap();
    a.set_consultation_notes(f.visit, "Visited at home")
        .unwrap();
    a.add_consultation(p, new_consultation(ConsultationMode::Video))
        .unwrap();
    a.transition_onward_referral(f.onward, OnwardStatus::Accepted, Some("place offered"))
        .unwrap();
    a.resolve_flag(f.flag).unwrap();
    a.edit_case_note(f.note, "Prefers morning visits, not Fridays")
        .unwrap();
    a.add_case_note(p, "A new note").unwrap();
    a.transition_episode(
        p,
        EpisodeTransition {
            to: EpisodeStatus::OnHold,
            discharge_reason: None,
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: None,
            reason: Some("in hospital".into()),
        },
    )
    .unwrap();
    plan_written.check(
        &exported(&a, p, DocKind::Plan),
        "plan after this version's edits",
    );
    case_written.check(
        &exported(&a, p, DocKind::Case),
        "case after this version's edits",
    );

    // The person's own phone: the plan travels, the phone edits it, it comes back.
    let phone = dir.patient("phone.db", p);
    sync(&a, &phone);
    plan_written.check(&exported(&phone, p, DocKind::Plan), "plan on the phone");
    phone
        .record_progress(
            f.goal,
            NewProgress {
                rating: Some(9),
                note: None,
            },
        )
        .unwrap();
    phone.complete_step(f.done_step).unwrap();
    phone
        .record_measure(p, ons4([8, 8, 7, 1], Timepoint::FollowUp))
        .unwrap();
    sync(&phone, &a);
    plan_written.check(
        &exported(&phone, p, DocKind::Plan),
        "plan edited on the phone",
    );

    // A colleague's device that never saw the newer version gets everything by sync.
    let b = dir.link_worker("b.db");
    sync(&a, &b);
    for (store, name) in [(&a, "a"), (&b, "b")] {
        plan_written.check(
            &exported(store, p, DocKind::Plan),
            &format!("plan on {name}"),
        );
        case_written.check(
            &exported(store, p, DocKind::Case),
            &format!("case on {name}"),
        );
    }
    assert_eq!(a.person(p).unwrap(), b.person(p).unwrap());
    let plan = b.plan(p).unwrap();
    assert_eq!(
        plan.goals[0].progress.len(),
        4,
        "both sides' progress arrived"
    );
    assert!(plan.steps.iter().all(|s| s.done_at.is_some()));
}

// ---------------------------------------------------------------------------------------------
// Unknown codes

/// Ids of the items a newer version wrote with codes this build does not know.
struct NewerCodes {
    goal: Id,
    step: Id,
    measure: Id,
    consultation: Id,
    flag: Id,
    contact: Id,
    consent: Id,
    onward: Id,
    onward_change: Id,
    /// Each item's content as written: (document, path, dump).
    written: Vec<(DocKind, Path, String)>,
}

fn put_text(tx: &mut automerge::transaction::Transaction<'_>, o: &ObjId, key: &str, v: &str) {
    let t = tx.put_object(o, key, ObjType::Text).unwrap();
    tx.splice_text(&t, 0, 0, v).unwrap();
}

fn now_ms() -> ScalarValue {
    ScalarValue::Timestamp(Utc::now().timestamp_millis() + 1_000)
}

/// Writes, as a newer version, one item with a new code in every kind of collection.
fn newer_codes(store: &Store, f: &Fixture) -> (Vec<u8>, Vec<u8>, NewerCodes) {
    let n = NewerCodes {
        goal: Id::new(),
        step: Id::new(),
        measure: Id::new(),
        consultation: Id::new(),
        flag: Id::new(),
        contact: Id::new(),
        consent: Id::new(),
        onward: Id::new(),
        onward_change: Id::new(),
        written: Vec::new(),
    };
    let mut plan = load(&store.export_document(f.person, DocKind::Plan).unwrap());
    let plan_bytes = newer_change(&mut plan, |tx| {
        let goals = obj_at_tx(tx, &path(&["goals"]));
        let g = tx
            .put_object(&goals, n.goal.to_string(), ObjType::Map)
            .unwrap();
        put_text(tx, &g, "text", "A goal a newer app paused");
        tx.put(&g, "status", "paused").unwrap();
        tx.put_object(&g, "needs", ObjType::Map).unwrap();
        tx.put_object(&g, "progress", ObjType::Map).unwrap();
        tx.put(&g, "created_by", "newer app").unwrap();
        tx.put(&g, "created_at", now_ms()).unwrap();
        tx.put(&g, "paused_until", "2031-01-01").unwrap();
        let steps = obj_at_tx(tx, &path(&["steps"]));
        let s = tx
            .put_object(&steps, n.step.to_string(), ObjType::Map)
            .unwrap();
        put_text(tx, &s, "text", "A volunteer calls");
        tx.put(&s, "owner", "volunteer").unwrap();
        tx.put(&s, "created_by", "newer app").unwrap();
        tx.put(&s, "created_at", now_ms()).unwrap();
        let measures = obj_at_tx(tx, &path(&["measures"]));
        let m = tx
            .put_object(&measures, n.measure.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&m, "instrument", "phq9").unwrap();
        tx.put(&m, "version", "1").unwrap();
        let answers = tx.put_object(&m, "answers", ObjType::List).unwrap();
        for (i, v) in [1_i64, 2, 0, 3, 1, 0, 2, 1, 0].into_iter().enumerate() {
            tx.insert(&answers, i, v).unwrap();
        }
        tx.put_object(&m, "concern_labels", ObjType::List).unwrap();
        tx.put(&m, "timepoint", "baseline").unwrap();
        tx.put(&m, "mode", "self-completed").unwrap();
        tx.put(&m, "recorded_by", "newer app").unwrap();
        tx.put(&m, "recorded_at", now_ms()).unwrap();
    });
    let mut case = load(&store.export_document(f.person, DocKind::Case).unwrap());
    let ep = f.episode.to_string();
    let case_bytes = newer_change(&mut case, |tx| {
        let demo = obj_at_tx(tx, &path(&["demographics"]));
        tx.put(&demo, "preferred_contact", "whatsapp").unwrap();
        let c = obj_at_tx(tx, &path(&["consultations"]));
        let c = tx
            .put_object(&c, n.consultation.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&c, "episode_id", ep.as_str()).unwrap();
        tx.put(&c, "mode", "group-session").unwrap();
        tx.put(&c, "start", now_ms()).unwrap();
        tx.put_object(&c, "attendees", ObjType::List).unwrap();
        put_text(tx, &c, "notes", "");
        tx.put(&c, "by", "newer app").unwrap();
        let fl = obj_at_tx(tx, &path(&["flags"]));
        let fl = tx
            .put_object(&fl, n.flag.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&fl, "kind", "welfare").unwrap();
        put_text(tx, &fl, "description", "A welfare concern");
        tx.put(&fl, "raised_by", "newer app").unwrap();
        tx.put(&fl, "raised_at", now_ms()).unwrap();
        let k = obj_at_tx(tx, &path(&["contact_attempts"]));
        let k = tx
            .put_object(&k, n.contact.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&k, "episode_id", ep.as_str()).unwrap();
        tx.put(&k, "at", now_ms()).unwrap();
        tx.put(&k, "channel", "whatsapp").unwrap();
        tx.put(&k, "outcome", "reached").unwrap();
        tx.put(&k, "by", "newer app").unwrap();
        let co = obj_at_tx(tx, &path(&["consents"]));
        let co = tx
            .put_object(&co, n.consent.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&co, "purpose", "debt support").unwrap();
        tx.put(&co, "recipient", "Citizens Advice").unwrap();
        tx.put(&co, "decision", "deferred").unwrap();
        tx.put(&co, "method", "verbal").unwrap();
        tx.put(&co, "capacity", "not-assessed").unwrap();
        tx.put(&co, "supersedes", f.consent.to_string()).unwrap();
        tx.put(&co, "recorded_by", "newer app").unwrap();
        tx.put(&co, "recorded_at", now_ms()).unwrap();
        let o = obj_at_tx(tx, &path(&["onward_referrals"]));
        let o = tx
            .put_object(&o, n.onward.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&o, "service", "Befriending").unwrap();
        tx.put(&o, "status", "waitlisted").unwrap();
        tx.put(&o, "by", "newer app").unwrap();
        tx.put(&o, "sent_at", now_ms()).unwrap();
        tx.put_object(&o, "history", ObjType::Map).unwrap();
        let h = obj_at_tx(
            tx,
            &path(&["onward_referrals", &f.onward.to_string(), "history"]),
        );
        let h = tx
            .put_object(&h, n.onward_change.to_string(), ObjType::Map)
            .unwrap();
        tx.put(&h, "from", "acknowledged").unwrap();
        tx.put(&h, "to", "waitlisted").unwrap();
        tx.put(&h, "by", "newer app").unwrap();
        tx.put(&h, "at", now_ms()).unwrap();
    });
    let mut n = n;
    for (kind, doc, at) in [
        (DocKind::Plan, &plan, path(&["goals", &n.goal.to_string()])),
        (DocKind::Plan, &plan, path(&["steps", &n.step.to_string()])),
        (
            DocKind::Plan,
            &plan,
            path(&["measures", &n.measure.to_string()]),
        ),
        (
            DocKind::Case,
            &case,
            path(&["consultations", &n.consultation.to_string()]),
        ),
        (DocKind::Case, &case, path(&["flags", &n.flag.to_string()])),
        (
            DocKind::Case,
            &case,
            path(&["contact_attempts", &n.contact.to_string()]),
        ),
        (
            DocKind::Case,
            &case,
            path(&["consents", &n.consent.to_string()]),
        ),
        (
            DocKind::Case,
            &case,
            path(&["onward_referrals", &n.onward.to_string()]),
        ),
        (
            DocKind::Case,
            &case,
            path(&[
                "onward_referrals",
                &f.onward.to_string(),
                "history",
                &n.onward_change.to_string(),
            ]),
        ),
    ] {
        let d = dump(doc, &obj_at(doc, &at));
        n.written.push((kind, at, d));
    }
    (plan_bytes, case_bytes, n)
}

fn check_codes_kept(store: &Store, person: Id, n: &NewerCodes, context: &str) {
    let plan = exported(store, person, DocKind::Plan);
    let case = exported(store, person, DocKind::Case);
    for (kind, at, expected) in &n.written {
        let doc = if *kind == DocKind::Plan { &plan } else { &case };
        assert_eq!(&dump(doc, &obj_at(doc, at)), expected, "{context}: {at:?}");
    }
    let demo = obj_at(&case, &path(&["demographics"]));
    assert_eq!(
        case.get(&demo, "preferred_contact")
            .unwrap()
            .map(|(v, _)| v.into_string().ok()),
        Some(Some("whatsapp".to_string())),
        "{context}: the newer preferred contact"
    );
}

#[test]
fn items_with_unknown_codes_are_left_out_kept_and_refused() {
    let dir = Dir::new();
    let a = dir.link_worker("a.db");
    let f = full_person(&a);
    let (plan, case, n) = newer_codes(&a, &f);
    // Before this build tolerated them, importing these documents was a schema error.
    assert!(a.import_document(&plan).unwrap().changed);
    assert!(a.import_document(&case).unwrap().changed);

    let record = a.person(f.person).unwrap();
    let plan_ids: Vec<(&str, Id)> = record
        .plan
        .newer_items
        .iter()
        .map(|i| (i.kind, i.id))
        .collect();
    let mut expected = vec![("goal", n.goal), ("step", n.step), ("measure", n.measure)];
    expected.sort_by_key(|(_, id)| *id);
    let mut got = plan_ids.clone();
    got.sort_by_key(|(_, id)| *id);
    assert_eq!(got, expected);
    assert_eq!(
        record.plan.goals.len(),
        1,
        "only the goal this build can read"
    );
    assert_eq!(record.plan.steps.len(), 2);
    assert_eq!(record.plan.measures.len(), 1);
    let c = record.case.clone().unwrap();
    let mut case_ids: Vec<(&str, Id)> = c.newer_items.iter().map(|i| (i.kind, i.id)).collect();
    case_ids.sort_by_key(|(_, id)| *id);
    let mut expected = vec![
        ("consultation", n.consultation),
        ("flag", n.flag),
        ("contact-attempt", n.contact),
        ("consent", n.consent),
        ("onward-referral", n.onward),
        ("onward-change", n.onward_change),
    ];
    expected.sort_by_key(|(_, id)| *id);
    assert_eq!(case_ids, expected);
    assert_eq!(c.consultations.len(), 2);
    assert_eq!(c.flags.len(), 1);
    assert_eq!(c.contact_attempts.len(), 1);
    assert_eq!(c.onward_referrals.len(), 1);
    assert_eq!(
        c.onward_referrals[0].history.len(),
        1,
        "the newer change is left out"
    );
    // A preference only a newer version knows reads as not set.
    assert_eq!(c.demographics.preferred_contact, None);
    // The consent record this build cannot read still supersedes the one it names: the
    // consent given earlier is no longer shown as in force.
    let hidden_consent = c.newer_items.iter().find(|i| i.id == n.consent).unwrap();
    assert_eq!(hidden_consent.supersedes, Some(f.consent));
    assert!(c.consents_in_force(today()).is_empty());

    // Edits addressed to those items are refused with a typed error, and change nothing.
    let p = f.person;
    let refuse = |kind: &str, id: Id, call: &dyn Fn() -> linkwork_core::Result<()>| {
        let before = exported(&a, p, DocKind::Plan).get_heads();
        let before_case = exported(&a, p, DocKind::Case).get_heads();
        let err = call().unwrap_err();
        assert_newer(&err, kind, id);
        assert_eq!(exported(&a, p, DocKind::Plan).get_heads(), before);
        assert_eq!(exported(&a, p, DocKind::Case).get_heads(), before_case);
    };
    refuse("goal", n.goal, &|| {
        a.update_goal(
            n.goal,
            GoalUpdate {
                status: Some(GoalStatus::Achieved),
                ..Default::default()
            },
        )
    });
    refuse("goal", n.goal, &|| {
        a.record_progress(
            n.goal,
            NewProgress {
                rating: Some(5),
                note: None,
            },
        )
        .map(|_| ())
    });
    refuse("goal", n.goal, &|| {
        a.add_step(
            p,
            NewStep {
                text: "For the paused goal".into(),
                owner: StepOwner::Person,
                owner_name: None,
                goal_id: Some(n.goal),
                due: None,
            },
        )
        .map(|_| ())
    });
    refuse("step", n.step, &|| a.complete_step(n.step));
    refuse("step", n.step, &|| {
        a.update_step(
            n.step,
            StepUpdate {
                text: Some("changed".into()),
                ..Default::default()
            },
        )
    });
    refuse("consultation", n.consultation, &|| {
        a.check_in(n.consultation)
    });
    refuse("consultation", n.consultation, &|| {
        a.set_consultation_notes(n.consultation, "notes")
    });
    refuse("flag", n.flag, &|| a.resolve_flag(n.flag));
    refuse("onward-referral", n.onward, &|| {
        a.transition_onward_referral(n.onward, OnwardStatus::Accepted, None)
    });
    // No message names the code or the item's content.
    let err = a.complete_step(n.step).unwrap_err().to_string();
    assert!(
        !err.contains("volunteer") && !err.contains("newer app"),
        "{err}"
    );

    // Sibling items stay fully editable, and the newer items are kept as written.
    a.update_goal(
        f.goal,
        GoalUpdate {
            status: Some(GoalStatus::Achieved),
            ..Default::default()
        },
    )
    .unwrap();
    a.record_progress(
        f.goal,
        NewProgress {
            rating: Some(10),
            note: None,
        },
    )
    .unwrap();
    a.complete_step(f.step).unwrap();
    a.record_measure(p, ons4([8, 8, 8, 1], Timepoint::Review))
        .unwrap();
    a.check_out(f.visit).unwrap();
    a.resolve_flag(f.flag).unwrap();
    a.transition_onward_referral(f.onward, OnwardStatus::Accepted, None)
        .unwrap();
    a.update_demographics(
        p,
        DemographicsUpdate {
            phone: Some(Some("020 7946 0001".into())),
            ..Default::default()
        },
    )
    .unwrap();
    // A new consent record supersedes the latest earlier one, also one this build cannot read.
    let consent = a
        .record_consent(
            p,
            linkwork_tests::new_consent("debt support", "Citizens Advice", ConsentDecision::Given),
        )
        .unwrap();
    let c = a.person(p).unwrap().case.unwrap();
    let new = c.consents.iter().find(|r| r.id == consent).unwrap();
    assert_eq!(new.supersedes, Some(n.consent));
    assert_eq!(
        c.consents_in_force(today())
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        vec![consent]
    );
    check_codes_kept(&a, p, &n, "after sibling edits");

    // Another device of this version receives the items by sync and keeps them too.
    let b = dir.link_worker("b.db");
    sync(&a, &b);
    check_codes_kept(&b, p, &n, "on b after sync");
    assert_eq!(a.person(p).unwrap(), b.person(p).unwrap());
    let err = b.complete_step(n.step).unwrap_err();
    assert_newer(&err, "step", n.step);
    b.add_case_note(p, "edited on b").unwrap();
    sync(&b, &a);
    check_codes_kept(&a, p, &n, "on a after syncing back");

    // The person's phone holds the plan with the newer goal; its own edits are accepted, but
    // a change to an item this build cannot read is refused by the link worker's store.
    let phone = dir.patient("phone.db", p);
    sync(&a, &phone);
    assert_eq!(phone.plan(p).unwrap().newer_items.len(), 3);
    phone
        .record_progress(
            f.goal,
            NewProgress {
                rating: Some(9),
                note: None,
            },
        )
        .unwrap();
    sync(&phone, &a);
    let mut doc = load(&phone.export_document(p, DocKind::Plan).unwrap());
    let changed = newer_change(&mut doc, |tx| {
        let g = obj_at_tx(tx, &path(&["goals", &n.goal.to_string()]));
        tx.put(&g, "status", "abandoned").unwrap();
    });
    phone.import_document(&changed).unwrap();
    let before = exported(&a, p, DocKind::Plan).get_heads();
    match try_sync(&phone, &a) {
        Err((_, Error::NotPermitted { .. })) => {}
        Err((_, e)) => panic!("expected NotPermitted, got {e:?}"),
        Ok(_) => panic!("the phone's change of a newer item was accepted"),
    }
    assert_eq!(exported(&a, p, DocKind::Plan).get_heads(), before);
    check_codes_kept(&a, p, &n, "after the refused patient change");
}

#[test]
fn a_current_episode_with_an_unknown_status_is_never_shown_as_another_and_refuses_actions() {
    let dir = Dir::new();
    let a = dir.link_worker("a.db");
    let f = full_person(&a);
    let episode = Id::new();
    let mut doc = load(&a.export_document(f.person, DocKind::Case).unwrap());
    let bytes = newer_change(&mut doc, |tx| {
        let eps = obj_at_tx(tx, &path(&["episodes"]));
        let e = tx
            .put_object(&eps, episode.to_string(), ObjType::Map)
            .unwrap();
        tx.put_object(&e, "reasons", ObjType::List).unwrap();
        tx.put(&e, "urgency", "routine").unwrap();
        tx.put(&e, "received", "2031-01-02").unwrap();
        tx.put(&e, "status", "triaged").unwrap();
        tx.put(&e, "opened_at", now_ms()).unwrap();
        tx.put_object(&e, "history", ObjType::Map).unwrap();
    });
    let written = dump(
        &doc,
        &obj_at(&doc, &path(&["episodes", &episode.to_string()])),
    );
    assert!(a.import_document(&bytes).unwrap().changed);
    let p = f.person;
    let c = a.person(p).unwrap().case.unwrap();
    assert_eq!(c.episodes.len(), 1);
    assert!(
        c.current_episode().is_none(),
        "the older episode is not shown as current"
    );
    assert!(c
        .newer_items
        .iter()
        .any(|i| i.kind == "episode" && i.id == episode));
    let entry = linkwork_tests::entry(&a, p);
    assert_eq!(entry.status, None);

    let err = a
        .transition_episode(
            p,
            EpisodeTransition {
                to: EpisodeStatus::OnHold,
                discharge_reason: None,
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: None,
                reason: None,
            },
        )
        .unwrap_err();
    assert_newer(&err, "episode", episode);
    let err = a
        .record_contact_attempt(
            p,
            NewContactAttempt {
                at: None,
                channel: ContactChannel::Phone,
                outcome: ContactOutcome::NoAnswer,
                note: None,
            },
        )
        .unwrap_err();
    assert_newer(&err, "episode", episode);
    let err = a
        .add_consultation(p, new_consultation(ConsultationMode::Phone))
        .unwrap_err();
    assert_newer(&err, "episode", episode);
    let err = a.open_episode(p, NewReferral::default()).unwrap_err();
    assert_newer(&err, "episode", episode);

    // Everything else still works, and the episode travels untouched.
    a.add_case_note(p, "waiting for the newer app").unwrap();
    a.set_consultation_notes(f.call, "still fine").unwrap();
    let b = dir.link_worker("b.db");
    sync(&a, &b);
    for store in [&a, &b] {
        let doc = exported(store, p, DocKind::Case);
        assert_eq!(
            dump(
                &doc,
                &obj_at(&doc, &path(&["episodes", &episode.to_string()]))
            ),
            written
        );
    }
    assert!(b
        .person(p)
        .unwrap()
        .case
        .unwrap()
        .current_episode()
        .is_none());
}
