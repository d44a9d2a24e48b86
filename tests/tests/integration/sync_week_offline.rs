//! A week offline (issue 4): two link workers edit most of a shared caseload concurrently, more
//! documents than the writer's 64-document cache holds, and one session converges in a few
//! round trips. A change that arrives before its dependency (automerge queues it) must survive
//! the cache evicting its document, whether the eviction comes from the exchange itself or from
//! local edits between two messages of the session.

use crate::sync_support;

use automerge::sync::{ChunkList, Message as AmMessage};
use automerge::{Automerge, Change};
use linkwork_core::model::*;
use linkwork_core::{Id, Store, SyncStats};
use sync_support::*;

/// People in the shared caseload: their two documents each are well over the cache's 64.
const PEOPLE: usize = 80;

/// More messages than any converging session here needs; a session that does not converge
/// would run to the core's 200-message limit.
const MESSAGE_BOUND: u32 = 60;

/// Two link-worker stores holding the same `PEOPLE` people (each with a goal, a step and some
/// progress), fully synced. Returns the people sorted by id (the order in which sync messages
/// list documents).
fn shared_caseload(dir: &Dir) -> (Store, Store, Vec<Planned>) {
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let mut planned: Vec<Planned> = (0..PEOPLE)
        .map(|i| {
            let p = planned_person(&a, &format!("Person{i}"));
            // Some history, so that a few new changes are a small part of the document
            // (automerge sends the whole document instead when a third of it is new).
            progress(&a, p.goal, 4);
            progress(&a, p.goal, 5);
            p
        })
        .collect();
    sync(&a, &b);
    assert_eq!(people(&b).len(), PEOPLE);
    planned.sort_by_key(|p| p.person);
    (a, b, planned)
}

/// The projections a sync left (caseload list, due items, open onward referrals) are those a
/// rebuild from the documents gives.
#[track_caller]
fn assert_projections_as_rebuilt(s: &Store) {
    let far = date(2100, 1, 1);
    let before = (
        caseload_view(s),
        s.due(far).unwrap(),
        s.open_onward_referrals().unwrap(),
    );
    s.rebuild_projections().unwrap();
    let after = (
        caseload_view(s),
        s.due(far).unwrap(),
        s.open_onward_referrals().unwrap(),
    );
    assert_eq!(before, after, "projections of {}", s.info().user);
}

/// A week's edits of one person on one device: both documents, several changes each.
fn week_of_edits(s: &Store, p: &Planned, round: usize) {
    progress(s, p.goal, (round % 10) as i32);
    consultation(
        s,
        p.person,
        &format!("Talked about the week, round {round}, by {}", s.info().user),
    );
    s.add_case_note(p.person, &format!("Note {round} by {}", s.info().user))
        .expect("case note");
    s.record_progress(
        p.goal,
        NewProgress {
            rating: None,
            note: Some(format!("Went to the group again ({round})")),
        },
    )
    .expect("progress");
}

/// What a hand-driven session did.
struct Ended {
    messages: u32,
    stats_a: SyncStats,
    complete_a: bool,
    complete_b: bool,
}

/// Runs a session from `a` (connecting) to `b` until one side has nothing to send. Before each
/// delivery, `before` runs (with the receiving side and the message's index) and may change the
/// bytes. Fails the test if a side refuses a message or the session runs past `MESSAGE_BOUND`.
fn run_session(a: &Store, b: &Store, mut before: impl FnMut(To, u32, Vec<u8>) -> Vec<u8>) -> Ended {
    let (mut pair, first) = Pair::start(a, b);
    let mut next = Some((To::B, first));
    let mut messages = 0;
    while let Some((to, bytes)) = next.take() {
        assert!(
            messages < MESSAGE_BOUND,
            "the session did not converge in {MESSAGE_BOUND} messages"
        );
        let bytes = before(to, messages, bytes);
        messages += 1;
        let step = pair
            .deliver(to, &bytes)
            .unwrap_or_else(|e| panic!("message {messages} to {to:?} refused: {e:?}"));
        next = step.reply.map(|r| (to.other(), r));
    }
    Ended {
        messages,
        stats_a: pair.sa.stats(),
        complete_a: pair.sa.is_complete(),
        complete_b: pair.sb.is_complete(),
    }
}

/// The changes of `person`'s plan on `s` made after `heads`, in causal order.
fn plan_changes_after(s: &Store, person: Id, heads: &[automerge::ChangeHash]) -> Vec<Change> {
    let doc = Automerge::load(&s.export_document(person, DocKind::Plan).unwrap()).unwrap();
    doc.get_changes(heads)
}

fn plan_heads(s: &Store, person: Id) -> Vec<automerge::ChangeHash> {
    Automerge::load(&s.export_document(person, DocKind::Plan).unwrap())
        .unwrap()
        .get_heads()
}

/// `bytes` with the automerge sync message for `person`'s plan carrying every change but
/// `dropped` (as when a Bloom filter false positive makes the sender skip a dependency). `None`
/// when the message carries no such sync message or it does not contain `dropped`.
fn without_change(bytes: &[u8], person: Id, dropped: &Change) -> Option<Vec<u8>> {
    let mut wire = Wire::decode(bytes);
    let doc = wire
        .docs
        .iter_mut()
        .find(|d| d.person == person && d.kind == DocKind::Plan && !d.whole)?;
    let mut message = AmMessage::decode(&doc.bytes).unwrap();
    let joined: Vec<u8> = message.changes.iter().flatten().copied().collect();
    let skip = dropped.raw_bytes();
    let at = joined.windows(skip.len()).position(|w| w == skip)?;
    let mut rest = joined[..at].to_vec();
    rest.extend_from_slice(&joined[at + skip.len()..]);
    message.changes = ChunkList::from(vec![rest]);
    doc.bytes = message.encode();
    Some(wire.encode())
}

#[test]
fn a_week_offline_on_two_devices_converges_in_one_session() {
    let dir = Dir::new();
    let (a, b, planned) = shared_caseload(&dir);
    // Each device edits 64 people (48 of them on both), four changes each: 128 documents
    // changed on each side, 160 in play, well over the writer's 64-document cache.
    for (i, p) in planned.iter().enumerate() {
        if i < 64 {
            week_of_edits(&a, p, i);
        }
        if i >= PEOPLE - 64 {
            week_of_edits(&b, p, i + 100);
        }
    }
    let ended = run_session(&a, &b, |_, _, bytes| bytes);
    eprintln!(
        "a week offline: {} messages, {} round trips, {} bytes a->b",
        ended.messages,
        ended.stats_a.round_trips(),
        ended.stats_a.bytes_sent
    );
    assert!(ended.complete_a && ended.complete_b, "both sides complete");
    // Hello, manifest, a few rounds of automerge sync messages (one more for each Bloom filter
    // false positive that needs repairing), done.
    assert!(
        ended.messages <= 12,
        "{} messages (a handful of round trips expected)",
        ended.messages
    );
    assert_converged(&[&a, &b]);
    assert_projections_as_rebuilt(&a);
    assert_projections_as_rebuilt(&b);
    for p in &planned {
        let record = a.person(p.person).unwrap();
        let notes = record.case.as_ref().map_or(0, |c| c.notes.len());
        let i = planned.iter().position(|q| q.person == p.person).unwrap();
        let expected = usize::from(i < 64) + usize::from(i >= PEOPLE - 64);
        assert_eq!(notes, expected, "case notes of person {i}");
    }
    // Converged means the next session has nothing to do: one round trip.
    let again = sync(&a, &b);
    assert_eq!(
        again.delivered, 2,
        "an idle reconnect after the week's sync"
    );
}

#[test]
fn a_change_waiting_for_its_dependency_survives_eviction_within_a_message() {
    let dir = Dir::new();
    let (a, b, planned) = shared_caseload(&dir);
    // `b` edits every plan once, and the last person's plan (the last document `a` applies
    // and answers for, so the others evict it in between) twice: x, then y on top of x.
    let last = planned[PEOPLE - 1];
    let before = plan_heads(&b, last.person);
    for p in &planned {
        progress(&b, p.goal, 7);
    }
    progress(&b, last.goal, 8);
    let changes = plan_changes_after(&b, last.person, &before);
    assert_eq!(changes.len(), 2);
    let (x, y) = (&changes[0], &changes[1]);
    assert!(y.deps().contains(&x.hash()), "y depends on x");

    // The first message carrying x reaches `a` without it: `a` gets y before its dependency.
    let mut dropped = false;
    let ended = run_session(&a, &b, |to, _, bytes| {
        if to == To::A && !dropped {
            if let Some(tampered) = without_change(&bytes, last.person, x) {
                dropped = true;
                return tampered;
            }
        }
        bytes
    });
    assert!(dropped, "a message carried x");
    assert!(ended.complete_a && ended.complete_b, "both sides complete");
    assert!(
        ended.messages <= 10,
        "{} messages: the held change was lost and asked for again",
        ended.messages
    );
    assert_converged(&[&a, &b]);
    // Only plans changed: the sync refreshed the plans' projections alone.
    assert_projections_as_rebuilt(&a);
    assert_eq!(
        progress_ids(&a, last.person, last.goal),
        progress_ids(&b, last.person, last.goal)
    );
}

#[test]
fn a_change_waiting_for_its_dependency_survives_eviction_between_messages() {
    let dir = Dir::new();
    let (a, b, planned) = shared_caseload(&dir);
    let person = planned[0];
    let before = plan_heads(&b, person.person);
    progress(&b, person.goal, 7);
    progress(&b, person.goal, 8);
    let changes = plan_changes_after(&b, person.person, &before);
    assert_eq!(changes.len(), 2);
    let (x, y) = (&changes[0], &changes[1]);
    assert!(y.deps().contains(&x.hash()), "y depends on x");
    let y_entry = *progress_ids(&b, person.person, person.goal)
        .last()
        .expect("y's progress entry");

    // `a` receives y without x and asks for x; before x arrives, `a`'s user edits 70 other
    // people, which evicts every document the exchange had loaded from the writer's cache.
    let mut dropped_at = None;
    let mut y_after_x = None;
    let ended = run_session(&a, &b, |to, index, bytes| {
        match (dropped_at, to) {
            (None, To::A) => {
                if let Some(tampered) = without_change(&bytes, person.person, x) {
                    dropped_at = Some(index);
                    return tampered;
                }
            }
            (Some(at), To::A) if index == at + 2 => {
                for p in planned.iter().skip(1).take(70) {
                    a.add_case_note(p.person, "seen at the surgery").unwrap();
                }
            }
            (Some(at), To::B) if index == at + 3 => {
                // `a` has just applied the message that carried x.
                y_after_x = Some(progress_ids(&a, person.person, person.goal).contains(&y_entry));
            }
            _ => {}
        }
        bytes
    });
    assert!(dropped_at.is_some(), "a message carried x");
    assert_eq!(
        y_after_x,
        Some(true),
        "the held y was applied as soon as x arrived"
    );
    assert!(ended.complete_a && ended.complete_b, "both sides complete");
    assert_converged(&[&a, &b]);
    assert!(progress_ids(&a, person.person, person.goal).contains(&y_entry));
}
