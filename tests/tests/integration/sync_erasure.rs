//! Erasure travels: a person erased on one store is erased on every store that syncs with it,
//! directly or through others; a peer that kept the person's documents and edited them offline
//! cannot bring them back; erased documents are never accepted again.

use crate::sync_support;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use sync_support::*;

#[track_caller]
fn assert_erased(s: &Store, person: Id) {
    let who = &s.info().user;
    assert!(
        matches!(s.person(person), Err(Error::NotFound { .. })),
        "{who} still has the record: {:?}",
        s.person(person).map(|r| r.person_id)
    );
    assert!(!people(s).contains(&person), "{who}'s caseload lists them");
    assert!(
        s.erased_people().unwrap().iter().any(|(p, _)| *p == person),
        "{who} has no tombstone"
    );
    assert!(matches!(
        s.export_document(person, DocKind::Plan),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        rows_mentioning(s.path(), person),
        vec![],
        "{who} still stores rows of the erased person"
    );
}

#[test]
fn erasure_reaches_peers_directly_and_through_others() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let c = dir.link_worker("cy.db");
    let x = rich_person(&a, "Xavier");
    let y = rich_person(&a, "Yvonne");
    sync_mesh(&[&a, &b, &c]);
    a.erase_person(x.person).unwrap();
    assert_erased(&a, x.person);
    // b hears of it from a; c only from b.
    let run = sync(&b, &a);
    assert!(
        run.changed_a.contains(&x.person),
        "b reports the erased person as changed"
    );
    assert_erased(&b, x.person);
    assert!(c.person(x.person).is_ok(), "c has not synced yet");
    let run = sync(&c, &b);
    assert!(run.changed_a.contains(&x.person));
    assert_erased(&c, x.person);
    // The rest of the caseload is untouched and equal.
    assert_converged(&[&a, &b, &c]);
    for s in [&a, &b, &c] {
        assert_eq!(people(s), vec![y.person]);
        let erased_at: Vec<_> = s.erased_people().unwrap();
        assert_eq!(
            erased_at,
            a.erased_people().unwrap(),
            "the erasure time travels"
        );
    }
    // Nothing more to do afterwards.
    assert_eq!(sync(&a, &c).delivered, 2);
}

/// A store that kept the person's documents and edited them offline, and even passed them to
/// a fourth store that never heard of the erasure, cannot bring the person back: once the
/// stores meet, the person is erased everywhere.
#[test]
fn an_offline_peer_cannot_bring_an_erased_person_back() {
    for offline_connects in [true, false] {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let b = dir.link_worker("bo.db");
        let c = dir.link_worker("cy.db");
        let d = dir.link_worker("di.db");
        let x = rich_person(&a, "Xavier");
        let y = planned_person(&a, "Yvonne");
        sync_mesh(&[&a, &b, &c]);
        a.erase_person(x.person).unwrap();
        sync(&a, &b);
        // c was offline: it edits the person, then passes everything to d.
        progress(&c, x.goal, 9);
        add_goal(&c, x.person, "Brand new goal");
        set_phone(&c, x.person, "01632 960999");
        c.add_case_note(x.person, "visited again").unwrap();
        sync(&c, &d);
        assert!(d.person(x.person).is_ok());
        // c meets an erasing store.
        if offline_connects {
            sync(&c, &b);
        } else {
            sync(&b, &c);
        }
        assert_erased(&c, x.person);
        assert_erased(&b, x.person);
        // d meets a, which never had c's edits.
        if offline_connects {
            sync(&d, &a);
        } else {
            sync(&a, &d);
        }
        assert_erased(&d, x.person);
        assert_erased(&a, x.person);
        sync_mesh(&[&a, &b, &c, &d]);
        for s in [&a, &b, &c, &d] {
            assert_erased(s, x.person);
            assert_eq!(people(s), vec![y.person]);
        }
        assert_converged(&[&a, &b, &c, &d]);
    }
}

/// Documents of an erased person that still arrive in a message (from a peer that has not
/// heard of the erasure) are ignored, not stored.
#[test]
fn documents_of_an_erased_person_in_a_message_are_ignored() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let c = dir.link_worker("cy.db");
    let x = rich_person(&a, "Xavier");
    sync(&a, &c);
    progress(&c, x.goal, 8);
    let plan = c.export_document(x.person, DocKind::Plan).unwrap();
    let case = c.export_document(x.person, DocKind::Case).unwrap();
    a.erase_person(x.person).unwrap();
    // A peer a has never met sends the person's whole documents in its first message.
    let stranger = dir.link_worker("stranger.db");
    let msg = Wire {
        hello: Some(hello_of(&stranger)),
        docs: vec![
            WireDoc {
                person: x.person,
                kind: DocKind::Plan,
                whole: true,
                bytes: plan,
            },
            WireDoc {
                person: x.person,
                kind: DocKind::Case,
                whole: true,
                bytes: case,
            },
        ],
        ..Wire::default()
    }
    .encode();
    let mut session = a.sync_accept();
    let step = a.sync_receive(&mut session, &msg).unwrap();
    assert!(!step.changed_people.contains(&x.person));
    assert_erased(&a, x.person);
    // The reply tells the stranger about the erasure.
    let reply = Wire::decode(&step.reply.unwrap());
    assert!(reply.tombstones.iter().any(|(p, _)| *p == x.person));
}

#[test]
fn importing_an_erased_persons_document_is_refused() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let x = rich_person(&a, "Xavier");
    let plan = a.export_document(x.person, DocKind::Plan).unwrap();
    let case = a.export_document(x.person, DocKind::Case).unwrap();
    a.erase_person(x.person).unwrap();
    for bytes in [&plan, &case] {
        assert_not_permitted(a.import_document(bytes));
    }
    assert_erased(&a, x.person);
    // b never held the person: it has no reason to know of the erasure and is not told
    // (protocol version 2, issue 13).
    sync(&a, &b);
    assert!(b.erased_people().unwrap().is_empty());
    // If an old export brings the person to b, the next sync with a erases them there, and
    // from then on b refuses them too.
    b.import_document(&plan).unwrap();
    sync(&b, &a);
    assert_eq!(b.erased_people().unwrap().len(), 1);
    for bytes in [&plan, &case] {
        assert_not_permitted(b.import_document(bytes));
    }
    assert_erased(&b, x.person);
    assert_erased(&a, x.person);
    // A patient store of the erased person is told (it names the person), and refuses it.
    let phone = dir.patient("xavier.db", x.person);
    sync(&phone, &a);
    assert_not_permitted(phone.import_document(&plan));
    assert!(doc_rows(phone.path()).is_empty());
}

#[test]
fn erasure_reaches_the_persons_own_phone() {
    let dir = Dir::new();
    let lw = dir.link_worker("sam.db");
    let me = planned_person(&lw, "Pat");
    let other = planned_person(&lw, "Quinn");
    let phone = dir.patient("pat.db", me.person);
    sync(&phone, &lw);
    progress(&phone, me.goal, 4);
    // Erasing someone else is no business of the phone.
    lw.erase_person(other.person).unwrap();
    let run = sync(&phone, &lw);
    for m in &run.transcript {
        let w = Wire::decode(&m.bytes);
        assert!(w.tombstones.iter().all(|(p, _)| *p == me.person));
    }
    assert!(phone.erased_people().unwrap().is_empty());
    assert_patient_matches(&phone, &lw, me.person);
    lw.erase_person(me.person).unwrap();
    let run = sync(&phone, &lw);
    assert_eq!(run.changed_a, vec![me.person]);
    assert!(matches!(phone.plan(me.person), Err(Error::NotFound { .. })));
    assert!(people(&phone).is_empty());
    assert!(doc_rows(phone.path()).is_empty());
    assert_eq!(rows_mentioning(phone.path(), me.person), vec![]);
    // The phone cannot give the plan back. (The link worker reminds a phone whose person is
    // erased of the tombstone in every session: one more message than an idle sync.)
    assert_eq!(sync(&phone, &lw).delivered, 3);
    assert!(people(&lw).is_empty());
}

#[test]
fn concurrent_erasures_of_the_same_person_agree() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let x = planned_person(&a, "Xavier");
    let y = planned_person(&a, "Yvonne");
    sync(&a, &b);
    a.erase_person(x.person).unwrap();
    b.erase_person(x.person).unwrap();
    b.erase_person(y.person).unwrap();
    sync(&a, &b);
    for s in [&a, &b] {
        assert_erased(s, x.person);
        assert_erased(s, y.person);
    }
    assert_eq!(sync(&b, &a).delivered, 2);
}
