//! Conflicts surfaced, not hidden: two devices that set the same field concurrently both see,
//! after sync, the field with every value and who set it; a new edit resolves it everywhere.
//! Concurrent edits of different fields, and concurrent text edits, merge without conflict.

use crate::sync_support;

use linkwork_core::model::*;
use linkwork_core::{Id, Store};
use sync_support::*;

/// Two link-worker stores of different users sharing one planned person.
fn pair(dir: &Dir) -> (Store, Store, Planned) {
    let a = dir.link_worker_as("ann.db", "ann");
    let b = dir.link_worker_as("bo.db", "bo");
    let p = rich_person(&a, "Sam");
    sync(&a, &b);
    (a, b, p)
}

/// The one conflict of a record, checked on both stores: same path and document, and the
/// (user, value) pairs; exactly one value is the shown one, and it is what readers see.
#[track_caller]
fn assert_one_conflict(
    stores: &[&Store],
    person: Id,
    document: DocKind,
    path: &[String],
    want: &[(&str, &str)],
) -> String {
    let first = stores[0].person(person).unwrap();
    for s in stores {
        assert_eq!(
            s.person(person).unwrap(),
            first,
            "{} sees another record",
            s.info().user
        );
    }
    assert_eq!(first.conflicts.len(), 1, "{:?}", first.conflicts);
    let c = &first.conflicts[0];
    assert_eq!(c.document, document);
    assert_eq!(c.path, path);
    let mut got: Vec<(&str, String)> = c
        .values
        .iter()
        .map(|v| (v.set_by.as_str(), v.value.to_string()))
        .collect();
    got.sort();
    let mut want: Vec<(&str, String)> = want.iter().map(|(u, v)| (*u, v.to_string())).collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(c.values.iter().filter(|v| v.shown).count(), 1);
    assert!(c.values[0].shown, "the shown value comes first");
    for v in &c.values {
        assert!(v.set_at.timestamp() > 0, "when it was set");
    }
    c.values[0].value.to_string()
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn no_conflicts(stores: &[&Store], person: Id) {
    for s in stores {
        let r = s.person(person).unwrap();
        assert!(
            r.conflicts.is_empty(),
            "{}: {:?}",
            s.info().user,
            r.conflicts
        );
    }
}

#[test]
fn concurrent_goal_status_is_surfaced_and_resolved_by_a_new_edit() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let status = |s: &Store, st| {
        s.update_goal(
            p.goal,
            GoalUpdate {
                status: Some(st),
                ..Default::default()
            },
        )
        .unwrap()
    };
    status(&a, GoalStatus::Achieved);
    status(&b, GoalStatus::Dropped);
    sync(&a, &b);
    let shown = assert_one_conflict(
        &[&a, &b],
        p.person,
        DocKind::Plan,
        &path(&["goals", &p.goal.to_string(), "status"]),
        &[("ann", "achieved"), ("bo", "dropped")],
    );
    assert_eq!(a.plan(p.person).unwrap().goals[0].status.code(), shown);
    assert_converged(&[&a, &b]);
    // Resolution: b picks a value; after the next sync nobody sees a conflict.
    status(&b, GoalStatus::PartlyAchieved);
    assert!(b.person(p.person).unwrap().conflicts.is_empty());
    assert_eq!(a.person(p.person).unwrap().conflicts.len(), 1);
    sync(&b, &a);
    no_conflicts(&[&a, &b], p.person);
    assert_eq!(
        a.plan(p.person).unwrap().goals[0].status,
        GoalStatus::PartlyAchieved
    );
    assert_converged(&[&a, &b]);
}

#[test]
fn concurrent_step_due_dates_are_surfaced_and_resolved() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let due = |s: &Store, d| {
        s.update_step(
            p.step,
            StepUpdate {
                due: Some(Some(d)),
                ..Default::default()
            },
        )
        .unwrap()
    };
    due(&a, date(2031, 6, 1));
    due(&b, date(2031, 7, 15));
    sync(&b, &a);
    let shown = assert_one_conflict(
        &[&a, &b],
        p.person,
        DocKind::Plan,
        &path(&["steps", &p.step.to_string(), "due"]),
        &[("ann", "2031-06-01"), ("bo", "2031-07-15")],
    );
    let seen = a
        .plan(p.person)
        .unwrap()
        .steps
        .into_iter()
        .find(|s| s.id == p.step);
    assert_eq!(seen.unwrap().due.map(|d| d.to_string()), Some(shown));
    // The caseload and due list agree on the shown date on both sides.
    assert_converged(&[&a, &b]);
    assert_eq!(
        a.due(date(2031, 12, 31)).unwrap(),
        b.due(date(2031, 12, 31)).unwrap()
    );
    due(&a, date(2031, 8, 1));
    sync(&a, &b);
    no_conflicts(&[&a, &b], p.person);
    let step = b
        .plan(p.person)
        .unwrap()
        .steps
        .into_iter()
        .find(|s| s.id == p.step);
    assert_eq!(step.unwrap().due, Some(date(2031, 8, 1)));
}

/// A hub store shared by colleagues: each opens it as themself (`Store::open_as`); the
/// conflict names the user who made each edit, not the store's creator.
#[test]
fn concurrent_phone_numbers_name_the_users_who_set_them() {
    let dir = Dir::new();
    let hub = dir.link_worker_as("hub.db", "hub-admin");
    let phone_lw = dir.link_worker_as("field.db", "field");
    let p = rich_person(&hub, "Sam");
    sync(&hub, &phone_lw);
    let hub_path = hub.path().to_path_buf();
    let field_path = phone_lw.path().to_path_buf();
    drop(hub);
    drop(phone_lw);
    let hub = Store::open_as(
        &hub_path,
        &linkwork_core::StoreKey::unencrypted(),
        Some("dee"),
    )
    .unwrap();
    let field = Store::open_as(
        &field_path,
        &linkwork_core::StoreKey::unencrypted(),
        Some("eli"),
    )
    .unwrap();
    set_phone(&hub, p.person, "01632 960111");
    set_phone(&field, p.person, "01632 960222");
    sync(&field, &hub);
    let shown = assert_one_conflict(
        &[&hub, &field],
        p.person,
        DocKind::Case,
        &path(&["demographics", "phone"]),
        &[("dee", "01632 960111"), ("eli", "01632 960222")],
    );
    let seen = hub
        .person(p.person)
        .unwrap()
        .case
        .unwrap()
        .demographics
        .phone;
    assert_eq!(seen, Some(shown));
    // Resolved by clearing the number on one side.
    field
        .update_demographics(
            p.person,
            DemographicsUpdate {
                phone: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    sync(&hub, &field);
    no_conflicts(&[&hub, &field], p.person);
    let r = hub.person(p.person).unwrap();
    assert_eq!(r.case.unwrap().demographics.phone, None);
    assert_converged(&[&hub, &field]);
}

#[test]
fn three_concurrent_values_are_all_listed() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let c = dir.link_worker_as("cy.db", "cy");
    sync(&a, &c);
    for (s, d) in [(&a, 1), (&b, 2), (&c, 3)] {
        s.set_review_date(p.person, Some(date(2031, 10, d)))
            .unwrap();
    }
    sync_mesh(&[&a, &b, &c]);
    let shown = assert_one_conflict(
        &[&a, &b, &c],
        p.person,
        DocKind::Plan,
        &path(&["review_date"]),
        &[
            ("ann", "2031-10-01"),
            ("bo", "2031-10-02"),
            ("cy", "2031-10-03"),
        ],
    );
    let seen = b.plan(p.person).unwrap().review_date.map(|d| d.to_string());
    assert_eq!(seen, Some(shown));
    assert_converged(&[&a, &b, &c]);
    c.set_review_date(p.person, None).unwrap();
    sync_mesh(&[&c, &a, &b]);
    no_conflicts(&[&a, &b, &c], p.person);
    assert_eq!(a.plan(p.person).unwrap().review_date, None);
}

#[test]
fn concurrent_edits_of_different_fields_of_one_item_merge_without_conflict() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    a.update_goal(
        p.goal,
        GoalUpdate {
            status: Some(GoalStatus::Achieved),
            ..Default::default()
        },
    )
    .unwrap();
    b.update_goal(
        p.goal,
        GoalUpdate {
            target_date: Some(Some(date(2031, 12, 1))),
            smart_detail: Some(Some("twice a week".into())),
            ..Default::default()
        },
    )
    .unwrap();
    a.update_step(
        p.step,
        StepUpdate {
            owner: Some(StepOwner::LinkWorker),
            ..Default::default()
        },
    )
    .unwrap();
    b.update_step(
        p.step,
        StepUpdate {
            due: Some(Some(date(2031, 9, 1))),
            ..Default::default()
        },
    )
    .unwrap();
    set_phone(&a, p.person, "01632 960333");
    b.update_demographics(
        p.person,
        DemographicsUpdate {
            email: Some(Some("sam@example.invalid".into())),
            ..Default::default()
        },
    )
    .unwrap();
    sync(&a, &b);
    no_conflicts(&[&a, &b], p.person);
    assert_converged(&[&a, &b]);
    let r = b.person(p.person).unwrap();
    let goal = &r.plan.goals[0];
    assert_eq!(goal.status, GoalStatus::Achieved);
    assert_eq!(goal.target_date, Some(date(2031, 12, 1)));
    assert_eq!(goal.smart_detail.as_deref(), Some("twice a week"));
    let step = r.plan.steps.iter().find(|s| s.id == p.step).unwrap();
    assert_eq!(step.owner, StepOwner::LinkWorker);
    assert_eq!(step.due, Some(date(2031, 9, 1)));
    let d = r.case.unwrap().demographics;
    assert_eq!(d.phone.as_deref(), Some("01632 960333"));
    assert_eq!(d.email.as_deref(), Some("sam@example.invalid"));
}

#[test]
fn concurrent_text_edits_merge_character_by_character() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    a.set_what_matters(p.person, "I want to walk").unwrap();
    sync(&a, &b);
    a.set_what_matters(p.person, "I want to walk every day")
        .unwrap();
    b.set_what_matters(p.person, "Mostly, I want to walk")
        .unwrap();
    // A goal's text too (also mergeable text).
    a.update_goal(
        p.goal,
        GoalUpdate {
            text: Some("Walk to the big park".into()),
            ..Default::default()
        },
    )
    .unwrap();
    b.update_goal(
        p.goal,
        GoalUpdate {
            text: Some("Walk to the park with Jo".into()),
            ..Default::default()
        },
    )
    .unwrap();
    sync(&b, &a);
    no_conflicts(&[&a, &b], p.person);
    assert_converged(&[&a, &b]);
    let plan = a.plan(p.person).unwrap();
    assert_eq!(plan.what_matters, "Mostly, I want to walk every day");
    assert_eq!(plan.goals[0].text, "Walk to the big park with Jo");
}

/// The patient and the link worker both tick the same step offline: the phone's record lists
/// the conflict as the link worker's does (as far as the plan goes).
#[test]
fn a_conflict_on_the_plan_reaches_the_patient_store() {
    let dir = Dir::new();
    let lw = dir.link_worker_as("sam.db", "sam");
    let p = planned_person(&lw, "Pat");
    let phone = dir.patient("pat.db", p.person);
    sync(&phone, &lw);
    lw.complete_step(p.step).unwrap();
    phone.complete_step(p.step).unwrap();
    sync(&lw, &phone);
    let r = lw.person(p.person).unwrap();
    let mut paths: Vec<Vec<String>> = r.conflicts.iter().map(|c| c.path.clone()).collect();
    paths.sort();
    let step = p.step.to_string();
    assert_eq!(
        paths,
        vec![
            path(&["steps", &step, "done_at"]),
            path(&["steps", &step, "done_by"])
        ]
    );
    let by = r
        .conflicts
        .iter()
        .find(|c| c.path.last().unwrap() == "done_by")
        .unwrap();
    let mut users: Vec<String> = by.values.iter().map(|v| v.value.to_string()).collect();
    users.sort();
    assert_eq!(users, vec!["pat", "sam"]);
    assert_patient_matches(&phone, &lw, p.person);
}

#[test]
fn a_need_recorded_on_two_devices_at_once_is_resolved_by_recording_it_again() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    a.add_need(p.person, Need::Housing, Some("damp flat"))
        .unwrap();
    b.add_need(p.person, Need::Housing, Some("rent arrears"))
        .unwrap();
    sync(&a, &b);
    let record = a.person(p.person).unwrap();
    assert_eq!(record.conflicts.len(), 1, "{:?}", record.conflicts);
    assert_eq!(record.conflicts[0].path, path(&["needs", "housing"]));
    let shown = a.plan(p.person).unwrap();
    let shown = shown
        .needs
        .iter()
        .find(|n| n.need == Need::Housing)
        .unwrap()
        .clone();
    // Recording the need again, with the note the person settles on, ends the conflict and
    // keeps who recorded the shown record and when.
    b.add_need(p.person, Need::Housing, Some("damp flat, rent arrears"))
        .unwrap();
    let shown = RecordedNeed {
        note: Some("damp flat, rent arrears".into()),
        ..shown
    };
    sync(&b, &a);
    no_conflicts(&[&a, &b], p.person);
    for s in [&a, &b] {
        let plan = s.plan(p.person).unwrap();
        let need = plan.needs.iter().find(|n| n.need == Need::Housing).unwrap();
        assert_eq!(need, &shown, "{}", s.info().user);
        assert_eq!(
            plan.needs
                .iter()
                .filter(|n| n.need == Need::Housing)
                .count(),
            1
        );
    }
    assert_converged(&[&a, &b]);
}
