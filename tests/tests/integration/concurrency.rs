//! One `Arc<Store>` shared by several threads writing and reading at once: every write lands,
//! readers never see a torn or shrinking state, and the result survives reopening.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use linkwork_tests::*;

const WRITERS: usize = 4;
const GOALS_EACH: usize = 8;
const SHARED_PROGRESS_EACH: usize = 10;

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
    assert_send_sync::<Arc<Store>>();
}

#[test]
fn concurrent_writes_and_reads_on_one_store_all_land() {
    let (dir, s) = link_worker_store();
    let s = Arc::new(s);
    let shared = full_person(&s);
    let people: Vec<Id> = (0..WRITERS)
        .map(|i| add_person(&s, "Writer", &format!("Number{i}")))
        .collect();
    let barrier = Arc::new(Barrier::new(WRITERS * 2 + 3));
    let done = Arc::new(AtomicBool::new(false));

    let mut writers = Vec::new();
    for (i, &p) in people.iter().enumerate() {
        let s = s.clone();
        let barrier = barrier.clone();
        writers.push(thread::spawn(move || {
            barrier.wait();
            let mut goals = Vec::new();
            for g in 0..GOALS_EACH {
                let goal = s
                    .add_goal(
                        p,
                        NewGoal {
                            text: format!("goal {i}.{g}"),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                s.record_progress(
                    goal,
                    NewProgress {
                        rating: Some((g % 11) as i32),
                        note: None,
                    },
                )
                .unwrap();
                goals.push(goal);
            }
            walk(&s, p, &[EpisodeStatus::Contacting, EpisodeStatus::Accepted]);
            goals
        }));
    }
    // More writers all on the same goal and the same case document.
    let mut shared_writers = Vec::new();
    for i in 0..WRITERS {
        let s = s.clone();
        let barrier = barrier.clone();
        shared_writers.push(thread::spawn(move || {
            barrier.wait();
            let mut ids = Vec::new();
            for n in 0..SHARED_PROGRESS_EACH {
                ids.push(
                    s.record_progress(
                        shared.goal,
                        NewProgress {
                            rating: None,
                            note: Some(format!("writer {i} entry {n}")),
                        },
                    )
                    .unwrap(),
                );
                s.add_case_note(shared.person, &format!("note {i}.{n}"))
                    .unwrap();
            }
            ids
        }));
    }
    // Readers run throughout and check what they see is never torn.
    let mut readers = Vec::new();
    for _ in 0..2 {
        let s = s.clone();
        let barrier = barrier.clone();
        let done = done.clone();
        let people = people.clone();
        readers.push(thread::spawn(move || {
            barrier.wait();
            let mut reads = 0usize;
            let mut last_progress = 0usize;
            while !done.load(Ordering::SeqCst) {
                let list = s.caseload(&CaseloadQuery::default()).unwrap();
                assert_eq!(list.len(), WRITERS + 1);
                for &p in &people {
                    let plan = s.plan(p).unwrap();
                    // A goal and its progress are written in separate actions, never torn.
                    assert!(plan.goals.iter().all(|g| g.progress.len() <= 1));
                }
                let progress = s.plan(shared.person).unwrap().goals[0].progress.len();
                assert!(progress >= last_progress, "a reader saw progress disappear");
                last_progress = progress;
                let _ = s.history(shared.person).unwrap();
                let _ = s.due(date(9999, 1, 1)).unwrap();
                reads += 1;
            }
            reads
        }));
    }
    barrier.wait();
    let goals: Vec<Vec<Id>> = writers.into_iter().map(|h| h.join().unwrap()).collect();
    let shared_ids: Vec<Id> = shared_writers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    done.store(true, Ordering::SeqCst);
    let reads: usize = readers.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(reads > 0);

    let check = |s: &Store| {
        for (p, ids) in people.iter().zip(&goals) {
            let plan = s.plan(*p).unwrap();
            let got: Vec<Id> = plan.goals.iter().map(|g| g.id).collect();
            assert_eq!(&got, ids, "every goal landed, in order");
            assert!(plan.goals.iter().all(|g| g.progress.len() == 1));
            assert_eq!(entry(s, *p).active_goals as usize, GOALS_EACH);
            assert_eq!(entry(s, *p).status, Some(EpisodeStatus::Accepted));
        }
        let rec = s.person(shared.person).unwrap();
        let progress: Vec<Id> = rec.plan.goals[0].progress.iter().map(|e| e.id).collect();
        assert_eq!(progress.len(), 2 + WRITERS * SHARED_PROGRESS_EACH);
        assert!(shared_ids.iter().all(|id| progress.contains(id)));
        assert_eq!(
            rec.case.unwrap().notes.len(),
            1 + WRITERS * SHARED_PROGRESS_EACH
        );
        // Each writer's own entries are in the order it made them.
        for i in 0..WRITERS {
            let mine: Vec<String> = rec.plan.goals[0]
                .progress
                .iter()
                .filter_map(|e| e.note.clone())
                .filter(|n| n.starts_with(&format!("writer {i} ")))
                .collect();
            let want: Vec<String> = (0..SHARED_PROGRESS_EACH)
                .map(|n| format!("writer {i} entry {n}"))
                .collect();
            assert_eq!(mine, want);
        }
    };
    check(&s);
    let s = Arc::try_unwrap(s).unwrap();
    drop(s);
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    check(&s);
}

#[test]
fn concurrent_transitions_of_one_episode_keep_a_consistent_chain() {
    let (_dir, s) = link_worker_store();
    let s = Arc::new(s);
    let p = add_person(&s, "Racing", "Transitions");
    walk(&s, p, &[EpisodeStatus::Accepted]);
    // Many threads toggle accepted <-> on hold; each move is validated against the state the
    // previous committed move left, so some fail, and the history stays a chain.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            thread::spawn(move || {
                let (mut ok, mut refused) = (0, 0);
                for _ in 0..10 {
                    for target in [EpisodeStatus::OnHold, EpisodeStatus::Accepted] {
                        match s.transition_episode(p, to(target)) {
                            Ok(_) => ok += 1,
                            // Another thread already made this move: the state machine refuses
                            // a move from the state the store is now in. Any other error fails.
                            Err(Error::IllegalTransition { .. }) => refused += 1,
                            Err(e) => panic!("a transition failed with {e}"),
                        }
                    }
                }
                (ok, refused)
            })
        })
        .collect();
    let (ok, refused) = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    assert_eq!(
        ok + refused,
        4 * 10 * 2,
        "every attempt succeeded or was refused"
    );
    assert!(ok >= 2, "at least one round trip of moves succeeded ({ok})");
    let e = current(&s, p);
    assert_eq!(e.history.len(), ok + 1);
    let mut state = EpisodeStatus::Referred;
    for h in &e.history {
        assert_eq!(h.from, state, "history is a chain");
        state = h.to;
    }
    assert_eq!(state, e.status);
    assert_eq!(s.gp_codes(p).unwrap().len(), 1);
}

#[test]
fn reads_never_see_a_compaction_half_done() {
    // Every tenth change row folds the rows into a new snapshot; a reader loading the snapshot
    // and the rows must see them from one committed state, never the old snapshot without the
    // rows the compaction deleted.
    let (_dir, s) = link_worker_store();
    let s = Arc::new(s);
    let f = full_person(&s);
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let s = s.clone();
            let done = done.clone();
            thread::spawn(move || {
                let mut last = 0;
                let mut reads = 0;
                while !done.load(Ordering::SeqCst) {
                    let n = s.plan(f.person).unwrap().goals[0].progress.len();
                    assert!(n >= last, "progress went from {last} to {n}");
                    last = n;
                    let h = s.history(f.person).unwrap().len();
                    assert!(h > 0);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for i in 0..150u8 {
        s.record_progress(
            f.goal,
            NewProgress {
                rating: Some((i % 11).into()),
                note: None,
            },
        )
        .unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let reads: usize = readers.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(reads > 0);
    assert_eq!(s.plan(f.person).unwrap().goals[0].progress.len(), 152);
}

#[test]
fn two_handles_on_one_file_writing_at_once_lose_nothing() {
    // Two processes (here two `Store` handles) editing the same person's documents at the same
    // time: each edit must start from the other's latest commit, or the shared document is
    // corrupted (same actor, same sequence number) or compacted without the other's changes.
    let (dir, first) = link_worker_store();
    let f = full_person(&first);
    let second = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    let handles: Vec<_> = [first, second]
        .into_iter()
        .enumerate()
        .map(|(n, s)| {
            thread::spawn(move || {
                let mut progress = Vec::new();
                let mut notes = Vec::new();
                for i in 0..40u8 {
                    progress.push(
                        s.record_progress(
                            f.goal,
                            NewProgress {
                                rating: None,
                                note: Some(format!("handle {n} entry {i}")),
                            },
                        )
                        .unwrap(),
                    );
                    notes.push(s.add_case_note(f.person, &format!("{n}.{i}")).unwrap());
                }
                (progress, notes)
            })
        })
        .collect();
    let results: Vec<(Vec<Id>, Vec<Id>)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    let rec = s.person(f.person).unwrap();
    let progress: Vec<Id> = rec.plan.goals[0].progress.iter().map(|e| e.id).collect();
    let notes: Vec<Id> = rec.case.unwrap().notes.iter().map(|n| n.id).collect();
    assert_eq!(progress.len(), 2 + 80);
    assert_eq!(notes.len(), 1 + 80);
    for (p, n) in &results {
        assert!(p.iter().all(|id| progress.contains(id)));
        assert!(n.iter().all(|id| notes.contains(id)));
    }
    s.compact().unwrap();
    drop(s);
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.plan(f.person).unwrap().goals[0].progress.len(), 82);
}
