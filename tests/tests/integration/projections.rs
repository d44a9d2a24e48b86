//! Projections: the caseload list and search (name, NHS number, status), goals and steps due,
//! and open onward referrals, all read from projection tables kept in step with the
//! documents — after local edits, after merges of remote edits, and after a rebuild.

use linkwork_core::measures::Timepoint;
use linkwork_core::model::*;
use linkwork_core::{Id, Store};
use linkwork_tests::*;

fn entries_without_time(s: &Store) -> Vec<CaseloadEntry> {
    s.caseload(&CaseloadQuery::default())
        .unwrap()
        .into_iter()
        .map(|mut e| {
            e.updated_at = chrono::DateTime::default();
            e
        })
        .collect()
}

fn people(s: &Store) -> (Id, Id, Id, Id) {
    let ada = full_person(s).person;
    let grace = s
        .add_person(NewPerson {
            nhs_number: Some("401 023 2137".into()),
            ..new_person("Grace", "Hopper")
        })
        .unwrap();
    let alan = s.add_person(new_person("alan", "turing")).unwrap();
    let ada2 = s
        .add_person(NewPerson {
            nhs_number: Some(nhs_number(943_400_000)),
            ..new_person("Ada", "Yonath")
        })
        .unwrap();
    (ada, grace, alan, ada2)
}

#[test]
fn caseload_lists_everyone_sorted_by_family_then_given_name() {
    let (_dir, s) = link_worker_store();
    let (ada, grace, alan, ada2) = people(&s);
    assert_eq!(search(&s, None, None), vec![grace, ada, alan, ada2]);
    let rows = s.caseload(&CaseloadQuery::default()).unwrap();
    let ada_row = rows.iter().find(|r| r.person_id == ada).unwrap();
    assert_eq!(ada_row.given_name.as_deref(), Some(FIXTURE_GIVEN));
    assert_eq!(ada_row.family_name.as_deref(), Some(FIXTURE_FAMILY));
    assert_eq!(ada_row.nhs_number.as_deref(), Some(FIXTURE_NHS));
    assert_eq!(ada_row.date_of_birth, Some(date(1952, 12, 10)));
    assert_eq!(ada_row.status, Some(EpisodeStatus::Accepted));
    assert_eq!(
        ada_row.next_step_due,
        Some(date(2030, 2, 1)),
        "done steps excluded"
    );
    assert_eq!(ada_row.active_goals, 1);
    assert_eq!(ada_row.open_onward_referrals, 1);
    let alan_row = rows.iter().find(|r| r.person_id == alan).unwrap();
    assert_eq!(alan_row.status, Some(EpisodeStatus::Referred));
    assert_eq!(alan_row.next_step_due, None);
    assert_eq!(
        (alan_row.active_goals, alan_row.open_onward_referrals),
        (0, 0)
    );
    // Limits.
    let two = s
        .caseload(&CaseloadQuery {
            limit: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        two.iter().map(|r| r.person_id).collect::<Vec<_>>(),
        vec![grace, ada]
    );
    assert!(s
        .caseload(&CaseloadQuery {
            limit: Some(0),
            ..Default::default()
        })
        .unwrap()
        .is_empty());
}

#[test]
fn caseload_search_by_name_nhs_number_and_status() {
    let (_dir, s) = link_worker_store();
    let (ada, grace, alan, ada2) = people(&s);
    // Name prefixes, any case, given, family or "given family".
    assert_eq!(search(&s, Some("ada"), None), vec![ada, ada2]);
    assert_eq!(search(&s, Some("ADA L"), None), vec![ada]);
    assert_eq!(search(&s, Some("  love "), None), vec![ada]);
    assert_eq!(search(&s, Some("Tur"), None), vec![alan]);
    assert_eq!(search(&s, Some("Alan Turing"), None), vec![alan]);
    assert_eq!(
        search(&s, Some("urin"), None),
        Vec::<Id>::new(),
        "prefix only"
    );
    assert_eq!(search(&s, Some("nobody"), None), Vec::<Id>::new());
    // LIKE wildcards match literally.
    assert_eq!(search(&s, Some("%"), None), Vec::<Id>::new());
    assert_eq!(search(&s, Some("_da"), None), Vec::<Id>::new());
    assert_eq!(search(&s, Some("\\"), None), Vec::<Id>::new());
    // Blank text matches everyone.
    assert_eq!(search(&s, Some("   "), None).len(), 4);
    // NHS number digits, spaces ignored, prefix allowed.
    assert_eq!(search(&s, Some("943 476 5919"), None), vec![ada]);
    assert_eq!(search(&s, Some("9434765919"), None), vec![ada]);
    assert_eq!(search(&s, Some("4010232137"), None), vec![grace]);
    assert_eq!(search(&s, Some("9434"), None), vec![ada, ada2]);
    assert_eq!(search(&s, Some("943 476"), None), vec![ada]);
    assert_eq!(search(&s, Some("1234567890"), None), Vec::<Id>::new());
    // Status, alone and with text.
    assert_eq!(
        search(&s, None, Some(EpisodeStatus::Referred)),
        vec![grace, alan, ada2]
    );
    assert_eq!(search(&s, None, Some(EpisodeStatus::Accepted)), vec![ada]);
    assert_eq!(
        search(&s, Some("ada"), Some(EpisodeStatus::Referred)),
        vec![ada2]
    );
    assert_eq!(
        search(&s, None, Some(EpisodeStatus::Discharged)),
        Vec::<Id>::new()
    );
    // Status follows transitions.
    walk(
        &s,
        alan,
        &[EpisodeStatus::Contacting, EpisodeStatus::UnableToContact],
    );
    assert_eq!(
        search(&s, None, Some(EpisodeStatus::UnableToContact)),
        vec![alan]
    );
    assert_eq!(
        search(&s, None, Some(EpisodeStatus::Referred)),
        vec![grace, ada2]
    );
    // Names and numbers follow demographic edits.
    s.update_demographics(
        grace,
        DemographicsUpdate {
            family_name: Some("Brewster".into()),
            nhs_number: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(search(&s, Some("hopper"), None), Vec::<Id>::new());
    assert_eq!(search(&s, Some("brew"), None), vec![grace]);
    assert_eq!(search(&s, Some("4010232137"), None), Vec::<Id>::new());
}

#[test]
fn due_lists_open_steps_and_active_goals_up_to_a_date() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let other = add_person(&s, "Due", "Soon");
    let early = s
        .add_step(
            other,
            new_step(
                "Phone the council",
                StepOwner::LinkWorker,
                Some(date(2029, 12, 1)),
            ),
        )
        .unwrap();
    let _undated = s
        .add_step(other, new_step("Whenever", StepOwner::Person, None))
        .unwrap();
    let due = s.due(date(2030, 12, 31)).unwrap();
    let got: Vec<(DueKind, Id, Id, String)> = due
        .iter()
        .map(|d| (d.kind, d.item_id, d.person_id, d.due.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (DueKind::Step, early, other, "2029-12-01".to_string()),
            (DueKind::Step, f.step, f.person, "2030-02-01".to_string()),
            (DueKind::Goal, f.goal, f.person, "2030-05-01".to_string()),
        ],
        "done steps and undated steps are left out; earliest first"
    );
    assert_eq!(due[0].text, "Phone the council");
    assert_eq!(due[2].text, "Join a walking group");
    // On or before the date.
    assert_eq!(s.due(date(2030, 2, 1)).unwrap().len(), 2);
    assert_eq!(s.due(date(2030, 1, 31)).unwrap().len(), 1);
    assert!(s.due(date(2000, 1, 1)).unwrap().is_empty());
    // Completing, rescheduling and closing goals update the list.
    s.complete_step(early).unwrap();
    s.update_step(
        f.step,
        StepUpdate {
            due: Some(Some(date(2031, 1, 1))),
            ..Default::default()
        },
    )
    .unwrap();
    s.update_goal(
        f.goal,
        GoalUpdate {
            status: Some(GoalStatus::Achieved),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(s.due(date(2030, 12, 31)).unwrap().is_empty());
    assert_eq!(entry(&s, f.person).next_step_due, Some(date(2031, 1, 1)));
    assert_eq!(entry(&s, f.person).active_goals, 0);
    assert_eq!(entry(&s, other).next_step_due, None);
    // Editing the text shows in the due list.
    s.update_step(
        f.step,
        StepUpdate {
            text: Some("Call the walking group again".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        s.due(date(2031, 1, 1)).unwrap()[0].text,
        "Call the walking group again"
    );
}

#[test]
fn open_onward_referrals_across_people() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let g = full_person_named(&s, "Grace", "Hopper", None);
    let open = s.open_onward_referrals().unwrap();
    assert_eq!(
        open.iter().map(|o| o.referral_id).collect::<Vec<_>>(),
        vec![f.onward, g.onward],
        "oldest first"
    );
    assert_eq!(open[0].status, OnwardStatus::Acknowledged);
    assert_eq!(open[0].service, "Debt advice drop-in");
    assert_eq!(open[1].person_id, g.person);
    s.transition_onward_referral(f.onward, OnwardStatus::NotEligible, None)
        .unwrap();
    let open = s.open_onward_referrals().unwrap();
    assert_eq!(
        open.iter().map(|o| o.referral_id).collect::<Vec<_>>(),
        vec![g.onward]
    );
    assert_eq!(entry(&s, f.person).open_onward_referrals, 0);
}

#[test]
fn projections_survive_reopen_and_match_a_rebuild() {
    let (dir, s) = link_worker_store();
    let _ = people(&s);
    let before = entries_without_time(&s);
    let due = s.due(date(9999, 1, 1)).unwrap();
    let open = s.open_onward_referrals().unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(entries_without_time(&s), before);
    assert_eq!(s.due(date(9999, 1, 1)).unwrap(), due);
    assert_eq!(s.open_onward_referrals().unwrap(), open);
    drop(s);
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(entries_without_time(&s), before);
    assert_eq!(s.due(date(9999, 1, 1)).unwrap(), due);
}

#[test]
fn remote_edits_show_in_projections_after_a_merge() {
    let dir = TestDir::new();
    let a = dir.link_worker("a.db", "sam");
    let f = full_person(&a);
    let bystander = add_person(&a, "Still", "Here");
    let b = fork(&a, &dir, "b.db", "kim", f.person);
    assert_eq!(search(&b, Some("ada"), None), vec![f.person]);

    // Store B: rename, transition, a new step with a due date, and onward-referral changes.
    b.update_demographics(
        f.person,
        DemographicsUpdate {
            given_name: Some("Augusta".into()),
            family_name: Some("King".into()),
            nhs_number: Some(Some("401 023 2137".into())),
            ..Default::default()
        },
    )
    .unwrap();
    walk(&b, f.person, &[EpisodeStatus::OnHold]);
    let step = b
        .add_step(
            f.person,
            new_step(
                "Visit the library",
                StepOwner::Person,
                Some(date(2029, 6, 1)),
            ),
        )
        .unwrap();
    b.transition_onward_referral(f.onward, OnwardStatus::NoCapacity, Some("waitlisted"))
        .unwrap();
    let second = b
        .add_onward_referral(
            f.person,
            NewOnwardReferral {
                service: "Library reading group".into(),
                organisation: None,
                need: Some("loneliness".into()),
            },
        )
        .unwrap();
    // Meanwhile A edits something else of the same person.
    a.add_case_note(f.person, "Local note").unwrap();

    // A imports B's documents.
    let plan = a
        .import_document(&b.export_document(f.person, DocKind::Plan).unwrap())
        .unwrap();
    let case_out = a
        .import_document(&b.export_document(f.person, DocKind::Case).unwrap())
        .unwrap();
    assert!(plan.changed && case_out.changed);

    // Search by the new name and number finds them; the old ones do not.
    assert_eq!(search(&a, Some("augusta"), None), vec![f.person]);
    assert_eq!(search(&a, Some("King"), None), vec![f.person]);
    assert_eq!(search(&a, Some("augusta king"), None), vec![f.person]);
    assert_eq!(search(&a, Some("ada"), None), Vec::<Id>::new());
    assert_eq!(search(&a, Some("lovelace"), None), Vec::<Id>::new());
    assert_eq!(search(&a, Some("4010232137"), None), vec![f.person]);
    assert_eq!(search(&a, Some(FIXTURE_NHS), None), Vec::<Id>::new());
    // Status.
    assert_eq!(
        search(&a, None, Some(EpisodeStatus::OnHold)),
        vec![f.person]
    );
    assert_eq!(
        search(&a, None, Some(EpisodeStatus::Accepted)),
        Vec::<Id>::new()
    );
    // The list row, including the remote step's due date and the open referrals.
    let row = entry(&a, f.person);
    assert_eq!(row.given_name.as_deref(), Some("Augusta"));
    assert_eq!(row.family_name.as_deref(), Some("King"));
    assert_eq!(row.nhs_number.as_deref(), Some("4010232137"));
    assert_eq!(row.status, Some(EpisodeStatus::OnHold));
    assert_eq!(row.next_step_due, Some(date(2029, 6, 1)));
    assert_eq!(row.open_onward_referrals, 2);
    // Due.
    let due = a.due(date(2029, 12, 31)).unwrap();
    assert_eq!(
        due.iter().map(|d| (d.kind, d.item_id)).collect::<Vec<_>>(),
        // The remote referral still `sent` is due at its response deadline (14 days), before
        // the remote step.
        vec![(DueKind::OnwardResponse, second), (DueKind::Step, step)]
    );
    assert_eq!(due[1].person_id, f.person);
    assert_eq!(due[1].text, "Visit the library");
    // Open onward referrals, with the remote state.
    let open = a.open_onward_referrals().unwrap();
    assert_eq!(
        open.iter()
            .map(|o| (o.referral_id, o.status))
            .collect::<Vec<_>>(),
        vec![
            (f.onward, OnwardStatus::NoCapacity),
            (second, OnwardStatus::Sent)
        ]
    );
    // Remote item ids resolve to their person on A (so A can act on them).
    a.complete_step(step).unwrap();
    a.transition_onward_referral(second, OnwardStatus::Acknowledged, None)
        .unwrap();
    // Nothing of the local edit was lost, the bystander is untouched.
    assert!(case(&a, f.person)
        .notes
        .iter()
        .any(|n| n.text == "Local note"));
    assert_eq!(search(&a, Some("still"), None), vec![bystander]);
    // B learns A's edits back and both lists agree (except when rows were refreshed).
    send(&a, &b, f.person);
    let a_row = entries_without_time(&a)
        .into_iter()
        .find(|e| e.person_id == f.person)
        .unwrap();
    let b_row = entries_without_time(&b)
        .into_iter()
        .find(|e| e.person_id == f.person)
        .unwrap();
    assert_eq!(a_row, b_row);
    assert_eq!(a.person(f.person).unwrap(), b.person(f.person).unwrap());
}

/// Every projection row in the store's file, read with a separate connection. `updated_at` is
/// left out: a rebuild stamps its own time.
fn projection_rows(path: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT person_id, given_name, family_name, given_lc, family_lc, date_of_birth,
                nhs_number, status, next_step_due, active_goals, open_onward, episode_from
         FROM people ORDER BY person_id",
        "SELECT item_id, person_id, kind FROM items ORDER BY item_id",
        "SELECT item_id, person_id, kind, text, due FROM due_items ORDER BY item_id",
        "SELECT referral_id, person_id, service, status, sent_at FROM open_onward
         ORDER BY referral_id",
        "SELECT person_id, kind, fields FROM conflicts ORDER BY person_id, kind",
    ] {
        let mut stmt = c.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        for row in rows {
            out.push(format!("{}: {}", &sql[..30], row.unwrap().join(" | ")));
        }
    }
    out
}

/// The projections as the action left them equal a rebuild from both documents.
fn assert_same_as_rebuild(s: &Store, path: &std::path::Path, after: &str) {
    let incremental = projection_rows(path);
    assert!(!incremental.is_empty());
    s.rebuild_projections().unwrap();
    assert_eq!(
        projection_rows(path),
        incremental,
        "projections after {after} differ from a rebuild"
    );
}

#[test]
fn projections_after_every_kind_of_action_equal_a_rebuild() {
    let (dir, s) = link_worker_store();
    let path = dir.path("lw.db");
    let check = |after: &str| assert_same_as_rebuild(&s, &path, after);
    let other = full_person(&s);
    check("a full record");
    let p = s
        .add_person(NewPerson {
            nhs_number: Some("401 023 2137".into()),
            date_of_birth: Some(date(1960, 3, 4)),
            ..new_person("Grace", "Hopper")
        })
        .unwrap();
    check("add_person");

    // Plan edits.
    s.set_what_matters(p, "My garden").unwrap();
    check("set_what_matters");
    s.add_need(p, Need::Loneliness, Some("since moving"))
        .unwrap();
    check("add_need");
    s.remove_need(p, Need::Loneliness).unwrap();
    check("remove_need");
    s.set_review_date(p, Some(date(2030, 6, 1))).unwrap();
    check("set_review_date");
    let goal = s
        .add_goal(
            p,
            NewGoal {
                text: "Walk to the shops".into(),
                smart_detail: None,
                needs: vec![Need::PhysicalActivity],
                target_date: Some(date(2030, 5, 1)),
            },
        )
        .unwrap();
    check("add_goal");
    let undated = s
        .add_goal(
            p,
            NewGoal {
                text: "Call my sister".into(),
                smart_detail: None,
                needs: vec![],
                target_date: None,
            },
        )
        .unwrap();
    check("add_goal without a date");
    s.update_goal(
        goal,
        GoalUpdate {
            text: Some("Walk to the shops and back".into()),
            target_date: Some(Some(date(2030, 4, 1))),
            ..Default::default()
        },
    )
    .unwrap();
    check("update_goal text and date");
    s.record_progress(
        goal,
        NewProgress {
            rating: Some(4),
            note: Some("halfway".into()),
        },
    )
    .unwrap();
    check("record_progress");
    let step = s
        .add_step(
            p,
            new_step("Buy boots", StepOwner::Person, Some(date(2029, 9, 1))),
        )
        .unwrap();
    check("add_step");
    let later = s
        .add_step(
            p,
            new_step(
                "Find a route",
                StepOwner::LinkWorker,
                Some(date(2029, 10, 1)),
            ),
        )
        .unwrap();
    check("add_step later");
    s.update_step(
        later,
        StepUpdate {
            text: Some("Find a flat route".into()),
            due: Some(Some(date(2029, 8, 1))),
            ..Default::default()
        },
    )
    .unwrap();
    check("update_step");
    s.complete_step(later).unwrap();
    check("complete_step");
    s.reopen_step(later).unwrap();
    check("reopen_step");
    s.complete_step(step).unwrap();
    check("complete_step again");
    s.record_measure(p, ons4([6, 7, 5, 3], Timepoint::Baseline))
        .unwrap();
    check("record_measure");
    s.update_goal(
        goal,
        GoalUpdate {
            status: Some(GoalStatus::Achieved),
            ..Default::default()
        },
    )
    .unwrap();
    check("update_goal status");
    s.update_goal(
        undated,
        GoalUpdate {
            status: Some(GoalStatus::Dropped),
            ..Default::default()
        },
    )
    .unwrap();
    check("update_goal abandoned");

    // Case edits.
    s.update_demographics(
        p,
        DemographicsUpdate {
            given_name: Some("Amazing".into()),
            family_name: Some("Grace".into()),
            nhs_number: Some(None),
            date_of_birth: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    check("update_demographics");
    s.record_contact_attempt(
        p,
        NewContactAttempt {
            at: None,
            channel: ContactChannel::Phone,
            outcome: ContactOutcome::Reached,
            note: None,
        },
    )
    .unwrap();
    check("record_contact_attempt");
    walk(&s, p, &[EpisodeStatus::Contacting]);
    check("transition_episode to contacting");
    walk(&s, p, &[EpisodeStatus::Accepted]);
    check("transition_episode to accepted");
    s.record_consent(
        p,
        new_consent("debt support", "Citizens Advice", ConsentDecision::Given),
    )
    .unwrap();
    check("record_consent");
    let visit = s
        .add_consultation(p, new_consultation(ConsultationMode::HomeVisit))
        .unwrap();
    check("add_consultation");
    s.check_in(visit).unwrap();
    check("check_in");
    s.check_out(visit).unwrap();
    check("check_out");
    s.set_consultation_notes(visit, "Talked about the garden")
        .unwrap();
    check("set_consultation_notes");
    let onward = s
        .add_onward_referral(
            p,
            NewOnwardReferral {
                service: "Gardening club".into(),
                organisation: None,
                need: Some("loneliness".into()),
            },
        )
        .unwrap();
    check("add_onward_referral");
    s.transition_onward_referral(onward, OnwardStatus::Acknowledged, None)
        .unwrap();
    check("transition_onward_referral");
    let second = s
        .add_onward_referral(
            p,
            NewOnwardReferral {
                service: "Lunch club".into(),
                organisation: None,
                need: None,
            },
        )
        .unwrap();
    s.transition_onward_referral(second, OnwardStatus::NotEligible, None)
        .unwrap();
    check("transition_onward_referral to a final state");
    let flag = s.raise_flag(p, FlagKind::Risk, "Steep steps").unwrap();
    check("raise_flag");
    s.resolve_flag(flag).unwrap();
    check("resolve_flag");
    let note = s.add_case_note(p, "Prefers afternoons").unwrap();
    check("add_case_note");
    s.edit_case_note(note, "Prefers late afternoons").unwrap();
    check("edit_case_note");
    s.transition_episode(p, discharge(DischargeReason::GoalsMet))
        .unwrap();
    check("discharge");
    s.open_episode(
        p,
        NewReferral {
            source: Some(ReferralSource::SelfReferral),
            ..Default::default()
        },
    )
    .unwrap();
    check("open_episode");

    // Merges (the full refresh), then an erasure.
    let b = fork(&s, &dir, "b.db", "kim", other.person);
    b.add_step(
        other.person,
        new_step("Remote step", StepOwner::Person, Some(date(2029, 1, 1))),
    )
    .unwrap();
    b.add_case_note(other.person, "Remote note").unwrap();
    send(&b, &s, other.person);
    check("import_document");
    s.erase_person(other.person).unwrap();
    check("erase_person");
}

#[test]
fn projections_after_a_patient_store_edits_its_plan_equal_a_rebuild() {
    let dir = TestDir::new();
    let lw = dir.link_worker("lw.db", "sam");
    let f = full_person(&lw);
    let patient = patient_store(&dir, f.person);
    patient
        .import_document(&lw.export_document(f.person, DocKind::Plan).unwrap())
        .unwrap();
    let path = dir.path("patient.db");
    assert_same_as_rebuild(&patient, &path, "receiving the plan");
    patient
        .record_progress(
            f.goal,
            NewProgress {
                rating: Some(7),
                note: None,
            },
        )
        .unwrap();
    assert_same_as_rebuild(&patient, &path, "record_progress on the patient's store");
    patient.complete_step(f.step).unwrap();
    assert_same_as_rebuild(&patient, &path, "complete_step on the patient's store");
    patient
        .record_measure(f.person, ons4([7, 7, 6, 2], Timepoint::FollowUp))
        .unwrap();
    assert_same_as_rebuild(&patient, &path, "record_measure on the patient's store");
}

#[test]
fn the_conflict_index_after_merges_edits_and_resolutions_equals_a_rebuild() {
    let dir = TestDir::new();
    let a = dir.link_worker("a.db", "sam");
    let path = dir.path("a.db");
    let f = full_person(&a);
    let b = fork(&a, &dir, "b.db", "kim", f.person);
    let rows = || {
        projection_rows(&path)
            .into_iter()
            .filter(|r| r.starts_with("SELECT person_id, kind, fiel"))
            .count()
    };
    // Concurrent edits of the same fields in both documents, merged by import.
    a.set_review_date(f.person, Some(date(2031, 1, 1))).unwrap();
    b.set_review_date(f.person, Some(date(2031, 2, 2))).unwrap();
    let rename = |s: &Store, name: &str| {
        s.update_demographics(
            f.person,
            DemographicsUpdate {
                given_name: Some(name.into()),
                ..Default::default()
            },
        )
        .unwrap()
    };
    rename(&a, "Augusta");
    rename(&b, "Countess");
    send(&b, &a, f.person);
    assert_eq!(rows(), 2, "one row per conflicted document");
    assert_same_as_rebuild(&a, &path, "merging conflicting edits");
    // An edit of another field keeps the rows; resolving by an ordinary edit removes one.
    a.add_case_note(f.person, "Called").unwrap();
    assert_same_as_rebuild(&a, &path, "an unrelated edit");
    a.set_review_date(f.person, Some(date(2031, 3, 3))).unwrap();
    assert_eq!(rows(), 1);
    assert_same_as_rebuild(&a, &path, "an edit resolving the plan's conflict");
    let conflict = a
        .person(f.person)
        .unwrap()
        .conflicts
        .into_iter()
        .next()
        .unwrap();
    a.resolve_conflict(
        f.person,
        conflict.document,
        &conflict.path,
        &ConflictResolution::Keep(conflict.values[1].value.clone()),
    )
    .unwrap();
    assert_eq!(rows(), 0);
    assert_same_as_rebuild(&a, &path, "resolve_conflict");
    // Erasure removes the person's rows.
    b.set_review_date(f.person, Some(date(2032, 1, 1))).unwrap();
    a.set_review_date(f.person, Some(date(2032, 2, 2))).unwrap();
    send(&b, &a, f.person);
    assert_eq!(rows(), 1);
    a.erase_person(f.person).unwrap();
    assert_eq!(rows(), 0);
}
