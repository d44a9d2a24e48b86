#![allow(clippy::unwrap_used, missing_docs)]
//! Two `Store` handles on one file (two processes, in practice) never act on stale documents.
use linkwork_core::model::*;
use linkwork_core::Store;

#[test]
fn a_second_handle_sees_the_first_handles_edits_before_editing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let a = Store::create(
        &path,
        NewStore {
            user: "a".into(),
            role: Role::LinkWorker,
            person: None,
        },
    )
    .unwrap();
    let p = a
        .add_person(NewPerson {
            given_name: "Ada".into(),
            family_name: "L".into(),
            ..Default::default()
        })
        .unwrap();
    let g = a
        .add_goal(
            p,
            NewGoal {
                text: "walk".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let b = Store::open(&path).unwrap();
    b.record_progress(
        g,
        NewProgress {
            rating: Some(3),
            note: None,
        },
    )
    .unwrap(); // b caches the plan
    a.record_progress(
        g,
        NewProgress {
            rating: Some(4),
            note: None,
        },
    )
    .unwrap(); // a's cache is stale
               // b's cache is stale: editing from it would reuse a's actor sequence number and make the
               // document unloadable.
    b.record_progress(
        g,
        NewProgress {
            rating: Some(5),
            note: None,
        },
    )
    .unwrap();
    let ratings: Vec<_> = Store::open(&path).unwrap().plan(p).unwrap().goals[0]
        .progress
        .iter()
        .map(|e| e.rating)
        .collect();
    assert_eq!(ratings.len(), 3);
    let listed = a.caseload(&Default::default()).unwrap();
    assert_eq!(listed[0].active_goals, 1);
}
