#![allow(clippy::unwrap_used, missing_docs)]
use linkwork_core::model::*;
use linkwork_core::{Store, SyncSession};

fn store(
    dir: &std::path::Path,
    name: &str,
    role: Role,
    person: Option<linkwork_core::Id>,
) -> Store {
    Store::create(
        dir.join(name),
        NewStore {
            user: name.into(),
            role,
            person,
        },
    )
    .unwrap()
}

/// Runs a session to completion in memory; returns (messages, bytes a->b, bytes b->a).
fn sync(a: &Store, b: &Store) -> (u32, u64, u64) {
    let (mut sa, first) = a.sync_start().unwrap();
    let mut sb: SyncSession = b.sync_accept();
    let mut msg = Some(first);
    let mut to_b = true;
    let mut n = 0;
    while let Some(m) = msg {
        n += 1;
        assert!(n < 50, "no convergence");
        let step = if to_b {
            b.sync_receive(&mut sb, &m).unwrap()
        } else {
            a.sync_receive(&mut sa, &m).unwrap()
        };
        msg = step.reply;
        to_b = !to_b;
    }
    (n, sa.stats().bytes_sent, sb.stats().bytes_sent)
}

#[test]
fn two_link_workers_converge_and_reconnect_is_cheap() {
    let dir = tempfile::tempdir().unwrap();
    let a = store(dir.path(), "a", Role::LinkWorker, None);
    let b = store(dir.path(), "b", Role::LinkWorker, None);
    let mut people = Vec::new();
    for i in 0..250 {
        let p = a
            .add_person(NewPerson {
                given_name: format!("P{i}"),
                family_name: "X".into(),
                ..Default::default()
            })
            .unwrap();
        people.push(p);
    }
    let g = a
        .add_goal(
            people[0],
            NewGoal {
                text: "walk".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let first = sync(&a, &b);
    eprintln!("initial: {first:?}");
    assert_eq!(b.caseload(&Default::default()).unwrap().len(), 250);
    let idle = sync(&a, &b);
    eprintln!("idle: {idle:?}");
    assert_eq!(idle.0, 2);
    assert!(idle.1 + idle.2 < 1024);
    b.record_progress(
        g,
        NewProgress {
            rating: Some(5),
            note: None,
        },
    )
    .unwrap();
    a.record_progress(
        g,
        NewProgress {
            rating: Some(7),
            note: None,
        },
    )
    .unwrap();
    let one = sync(&b, &a);
    eprintln!("one edit each: {one:?}");
    assert_eq!(a.plan(people[0]).unwrap().goals[0].progress.len(), 2);
    assert_eq!(a.person(people[0]).unwrap(), b.person(people[0]).unwrap());
    let idle = sync(&b, &a);
    assert_eq!(idle.0, 2);
    a.erase_person(people[1]).unwrap();
    sync(&a, &b);
    assert!(b.person(people[1]).is_err());
    assert_eq!(b.caseload(&Default::default()).unwrap().len(), 249);
}

#[test]
fn patient_gets_only_their_plan_and_edits_flow_back() {
    let dir = tempfile::tempdir().unwrap();
    let a = store(dir.path(), "a", Role::LinkWorker, None);
    let p = a
        .add_person(NewPerson {
            given_name: "Ada".into(),
            family_name: "L".into(),
            ..Default::default()
        })
        .unwrap();
    let other = a
        .add_person(NewPerson {
            given_name: "Bob".into(),
            family_name: "M".into(),
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
    a.add_goal(
        other,
        NewGoal {
            text: "other".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let phone = store(dir.path(), "phone", Role::Patient, Some(p));
    let r = sync(&phone, &a);
    eprintln!("patient first: {r:?}");
    assert_eq!(phone.plan(p).unwrap().goals.len(), 1);
    assert!(phone.export_document(p, DocKind::Case).is_err());
    phone
        .record_progress(
            g,
            NewProgress {
                rating: Some(8),
                note: Some("did it".into()),
            },
        )
        .unwrap();
    sync(&phone, &a);
    assert_eq!(a.plan(p).unwrap().goals[0].progress.len(), 1);
    assert_eq!(sync(&phone, &a).0, 2);
}

#[test]
fn concurrent_field_edits_are_surfaced_and_resolved_by_a_new_edit() {
    let dir = tempfile::tempdir().unwrap();
    let a = store(dir.path(), "ann", Role::LinkWorker, None);
    let b = store(dir.path(), "bo", Role::LinkWorker, None);
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
    sync(&a, &b);
    a.update_goal(
        g,
        GoalUpdate {
            status: Some(GoalStatus::Achieved),
            ..Default::default()
        },
    )
    .unwrap();
    b.update_goal(
        g,
        GoalUpdate {
            status: Some(GoalStatus::Dropped),
            ..Default::default()
        },
    )
    .unwrap();
    sync(&a, &b);
    let ra = a.person(p).unwrap();
    assert_eq!(ra, b.person(p).unwrap());
    assert_eq!(ra.conflicts.len(), 1, "{:?}", ra.conflicts);
    let c = &ra.conflicts[0];
    assert_eq!(
        c.path,
        vec!["goals".to_string(), g.to_string(), "status".to_string()]
    );
    let mut who: Vec<(&str, &str)> = c
        .values
        .iter()
        .map(|v| (v.set_by.as_str(), v.value.as_str()))
        .collect();
    who.sort();
    assert_eq!(who, vec![("ann", "achieved"), ("bo", "dropped")]);
    b.update_goal(
        g,
        GoalUpdate {
            status: Some(GoalStatus::PartlyAchieved),
            ..Default::default()
        },
    )
    .unwrap();
    sync(&b, &a);
    assert!(a.person(p).unwrap().conflicts.is_empty());
    assert_eq!(
        a.plan(p).unwrap().goals[0].status,
        GoalStatus::PartlyAchieved
    );
}
