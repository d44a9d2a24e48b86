//! Sync state for apps: the peers a store met, the documents it holds, the people with
//! changes a peer has not seen, the people with unresolved conflicts (from the conflict index),
//! and resolving a conflict by keeping a value or setting a new one.

use crate::sync_support;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use linkwork_tests::{assert_invalid, assert_not_found, assert_not_permitted, date};
use sync_support::*;

fn pair(dir: &Dir) -> (Store, Store, Planned) {
    let a = dir.link_worker_as("ann.db", "ann");
    let b = dir.link_worker_as("bo.db", "bo");
    let p = rich_person(&a, "Sam");
    sync(&a, &b);
    (a, b, p)
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Both stores set the goal's status concurrently: one conflicted field in the plan.
fn conflicting_status(a: &Store, b: &Store, p: &Planned) -> Vec<String> {
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
    status(a, GoalStatus::Achieved);
    status(b, GoalStatus::Dropped);
    sync(a, b);
    path(&["goals", &p.goal.to_string(), "status"])
}

#[test]
fn unsynced_people_are_those_with_changes_the_peer_has_not_seen() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let b_id = b.info().store_id;
    let a_id = a.info().store_id;
    assert_eq!(a.unsynced_people(b_id).unwrap(), Vec::<Id>::new());
    assert_eq!(b.unsynced_people(a_id).unwrap(), Vec::<Id>::new());
    // A local edit, and a new person: both unseen by b, nothing unseen by a from b's side.
    a.set_what_matters(p.person, "Seeing friends").unwrap();
    let other = add_person(&a, "Kit");
    let mut want = vec![p.person, other];
    want.sort();
    assert_eq!(a.unsynced_people(b_id).unwrap(), want);
    assert_eq!(b.unsynced_people(a_id).unwrap(), Vec::<Id>::new());
    sync(&a, &b);
    assert_eq!(a.unsynced_people(b_id).unwrap(), Vec::<Id>::new());
    assert_eq!(b.unsynced_people(a_id).unwrap(), Vec::<Id>::new());
    // A third store b has never met is refused, as is a made-up id.
    let c = dir.link_worker_as("cy.db", "cy");
    assert_not_found(&b.unsynced_people(c.info().store_id).unwrap_err(), "peer");
    assert_not_found(&a.unsynced_people(Id::new()).unwrap_err(), "peer");
}

#[test]
fn a_patient_peer_sees_only_its_own_plan_so_only_that_person_counts() {
    let dir = Dir::new();
    let worker = dir.link_worker_as("w.db", "sam");
    let p = rich_person(&worker, "Ada");
    let other = rich_person(&worker, "Kit");
    let phone = dir.patient("phone.db", p.person);
    sync(&worker, &phone);
    let phone_id = phone.info().store_id;
    assert_eq!(worker.unsynced_people(phone_id).unwrap(), Vec::<Id>::new());
    // Edits of another person and of Ada's case never reach the phone: not unsynced for it.
    worker.set_what_matters(other.person, "Music").unwrap();
    worker.add_case_note(p.person, "Called").unwrap();
    assert_eq!(worker.unsynced_people(phone_id).unwrap(), Vec::<Id>::new());
    worker.set_what_matters(p.person, "Walking").unwrap();
    assert_eq!(worker.unsynced_people(phone_id).unwrap(), vec![p.person]);
    // The phone's own change is unseen by the worker until they sync.
    phone.complete_step(p.step).unwrap();
    assert_eq!(
        phone.unsynced_people(worker.info().store_id).unwrap(),
        vec![p.person]
    );
    sync(&worker, &phone);
    assert_eq!(
        phone.unsynced_people(worker.info().store_id).unwrap(),
        Vec::<Id>::new()
    );
}

#[test]
fn known_peers_carry_role_person_and_last_sync() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let phone = dir.patient("phone.db", p.person);
    assert!(phone.peers().unwrap().is_empty());
    sync(&a, &phone);
    let peers = a.peers().unwrap();
    assert_eq!(peers.len(), 2);
    // Most recent first.
    assert_eq!(peers[0].store_id, phone.info().store_id);
    assert_eq!(peers[0].role, Role::Patient);
    assert_eq!(peers[0].person, Some(p.person));
    assert_eq!(peers[1].store_id, b.info().store_id);
    assert_eq!(peers[1].role, Role::LinkWorker);
    assert_eq!(peers[1].person, None);
    assert!(peers[0].last_sync >= peers[1].last_sync);
    // Unauthenticated sessions record no certificate.
    assert!(peers.iter().all(|p| p.certificate_name.is_none()));
}

#[test]
fn documents_are_listed_from_their_rows() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let docs = a.documents().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs.iter()
            .map(|d| (d.person_id, d.kind))
            .collect::<Vec<_>>(),
        vec![(p.person, DocKind::Case), (p.person, DocKind::Plan)],
        "by person, then kind code"
    );
    for d in &docs {
        assert!(d.bytes > 0);
        assert_eq!(d.heads, 1);
    }
    let (snapshots, changes, rows) = a.storage_sizes().unwrap();
    assert_eq!(
        docs.iter().map(|d| d.bytes).sum::<i64>(),
        snapshots + changes,
        "sizes are the stored bytes"
    );
    assert_eq!(
        docs.iter().map(|d| i64::from(d.change_rows)).sum::<i64>(),
        rows
    );
    // Concurrent edits leave two heads until a change joins them.
    a.set_what_matters(p.person, "one").unwrap();
    b.add_need(p.person, Need::Debt, None).unwrap();
    sync(&a, &b);
    let plan = a
        .documents()
        .unwrap()
        .into_iter()
        .find(|d| d.kind == DocKind::Plan)
        .unwrap();
    assert_eq!(plan.heads, 2);
    // A patient store lists only its plan.
    let phone = dir.patient("phone.db", p.person);
    sync(&a, &phone);
    let docs = phone.documents().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].kind, DocKind::Plan);
}

#[test]
fn conflicted_people_come_from_the_index_and_follow_merges_and_resolutions() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let bystander = rich_person(&a, "Kit");
    sync(&a, &b);
    assert!(a.conflicted_people().unwrap().is_empty());
    let field = conflicting_status(&a, &b, &p);
    for s in [&a, &b] {
        assert_eq!(
            s.conflicted_people().unwrap(),
            vec![ConflictedPerson {
                person_id: p.person,
                plan_fields: 1,
                case_fields: 0
            }]
        );
    }
    // An edit of another field keeps the conflict; of the bystander, too.
    a.set_what_matters(p.person, "Music").unwrap();
    a.set_what_matters(bystander.person, "Books").unwrap();
    assert_eq!(a.conflicted_people().unwrap().len(), 1);
    // Keeping b's value resolves it on a at once, and on b after the next sync.
    a.resolve_conflict(
        p.person,
        DocKind::Plan,
        &field,
        &ConflictResolution::Keep(code("dropped")),
    )
    .unwrap();
    assert!(a.conflicted_people().unwrap().is_empty());
    assert!(a.person(p.person).unwrap().conflicts.is_empty());
    assert_eq!(
        a.plan(p.person).unwrap().goals[0].status,
        GoalStatus::Dropped
    );
    assert_eq!(b.conflicted_people().unwrap().len(), 1);
    sync(&a, &b);
    assert!(b.conflicted_people().unwrap().is_empty());
    assert_eq!(
        b.plan(p.person).unwrap().goals[0].status,
        GoalStatus::Dropped
    );
    assert_converged(&[&a, &b]);
    // The history names the resolution as an action.
    assert!(a
        .history(p.person)
        .unwrap()
        .iter()
        .any(|e| e.action == "conflict.resolve" && e.user == "ann"));
}

#[test]
fn a_new_value_resolves_a_conflict_of_any_field_type() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    // A goal status (a code), the review date (a date) and a demographics name.
    let field = conflicting_status(&a, &b, &p);
    a.set_review_date(p.person, Some(date(2031, 1, 1))).unwrap();
    b.set_review_date(p.person, Some(date(2031, 2, 2))).unwrap();
    let rename = |s: &Store, name: &str| {
        s.update_demographics(
            p.person,
            DemographicsUpdate {
                given_name: Some(name.into()),
                ..Default::default()
            },
        )
        .unwrap()
    };
    rename(&a, "Samuel");
    rename(&b, "Sammy");
    sync(&a, &b);
    let record = a.person(p.person).unwrap();
    assert_eq!(record.conflicts.len(), 3, "{:?}", record.conflicts);
    assert_eq!(
        a.conflicted_people().unwrap(),
        vec![ConflictedPerson {
            person_id: p.person,
            plan_fields: 2,
            case_fields: 1
        }]
    );
    // Each listed typed like its field.
    let review = record
        .conflicts
        .iter()
        .find(|c| c.path == path(&["review_date"]))
        .unwrap();
    assert_eq!(review.field, FieldType::Date);
    let mut dates: Vec<FieldValue> = review.values.iter().map(|v| v.value.clone()).collect();
    dates.sort_by_key(|v| v.to_string());
    assert_eq!(
        dates,
        [
            FieldValue::Date {
                value: date(2031, 1, 1)
            },
            FieldValue::Date {
                value: date(2031, 2, 2)
            }
        ]
    );
    let status = record.conflicts.iter().find(|c| c.path == field).unwrap();
    assert_eq!(status.field, FieldType::code(Vocabulary::GoalStatus));
    assert!(status
        .values
        .iter()
        .all(|v| matches!(&v.value, FieldValue::Code { value } if value == "achieved" || value == "dropped")));
    let new = |doc, path: &[String], v: FieldValue| {
        a.resolve_conflict(p.person, doc, path, &ConflictResolution::New(v))
    };
    // A value of another type is refused and stores nothing.
    let err = new(DocKind::Plan, &path(&["review_date"]), text("2031-03-03")).unwrap_err();
    assert_invalid(&err, "value");
    let err = new(
        DocKind::Plan,
        &field,
        FieldValue::Date {
            value: date(2031, 3, 3),
        },
    )
    .unwrap_err();
    assert_invalid(&err, "value");
    assert_eq!(a.person(p.person).unwrap(), record);
    new(DocKind::Plan, &field, code("partly-achieved")).unwrap();
    new(
        DocKind::Plan,
        &path(&["review_date"]),
        FieldValue::Date {
            value: date(2031, 3, 3),
        },
    )
    .unwrap();
    let name = record
        .conflicts
        .iter()
        .find(|c| c.document == DocKind::Case)
        .unwrap()
        .path
        .clone();
    new(DocKind::Case, &name, text("Sam")).unwrap();
    assert!(a.conflicted_people().unwrap().is_empty());
    let plan = a.plan(p.person).unwrap();
    assert_eq!(plan.goals[0].status, GoalStatus::PartlyAchieved);
    assert_eq!(plan.review_date, Some(date(2031, 3, 3)));
    assert_eq!(entry_name(&a, p.person), "Sam");
    sync(&a, &b);
    assert_converged(&[&a, &b]);
    assert!(b.conflicted_people().unwrap().is_empty());
}

fn text(v: &str) -> FieldValue {
    FieldValue::Text { value: v.into() }
}

fn code(v: &str) -> FieldValue {
    FieldValue::Code { value: v.into() }
}

fn entry_name(s: &Store, person: Id) -> String {
    s.caseload(&CaseloadQuery::default())
        .unwrap()
        .into_iter()
        .find(|e| e.person_id == person)
        .and_then(|e| e.given_name)
        .unwrap()
}

#[test]
fn resolving_refuses_unknown_fields_foreign_values_and_bad_new_values() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    let field = conflicting_status(&a, &b, &p);
    let resolve = |doc, path: &[String], how: ConflictResolution| {
        a.resolve_conflict(p.person, doc, path, &how).unwrap_err()
    };
    // A field without a conflict, one that does not exist, an empty path, the wrong document.
    assert_invalid(
        &resolve(
            DocKind::Plan,
            &path(&["what_matters"]),
            ConflictResolution::Keep(text("x")),
        ),
        "path",
    );
    assert_invalid(
        &resolve(
            DocKind::Plan,
            &path(&["goals", "nope", "status"]),
            ConflictResolution::Keep(code("dropped")),
        ),
        "path",
    );
    assert_invalid(
        &resolve(
            DocKind::Plan,
            &[],
            ConflictResolution::Keep(code("dropped")),
        ),
        "path",
    );
    assert_invalid(
        &resolve(
            DocKind::Case,
            &field,
            ConflictResolution::Keep(code("dropped")),
        ),
        "path",
    );
    // A kept value must be one of the conflict's.
    assert_invalid(
        &resolve(
            DocKind::Plan,
            &field,
            ConflictResolution::Keep(code("active")),
        ),
        "value",
    );
    // A new value must fit the field: an unknown status code would hide the goal.
    assert_invalid(
        &resolve(
            DocKind::Plan,
            &field,
            ConflictResolution::New(code("finished")),
        ),
        "value",
    );
    // Also for a goal with nothing nested (the reader sets it aside as a newer version's).
    let plain = add_goal(&a, p.person, "Read more");
    sync(&a, &b);
    for (s, st) in [(&a, GoalStatus::Achieved), (&b, GoalStatus::Dropped)] {
        s.update_goal(
            plain,
            GoalUpdate {
                status: Some(st),
                ..Default::default()
            },
        )
        .unwrap();
    }
    sync(&a, &b);
    let plain_status = path(&["goals", &plain.to_string(), "status"]);
    assert_invalid(
        &resolve(
            DocKind::Plan,
            &plain_status,
            ConflictResolution::New(code("finished")),
        ),
        "value",
    );
    let before = a.person(p.person).unwrap();
    // An unknown person.
    assert_not_found(
        &a.resolve_conflict(
            Id::new(),
            DocKind::Plan,
            &field,
            &ConflictResolution::Keep(code("dropped")),
        )
        .unwrap_err(),
        "person",
    );
    // Nothing changed.
    assert_eq!(a.person(p.person).unwrap(), before);
    assert_eq!(a.conflicted_people().unwrap().len(), 1);
}

#[test]
fn bad_dates_and_nhs_numbers_are_refused_as_new_values() {
    let dir = Dir::new();
    let (a, b, p) = pair(&dir);
    a.set_review_date(p.person, Some(date(2031, 1, 1))).unwrap();
    b.set_review_date(p.person, Some(date(2031, 2, 2))).unwrap();
    let nhs = |s: &Store, n: &str| {
        s.update_demographics(
            p.person,
            DemographicsUpdate {
                nhs_number: Some(Some(n.into())),
                ..Default::default()
            },
        )
        .unwrap()
    };
    nhs(&a, "943 476 5919");
    nhs(&b, "401 023 2137");
    sync(&a, &b);
    let before = a.person(p.person).unwrap();
    let nhs_path = before
        .conflicts
        .iter()
        .find(|c| c.document == DocKind::Case)
        .unwrap()
        .path
        .clone();
    let err = a
        .resolve_conflict(
            p.person,
            DocKind::Plan,
            &path(&["review_date"]),
            &ConflictResolution::New(text("2031-02-30")),
        )
        .unwrap_err();
    assert_invalid(&err, "value");
    let err = a
        .resolve_conflict(
            p.person,
            DocKind::Case,
            &nhs_path,
            &ConflictResolution::New(text("943 476 5918")),
        )
        .unwrap_err();
    assert_invalid(&err, "value");
    assert_eq!(a.person(p.person).unwrap(), before);
    // A valid number is stored in its normal form.
    a.resolve_conflict(
        p.person,
        DocKind::Case,
        &nhs_path,
        &ConflictResolution::New(FieldValue::Nhs {
            value: NhsNumber::parse("943 476 5919").unwrap(),
        }),
    )
    .unwrap();
    let row = a
        .caseload(&CaseloadQuery::default())
        .unwrap()
        .into_iter()
        .find(|e| e.person_id == p.person)
        .unwrap();
    assert_eq!(row.nhs_number.as_deref(), Some("9434765919"));
}

#[test]
fn a_patient_store_may_not_resolve_conflicts() {
    let dir = Dir::new();
    let worker = dir.link_worker_as("w.db", "sam");
    let p = rich_person(&worker, "Ada");
    let phone = dir.patient("phone.db", p.person);
    sync(&worker, &phone);
    let err = phone
        .resolve_conflict(
            p.person,
            DocKind::Plan,
            &path(&["what_matters"]),
            &ConflictResolution::Keep(text("x")),
        )
        .unwrap_err();
    assert_not_permitted(&err);
    assert!(!matches!(err, Error::InvalidInput { .. }));
}
