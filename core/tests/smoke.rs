#![allow(clippy::unwrap_used, missing_docs)]
use linkwork_core::model::*;
use linkwork_core::Store;

#[test]
fn smoke() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(
        dir.path().join("a.db"),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
    )
    .unwrap();
    let p = s
        .add_person(NewPerson {
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            nhs_number: Some("9434765919".into()),
            ..Default::default()
        })
        .unwrap();
    s.transition_episode(
        p,
        EpisodeTransition {
            to: EpisodeStatus::Accepted,
            discharge_reason: None,
            reason: None,
        },
    )
    .unwrap();
    let g = s
        .add_goal(
            p,
            NewGoal {
                text: "Join a walking group".into(),
                ..Default::default()
            },
        )
        .unwrap();
    for i in 0..25 {
        s.record_progress(
            g,
            NewProgress {
                rating: Some(i % 11),
                note: None,
            },
        )
        .unwrap();
    }
    let st = s
        .add_step(
            p,
            NewStep {
                text: "Call the group".into(),
                owner: StepOwner::Person,
                owner_name: None,
                goal_id: Some(g),
                due: chrono::NaiveDate::from_ymd_opt(2030, 1, 1),
            },
        )
        .unwrap();
    s.complete_step(st).unwrap();
    let rec = s.person(p).unwrap();
    assert_eq!(rec.plan.goals[0].progress.len(), 25);
    assert_eq!(rec.case.as_ref().unwrap().episodes[0].gp_codes.len(), 1);
    let list = s
        .caseload(&CaseloadQuery {
            text: Some("love".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, Some(EpisodeStatus::Accepted));
    let h = s.history(p).unwrap();
    assert!(h.len() >= 29, "{}", h.len());
    drop(s);
    let s = Store::open(dir.path().join("a.db")).unwrap();
    assert_eq!(s.person(p).unwrap().plan.goals[0].progress.len(), 25);
    let b = Store::create(
        dir.path().join("b.db"),
        NewStore {
            user: "kim".into(),
            role: Role::LinkWorker,
            person: None,
        },
    )
    .unwrap();
    b.import_document(&s.export_document(p, DocKind::Plan).unwrap())
        .unwrap();
    b.import_document(&s.export_document(p, DocKind::Case).unwrap())
        .unwrap();
    b.record_progress(
        g,
        NewProgress {
            rating: Some(9),
            note: Some("great".into()),
        },
    )
    .unwrap();
    s.record_progress(
        g,
        NewProgress {
            rating: Some(3),
            note: None,
        },
    )
    .unwrap();
    let out = s
        .import_document(&b.export_document(p, DocKind::Plan).unwrap())
        .unwrap();
    assert!(out.changed);
    assert_eq!(s.plan(p).unwrap().goals[0].progress.len(), 27);
    assert_eq!(
        b.caseload(&Default::default()).unwrap()[0]
            .family_name
            .as_deref(),
        Some("Lovelace")
    );
}
