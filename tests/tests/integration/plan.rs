//! The plan document through the `Store`: what matters, needs, review date, goals with progress
//! (ratings 0-10), steps (done once, reopened once), and their bad inputs.

use linkwork_core::model::*;
use linkwork_core::{Error, Id};
use linkwork_tests::*;

#[test]
fn what_matters_is_set_trimmed_replaced_and_bounded() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Flo", "Nightingale");
    s.set_what_matters(p, "  My garden  ").unwrap();
    assert_eq!(s.plan(p).unwrap().what_matters, "My garden");
    s.set_what_matters(p, "My garden and my cat").unwrap();
    assert_eq!(s.plan(p).unwrap().what_matters, "My garden and my cat");
    s.set_what_matters(p, "").unwrap();
    assert_eq!(s.plan(p).unwrap().what_matters, "", "may be cleared");
    s.set_what_matters(p, "Family").unwrap();
    let too_long = "x".repeat(text::MAX_TEXT_CHARS + 1);
    let err = assert_refused_unchanged(&s, p, || s.set_what_matters(p, &too_long));
    assert_invalid(&err, "what_matters");
    let err = assert_refused_unchanged(&s, p, || s.set_what_matters(p, "a\0b"));
    assert_invalid(&err, "what_matters");
    // Exactly the limit is fine.
    s.set_what_matters(p, &"y".repeat(text::MAX_TEXT_CHARS))
        .unwrap();
    assert_eq!(
        s.plan(p).unwrap().what_matters.chars().count(),
        text::MAX_TEXT_CHARS
    );
}

#[test]
fn needs_are_recorded_renoted_and_removed() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Need", "Full");
    for &need in Need::ALL {
        s.add_need(p, need, Some(&format!("about {need}"))).unwrap();
    }
    let plan = s.plan(p).unwrap();
    assert_eq!(plan.needs.len(), Need::ALL.len());
    for (recorded, need) in plan.needs.iter().zip(Need::ALL) {
        assert_eq!(recorded.need, *need);
        assert_eq!(
            recorded.note.as_deref(),
            Some(format!("about {need}").as_str())
        );
        assert_eq!(recorded.recorded_by, "sam");
    }
    // Re-adding replaces the note only; blank clears it.
    let debt_before = plan.needs.iter().find(|n| n.need == Need::Debt).unwrap();
    s.add_need(p, Need::Debt, Some("  ")).unwrap();
    let plan = s.plan(p).unwrap();
    let debt = plan.needs.iter().find(|n| n.need == Need::Debt).unwrap();
    assert_eq!(debt.note, None);
    assert_eq!(debt.recorded_at, debt_before.recorded_at);
    assert_eq!(plan.needs.len(), Need::ALL.len());
    s.remove_need(p, Need::Debt).unwrap();
    let plan = s.plan(p).unwrap();
    assert!(plan.needs.iter().all(|n| n.need != Need::Debt));
    let err = assert_refused_unchanged(&s, p, || s.remove_need(p, Need::Debt));
    assert_not_found(&err, "need");
    let err = assert_refused_unchanged(&s, p, || {
        s.add_need(p, Need::Food, Some(&"n".repeat(text::MAX_TEXT_CHARS + 1)))
    });
    assert_invalid(&err, "note");
}

#[test]
fn review_date_is_set_and_cleared() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Review", "Me");
    s.set_review_date(p, Some(date(2031, 1, 31))).unwrap();
    assert_eq!(s.plan(p).unwrap().review_date, Some(date(2031, 1, 31)));
    s.set_review_date(p, Some(date(2020, 2, 29))).unwrap();
    assert_eq!(s.plan(p).unwrap().review_date, Some(date(2020, 2, 29)));
    s.set_review_date(p, None).unwrap();
    assert_eq!(s.plan(p).unwrap().review_date, None);
}

#[test]
fn goals_are_added_and_updated_field_by_field() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Goal", "Setter");
    let g = s
        .add_goal(
            p,
            NewGoal {
                text: "  Feel less alone ".into(),
                smart_detail: Some(" ".into()),
                needs: vec![Need::Loneliness, Need::Bereavement],
                target_date: Some(date(2030, 9, 1)),
            },
        )
        .unwrap();
    let goal = s.plan(p).unwrap().goals[0].clone();
    assert_eq!(goal.id, g);
    assert_eq!(goal.text, "Feel less alone");
    assert_eq!(goal.smart_detail, None);
    assert_eq!(goal.needs, vec![Need::Loneliness, Need::Bereavement]);
    assert_eq!(goal.target_date, Some(date(2030, 9, 1)));
    assert_eq!(goal.status, GoalStatus::Active);
    assert!(goal.progress.is_empty());
    assert_eq!(goal.created_by, "sam");

    s.update_goal(
        g,
        GoalUpdate {
            text: Some("Feel less alone at weekends".into()),
            smart_detail: Some(Some("One outing each weekend".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let goal = s.plan(p).unwrap().goals[0].clone();
    assert_eq!(goal.text, "Feel less alone at weekends");
    assert_eq!(
        goal.smart_detail.as_deref(),
        Some("One outing each weekend")
    );
    assert_eq!(goal.target_date, Some(date(2030, 9, 1)), "None leaves it");
    assert_eq!(goal.needs, vec![Need::Loneliness, Need::Bereavement]);

    s.update_goal(
        g,
        GoalUpdate {
            smart_detail: Some(None),
            target_date: Some(None),
            needs: Some(vec![Need::Loneliness, Need::PhysicalActivity]),
            status: Some(GoalStatus::PartlyAchieved),
            ..Default::default()
        },
    )
    .unwrap();
    let goal = s.plan(p).unwrap().goals[0].clone();
    assert_eq!(goal.smart_detail, None);
    assert_eq!(goal.target_date, None);
    assert_eq!(goal.needs, vec![Need::Loneliness, Need::PhysicalActivity]);
    assert_eq!(goal.status, GoalStatus::PartlyAchieved);
    for &status in GoalStatus::ALL {
        s.update_goal(
            g,
            GoalUpdate {
                status: Some(status),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.plan(p).unwrap().goals[0].status, status);
    }
    // Goals are listed oldest first.
    let second = s
        .add_goal(
            p,
            NewGoal {
                text: "Second".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let ids: Vec<Id> = s.plan(p).unwrap().goals.iter().map(|g| g.id).collect();
    assert_eq!(ids, vec![g, second]);
}

#[test]
fn goal_bad_inputs_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for text in ["", "   ", "\n\t"] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.add_goal(
                f.person,
                NewGoal {
                    text: text.into(),
                    ..Default::default()
                },
            )
        });
        assert_invalid(&err, "text");
        let err = assert_refused_unchanged(&s, f.person, || {
            s.update_goal(
                f.goal,
                GoalUpdate {
                    text: Some(text.into()),
                    status: Some(GoalStatus::Achieved),
                    ..Default::default()
                },
            )
        });
        assert_invalid(&err, "text");
    }
    let err = assert_refused_unchanged(&s, f.person, || {
        s.update_goal(
            Id::new(),
            GoalUpdate {
                status: Some(GoalStatus::Dropped),
                ..Default::default()
            },
        )
    });
    assert_not_found(&err, "goal");
    // A step's id is not a goal's.
    let err = assert_refused_unchanged(&s, f.person, || {
        s.update_goal(
            f.step,
            GoalUpdate {
                status: Some(GoalStatus::Dropped),
                ..Default::default()
            },
        )
    });
    assert_not_found(&err, "goal");
}

#[test]
fn progress_ratings_zero_to_ten_notes_and_order() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let mut ids = f.progress.clone();
    for r in 0..=10u8 {
        ids.push(
            s.record_progress(
                f.goal,
                NewProgress {
                    rating: Some(r.into()),
                    note: None,
                },
            )
            .unwrap(),
        );
    }
    ids.push(
        s.record_progress(
            f.goal,
            NewProgress {
                rating: None,
                note: Some("  note only ".into()),
            },
        )
        .unwrap(),
    );
    let goal = s.plan(f.person).unwrap().goals[0].clone();
    let got: Vec<Id> = goal.progress.iter().map(|e| e.id).collect();
    assert_eq!(got, ids, "oldest first");
    let ratings: Vec<Option<i32>> = goal.progress[2..13].iter().map(|e| e.rating).collect();
    assert_eq!(ratings, (0..=10).map(Some).collect::<Vec<_>>());
    let last = goal.progress.last().unwrap();
    assert_eq!(
        (last.rating, last.note.as_deref()),
        (None, Some("note only"))
    );
    assert!(goal.progress.iter().all(|e| e.recorded_by == "sam"));
    for w in goal.progress.windows(2) {
        assert!(w[0].recorded_at < w[1].recorded_at);
    }
}

#[test]
fn progress_bad_inputs_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for rating in [11u8, 12, 100, 255] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.record_progress(
                f.goal,
                NewProgress {
                    rating: Some(rating.into()),
                    note: Some("fine".into()),
                },
            )
        });
        assert_invalid(&err, "rating");
    }
    for note in [None, Some(""), Some("   ")] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.record_progress(
                f.goal,
                NewProgress {
                    rating: None,
                    note: note.map(str::to_string),
                },
            )
        });
        assert_invalid(&err, "progress");
    }
    for unknown in [Id::new(), f.step, f.person, f.progress[0]] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.record_progress(
                unknown,
                NewProgress {
                    rating: Some(5),
                    note: None,
                },
            )
        });
        assert_not_found(&err, "goal");
    }
}

#[test]
fn steps_are_added_linked_rescheduled_and_ordered_by_due_date() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let later = s
        .add_step(
            f.person,
            NewStep {
                text: " Visit the lunch club ".into(),
                owner: StepOwner::Service,
                owner_name: Some("Age UK".into()),
                goal_id: Some(f.goal),
                due: Some(date(2031, 1, 1)),
            },
        )
        .unwrap();
    let undated = s
        .add_step(f.person, new_step("Think about it", StepOwner::Other, None))
        .unwrap();
    let plan = s.plan(f.person).unwrap();
    let ids: Vec<Id> = plan.steps.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        vec![f.done_step, f.step, later, undated],
        "by due date"
    );
    let st = plan.steps.iter().find(|x| x.id == later).unwrap();
    assert_eq!(st.text, "Visit the lunch club");
    assert_eq!(st.owner, StepOwner::Service);
    assert_eq!(st.owner_name.as_deref(), Some("Age UK"));
    assert_eq!(st.goal_id, Some(f.goal));
    assert_eq!(st.done_at, None);
    assert_eq!(st.created_by, "sam");

    // Reschedule before everything, change owner, clear the named owner.
    s.update_step(
        later,
        StepUpdate {
            due: Some(Some(date(2029, 1, 1))),
            owner: Some(StepOwner::LinkWorker),
            owner_name: Some(None),
            text: Some("Go to the lunch club".into()),
        },
    )
    .unwrap();
    let plan = s.plan(f.person).unwrap();
    assert_eq!(plan.steps[0].id, later);
    assert_eq!(plan.steps[0].due, Some(date(2029, 1, 1)));
    assert_eq!(plan.steps[0].owner, StepOwner::LinkWorker);
    assert_eq!(plan.steps[0].owner_name, None);
    assert_eq!(plan.steps[0].text, "Go to the lunch club");
    s.update_step(
        later,
        StepUpdate {
            due: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    let st = s.plan(f.person).unwrap().steps;
    let st = st.iter().find(|x| x.id == later).unwrap();
    assert_eq!(st.due, None);
    assert_eq!(st.owner, StepOwner::LinkWorker, "None leaves it");
}

#[test]
fn step_bad_inputs_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let other = full_person_named(&s, "Other", "Person", None);
    let err = assert_refused_unchanged(&s, f.person, || {
        s.add_step(f.person, new_step("  ", StepOwner::Person, None))
    });
    assert_invalid(&err, "text");
    // A goal from another person's plan, or no goal at all.
    for goal in [other.goal, Id::new(), f.step] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.add_step(
                f.person,
                NewStep {
                    goal_id: Some(goal),
                    ..new_step("Linked", StepOwner::Person, None)
                },
            )
        });
        assert_not_found(&err, "goal");
    }
    let err = assert_refused_unchanged(&s, f.person, || {
        s.update_step(
            f.step,
            StepUpdate {
                text: Some(String::new()),
                due: Some(None),
                ..Default::default()
            },
        )
    });
    assert_invalid(&err, "text");
    for unknown in [Id::new(), f.goal] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.update_step(
                unknown,
                StepUpdate {
                    due: Some(None),
                    ..Default::default()
                },
            )
        });
        assert_not_found(&err, "step");
        let err = assert_refused_unchanged(&s, f.person, || s.complete_step(unknown));
        assert_not_found(&err, "step");
        let err = assert_refused_unchanged(&s, f.person, || s.reopen_step(unknown));
        assert_not_found(&err, "step");
    }
}

#[test]
fn a_step_is_done_once_and_reopened_once() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    s.complete_step(f.step).unwrap();
    let st = s.plan(f.person).unwrap().steps;
    let st = st.iter().find(|x| x.id == f.step).unwrap().clone();
    let done_at = st.done_at.unwrap();
    assert_eq!(st.done_by.as_deref(), Some("sam"));
    // Done twice: refused, and the first completion is kept.
    let err = assert_refused_unchanged(&s, f.person, || s.complete_step(f.step));
    assert_illegal(&err, "step", "done", "done");
    let again = s.plan(f.person).unwrap().steps;
    assert_eq!(
        again.iter().find(|x| x.id == f.step).unwrap().done_at,
        Some(done_at)
    );
    s.reopen_step(f.step).unwrap();
    let st = s.plan(f.person).unwrap().steps;
    let st = st.iter().find(|x| x.id == f.step).unwrap();
    assert_eq!((st.done_at, st.done_by.as_deref()), (None, None));
    let err = assert_refused_unchanged(&s, f.person, || s.reopen_step(f.step));
    assert_illegal(&err, "step", "open", "open");
    s.complete_step(f.step).unwrap();
    assert!(matches!(
        s.complete_step(f.done_step),
        Err(Error::IllegalTransition { .. })
    ));
}
