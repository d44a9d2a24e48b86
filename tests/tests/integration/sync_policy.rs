//! The share policy over sync: a patient's store receives only that person's plan and may
//! change it only as a patient may (progress, steps done, measure answers); every forbidden
//! direction is refused with `Error::NotPermitted` and nothing of the refused message is
//! stored.

use crate::sync_support;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use sync_support::*;

/// A link worker with two people, and the first person's own phone, synced once.
struct Clinic {
    dir: Dir,
    lw: Store,
    me: Planned,
    other: Planned,
    phone: Store,
}

fn clinic() -> Clinic {
    let dir = Dir::new();
    let lw = dir.link_worker("sam.db");
    let me = rich_person(&lw, "Pat");
    let other = rich_person(&lw, "Quinn");
    let phone = dir.patient("pat.db", me.person);
    sync(&phone, &lw);
    Clinic {
        dir,
        lw,
        me,
        other,
        phone,
    }
}

/// Document rows, storage sizes and the caseload projection.
type Footprint = (Vec<(String, String)>, (i64, i64, i64), Vec<CaseloadEntry>);

/// Everything a store's file holds about people and documents, for "nothing stored" checks.
fn footprint(s: &Store) -> Footprint {
    (
        doc_rows(s.path()),
        s.storage_sizes().unwrap(),
        caseload_view(s),
    )
}

/// Every document in messages between a link worker and a patient is the patient's plan.
#[track_caller]
fn only_the_plan_travels(run: &Run, person: Id) {
    for m in &run.transcript {
        let w = Wire::decode(&m.bytes);
        for d in &w.docs {
            assert_eq!(
                (d.person, d.kind),
                (person, DocKind::Plan),
                "message {} carried another document",
                m.index
            );
        }
        for (p, k, _) in w.manifest.iter().flatten() {
            assert_eq!(
                (*p, *k),
                (person, DocKind::Plan),
                "manifest names another document"
            );
        }
    }
}

#[test]
fn a_patient_store_receives_only_its_own_plan_whoever_connects() {
    for phone_connects in [true, false] {
        let dir = Dir::new();
        let lw = dir.link_worker("sam.db");
        let me = rich_person(&lw, "Pat");
        let other = rich_person(&lw, "Quinn");
        for i in 0..5 {
            planned_person(&lw, &format!("Other{i}"));
        }
        let phone = dir.patient("pat.db", me.person);
        let run = if phone_connects {
            sync(&phone, &lw)
        } else {
            sync(&lw, &phone)
        };
        only_the_plan_travels(&run, me.person);
        assert_patient_matches(&phone, &lw, me.person);
        assert_eq!(people(&phone), vec![me.person]);
        assert_not_permitted(phone.export_document(me.person, DocKind::Case));
        assert_not_permitted(phone.export_document(other.person, DocKind::Plan));
        assert_not_permitted(phone.person(other.person));
        assert!(phone.gp_codes(me.person).is_err());
        // Nothing in the file but the plan: no case rows, no other person in any table.
        assert_eq!(
            doc_rows(phone.path()),
            vec![(me.person.to_string(), "plan".to_string())]
        );
        assert!(rows_mentioning(phone.path(), other.person).is_empty());
        let record = phone.person(me.person).unwrap();
        assert!(record.case.is_none());
        assert_eq!(record.plan.goals.len(), 1);
        // The caseload row on the phone carries no demographics (they live in the case).
        let row = &caseload(&phone)[0];
        assert_eq!(
            (row.given_name.as_deref(), row.nhs_number.as_deref()),
            (None, None)
        );
    }
}

/// How many documents a link worker holds is none of a patient store's business: no message to
/// the phone counts or digests documents outside the patient's share.
///
/// Known gap: `Store::sync_start` does not know its peer yet, so a link worker that connects to
/// a phone sends the digest and count of its whole caseload in the first message.
#[test]
fn messages_to_a_patient_store_do_not_reveal_the_caseload_size() {
    for phone_connects in [true, false] {
        let dir = Dir::new();
        let lw = dir.link_worker("sam.db");
        let me = planned_person(&lw, "Pat");
        for i in 0..10 {
            planned_person(&lw, &format!("Other{i}"));
        }
        let phone = dir.patient("pat.db", me.person);
        let run = if phone_connects {
            sync(&phone, &lw)
        } else {
            sync(&lw, &phone)
        };
        for m in &run.transcript {
            let w = Wire::decode(&m.bytes);
            assert!(
                w.doc_count <= 1,
                "message {} to {:?} counts {} documents",
                m.index,
                m.to,
                w.doc_count
            );
        }
    }
}

/// When the phone connects, a reconnect with nothing to do is one round trip. When the link
/// worker connects, its first digest covers its whole caseload (it does not know yet who the
/// peer is), so the phone's scoped digest differs and one more message follows.
#[test]
fn a_reconnect_with_a_patient_store_with_nothing_to_do_is_cheap() {
    let c = clinic();
    let run = sync(&c.phone, &c.lw);
    assert_eq!(run.delivered, 2, "phone connects");
    assert!(run.changed_a.is_empty() && run.changed_b.is_empty());
    let run = sync(&c.lw, &c.phone);
    eprintln!(
        "idle reconnect, link worker connects: {} messages, {} bytes",
        run.delivered,
        run.bytes_total()
    );
    assert!(run.delivered <= 3, "link worker connects: {run:?}");
    assert!(run.bytes_total() < 1024);
    assert!(run.changed_a.is_empty() && run.changed_b.is_empty());
}

#[test]
fn patient_edits_reach_the_link_worker_and_link_worker_edits_reach_the_patient() {
    let c = clinic();
    let me = c.me;
    let progress_id = progress(&c.phone, me.goal, 9);
    c.phone.complete_step(me.step).unwrap();
    let measure = ons4(&c.phone, me.person, 8);
    // Meanwhile the link worker edits the plan and the case.
    let new_goal = add_goal(&c.lw, me.person, "See friends weekly");
    c.lw.add_case_note(me.person, "phoned GP").unwrap();
    let run = sync(&c.phone, &c.lw);
    only_the_plan_travels(&run, me.person);
    assert_eq!(run.changed_b, vec![me.person], "changed on the link worker");
    assert_eq!(run.changed_a, vec![me.person], "changed on the phone");
    let plan = c.lw.plan(me.person).unwrap();
    assert!(plan.goals[0]
        .progress
        .iter()
        .any(|p| p.id == progress_id && p.rating == Some(9) && p.recorded_by == "pat"));
    let step = plan.steps.iter().find(|s| s.id == me.step).unwrap();
    assert!(step.done_at.is_some());
    assert_eq!(step.done_by.as_deref(), Some("pat"));
    assert!(plan.measures.iter().any(|m| m.id == measure));
    assert!(c
        .phone
        .plan(me.person)
        .unwrap()
        .goals
        .iter()
        .any(|g| g.id == new_goal));
    assert_patient_matches(&c.phone, &c.lw, me.person);
    // Unticking a step is the patient's too.
    c.phone.reopen_step(me.step).unwrap();
    sync(&c.lw, &c.phone);
    let step =
        c.lw.plan(me.person)
            .unwrap()
            .steps
            .into_iter()
            .find(|s| s.id == me.step);
    assert!(step.unwrap().done_at.is_none());
    assert_patient_matches(&c.phone, &c.lw, me.person);
    // The other person was never involved.
    assert!(rows_mentioning(c.phone.path(), c.other.person).is_empty());
}

/// Edits a patient store cannot make through its API, made instead by a link-worker store on a
/// copy of the plan and imported into the phone (its own plan, so the import is allowed).
type Edit = Box<dyn Fn(&Store, Planned)>;

fn forbidden_edits() -> Vec<(&'static str, Edit)> {
    vec![
        (
            "add a goal",
            Box::new(|s: &Store, p: Planned| {
                add_goal(s, p.person, "A goal the patient made up");
            }),
        ),
        (
            "change what matters",
            Box::new(|s: &Store, p: Planned| {
                s.set_what_matters(p.person, "Something else entirely")
                    .unwrap();
            }),
        ),
        (
            "reschedule a step",
            Box::new(|s: &Store, p: Planned| {
                s.update_step(
                    p.step,
                    StepUpdate {
                        due: Some(Some(date(2032, 1, 1))),
                        ..Default::default()
                    },
                )
                .unwrap();
            }),
        ),
        (
            "change a goal's status",
            Box::new(|s: &Store, p: Planned| {
                s.update_goal(
                    p.goal,
                    GoalUpdate {
                        status: Some(GoalStatus::Achieved),
                        ..Default::default()
                    },
                )
                .unwrap();
            }),
        ),
        (
            "add a need",
            Box::new(|s: &Store, p: Planned| s.add_need(p.person, Need::Debt, None).unwrap()),
        ),
        (
            "set the review date",
            Box::new(|s: &Store, p: Planned| {
                s.set_review_date(p.person, Some(date(2031, 9, 9))).unwrap()
            }),
        ),
        (
            "add a step",
            Box::new(|s: &Store, p: Planned| {
                add_step(s, p.person, None, "A step the patient made up", None);
            }),
        ),
    ]
}

#[test]
fn a_patient_store_sending_a_forbidden_change_is_refused_and_nothing_is_stored() {
    for (what, edit) in forbidden_edits() {
        for phone_connects in [true, false] {
            let c = clinic();
            // An allowed edit in the same session must not slip through either.
            let allowed = progress(&c.phone, c.me.goal, 10);
            // The malicious copy: a link-worker store edits the plan, the phone imports it.
            let forger = c.dir.link_worker("forger.db");
            forger
                .import_document(&c.lw.export_document(c.me.person, DocKind::Plan).unwrap())
                .unwrap();
            edit(&forger, c.me);
            let forged = forger.export_document(c.me.person, DocKind::Plan).unwrap();
            assert!(c.phone.import_document(&forged).unwrap().changed, "{what}");
            let before = footprint(&c.lw);
            let records_before = records(&c.lw);
            let goals_before = goal_count(&c.lw, c.me.person);
            let result = if phone_connects {
                try_sync(&c.phone, &c.lw).map(|_| ())
            } else {
                try_sync(&c.lw, &c.phone).map(|_| ())
            };
            let (side, err) = result.expect_err(what);
            let lw_side = if phone_connects { To::B } else { To::A };
            assert_eq!(side, lw_side, "{what}: refused by the wrong side");
            assert!(
                matches!(err, Error::NotPermitted { .. }),
                "{what}: expected NotPermitted, got {err:?}"
            );
            assert_eq!(goal_count(&c.lw, c.me.person), goals_before, "{what}");
            assert_eq!(
                records(&c.lw),
                records_before,
                "{what}: the link worker changed"
            );
            assert_eq!(footprint(&c.lw), before, "{what}: something was stored");
            assert!(
                !progress_ids(&c.lw, c.me.person, c.me.goal).contains(&allowed),
                "{what}: part of the refused message was stored"
            );
        }
    }
}

/// A change a link worker made, relayed by the patient's phone to a colleague's device that has
/// not seen it yet, is not the patient's change; the colleague's device must accept it (or at
/// least not refuse the patient's own edits because of it).
///
/// Known gap: `policy::check_patient_changes` compares whole plans before and after the merge,
/// so a link worker's goal or step edit relayed by the phone is refused as the patient's, and
/// the phone cannot sync with that colleague until the colleague has the edit from elsewhere.
#[test]
#[ignore = "known gap: plan edits relayed by a patient store are refused as the patient's"]
fn a_patient_store_relays_a_link_workers_plan_edit_to_a_colleague() {
    let dir = Dir::new();
    let sam = dir.link_worker("sam.db");
    let kim = dir.link_worker("kim.db");
    let me = planned_person(&sam, "Pat");
    sync(&sam, &kim);
    let phone = dir.patient("pat.db", me.person);
    sync(&phone, &sam);
    // Sam reschedules a step and adds a goal at a visit; the phone syncs with Sam, then with
    // Kim, who has not seen Sam's edits yet.
    sam.update_step(
        me.step,
        StepUpdate {
            due: Some(Some(date(2031, 8, 1))),
            ..Default::default()
        },
    )
    .unwrap();
    add_goal(&sam, me.person, "Join a choir");
    sync(&phone, &sam);
    let mine = progress(&phone, me.goal, 6);
    let outcome = try_sync(&phone, &kim);
    if let Err((_, e)) = &outcome {
        panic!("the colleague refused the phone: {e:?}");
    }
    assert!(progress_ids(&kim, me.person, me.goal).contains(&mine));
    sync(&sam, &kim);
    assert_converged(&[&sam, &kim]);
    assert_patient_matches(&phone, &kim, me.person);
}

#[test]
fn a_patient_store_cannot_introduce_a_document_the_link_worker_lacks() {
    let c = clinic();
    // A colleague's store that has never seen this person.
    let kim = c.dir.link_worker("kim.db");
    let q = planned_person(&kim, "Someone");
    let before = footprint(&kim);
    for phone_connects in [true, false] {
        let result = if phone_connects {
            try_sync(&c.phone, &kim)
        } else {
            try_sync(&kim, &c.phone)
        };
        let (_, e) = result.expect_err("a new document from a patient store");
        assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
        assert_eq!(footprint(&kim), before);
        assert_eq!(people(&kim), vec![q.person]);
    }
}

#[test]
fn two_patient_stores_refuse_to_sync() {
    let c = clinic();
    let other_phone = c.dir.patient("quinn.db", c.other.person);
    sync(&other_phone, &c.lw);
    let same_person_phone = c.dir.patient("pat-tablet.db", c.me.person);
    let before = (footprint(&c.phone), footprint(&other_phone));
    for (x, y) in [
        (&c.phone, &other_phone),
        (&other_phone, &c.phone),
        (&c.phone, &same_person_phone),
    ] {
        let (side, e) = try_sync(x, y).expect_err("two patient stores");
        assert_eq!(side, To::B, "refused at the first message");
        assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
    }
    assert_eq!((footprint(&c.phone), footprint(&other_phone)), before);
    assert!(doc_rows(same_person_phone.path()).is_empty());
}

/// The phone and an honest link worker exchange hellos; then `bytes` arrive at the phone in
/// the same session (as if the link worker sent them).
fn feed_phone_after_hellos(c: &Clinic, bytes: &[u8]) -> Result<(), Error> {
    let (mut pair, first) = Pair::start(&c.phone, &c.lw);
    let reply = pair.deliver(To::B, &first).unwrap().reply.unwrap();
    pair.deliver(To::A, &reply)?;
    pair.deliver(To::A, bytes).map(|_| ())
}

#[test]
fn a_patient_store_refuses_a_captured_message_carrying_case_documents() {
    let c = clinic();
    // A link worker <-> link worker session captured on the wire: it carries whole case
    // documents (of the patient and of others).
    let colleague = c.dir.link_worker("kim.db");
    let run = sync(&c.lw, &colleague);
    let captured: Vec<&Msg> = run
        .transcript
        .iter()
        .filter(|m| carries_whole(&m.bytes, DocKind::Case))
        .collect();
    assert!(!captured.is_empty(), "no message carried a case document");
    let before = (footprint(&c.phone), c.phone.person(c.me.person).unwrap());
    for m in captured {
        let e = feed_phone_after_hellos(&c, &m.bytes).unwrap_err();
        assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
        assert_eq!(
            (footprint(&c.phone), c.phone.person(c.me.person).unwrap()),
            before
        );
    }
    assert_eq!(
        doc_rows(c.phone.path()),
        vec![(c.me.person.to_string(), "plan".to_string())]
    );
}

/// A hand-made message from the link worker with the given documents (and the hello, when
/// `hello` is set, for a session's first message).
fn crafted(from: &Store, hello: bool, docs: Vec<WireDoc>, tombstones: Vec<(Id, i64)>) -> Vec<u8> {
    Wire {
        hello: hello.then(|| hello_of(from)),
        docs,
        tombstones,
        ..Wire::default()
    }
    .encode()
}

fn whole(s: &Store, person: Id, kind: DocKind) -> WireDoc {
    WireDoc {
        person,
        kind,
        whole: true,
        bytes: s.export_document(person, kind).unwrap(),
    }
}

#[test]
fn a_patient_store_refuses_case_documents_and_other_peoples_plans() {
    let c = clinic();
    let before = (footprint(&c.phone), c.phone.person(c.me.person).unwrap());
    let cases: Vec<(&str, Vec<WireDoc>)> = vec![
        (
            "its own case",
            vec![whole(&c.lw, c.me.person, DocKind::Case)],
        ),
        (
            "another person's plan",
            vec![whole(&c.lw, c.other.person, DocKind::Plan)],
        ),
        (
            "another person's case",
            vec![whole(&c.lw, c.other.person, DocKind::Case)],
        ),
        (
            "its plan, then its case",
            vec![
                whole(&c.lw, c.me.person, DocKind::Plan),
                whole(&c.lw, c.me.person, DocKind::Case),
            ],
        ),
    ];
    for (what, docs) in cases {
        // In the first message of a session the phone accepts (the peer's hello) ...
        let mut session = c.phone.sync_accept();
        let e = c
            .phone
            .sync_receive(&mut session, &crafted(&c.lw, true, docs.clone(), vec![]))
            .unwrap_err();
        assert!(matches!(e, Error::NotPermitted { .. }), "{what}: {e:?}");
        // ... and later in a session the phone started.
        let e = feed_phone_after_hellos(&c, &crafted(&c.lw, false, docs, vec![])).unwrap_err();
        assert!(matches!(e, Error::NotPermitted { .. }), "{what}: {e:?}");
        assert_eq!(
            (footprint(&c.phone), c.phone.person(c.me.person).unwrap()),
            before,
            "{what}"
        );
    }
    assert!(rows_mentioning(c.phone.path(), c.other.person).is_empty());
}

#[test]
fn tombstones_from_a_patient_store_are_refused() {
    let c = clinic();
    let before = (footprint(&c.lw), records(&c.lw));
    let now = chrono::Utc::now().timestamp_millis();
    for victim in [c.me.person, c.other.person] {
        let mut session = c.lw.sync_accept();
        let msg = crafted(&c.phone, true, vec![], vec![(victim, now)]);
        let e = c.lw.sync_receive(&mut session, &msg).unwrap_err();
        assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
        // Also later in a session.
        let (mut pair, first) = Pair::start(&c.phone, &c.lw);
        pair.deliver(To::B, &first).unwrap();
        let e = pair
            .deliver(
                To::B,
                &crafted(&c.phone, false, vec![], vec![(victim, now)]),
            )
            .unwrap_err();
        assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
    }
    assert!(c.lw.erased_people().unwrap().is_empty());
    assert_eq!((footprint(&c.lw), records(&c.lw)), before);
    // And the honest phone never sends any, even after it learned of an erasure.
    c.lw.erase_person(c.me.person).unwrap();
    sync(&c.lw, &c.phone);
    assert_eq!(c.phone.erased_people().unwrap().len(), 1);
    let kim = c.dir.link_worker("kim.db");
    let run = try_sync(&c.phone, &kim).unwrap();
    for m in run.transcript.iter().filter(|m| m.to == To::B) {
        assert!(Wire::decode(&m.bytes).tombstones.is_empty());
    }
}

#[test]
fn impostor_hellos_are_refused() {
    let c = clinic();
    // A peer claiming to be this very store.
    let mut session = c.lw.sync_accept();
    let e =
        c.lw.sync_receive(&mut session, &crafted(&c.lw, true, vec![], vec![]))
            .unwrap_err();
    assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
    // A patient store that names no person.
    let mut hello = hello_of(&c.phone);
    hello.person = None;
    let msg = Wire {
        hello: Some(hello),
        ..Wire::default()
    }
    .encode();
    let mut session = c.lw.sync_accept();
    let e = c.lw.sync_receive(&mut session, &msg).unwrap_err();
    assert!(
        matches!(e, Error::Sync { .. } | Error::NotPermitted { .. }),
        "{e:?}"
    );
    // A peer that changes identity mid-session.
    let (mut pair, first) = Pair::start(&c.phone, &c.lw);
    pair.deliver(To::B, &first).unwrap();
    let other = c.dir.link_worker("kim.db");
    let e = pair
        .deliver(To::B, &crafted(&other, true, vec![], vec![]))
        .unwrap_err();
    assert!(
        matches!(e, Error::Sync { .. } | Error::NotPermitted { .. }),
        "{e:?}"
    );
}
