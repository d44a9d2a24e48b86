//! Change listeners: told which person changed after every local edit and every import that
//! changed something; not after a refused edit, a no-op import, or once removed.

use std::sync::{Arc, Mutex};

use linkwork_core::model::*;
use linkwork_core::{ChangeListener, Id, Store};
use linkwork_tests::*;

#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<Vec<Id>>>,
}

impl Recorder {
    fn take(&self) -> Vec<Vec<Id>> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

impl ChangeListener for Recorder {
    fn people_changed(&self, people: &[Id]) {
        self.calls.lock().unwrap().push(people.to_vec());
    }
}

#[test]
fn listeners_hear_local_edits_with_the_person_id() {
    let (_dir, s) = link_worker_store();
    let rec = Arc::new(Recorder::default());
    let id = s.add_listener(rec.clone());
    let p = add_person(&s, "Heard", "Person");
    assert_eq!(rec.take(), vec![vec![p]]);
    let q = add_person(&s, "Other", "Person");
    assert_eq!(rec.take(), vec![vec![q]]);

    let g = s
        .add_goal(
            p,
            NewGoal {
                text: "g".into(),
                ..Default::default()
            },
        )
        .unwrap();
    s.record_progress(
        g,
        NewProgress {
            rating: Some(1),
            note: None,
        },
    )
    .unwrap();
    walk(&s, q, &[EpisodeStatus::Contacting]);
    s.add_case_note(p, "n").unwrap();
    assert_eq!(rec.take(), vec![vec![p], vec![p], vec![q], vec![p]]);

    // Refused edits are not announced.
    let _ = s.add_case_note(p, " ").unwrap_err();
    let _ = s
        .transition_episode(p, to(EpisodeStatus::Discharged))
        .unwrap_err();
    let _ = s.add_person(new_person("", "x")).unwrap_err();
    assert!(rec.take().is_empty());

    // Removed: never called again.
    assert!(s.remove_listener(id));
    assert!(!s.remove_listener(id), "already removed");
    s.add_case_note(p, "after removal").unwrap();
    add_person(&s, "After", "Removal");
    assert!(rec.take().is_empty());
}

#[test]
fn listeners_hear_imports_that_changed_something() {
    let dir = TestDir::new();
    let a = dir.link_worker("a.db", "sam");
    let b = dir.link_worker("b.db", "kim");
    let f = full_person(&a);
    let rec = Arc::new(Recorder::default());
    b.add_listener(rec.clone());

    // A new person's documents.
    send(&a, &b, f.person);
    assert_eq!(rec.take(), vec![vec![f.person], vec![f.person]]);
    // Nothing new: no call.
    assert!(!send(&a, &b, f.person));
    assert!(rec.take().is_empty());
    // A remote edit.
    a.add_case_note(f.person, "remote").unwrap();
    let out = b
        .import_document(&a.export_document(f.person, DocKind::Case).unwrap())
        .unwrap();
    assert!(out.changed);
    assert_eq!(rec.take(), vec![vec![f.person]]);
    // A refused import: no call.
    let _ = b.import_document(b"garbage").unwrap_err();
    assert!(rec.take().is_empty());
}

/// A listener that reads the store it listens to.
struct Reader {
    store: Mutex<Option<Arc<Store>>>,
    seen: Mutex<Vec<usize>>,
}

impl ChangeListener for Reader {
    fn people_changed(&self, people: &[Id]) {
        let store = self.store.lock().unwrap().clone();
        if let Some(s) = store {
            let goals = s.plan(people[0]).unwrap().goals.len();
            self.seen.lock().unwrap().push(goals);
        }
    }
}

#[test]
fn a_listener_may_call_back_into_the_store_and_sees_the_change() {
    let (_dir, s) = link_worker_store();
    let s = Arc::new(s);
    let p = add_person(&s, "Call", "Back");
    let l = Arc::new(Reader {
        store: Mutex::new(Some(s.clone())),
        seen: Mutex::new(Vec::new()),
    });
    let id = s.add_listener(l.clone());
    for i in 0..3 {
        s.add_goal(
            p,
            NewGoal {
                text: format!("goal {i}"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    assert_eq!(*l.seen.lock().unwrap(), vec![1, 2, 3]);
    s.remove_listener(id);
    // Break the cycle Store -> listener -> Store.
    l.store.lock().unwrap().take();
}

#[test]
fn several_listeners_are_all_told() {
    let (_dir, s) = link_worker_store();
    let one = Arc::new(Recorder::default());
    let two = Arc::new(Recorder::default());
    let id1 = s.add_listener(one.clone());
    let id2 = s.add_listener(two.clone());
    assert_ne!(id1, id2);
    let p = add_person(&s, "Two", "Listeners");
    assert_eq!(one.take(), vec![vec![p]]);
    assert_eq!(two.take(), vec![vec![p]]);
    s.remove_listener(id1);
    s.add_case_note(p, "x").unwrap();
    assert!(one.take().is_empty());
    assert_eq!(two.take(), vec![vec![p]]);
}

/// Counts sync completions (and nothing else).
#[derive(Default)]
struct SyncCounter {
    completed: std::sync::atomic::AtomicUsize,
    changed: std::sync::atomic::AtomicUsize,
}

impl ChangeListener for SyncCounter {
    fn people_changed(&self, _: &[Id]) {
        self.changed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn sync_completed(&self) {
        self.completed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn listeners_hear_every_completed_sync_also_one_that_changed_nobody() {
    use crate::sync_support::{sync, Dir};
    use std::sync::atomic::Ordering::SeqCst;
    let dir = Dir::new();
    let a = dir.link_worker("a.db");
    let b = dir.link_worker("b.db");
    add_person(&a, "Synced", "Person");
    let on_a = Arc::new(SyncCounter::default());
    let on_b = Arc::new(SyncCounter::default());
    let _sa = a.subscribe(on_a.clone());
    let _sb = b.subscribe(on_b.clone());

    sync(&a, &b);
    assert!(on_b.changed.load(SeqCst) >= 1, "b received the person");
    assert!(on_a.completed.load(SeqCst) >= 1 && on_b.completed.load(SeqCst) >= 1);

    // Nothing left to exchange: nobody changes, yet both sides hear the sync completed (the
    // peers' last sync times moved), so a sync-status screen refreshes.
    let (changed_a, changed_b) = (on_a.changed.load(SeqCst), on_b.changed.load(SeqCst));
    let (done_a, done_b) = (on_a.completed.load(SeqCst), on_b.completed.load(SeqCst));
    sync(&a, &b);
    assert_eq!(
        (on_a.changed.load(SeqCst), on_b.changed.load(SeqCst)),
        (changed_a, changed_b)
    );
    assert!(on_a.completed.load(SeqCst) > done_a);
    assert!(on_b.completed.load(SeqCst) > done_b);
}
