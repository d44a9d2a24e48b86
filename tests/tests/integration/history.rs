//! Who changed what, when: every user action is one commit naming the acting user and an
//! action code; history reads them back oldest first, and refused actions leave no entry.

use linkwork_core::model::*;
use linkwork_core::Store;
use linkwork_tests::*;

fn actions(h: &[HistoryEntry], doc: DocKind) -> Vec<(String, String)> {
    h.iter()
        .filter(|e| e.document == doc)
        .map(|e| (e.user.clone(), e.action.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(u, a)| ((*u).to_string(), (*a).to_string()))
        .collect()
}

#[test]
fn history_names_users_and_actions_oldest_first() {
    let dir = TestDir::new();
    let s = dir.link_worker("hub.db", "sam");
    let p = add_person(&s, "Mary", "Seacole");
    let goal = s
        .add_goal(
            p,
            NewGoal {
                text: "Walk to the shops".into(),
                ..Default::default()
            },
        )
        .unwrap();
    s.record_progress(
        goal,
        NewProgress {
            rating: Some(4),
            note: None,
        },
    )
    .unwrap();
    walk(&s, p, &[EpisodeStatus::Accepted]);
    let path = s.path().to_path_buf();
    drop(s);

    // A colleague on the same hub device.
    let kim = Store::open_as(&path, &linkwork_core::StoreKey::unencrypted(), Some("kim")).unwrap();
    assert_eq!(kim.info().user, "kim");
    let step = kim
        .add_step(
            p,
            new_step("Book the bus pass", StepOwner::LinkWorker, None),
        )
        .unwrap();
    kim.complete_step(step).unwrap();
    let note = kim.add_case_note(p, "Called her daughter").unwrap();
    kim.set_what_matters(p, "Independence").unwrap();
    let consent = kim
        .record_consent(p, new_consent("x", "y", ConsentDecision::Given))
        .unwrap();
    drop(kim);

    // Opening without a user acts as the store's owner again.
    let s = Store::open(&path, &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.info().user, "sam");
    s.record_progress(
        goal,
        NewProgress {
            rating: None,
            note: Some("went twice".into()),
        },
    )
    .unwrap();

    let h = s.history(p).unwrap();
    assert_eq!(
        actions(&h, DocKind::Plan),
        pairs(&[
            ("sam", "person.add"),
            ("sam", "goal.add"),
            ("sam", "goal.progress"),
            ("kim", "step.add"),
            ("kim", "step.done"),
            ("kim", "plan.what-matters"),
            ("sam", "goal.progress"),
        ])
    );
    assert_eq!(
        actions(&h, DocKind::Case),
        pairs(&[
            ("sam", "person.add"),
            ("sam", "episode.transition"),
            ("kim", "note.add"),
            ("kim", "consent.record"),
        ])
    );
    // Oldest first across both documents, with times that are now or just before.
    for w in h.windows(2) {
        assert!(w[0].at <= w[1].at, "{:?} then {:?}", w[0], w[1]);
    }
    let now = chrono::Utc::now();
    assert!(h
        .iter()
        .all(|e| e.at <= now && now - e.at < chrono::Duration::minutes(5)));
    // Items are named by id; change hashes are distinct.
    let item = |action: &str| -> Vec<Option<String>> {
        h.iter()
            .filter(|e| e.action == action)
            .map(|e| e.item_id.clone())
            .collect()
    };
    assert_eq!(item("goal.add"), vec![Some(goal.to_string())]);
    assert_eq!(
        item("goal.progress"),
        vec![Some(goal.to_string()), Some(goal.to_string())]
    );
    assert_eq!(item("step.done"), vec![Some(step.to_string())]);
    assert_eq!(item("note.add"), vec![Some(note.to_string())]);
    assert_eq!(item("consent.record"), vec![Some(consent.to_string())]);
    let mut hashes: Vec<&str> = h.iter().map(|e| e.change.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), h.len());

    // The record names the users too.
    let rec = s.person(p).unwrap();
    assert_eq!(rec.plan.goals[0].created_by, "sam");
    assert_eq!(rec.plan.steps[0].created_by, "kim");
    assert_eq!(rec.plan.steps[0].done_by.as_deref(), Some("kim"));
    assert_eq!(rec.plan.goals[0].progress[1].recorded_by, "sam");
    assert_eq!(rec.case.unwrap().notes[0].by, "kim");
}

#[test]
fn many_quick_actions_stay_in_order() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let mut expected = Vec::new();
    for i in 0..40u8 {
        if i % 3 == 0 {
            s.add_case_note(f.person, &format!("note {i}")).unwrap();
            expected.push((DocKind::Case, "note.add"));
        } else {
            s.record_progress(
                f.goal,
                NewProgress {
                    rating: Some((i % 11).into()),
                    note: None,
                },
            )
            .unwrap();
            expected.push((DocKind::Plan, "goal.progress"));
        }
    }
    let h = s.history(f.person).unwrap();
    assert_eq!(h[0].action, "person.add");
    for doc in [DocKind::Plan, DocKind::Case] {
        let tail: Vec<&str> = h
            .iter()
            .filter(|e| e.document == doc)
            .map(|e| e.action.as_str())
            .collect();
        let want: Vec<&str> = expected
            .iter()
            .filter(|(d, _)| *d == doc)
            .map(|(_, a)| *a)
            .collect();
        assert_eq!(tail[tail.len() - want.len()..], want[..]);
        assert_eq!(tail[0], "person.add");
    }
    // Goal progress, notes and steps read back in the order they were made.
    let rec = s.person(f.person).unwrap();
    let ratings: Vec<Option<i32>> = rec.plan.goals[0].progress[2..]
        .iter()
        .map(|e| e.rating)
        .collect();
    let want: Vec<Option<i32>> = (0..40i32)
        .filter(|i| i % 3 != 0)
        .map(|i| Some(i % 11))
        .collect();
    assert_eq!(ratings, want);
    let notes: Vec<String> = rec.case.unwrap().notes[1..]
        .iter()
        .map(|n| n.text.clone())
        .collect();
    let want: Vec<String> = (0..40u8)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("note {i}"))
        .collect();
    assert_eq!(notes, want);
}

#[test]
fn refused_actions_leave_no_history() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let before = s.history(f.person).unwrap();
    let _ = s.complete_step(f.done_step).unwrap_err();
    let _ = s
        .transition_episode(f.person, to(EpisodeStatus::Referred))
        .unwrap_err();
    let _ = s.add_case_note(f.person, " ").unwrap_err();
    assert_eq!(s.history(f.person).unwrap(), before);
}

#[test]
fn open_as_refuses_an_empty_user() {
    let (dir, s) = link_worker_store();
    drop(s);
    let err = Store::open_as(
        dir.path("lw.db"),
        &linkwork_core::StoreKey::unencrypted(),
        Some("  "),
    )
    .unwrap_err();
    assert_invalid(&err, "user");
}

#[test]
fn history_is_the_same_on_both_devices_after_a_merge() {
    let dir = TestDir::new();
    let a = dir.link_worker("a.db", "sam");
    let f = full_person(&a);
    let b = fork(&a, &dir, "b.db", "kim", f.person);
    // Concurrent edits, all within the same second on two devices.
    for i in 0..5u8 {
        a.add_case_note(f.person, &format!("a {i}")).unwrap();
        b.add_case_note(f.person, &format!("b {i}")).unwrap();
        a.record_progress(
            f.goal,
            NewProgress {
                rating: Some(i.into()),
                note: None,
            },
        )
        .unwrap();
        b.set_what_matters(f.person, &format!("b {i}")).unwrap();
    }
    exchange(&a, &b, f.person);
    let ha = claims(a.history(f.person).unwrap());
    let hb = claims(b.history(f.person).unwrap());
    assert_eq!(
        ha, hb,
        "both devices list the same history in the same order"
    );
    // Each device's own actions keep their order within the merged history.
    for (user, doc) in [
        ("sam", DocKind::Case),
        ("kim", DocKind::Case),
        ("kim", DocKind::Plan),
    ] {
        let mine: Vec<&str> = ha
            .iter()
            .filter(|e| e.user == user && e.document == doc && e.action != "person.add")
            .map(|e| e.action.as_str())
            .collect();
        assert!(mine.len() >= 5, "{user} {doc:?}: {mine:?}");
    }
    let notes: Vec<String> = case(&a, f.person)
        .notes
        .iter()
        .map(|n| n.text.clone())
        .filter(|t| t.starts_with("a ") || t.starts_with("b "))
        .collect();
    for side in ["a", "b"] {
        let mine: Vec<&String> = notes.iter().filter(|t| t.starts_with(side)).collect();
        let want: Vec<String> = (0..5).map(|i| format!("{side} {i}")).collect();
        assert_eq!(mine, want.iter().collect::<Vec<_>>());
    }
}
