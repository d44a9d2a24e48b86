//! Sync convergence: two and three link-worker stores diverge and converge; the same edits
//! arriving in any order or twice are idempotent; a restart mid-session, a lost, cut-off or
//! replayed message never loses or duplicates anything, and the next session converges.

use crate::sync_support;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use sync_support::*;

/// Two link-worker stores that share one person, then diverge: each adds a person and both
/// edit the shared one (different items, so nothing conflicts).
struct Diverged {
    dir: Dir,
    a: Store,
    b: Store,
    shared: Planned,
    only_a: Planned,
    only_b: Planned,
}

fn diverged() -> Diverged {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let shared = rich_person(&a, "Sam");
    // A caseload both already hold, so that a resumed session has much less to send than a
    // first one.
    for i in 0..8 {
        planned_person(&a, &format!("Base{i}"));
    }
    sync(&a, &b);
    let only_a = rich_person(&a, "Ada");
    let only_b = rich_person(&b, "Bea");
    progress(&a, shared.goal, 5);
    add_goal(&a, shared.person, "Cook a meal for friends");
    consent(&a, shared.person, "food bank");
    progress(&b, shared.goal, 6);
    b.complete_step(shared.step).unwrap();
    add_step(
        &b,
        shared.person,
        None,
        "Call the library",
        Some(date(2031, 6, 2)),
    );
    ons4(&b, shared.person, 7);
    consultation(&b, shared.person, "phone follow-up");
    b.update_demographics(
        shared.person,
        DemographicsUpdate {
            email: Some(Some("sam@example.invalid".into())),
            ..Default::default()
        },
    )
    .unwrap();
    Diverged {
        dir,
        a,
        b,
        shared,
        only_a,
        only_b,
    }
}

/// Everything `diverged` did is on `s`, exactly once.
#[track_caller]
fn holds_every_edit(s: &Store, d: &Diverged) {
    let people = people(s);
    assert_eq!(people.len(), 11);
    for p in [d.shared.person, d.only_a.person, d.only_b.person] {
        assert!(people.contains(&p), "{} lacks {p}", s.info().user);
    }
    let r = s.person(d.shared.person).unwrap();
    let ratings: Vec<Option<i32>> = r.plan.goals[0].progress.iter().map(|p| p.rating).collect();
    let mut sorted = ratings.clone();
    sorted.sort();
    assert_eq!(sorted, vec![Some(3), Some(5), Some(6)], "progress entries");
    assert_eq!(r.plan.goals.len(), 2);
    assert_eq!(r.plan.steps.len(), 2);
    assert!(r
        .plan
        .steps
        .iter()
        .any(|st| st.id == d.shared.step && st.done_at.is_some()));
    assert_eq!(r.plan.measures.len(), 2);
    let case = r.case.unwrap();
    assert_eq!(case.consents.len(), 2);
    assert_eq!(case.consultations.len(), 2);
    assert_eq!(case.demographics.phone.as_deref(), Some("01632 960001"));
    assert_eq!(
        case.demographics.email.as_deref(),
        Some("sam@example.invalid")
    );
    assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
    let ids = progress_ids(s, d.shared.person, d.shared.goal);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate progress entries");
}

/// The messages of a session between two diverged stores: the shorter of two runs (a Bloom
/// filter false positive in automerge's sync protocol can cost a session one more round).
fn reference_session() -> Vec<Msg> {
    let first = {
        let d = diverged();
        sync(&d.a, &d.b).transcript
    };
    let second = {
        let d = diverged();
        sync(&d.a, &d.b).transcript
    };
    if first.len() <= second.len() {
        first
    } else {
        second
    }
}

#[test]
fn two_stores_diverge_and_converge_both_ways() {
    for b_connects in [false, true] {
        let d = diverged();
        let before_a = records(&d.a);
        let run = if b_connects {
            sync(&d.b, &d.a)
        } else {
            sync(&d.a, &d.b)
        };
        assert_converged(&[&d.a, &d.b]);
        holds_every_edit(&d.a, &d);
        holds_every_edit(&d.b, &d);
        assert_ne!(records(&d.a), before_a, "a learned nothing");
        // Each side reports who changed on it: the shared person and the other side's person.
        let (changed_a, changed_b) = if b_connects {
            (&run.changed_b, &run.changed_a)
        } else {
            (&run.changed_a, &run.changed_b)
        };
        let mut want_a = vec![d.shared.person, d.only_b.person];
        want_a.sort();
        let mut want_b = vec![d.shared.person, d.only_a.person];
        want_b.sort();
        assert_eq!(changed_a, &want_a, "changed people on a");
        assert_eq!(changed_b, &want_b, "changed people on b");
        // The next reconnect has nothing to do.
        let idle = sync(&d.a, &d.b);
        assert_eq!(idle.delivered, 2, "{idle:?}");
        assert!(idle.changed_a.is_empty() && idle.changed_b.is_empty());
    }
}

#[test]
fn diverged_stores_converge_after_both_add_many_people() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    for i in 0..15 {
        planned_person(&a, &format!("A{i}"));
        planned_person(&b, &format!("B{i}"));
    }
    sync(&b, &a);
    assert_eq!(people(&a).len(), 30);
    assert_converged(&[&a, &b]);
}

/// The three pairs of three stores, synced once each in every order (and with either side
/// connecting), converge: every store meets every other directly.
#[test]
fn three_stores_converge_in_every_order() {
    let pairs = [(0usize, 1usize), (1, 2), (2, 0)];
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for (n, order) in orders.iter().enumerate() {
        let dir = Dir::new();
        let s = [
            dir.link_worker("ann.db"),
            dir.link_worker("bo.db"),
            dir.link_worker("cy.db"),
        ];
        let shared = planned_person(&s[0], "Sam");
        sync_mesh(&[&s[0], &s[1], &s[2]]);
        let mut own = Vec::new();
        for (i, store) in s.iter().enumerate() {
            own.push(planned_person(store, &format!("Own{i}")));
            progress(store, shared.goal, i as i32 + 4);
            add_step(store, shared.person, None, &format!("step by {i}"), None);
        }
        s[1].complete_step(shared.step).unwrap();
        set_phone(&s[2], shared.person, "01632 960002");
        for (k, &pi) in order.iter().enumerate() {
            let (x, y) = pairs[pi];
            // Alternate which side connects.
            if (n + k) % 2 == 0 {
                sync(&s[x], &s[y]);
            } else {
                sync(&s[y], &s[x]);
            }
        }
        assert_converged(&[&s[0], &s[1], &s[2]]);
        let r = s[0].person(shared.person).unwrap();
        assert_eq!(r.plan.goals[0].progress.len(), 4, "order {order:?}");
        assert_eq!(r.plan.steps.len(), 4);
        assert_eq!(people(&s[0]).len(), 4);
        for store in &s[1..] {
            let idle = sync(store, &s[0]);
            assert_eq!(idle.delivered, 2, "order {order:?}: {idle:?}");
        }
    }
}

#[test]
fn the_same_edits_arriving_in_any_order_and_twice_are_applied_once() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let c = dir.link_worker("cy.db");
    let p = rich_person(&a, "Sam");
    let first = progress(&a, p.goal, 5);
    // b gets the first edit alone; then the second edit; c gets both in one go.
    sync(&a, &b);
    let second = progress(&a, p.goal, 6);
    sync(&a, &b);
    let again = sync(&a, &b);
    assert_eq!(again.delivered, 2, "a repeated sync does nothing");
    assert!(again.changed_b.is_empty());
    // c receives the same changes twice more: imported as whole documents, then by sync from
    // b and from a, in that order.
    for kind in [DocKind::Plan, DocKind::Case] {
        let bytes = a.export_document(p.person, kind).unwrap();
        assert!(c.import_document(&bytes).unwrap().changed);
        assert!(!c.import_document(&bytes).unwrap().changed);
    }
    let from_b = sync(&b, &c);
    assert!(from_b.changed_b.is_empty(), "nothing new for c: {from_b:?}");
    let third = progress(&c, p.goal, 7);
    sync(&c, &a);
    sync(&a, &b);
    sync(&b, &c);
    assert_converged(&[&a, &b, &c]);
    for s in [&a, &b, &c] {
        let mut ids = progress_ids(s, p.person, p.goal);
        assert_eq!(ids.len(), 4, "{}: {ids:?}", s.info().user);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4, "duplicates on {}", s.info().user);
        for id in [first, second, third] {
            assert!(ids.contains(&id));
        }
        // And the import of an old document afterwards learns nothing.
        let old = s.export_document(p.person, DocKind::Plan).unwrap();
        assert!(!a.import_document(&old).unwrap().changed);
    }
}

/// Reference cost: a brand-new peer receiving everything `from` holds.
fn fresh_peer_bytes(dir: &Dir, from: &Store, name: &str) -> u64 {
    let fresh = dir.link_worker(name);
    let run = sync(from, &fresh);
    run.bytes_total()
}

/// A store dropped after `cut` messages of a session (on either side), reopened from its file
/// with `Store::open`, syncs again in a new session: nothing is lost, and the new session costs
/// less than sending everything to a fresh peer.
#[test]
fn a_restart_mid_session_loses_nothing_and_resumes_from_persisted_state() {
    // The length of the session to cut (measured once on the same setup).
    let reference = reference_session().len();
    assert!(reference >= 3, "a diverged session takes several messages");
    let mut cuts_made = 0;
    for restart_b in [true, false] {
        for cut in 1..reference {
            let d = diverged();
            let Diverged {
                dir,
                a,
                b,
                shared,
                only_a,
                only_b,
            } = d;
            let path_a = a.path().to_path_buf();
            let path_b = b.path().to_path_buf();
            let run = drive(&a, &b, |m| {
                if m.index < cut {
                    Fate::Deliver
                } else {
                    Fate::Lose
                }
            });
            assert!(run.error.is_none(), "cut {cut}: {run:?}");
            if !run.lost {
                // This session was shorter than the reference (automerge's Bloom filters can
                // save or cost a round): nothing to cut.
                continue;
            }
            cuts_made += 1;
            // Power off one side: its store and session are gone.
            let (a, b) = if restart_b {
                drop(b);
                (
                    a,
                    Store::open(&path_b, &linkwork_core::StoreKey::unencrypted()).unwrap(),
                )
            } else {
                drop(a);
                (
                    Store::open(&path_a, &linkwork_core::StoreKey::unencrypted()).unwrap(),
                    b,
                )
            };
            let second = if cut % 2 == 0 {
                sync(&a, &b)
            } else {
                sync(&b, &a)
            };
            let d = Diverged {
                dir,
                a,
                b,
                shared,
                only_a,
                only_b,
            };
            assert_converged(&[&d.a, &d.b]);
            holds_every_edit(&d.a, &d);
            holds_every_edit(&d.b, &d);
            let fresh = fresh_peer_bytes(&d.dir, &d.a, "fresh.db");
            eprintln!(
                "restart {} after {cut} messages: resumed session {} bytes, fresh peer {fresh} bytes",
                if restart_b { "b" } else { "a" },
                second.bytes_total()
            );
            assert!(
                second.bytes_total() < fresh,
                "cut {cut}: resumed session ({} bytes) no cheaper than a fresh peer ({fresh})",
                second.bytes_total()
            );
            let idle = sync(&d.a, &d.b);
            assert_eq!(idle.delivered, 2);
        }
    }
    assert!(
        cuts_made >= reference - 1,
        "only {cuts_made} sessions were cut"
    );
}

/// The first sync ever, cut after the receiving side stored the whole documents: after a
/// restart the next session sends far less than the first one did.
#[test]
fn a_restart_during_a_first_sync_keeps_what_arrived() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    for i in 0..20 {
        rich_person(&a, &format!("P{i}"));
    }
    let b = dir.link_worker("bo.db");
    let path_b = b.path().to_path_buf();
    let full = {
        let f = dir.link_worker("ref.db");
        sync(&a, &f)
    };
    // Deliver until b has received a message carrying whole documents, then lose b's reply.
    let mut seen_docs = false;
    let run = drive(&a, &b, |m| {
        if seen_docs {
            return Fate::Lose;
        }
        if m.to == To::B && carries_whole(&m.bytes, DocKind::Plan) {
            seen_docs = true;
        }
        Fate::Deliver
    });
    assert!(run.lost && seen_docs, "{run:?}");
    drop(b);
    let b = Store::open(&path_b, &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(people(&b).len(), 20, "what arrived was kept");
    let second = sync(&b, &a);
    assert_converged(&[&a, &b]);
    eprintln!(
        "first sync {} bytes; after restart {} bytes",
        full.bytes_total(),
        second.bytes_total()
    );
    assert!(second.bytes_total() * 4 < full.bytes_total());
}

/// Losing any one message stops the session; the next session converges and nothing is lost.
#[test]
fn a_lost_message_stops_the_session_and_the_next_session_converges() {
    let reference = reference_session().len();
    let mut lost = 0;
    for lose in 0..reference {
        let d = diverged();
        let run = drive(&d.a, &d.b, |m| {
            if m.index == lose {
                Fate::Lose
            } else {
                Fate::Deliver
            }
        });
        assert!(run.error.is_none(), "lose {lose}: {run:?}");
        if !run.lost {
            continue; // a shorter session than the reference
        }
        lost += 1;
        // Either side may start the next session.
        if lose % 2 == 0 {
            sync(&d.b, &d.a);
        } else {
            sync(&d.a, &d.b);
        }
        assert_converged(&[&d.a, &d.b]);
        holds_every_edit(&d.a, &d);
        holds_every_edit(&d.b, &d);
        assert_eq!(sync(&d.a, &d.b).delivered, 2, "lose {lose}");
    }
    assert!(lost * 2 >= reference, "only {lost} messages were lost");
}

#[track_caller]
fn assert_sync_error(e: &Error) {
    assert!(
        matches!(e, Error::Sync { .. }),
        "expected Error::Sync, got {e:?}"
    );
}

/// A message cut short (anywhere) is a typed sync error and changes nothing on the receiving
/// store; the next session converges.
#[test]
fn a_cut_off_message_is_refused_and_changes_nothing() {
    let reference: Vec<usize> = reference_session().iter().map(|m| m.bytes.len()).collect();
    let mut cut_off = 0;
    for (index, len) in reference.iter().enumerate() {
        for cut in [5, len / 2, len - 1] {
            let d = diverged();
            let mut before = None;
            let run = drive(&d.a, &d.b, |m| {
                if m.index != index {
                    return Fate::Deliver;
                }
                let receiver = if m.to == To::A { &d.a } else { &d.b };
                before = Some((records(receiver), caseload_view(receiver)));
                let cut = cut.min(m.bytes.len() - 1);
                Fate::Replace(m.bytes[..cut].to_vec())
            });
            let Some((records_before, list_before)) = before else {
                continue; // a shorter session than the reference
            };
            cut_off += 1;
            let (to, err) = run.error.as_ref().expect("a cut-off message is refused");
            assert_sync_error(err);
            let receiver = if *to == To::A { &d.a } else { &d.b };
            assert_eq!(
                records(receiver),
                records_before,
                "message {index} cut at {cut}"
            );
            assert_eq!(caseload_view(receiver), list_before);
            sync(&d.b, &d.a);
            assert_converged(&[&d.a, &d.b]);
            holds_every_edit(&d.a, &d);
            holds_every_edit(&d.b, &d);
        }
    }
    assert!(
        cut_off * 2 >= 3 * reference.len(),
        "only {cut_off} messages were cut"
    );
}

/// A well-formed envelope whose last document payload is cut short: the whole message is
/// refused, so none of the documents before it are stored either.
#[test]
fn a_message_with_one_damaged_document_stores_none_of_it() {
    // Damage the n-th message that carries two or more documents, for every n.
    let mut damaged = 0;
    for nth in 0..4 {
        let d = diverged();
        let mut seen = 0;
        let mut before = None;
        let run = drive(&d.a, &d.b, |m| {
            let mut w = Wire::decode(&m.bytes);
            if w.docs.len() < 2 || before.is_some() {
                return Fate::Deliver;
            }
            seen += 1;
            if seen <= nth {
                return Fate::Deliver;
            }
            let receiver = if m.to == To::A { &d.a } else { &d.b };
            before = Some(records(receiver));
            if let Some(last) = w.docs.last_mut() {
                let keep = last.bytes.len() / 2;
                last.bytes.truncate(keep);
            }
            Fate::Replace(w.encode())
        });
        let Some(before) = before else {
            continue; // fewer such messages in this session
        };
        damaged += 1;
        let (to, err) = run.error.as_ref().expect("a damaged document is refused");
        assert!(
            matches!(
                err,
                Error::Sync { .. } | Error::InvalidInput { .. } | Error::Schema { .. }
            ),
            "{err:?}"
        );
        let receiver = if *to == To::A { &d.a } else { &d.b };
        assert_eq!(records(receiver), before, "message {nth} partly stored");
        sync(&d.a, &d.b);
        assert_converged(&[&d.a, &d.b]);
        holds_every_edit(&d.a, &d);
    }
    assert!(
        damaged >= 2,
        "only {damaged} messages carried two documents"
    );
}

/// Any message delivered twice: the duplicate adds nothing (no duplicated items), whatever
/// it returns; the session either goes on or a new one converges.
#[test]
fn a_replayed_message_does_no_harm() {
    let reference = reference_session().len();
    for replay in 0..reference {
        let d = diverged();
        let (mut pair, first) = Pair::start(&d.a, &d.b);
        let mut next = Some((To::B, first));
        let mut index = 0;
        let mut failed = None;
        while let Some((to, bytes)) = next.take() {
            let step = pair.deliver(to, &bytes).expect("first delivery");
            if index == replay {
                let receiver = if to == To::A { &d.a } else { &d.b };
                let after_first = records(receiver);
                match pair.deliver(to, &bytes) {
                    Ok(_) => {}
                    Err(e) => {
                        assert!(matches!(e, Error::Sync { .. }), "replay of {replay}: {e:?}");
                        failed = Some(e);
                    }
                }
                assert_eq!(
                    records(receiver),
                    after_first,
                    "the replay of message {replay} changed the store"
                );
                if failed.is_some() {
                    break;
                }
            }
            index += 1;
            next = step.reply.map(|r| (to.other(), r));
        }
        drop(pair);
        if failed.is_none() {
            // The session went on to its end; the stores must already agree.
            assert_converged(&[&d.a, &d.b]);
        }
        sync(&d.b, &d.a);
        assert_converged(&[&d.a, &d.b]);
        holds_every_edit(&d.a, &d);
        holds_every_edit(&d.b, &d);
        assert_eq!(sync(&d.a, &d.b).delivered, 2, "replay {replay}");
    }
}

/// A change that arrives before a change it depends on (as when automerge's Bloom filter
/// wrongly reports the dependency as held, or a chunk goes missing): the receiver keeps it
/// until the dependency comes, asks for the dependency, and the session converges on its own.
#[test]
fn a_change_arriving_before_its_dependency_is_kept_and_the_session_converges() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let p = rich_person(&a, "Sam");
    for i in 0..6 {
        progress(&a, p.goal, i);
    }
    sync(&a, &b);
    // Three chained edits on a only.
    progress(&a, p.goal, 7);
    progress(&a, p.goal, 8);
    add_goal(&a, p.person, "Cook a meal");
    // The changes b lacks, in causal order; the first is a dependency of the others.
    let a_doc =
        automerge::Automerge::load(&a.export_document(p.person, DocKind::Plan).unwrap()).unwrap();
    let b_doc =
        automerge::Automerge::load(&b.export_document(p.person, DocKind::Plan).unwrap()).unwrap();
    let missing = a_doc.get_changes(&b_doc.get_heads());
    assert_eq!(missing.len(), 3);
    let later: Vec<u8> = missing[1..]
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect();
    let mut dropped = false;
    let run = drive(&a, &b, |m| {
        if dropped || m.to != To::B {
            return Fate::Deliver;
        }
        let mut w = Wire::decode(&m.bytes);
        for d in w.docs.iter_mut().filter(|d| !d.whole) {
            let mut am = automerge::sync::Message::decode(&d.bytes).unwrap();
            if !am.changes.is_empty() {
                // The first change goes missing; the ones depending on it arrive.
                am.changes = vec![later.clone()].into();
                d.bytes = am.encode();
                dropped = true;
            }
        }
        if dropped {
            Fate::Replace(w.encode())
        } else {
            Fate::Deliver
        }
    });
    assert!(dropped, "no message carried changes");
    assert!(
        run.error.is_none() && !run.lost,
        "the session failed: {:?}",
        run.error
    );
    assert!(run.complete_a && run.complete_b);
    assert_converged(&[&a, &b]);
    assert_eq!(progress_ids(&b, p.person, p.goal).len(), 9);
    assert_eq!(goal_count(&b, p.person), 2);
}

/// A sync that changes only one of a person's documents on a store that has not loaded the
/// other (just opened, or evicted from its cache) keeps the whole caseload row: names and
/// status come from the case document, goals from the plan.
#[test]
fn a_plan_only_change_keeps_the_case_part_of_the_caseload_row() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let p = rich_person(&a, "Sam");
    sync(&a, &b);
    let path_b = b.path().to_path_buf();
    drop(b);
    let b = Store::open(&path_b, &linkwork_core::StoreKey::unencrypted()).unwrap();
    progress(&a, p.goal, 9);
    add_goal(&a, p.person, "Another goal");
    sync(&a, &b);
    assert_converged(&[&a, &b]);
    let row = &caseload(&b)[0];
    assert_eq!(row.given_name.as_deref(), Some("Sam"));
    assert_eq!(row.active_goals, 2);
    // And the other way round: a case-only change keeps the plan's part.
    let path_a = a.path().to_path_buf();
    drop(a);
    let a = Store::open(&path_a, &linkwork_core::StoreKey::unencrypted()).unwrap();
    b.add_case_note(p.person, "only the case").unwrap();
    sync(&b, &a);
    assert_converged(&[&a, &b]);
    assert_eq!(caseload(&a)[0].active_goals, 2);
}

/// Garbage, another protocol version, or a message without the peer's hello: typed errors.
#[test]
fn malformed_first_messages_are_sync_errors() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    planned_person(&a, "Sam");
    let (_, first) = a.sync_start().unwrap();
    let mut other_version = first.clone();
    other_version[3] = 9;
    let mut no_hello = Wire::decode(&first);
    no_hello.hello = None;
    for bad in [
        b"hello".to_vec(),
        Vec::new(),
        other_version,
        no_hello.encode(),
    ] {
        let mut s = b.sync_accept();
        let e = b.sync_receive(&mut s, &bad).unwrap_err();
        assert_sync_error(&e);
    }
    assert!(people(&b).is_empty());
    sync(&a, &b);
    assert_converged(&[&a, &b]);
}

/// Copies a closed store's files (the database and any WAL) from `from` to `to`, replacing
/// whatever `to` held: what power loss does when commits that were only in the OS cache are
/// lost (`synchronous=NORMAL`), taken to the extreme of an older copy of the whole file.
fn copy_store_files(from: &std::path::Path, to: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let src = std::path::PathBuf::from(format!("{}{suffix}", from.display()));
        let dst = std::path::PathBuf::from(format!("{}{suffix}", to.display()));
        let _ = std::fs::remove_file(&dst);
        if src.exists() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Issue 13, defect 4: a store rolled back to an earlier copy after its edits were synced
/// must not fork the document. With one fixed automerge actor per store, the next edit reused
/// the lost change's actor and sequence number with other content, and every later sync with
/// the peer that held the lost change failed.
#[test]
fn a_store_rolled_back_after_syncing_does_not_fork_its_documents() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let person = add_person(&a, "Sam");
    sync(&a, &b);
    let path_a = a.path().to_path_buf();
    let backup = dir.path("ann-backup.db");
    drop(a);
    copy_store_files(&path_a, &backup);

    // An edit that reaches the peer, then is lost on this device.
    let key = linkwork_core::StoreKey::unencrypted();
    let a = Store::open(&path_a, &key).unwrap();
    let lost = add_goal(&a, person, "Walk to the shop");
    sync(&a, &b);
    drop(a);
    copy_store_files(&backup, &path_a);

    let a = Store::open(&path_a, &key).unwrap();
    assert_eq!(goal_count(&a, person), 0, "the rollback lost the edit");
    let after = add_goal(&a, person, "Join the walking group");
    sync(&a, &b);
    sync(&b, &a);
    assert_converged(&[&a, &b]);
    let goals: Vec<Id> = a
        .person(person)
        .unwrap()
        .plan
        .goals
        .iter()
        .map(|g| g.id)
        .collect();
    assert!(goals.contains(&lost) && goals.contains(&after), "{goals:?}");
    // And the next edits on either side still travel.
    progress(&b, lost, 4);
    progress(&a, after, 6);
    sync(&a, &b);
    assert_converged(&[&a, &b]);
}
