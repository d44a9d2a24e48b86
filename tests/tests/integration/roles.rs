//! Role rules: a patient's own store holds only their plan, refuses every link-worker action
//! with `NotPermitted`, refuses case documents and other people's plans on import, and may
//! record progress, tick steps and answer measures on its own plan.

use linkwork_core::measures::Timepoint;
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use linkwork_tests::*;

#[test]
fn store_creation_checks_role_and_person() {
    let dir = TestDir::new();
    for (name, user, role, person, field) in [
        ("p.db", "pat", Role::Patient, None, "person"),
        ("l.db", "sam", Role::LinkWorker, Some(Id::new()), "person"),
        ("u.db", " ", Role::LinkWorker, None, "user"),
    ] {
        let err = Store::create(
            dir.path(name),
            NewStore {
                user: user.into(),
                role,
                person,
            },
            &linkwork_core::StoreKey::unencrypted(),
        )
        .unwrap_err();
        assert_invalid(&err, field);
    }
    for name in ["p.db", "l.db", "u.db"] {
        assert!(!dir.path(name).exists(), "{name} was created");
    }
    let person = Id::new();
    let s = dir.patient("ok.db", "pat", person);
    assert_eq!(s.info().role, Role::Patient);
    assert_eq!(s.info().person, Some(person));
    assert_eq!(s.info().user, "pat");
    drop(s);
    let s = Store::open(dir.path("ok.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.info().role, Role::Patient);
    assert_eq!(s.info().person, Some(person));
}

#[test]
fn a_patient_store_refuses_every_link_worker_action() {
    let dir = TestDir::new();
    let lw = dir.link_worker("lw.db", "sam");
    let f = full_person(&lw);
    let s = patient_store(&dir, f.person);
    s.import_document(&lw.export_document(f.person, DocKind::Plan).unwrap())
        .unwrap();
    let p = f.person;
    let before = Snapshot::take(&s, p);
    let refusals: Vec<(&str, Result<(), Error>)> = vec![
        ("add_person", s.add_person(new_person("A", "B")).map(drop)),
        (
            "update_demographics",
            s.update_demographics(
                p,
                DemographicsUpdate {
                    given_name: Some("X".into()),
                    ..Default::default()
                },
            ),
        ),
        (
            "open_episode",
            s.open_episode(p, NewReferral::default()).map(drop),
        ),
        (
            "transition_episode",
            s.transition_episode(p, to(EpisodeStatus::OnHold)).map(drop),
        ),
        (
            "record_contact_attempt",
            s.record_contact_attempt(
                p,
                NewContactAttempt {
                    at: None,
                    channel: ContactChannel::Phone,
                    outcome: ContactOutcome::Reached,
                    note: None,
                },
            )
            .map(drop),
        ),
        (
            "record_consent",
            s.record_consent(p, new_consent("a", "b", ConsentDecision::Given))
                .map(drop),
        ),
        (
            "add_consultation",
            s.add_consultation(p, new_consultation(ConsultationMode::Phone))
                .map(drop),
        ),
        ("check_in", s.check_in(f.visit)),
        ("check_out", s.check_out(f.visit)),
        (
            "set_consultation_notes",
            s.set_consultation_notes(f.call, "x"),
        ),
        (
            "add_onward_referral",
            s.add_onward_referral(
                p,
                NewOnwardReferral {
                    service: "x".into(),
                    organisation: None,
                    need: None,
                },
            )
            .map(drop),
        ),
        (
            "transition_onward_referral",
            s.transition_onward_referral(f.onward, OnwardStatus::Accepted, None),
        ),
        ("raise_flag", s.raise_flag(p, FlagKind::Risk, "x").map(drop)),
        ("resolve_flag", s.resolve_flag(f.flag)),
        ("add_case_note", s.add_case_note(p, "x").map(drop)),
        ("edit_case_note", s.edit_case_note(f.note, "x")),
        ("gp_codes", s.gp_codes(p).map(drop)),
        ("export case", s.export_document(p, DocKind::Case).map(drop)),
        ("set_what_matters", s.set_what_matters(p, "x")),
        ("add_need", s.add_need(p, Need::Food, None)),
        ("remove_need", s.remove_need(p, Need::Debt)),
        ("set_review_date", s.set_review_date(p, None)),
        (
            "add_goal",
            s.add_goal(
                p,
                NewGoal {
                    text: "x".into(),
                    ..Default::default()
                },
            )
            .map(drop),
        ),
        (
            "update_goal",
            s.update_goal(
                f.goal,
                GoalUpdate {
                    status: Some(GoalStatus::Dropped),
                    ..Default::default()
                },
            ),
        ),
        (
            "add_step",
            s.add_step(p, new_step("x", StepOwner::Person, None))
                .map(drop),
        ),
        (
            "update_step",
            s.update_step(
                f.step,
                StepUpdate {
                    due: Some(None),
                    ..Default::default()
                },
            ),
        ),
    ];
    for (name, result) in refusals {
        match result {
            Err(e) => assert_not_permitted(&e),
            Ok(()) => panic!("{name} was allowed on a patient store"),
        }
    }
    assert_eq!(Snapshot::take(&s, p), before, "refusals changed the store");
}

#[test]
fn a_patient_store_holds_only_its_own_plan() {
    let dir = TestDir::new();
    let lw = dir.link_worker("lw.db", "sam");
    let f = full_person(&lw);
    let other = full_person_named(&lw, "Other", "Person", None);
    let s = patient_store(&dir, f.person);
    let sizes = s.storage_sizes().unwrap();

    // A case document, its own or another's, and another person's plan are refused.
    for (person, kind) in [
        (f.person, DocKind::Case),
        (other.person, DocKind::Case),
        (other.person, DocKind::Plan),
    ] {
        let bytes = lw.export_document(person, kind).unwrap();
        let err = s.import_document(&bytes).unwrap_err();
        assert_not_permitted(&err);
    }
    assert!(s.caseload(&CaseloadQuery::default()).unwrap().is_empty());
    assert_eq!(s.storage_sizes().unwrap(), sizes, "nothing stored");
    assert!(matches!(s.plan(f.person), Err(Error::NotFound { .. })));

    // Its own plan is accepted.
    let out = s
        .import_document(&lw.export_document(f.person, DocKind::Plan).unwrap())
        .unwrap();
    assert_eq!(
        (out.person, out.kind, out.changed),
        (f.person, DocKind::Plan, true)
    );
    let rec = s.person(f.person).unwrap();
    assert_eq!(rec.case, None, "no case on a patient store");
    assert_eq!(rec.plan, lw.plan(f.person).unwrap());
    // Its caseload row carries no demographics (they live in the case document).
    let rows = s.caseload(&CaseloadQuery::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].person_id, f.person);
    assert_eq!(
        (rows[0].given_name.as_ref(), rows[0].nhs_number.as_ref()),
        (None, None)
    );
    assert_eq!(rows[0].status, None);
    assert_eq!(rows[0].active_goals, 1);
    // History shows plan changes only.
    let h = s.history(f.person).unwrap();
    assert!(!h.is_empty());
    assert!(h.iter().all(|e| e.document == DocKind::Plan));
    // Reading or exporting another person is refused.
    assert_not_permitted(&s.person(other.person).unwrap_err());
    assert_not_permitted(&s.plan(other.person).unwrap_err());
    assert_not_permitted(&s.history(other.person).unwrap_err());
    assert_not_permitted(&s.export_document(other.person, DocKind::Plan).unwrap_err());
    // Still refused after holding a plan; still only one document.
    let err = s
        .import_document(&lw.export_document(f.person, DocKind::Case).unwrap())
        .unwrap_err();
    assert_not_permitted(&err);
    assert!(s.export_document(f.person, DocKind::Plan).is_ok());
}

#[test]
fn a_patient_records_progress_ticks_steps_and_answers_measures_on_their_own_plan() {
    let dir = TestDir::new();
    let lw = dir.link_worker("lw.db", "sam");
    let f = full_person(&lw);
    let s = patient_store(&dir, f.person);
    s.import_document(&lw.export_document(f.person, DocKind::Plan).unwrap())
        .unwrap();

    let progress = s
        .record_progress(
            f.goal,
            NewProgress {
                rating: Some(8),
                note: Some("walked twice this week".into()),
            },
        )
        .unwrap();
    s.complete_step(f.step).unwrap();
    s.reopen_step(f.done_step).unwrap();
    let m = s
        .record_measure(f.person, ons4([8, 8, 7, 2], Timepoint::FollowUp))
        .unwrap();
    // Bad input is still refused on the patient's store, and changes nothing.
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_progress(
            f.goal,
            NewProgress {
                rating: Some(11),
                note: None,
            },
        )
    });
    assert_invalid(&err, "rating");
    let err = assert_refused_unchanged(&s, f.person, || s.complete_step(f.step));
    assert!(matches!(err, Error::IllegalTransition { .. }));

    let plan = s.plan(f.person).unwrap();
    let goal = &plan.goals[0];
    let entry = goal.progress.iter().find(|e| e.id == progress).unwrap();
    assert_eq!(entry.recorded_by, "pat");
    assert_eq!(entry.rating, Some(8));
    let step = plan.steps.iter().find(|x| x.id == f.step).unwrap();
    assert_eq!(step.done_by.as_deref(), Some("pat"));
    assert!(plan
        .steps
        .iter()
        .any(|x| x.id == f.done_step && x.done_at.is_none()));
    assert_eq!(
        plan.measures
            .iter()
            .find(|x| x.id == m)
            .unwrap()
            .recorded_by,
        "pat"
    );
    // Projections on the patient's store follow.
    assert_eq!(
        s.due(date(2030, 12, 31))
            .unwrap()
            .iter()
            .filter(|d| d.kind == DueKind::Step)
            .map(|d| d.item_id)
            .collect::<Vec<_>>(),
        vec![f.done_step]
    );

    // The link worker merges the patient's edits back; history names the patient.
    let out = lw
        .import_document(&s.export_document(f.person, DocKind::Plan).unwrap())
        .unwrap();
    assert!(out.changed);
    assert_eq!(lw.plan(f.person).unwrap(), plan);
    let h = lw.history(f.person).unwrap();
    let by_pat: Vec<&str> = h
        .iter()
        .filter(|e| e.user == "pat")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        by_pat,
        vec![
            "goal.progress",
            "step.done",
            "step.reopen",
            "measure.record"
        ]
    );
}

#[path = "roles/identity.rs"]
pub(crate) mod identity;
