//! Issue 13: sync that survives bad networks, hostile bytes and lost power. Each module is one
//! defect of the review (its tests fail on the code before the fix), plus the fault-injecting
//! transport's property test. Lost power is in `sync_convergence.rs`
//! (`a_store_rolled_back_after_syncing_does_not_fork_its_documents`), the trickling peer in
//! `cli/src/transport/frame.rs` and `cli/tests/sync.rs`.

use crate::sync_support;

use std::collections::{BTreeMap, HashSet};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store, DEFAULT_MAX_MESSAGE_BYTES};
use sync_support::*;

/// A session's first message from `from` (hello and digest only), so a crafted message after
/// it is not refused for lacking an introduction.
fn open_session(to: &Store, from: &Store) -> linkwork_core::SyncSession {
    let mut s = to.sync_accept();
    let hello = Wire {
        hello: Some(hello_of(from)),
        ..Wire::default()
    };
    to.sync_receive(&mut s, &hello.encode()).unwrap();
    s
}

/// A deterministic generator for the tests' random choices (no dependency on `rand`).
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

mod decompression_bomb {
    use super::*;

    /// A real plan document of a new person with a value that deflate shrinks a thousandfold:
    /// about 25 KB on the wire, 24 MiB once automerge inflates it.
    fn bomb(dir: &Dir) -> (Id, Vec<u8>) {
        let source = dir.link_worker("source.db");
        let person = add_person(&source, "Bo");
        let plan = source.export_document(person, DocKind::Plan).unwrap();
        let mut doc = AutoCommit::load(&plan).unwrap();
        doc.put(ROOT, "padding", "a".repeat(24 << 20)).unwrap();
        doc.commit();
        let bytes = doc.save();
        assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
        (person, bytes)
    }

    #[test]
    fn an_imported_bomb_is_refused_before_it_is_inflated() {
        let dir = Dir::new();
        let (person, bytes) = bomb(&dir);
        let a = dir.link_worker("ann.db");
        let err = a.import_document(&bytes).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "document",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(people(&a).is_empty());
        assert!(!doc_rows(a.path())
            .iter()
            .any(|(p, _)| *p == person.to_string()));
    }

    #[test]
    fn a_bomb_in_a_sync_message_is_refused_and_nothing_of_the_message_is_kept() {
        let dir = Dir::new();
        let (person, bomb) = bomb(&dir);
        let a = dir.link_worker("ann.db");
        let peer = dir.link_worker("peer.db");
        let honest = add_person(&peer, "Cy");
        let honest_plan = peer.export_document(honest, DocKind::Plan).unwrap();
        let mut s = open_session(&a, &peer);
        let msg = Wire {
            docs: vec![
                WireDoc {
                    person: honest,
                    kind: DocKind::Plan,
                    whole: true,
                    bytes: honest_plan,
                },
                WireDoc {
                    person,
                    kind: DocKind::Plan,
                    whole: true,
                    bytes: bomb,
                },
            ],
            ..Wire::default()
        };
        let err = a.sync_receive(&mut s, &msg.encode()).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        assert!(
            people(&a).is_empty(),
            "nothing from the failed message was kept"
        );
    }
}

mod tombstone_flood {
    use super::*;

    fn now_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    #[test]
    fn tombstones_of_people_the_receiver_does_not_know_are_refused_and_never_spread() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let c = dir.link_worker("cy.db");
        let kept = planned_person(&a, "Kept");
        sync(&a, &c);
        let attacker = dir.link_worker("attacker.db");
        let mut s = open_session(&a, &attacker);
        let flood = Wire {
            tombstones: (0..1000).map(|_| (Id::new(), now_ms())).collect(),
            ..Wire::default()
        };
        let err = a.sync_receive(&mut s, &flood.encode()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Sync {
                    retryable: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(a.erased_people().unwrap().is_empty());
        // Nothing reaches the colleague either.
        sync(&a, &c);
        assert!(c.erased_people().unwrap().is_empty());
        assert_eq!(people(&c), vec![kept.person]);
    }

    #[test]
    fn more_tombstones_than_the_bound_in_one_message_are_refused() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let known: Vec<Id> = (0..3).map(|i| add_person(&a, &format!("P{i}"))).collect();
        let attacker = dir.link_worker("attacker.db");
        let mut s = open_session(&a, &attacker);
        let mut tombstones: Vec<(Id, i64)> = known.iter().map(|p| (*p, now_ms())).collect();
        tombstones.extend((0..1100).map(|_| (Id::new(), now_ms())));
        let msg = Wire {
            tombstones,
            ..Wire::default()
        };
        assert!(a.sync_receive(&mut s, &msg.encode()).is_err());
        assert_eq!(people(&a).len(), 3, "not even the known people were erased");
    }

    #[test]
    fn tombstones_with_impossible_dates_are_refused_with_the_whole_message() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let x = add_person(&a, "Xavier");
        let y = add_person(&a, "Yvonne");
        let attacker = dir.link_worker("attacker.db");
        let year_9999 = 253_402_300_799_000;
        for bad in [year_9999, 0, -1, now_ms() + 3 * 86_400_000] {
            let mut s = open_session(&a, &attacker);
            let msg = Wire {
                tombstones: vec![(x, now_ms()), (y, bad)],
                ..Wire::default()
            };
            let err = a.sync_receive(&mut s, &msg.encode()).unwrap_err();
            assert!(matches!(err, Error::Sync { .. }), "{err:?}");
            assert_eq!(
                people(&a).len(),
                2,
                "the good tombstone was not kept either"
            );
        }
        assert!(a.erased_people().unwrap().is_empty());
    }

    #[test]
    fn a_store_holding_the_person_is_told_and_others_are_not_sent_the_tombstone() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let b = dir.link_worker("bo.db");
        let x = planned_person(&a, "Xavier");
        sync(&a, &b);
        a.erase_person(x.person).unwrap();
        let stranger = dir.link_worker("stranger.db");
        add_person(&stranger, "Zed");
        // The stranger never held Xavier: no tombstone travels to it.
        let run = sync(&a, &stranger);
        assert!(run
            .transcript
            .iter()
            .all(|m| Wire::decode(&m.bytes).tombstones.is_empty()));
        assert!(stranger.erased_people().unwrap().is_empty());
        // b held Xavier: it is told, and erases.
        sync(&b, &a);
        assert_eq!(b.erased_people().unwrap().len(), 1);
        assert!(!people(&b).contains(&x.person));
    }
}

mod patient_devices {
    use super::*;

    /// An automerge sync message (format of automerge's `sync.rs`) carrying `changes` and
    /// announcing `heads`, with no Bloom filter: what a hostile phone would hand-craft.
    fn sync_message(heads: &[automerge::ChangeHash], changes: &[u8]) -> Vec<u8> {
        fn uleb(out: &mut Vec<u8>, mut v: u64) {
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    out.push(b);
                    return;
                }
                out.push(b | 0x80);
            }
        }
        let mut out = vec![0x42];
        uleb(&mut out, heads.len() as u64);
        for h in heads {
            out.extend_from_slice(&h.0);
        }
        out.extend([0, 0]); // need, have
        uleb(&mut out, 1);
        uleb(&mut out, changes.len() as u64);
        out.extend_from_slice(changes);
        out
    }

    /// A phone that synced its plan, and a message from it whose change `edit` makes.
    fn hostile_edit(edit: impl FnOnce(&mut AutoCommit)) -> (Dir, Store, Store, Id, Vec<u8>) {
        let dir = Dir::new();
        let lw = dir.link_worker("sam.db");
        let me = planned_person(&lw, "Pat");
        let phone = dir.patient("pat.db", me.person);
        sync(&phone, &lw);
        let plan = phone.export_document(me.person, DocKind::Plan).unwrap();
        let mut doc = AutoCommit::load(&plan).unwrap();
        let before = doc.get_heads();
        edit(&mut doc);
        doc.commit();
        let changes = doc.save_after(&before);
        let msg = Wire {
            hello: Some(hello_of(&phone)),
            docs: vec![WireDoc {
                person: me.person,
                kind: DocKind::Plan,
                whole: false,
                bytes: sync_message(&doc.get_heads(), &changes),
            }],
            ..Wire::default()
        };
        (dir, lw, phone, me.person, msg.encode())
    }

    fn refused(edit: impl FnOnce(&mut AutoCommit)) {
        let (dir, lw, _phone, person, msg) = hostile_edit(edit);
        let before = lw.export_document(person, DocKind::Plan).unwrap();
        let mut s = lw.sync_accept();
        assert_not_permitted(lw.sync_receive(&mut s, &msg));
        assert_eq!(lw.export_document(person, DocKind::Plan).unwrap(), before);
        // Nothing is relayed to a colleague.
        let colleague = dir.link_worker("kim.db");
        sync(&lw, &colleague);
        let relayed = colleague.export_document(person, DocKind::Plan).unwrap();
        let doc = AutoCommit::load(&relayed).unwrap();
        assert!(doc.get(ROOT, "smuggled").unwrap().is_none());
    }

    #[test]
    fn a_key_the_share_policy_does_not_know_is_refused() {
        refused(|d| {
            d.put(ROOT, "smuggled", "a few bytes").unwrap();
        });
    }

    #[test]
    fn four_mebibytes_under_an_unknown_key_are_refused() {
        refused(|d| {
            let noise: String = (0..4usize << 20)
                .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 7) as u8 % 26))
                .collect();
            d.put(ROOT, "smuggled", noise).unwrap();
        });
    }

    #[test]
    fn a_patients_own_progress_still_passes() {
        let dir = Dir::new();
        let lw = dir.link_worker("sam.db");
        let me = planned_person(&lw, "Pat");
        let phone = dir.patient("pat.db", me.person);
        sync(&phone, &lw);
        progress(&phone, me.goal, 7);
        phone.complete_step(me.step).unwrap();
        ons4(&phone, me.person, 6);
        sync(&phone, &lw);
        assert_patient_matches(&phone, &lw, me.person);
    }
}

/// A session between `a` (connecting) and `b` with both sides' batch size set, losing the
/// message at index `lose_at` (never, if `None`). Returns every message produced, whether it
/// was delivered and accepted, and whether both sides completed.
fn batched(
    a: &Store,
    b: &Store,
    bound: usize,
    lose_at: Option<usize>,
    mut on_step: impl FnMut(To, &linkwork_core::SyncSession),
) -> (Vec<(Msg, bool)>, bool) {
    let (mut pair, first) = Pair::start(a, b);
    pair.sa.set_max_message_bytes(bound);
    pair.sb.set_max_message_bytes(bound);
    let mut log = Vec::new();
    let mut next = Some(Msg {
        index: 0,
        to: To::B,
        bytes: first,
    });
    while let Some(msg) = next.take() {
        assert!(msg.index < 400, "the session did not finish");
        if Some(msg.index) == lose_at {
            log.push((msg, false));
            break;
        }
        let step = pair.deliver(msg.to, &msg.bytes).unwrap();
        on_step(
            msg.to,
            match msg.to {
                To::A => &pair.sa,
                To::B => &pair.sb,
            },
        );
        next = step.reply.map(|bytes| Msg {
            index: msg.index + 1,
            to: msg.to.other(),
            bytes,
        });
        log.push((msg, true));
    }
    (log, pair.sa.is_complete() && pair.sb.is_complete())
}

mod batches {
    use super::*;

    #[test]
    fn sessions_default_to_a_one_mebibyte_bound() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let (s, _) = a.sync_start().unwrap();
        assert_eq!(s.max_message_bytes(), DEFAULT_MAX_MESSAGE_BYTES);
        assert_eq!(DEFAULT_MAX_MESSAGE_BYTES, 1 << 20);
    }

    /// Issue 13, defect 5: a first sync of a 1,000-person caseload interrupted at random
    /// points completes over repeated sessions, no message over the bound, and no document
    /// the new device already stored is sent to it again.
    #[test]
    fn an_interrupted_first_sync_of_a_thousand_people_resumes_without_resending() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        for i in 0..1000 {
            planned_person(&a, &format!("P{i}"));
        }
        let b = dir.link_worker("new-device.db");
        // 64 KiB batches (the default is 1 MiB; a smaller bound gives more interruptions for
        // the same caseload).
        let bound = 64 * 1024;
        let mut rng = Seeded(13);
        let mut stored: HashSet<(Id, DocKind)> = HashSet::new();
        let mut sessions = 0;
        loop {
            sessions += 1;
            assert!(sessions <= 60, "the first sync never completed");
            // Lose a message somewhere in the first few rounds of most sessions.
            let lose_at = (sessions <= 3 || rng.below(4) > 0).then(|| 2 + rng.below(8) as usize);
            let (log, complete) = batched(&b, &a, bound, lose_at, |_, _| {});
            for (m, delivered) in &log {
                assert!(
                    m.bytes.len() <= bound,
                    "a message of {} bytes",
                    m.bytes.len()
                );
                if !*delivered || m.to != To::A {
                    continue;
                }
                for d in Wire::decode(&m.bytes).docs.iter().filter(|d| d.whole) {
                    assert!(
                        stored.insert((d.person, d.kind)),
                        "session {sessions} sent {} {:?} again",
                        d.person,
                        d.kind
                    );
                }
            }
            // Every delivered batch was stored, whatever happened after it.
            let held: HashSet<Id> = people(&b).into_iter().collect();
            let arrived: HashSet<Id> = stored.iter().map(|(p, _)| *p).collect();
            assert_eq!(held, arrived);
            if complete {
                break;
            }
        }
        assert!(sessions > 2, "the interruptions were exercised");
        assert_eq!(stored.len(), 2000);
        assert_converged(&[&a, &b]);
    }

    #[test]
    fn progress_counts_documents_and_bytes_of_the_total_announced() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        for i in 0..60 {
            planned_person(&a, &format!("P{i}"));
        }
        let b = dir.link_worker("new-device.db");
        let mut seen = Vec::new();
        let (_, complete) = batched(&b, &a, 16 * 1024, None, |to, s| {
            if to == To::A {
                seen.push(s.progress());
            }
        });
        assert!(complete);
        assert!(seen.len() > 3, "several batches: {seen:?}");
        // While batches were still coming, the total announced was ahead of what was done.
        assert!(seen
            .iter()
            .any(|p| p.docs_total > p.docs_done && p.bytes_total > p.bytes_done));
        for p in &seen {
            assert!(
                p.docs_done <= p.docs_total && p.bytes_done <= p.bytes_total,
                "{p:?}"
            );
        }
        for w in seen.windows(2) {
            assert!(w[1].docs_done >= w[0].docs_done && w[1].bytes_done >= w[0].bytes_done);
        }
        let last = seen.last().unwrap();
        assert_eq!(last.docs_done, 120);
        assert_eq!(last.docs_total, last.docs_done);
        assert_eq!(last.bytes_total, last.bytes_done);
        assert!((last.fraction() - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn a_person_larger_than_the_bound_travels_alone() {
        let dir = Dir::new();
        let a = dir.link_worker("ann.db");
        let big = add_person(&a, "Big");
        let mut rng = Seeded(7);
        for _ in 0..40 {
            // Text deflate cannot shrink much, so the stored document is large.
            let notes: String = (0..1500)
                .map(|_| char::from(b'a' + rng.below(26) as u8))
                .collect();
            consultation(&a, big, &notes);
        }
        for i in 0..5 {
            planned_person(&a, &format!("P{i}"));
        }
        let b = dir.link_worker("bo.db");
        let bound = 16 * 1024;
        let (log, complete) = batched(&b, &a, bound, None, |_, _| {});
        assert!(complete);
        let oversized: Vec<_> = log.iter().filter(|(m, _)| m.bytes.len() > bound).collect();
        assert!(!oversized.is_empty(), "the case document is over the bound");
        for (m, _) in oversized {
            // Only that person's documents (a person's plan and case travel together, so a
            // receiver never holds half a person).
            let docs = Wire::decode(&m.bytes).docs;
            assert!(
                docs.iter().all(|d| d.person == big),
                "{}",
                summary(&m.bytes)
            );
        }
        assert_converged(&[&a, &b]);
    }
}

mod faults {
    use super::*;
    use proptest::prelude::*;

    /// What the fault-injecting link did to one session.
    #[derive(Debug, PartialEq, Eq)]
    enum Outcome {
        Completed,
        /// The link dropped the connection (the receiving transport reports a cut-off frame).
        ConnectionLost,
        /// A side refused a message with a retryable error.
        Retryable,
    }

    /// Messages in flight, one queue per direction, with faults applied as they are sent:
    /// the connection dropped at a random byte offset of a message, a message delayed behind
    /// the other direction's, duplicated, swapped with the next one, or a byte corrupted.
    struct FaultyLink {
        rng: Seeded,
        to_a: Vec<Vec<u8>>,
        to_b: Vec<Vec<u8>>,
        /// Fault rate in percent per message and kind.
        rate: u64,
        dropped: bool,
    }

    impl FaultyLink {
        fn send(&mut self, to: To, mut bytes: Vec<u8>) {
            if self.rng.chance(self.rate / 2) {
                // Cut at a random byte offset: the receiver's framing sees a partial frame
                // and reports the connection lost; the core never sees the bytes.
                let _offset = self.rng.below(bytes.len() as u64);
                self.dropped = true;
                return;
            }
            if self.rng.chance(self.rate) {
                let i = self.rng.below(bytes.len() as u64) as usize;
                bytes[i] ^= 1 << self.rng.below(8);
            }
            let duplicate = self.rng.chance(self.rate);
            let queue = match to {
                To::A => &mut self.to_a,
                To::B => &mut self.to_b,
            };
            queue.push(bytes.clone());
            if duplicate {
                queue.push(bytes);
            }
            if queue.len() >= 2 && self.rng.chance(self.rate) {
                let n = queue.len();
                queue.swap(n - 1, n - 2);
            }
        }

        /// The next message to deliver: a delayed direction lets the other go first.
        fn next(&mut self) -> Option<(To, Vec<u8>)> {
            let pick_a = match (self.to_a.is_empty(), self.to_b.is_empty()) {
                (true, true) => return None,
                (false, true) => true,
                (true, false) => false,
                (false, false) => self.rng.chance(50),
            };
            Some(if pick_a {
                (To::A, self.to_a.remove(0))
            } else {
                (To::B, self.to_b.remove(0))
            })
        }
    }

    fn session(a: &Store, b: &Store, rng: &mut Seeded, rate: u64) -> Outcome {
        let (mut pair, first) = Pair::start(a, b);
        pair.sa.set_max_message_bytes(16 * 1024);
        pair.sb.set_max_message_bytes(16 * 1024);
        let mut link = FaultyLink {
            rng: Seeded(rng.next()),
            to_a: Vec::new(),
            to_b: Vec::new(),
            rate,
            dropped: false,
        };
        link.send(To::B, first);
        let mut delivered = 0;
        while let Some((to, bytes)) = link.next() {
            delivered += 1;
            assert!(delivered < 1000, "the session never ended");
            match pair.deliver(to, &bytes) {
                Ok(step) => {
                    if let Some(reply) = step.reply {
                        link.send(to.other(), reply);
                    }
                }
                Err(Error::Sync {
                    retryable: true, ..
                }) => return Outcome::Retryable,
                Err(e) => panic!("a fault gave a non-retryable error: {e:?}"),
            }
            if link.dropped {
                return Outcome::ConnectionLost;
            }
        }
        if link.dropped {
            return Outcome::ConnectionLost;
        }
        assert!(
            pair.sa.is_complete() && pair.sb.is_complete(),
            "a session ended without completing and without an error"
        );
        Outcome::Completed
    }

    /// Goal and progress ids per person: what must never disappear from a store.
    fn committed(s: &Store) -> BTreeMap<Id, HashSet<Id>> {
        records(s)
            .into_iter()
            .map(|(p, r)| {
                let mut ids: HashSet<Id> = r.plan.goals.iter().map(|g| g.id).collect();
                for g in &r.plan.goals {
                    ids.extend(g.progress.iter().map(|e| e.id));
                }
                (p, ids)
            })
            .collect()
    }

    fn assert_kept(before: &BTreeMap<Id, HashSet<Id>>, s: &Store) {
        let after = committed(s);
        for (p, ids) in before {
            let now = after
                .get(p)
                .unwrap_or_else(|| panic!("person {p} was lost"));
            assert!(ids.is_subset(now), "committed items of {p} were lost");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

        /// Many seeded sessions between three stores through the faulty link: each completes
        /// or fails with a retryable error, nothing committed is lost, and repeated sessions
        /// converge.
        #[test]
        fn sessions_over_a_faulty_link_complete_or_fail_retryably_and_converge(seed in any::<u64>()) {
            let dir = Dir::new();
            let stores = [
                dir.link_worker("ann.db"),
                dir.link_worker("bo.db"),
                dir.link_worker("cy.db"),
            ];
            let mut rng = Seeded(seed);
            let mut plans: Vec<Planned> = Vec::new();
            for (i, s) in stores.iter().enumerate() {
                for j in 0..6 {
                    plans.push(planned_person(s, &format!("S{i}P{j}")));
                }
            }
            let mut outcomes = Vec::new();
            for round in 0..24 {
                // Some edits between sessions, on stores that hold the person.
                for s in &stores {
                    if rng.chance(40) {
                        let held = people(s);
                        if let Some(p) = plans.iter().find(|p| held.contains(&p.person) && rng.chance(30)) {
                            progress(s, p.goal, round % 10 + 1);
                        }
                    }
                }
                let i = rng.below(3) as usize;
                let j = (i + 1 + rng.below(2) as usize) % 3;
                let before: Vec<_> = stores.iter().map(committed).collect();
                outcomes.push(session(&stores[i], &stores[j], &mut rng, 12));
                for (s, b) in stores.iter().zip(&before) {
                    assert_kept(b, s);
                }
            }
            // (Under these fault rates a long first exchange may fail every time; each failed
            // session still stores the batches that arrived, which the phase below relies on.)
            prop_assert_eq!(outcomes.len(), 24);
            // Repeated sessions over the same faulty link converge.
            let mut clean_rounds = 0;
            for _ in 0..200 {
                let mut all = true;
                for (i, j) in [(0, 1), (1, 2), (0, 2), (0, 1)] {
                    all &= session(&stores[i], &stores[j], &mut rng, 12) == Outcome::Completed;
                }
                if all {
                    clean_rounds += 1;
                    if clean_rounds == 2 {
                        break;
                    }
                }
            }
            prop_assert_eq!(clean_rounds, 2, "sessions never all completed");
            assert_converged(&[&stores[0], &stores[1], &stores[2]]);
        }
    }
}
