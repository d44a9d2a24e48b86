//! Property: fork a person's documents into two stores, apply random concurrent edits on both
//! sides, exchange the documents both ways; both sides converge (same record, same caseload
//! row, same projections, same document heads) and nothing created on either side is lost.

use std::collections::BTreeSet;

use chrono::Duration;
use linkwork_core::measures::Timepoint;
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use linkwork_tests::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    AddGoal(u8),
    UpdateGoal {
        goal: usize,
        status: u8,
    },
    Progress {
        goal: usize,
        rating: Option<u8>,
        note: bool,
    },
    AddStep {
        due_days: Option<u16>,
        goal: Option<usize>,
    },
    CompleteStep(usize),
    ReopenStep(usize),
    Reschedule {
        step: usize,
        due_days: Option<u16>,
    },
    Consent {
        purpose: u8,
        given: bool,
    },
    Consultation(u8),
    AddNote(u8),
    EditNote {
        note: usize,
        text: u8,
    },
    Demographics {
        field: u8,
        value: u8,
    },
    WhatMatters(u8),
    Need(u8),
    Transition(u8),
    Onward(u8),
    OnwardMove {
        referral: usize,
        to: u8,
    },
    Measure(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u8>().prop_map(Op::AddGoal),
        (any::<usize>(), any::<u8>()).prop_map(|(goal, status)| Op::UpdateGoal { goal, status }),
        (
            any::<usize>(),
            proptest::option::of(0u8..=10),
            any::<bool>()
        )
            .prop_map(|(goal, rating, note)| Op::Progress { goal, rating, note }),
        (
            proptest::option::of(0u16..2000),
            proptest::option::of(any::<usize>())
        )
            .prop_map(|(due_days, goal)| Op::AddStep { due_days, goal }),
        any::<usize>().prop_map(Op::CompleteStep),
        any::<usize>().prop_map(Op::ReopenStep),
        (any::<usize>(), proptest::option::of(0u16..2000))
            .prop_map(|(step, due_days)| Op::Reschedule { step, due_days }),
        (0u8..3, any::<bool>()).prop_map(|(purpose, given)| Op::Consent { purpose, given }),
        any::<u8>().prop_map(Op::Consultation),
        any::<u8>().prop_map(Op::AddNote),
        (any::<usize>(), any::<u8>()).prop_map(|(note, text)| Op::EditNote { note, text }),
        (0u8..5, any::<u8>()).prop_map(|(field, value)| Op::Demographics { field, value }),
        any::<u8>().prop_map(Op::WhatMatters),
        any::<u8>().prop_map(Op::Need),
        any::<u8>().prop_map(Op::Transition),
        any::<u8>().prop_map(Op::Onward),
        (any::<usize>(), any::<u8>()).prop_map(|(referral, to)| Op::OnwardMove { referral, to }),
        (0u8..=10).prop_map(Op::Measure),
    ]
}

/// One side of the fork: its store, the items it knows, and what it created.
struct Side {
    store: Store,
    person: Id,
    goals: Vec<Id>,
    steps: Vec<Id>,
    notes: Vec<Id>,
    onward: Vec<Id>,
    created_goals: Vec<Id>,
    created_steps: Vec<Id>,
    created_progress: Vec<Id>,
    created_consents: Vec<Id>,
    created_other: Vec<Id>,
}

fn pick(ids: &[Id], i: usize) -> Option<Id> {
    (!ids.is_empty()).then(|| ids[i % ids.len()])
}

fn due(days: Option<u16>) -> Option<chrono::NaiveDate> {
    days.map(|d| date(2030, 1, 1) + Duration::days(i64::from(d)))
}

impl Side {
    fn new(store: Store, f: &Fixture) -> Self {
        Side {
            store,
            person: f.person,
            goals: vec![f.goal],
            steps: vec![f.step, f.done_step],
            notes: vec![f.note],
            onward: vec![f.onward],
            created_goals: Vec::new(),
            created_steps: Vec::new(),
            created_progress: Vec::new(),
            created_consents: Vec::new(),
            created_other: Vec::new(),
        }
    }

    /// Applies one edit. Inputs are valid, so the only acceptable refusal is a state machine
    /// saying no (a step done twice, a move the episode or referral does not allow, ...).
    fn apply(&mut self, op: &Op, side: &str) {
        let s = &self.store;
        let p = self.person;
        let result: Result<(), Error> = match op {
            Op::AddGoal(n) => s
                .add_goal(
                    p,
                    NewGoal {
                        text: format!("{side} goal {n}"),
                        needs: vec![Need::ALL[*n as usize % Need::ALL.len()]],
                        target_date: due(Some(u16::from(*n))),
                        ..Default::default()
                    },
                )
                .map(|id| {
                    self.goals.push(id);
                    self.created_goals.push(id);
                }),
            Op::UpdateGoal { goal, status } => match pick(&self.goals, *goal) {
                Some(g) => s.update_goal(
                    g,
                    GoalUpdate {
                        status: Some(GoalStatus::ALL[*status as usize % GoalStatus::ALL.len()]),
                        ..Default::default()
                    },
                ),
                None => Ok(()),
            },
            Op::Progress { goal, rating, note } => match pick(&self.goals, *goal) {
                Some(g) => s
                    .record_progress(
                        g,
                        NewProgress {
                            rating: rating.map(i32::from).or(if *note { None } else { Some(5) }),
                            note: note.then(|| format!("{side} progress")),
                        },
                    )
                    .map(|id| self.created_progress.push(id)),
                None => Ok(()),
            },
            Op::AddStep { due_days, goal } => s
                .add_step(
                    p,
                    NewStep {
                        text: format!("{side} step"),
                        owner: StepOwner::Person,
                        owner_name: None,
                        goal_id: goal.and_then(|g| pick(&self.goals, g)),
                        due: due(*due_days),
                    },
                )
                .map(|id| {
                    self.steps.push(id);
                    self.created_steps.push(id);
                }),
            Op::CompleteStep(i) => pick(&self.steps, *i).map_or(Ok(()), |st| s.complete_step(st)),
            Op::ReopenStep(i) => pick(&self.steps, *i).map_or(Ok(()), |st| s.reopen_step(st)),
            Op::Reschedule { step, due_days } => match pick(&self.steps, *step) {
                Some(st) => s.update_step(
                    st,
                    StepUpdate {
                        due: Some(due(*due_days)),
                        ..Default::default()
                    },
                ),
                None => Ok(()),
            },
            Op::Consent { purpose, given } => s
                .record_consent(
                    p,
                    new_consent(
                        ["debt support", "housing", "walking"][*purpose as usize % 3],
                        "Citizens Advice",
                        if *given {
                            ConsentDecision::Given
                        } else {
                            ConsentDecision::Withdrawn
                        },
                    ),
                )
                .map(|id| self.created_consents.push(id)),
            Op::Consultation(m) => s
                .add_consultation(
                    p,
                    new_consultation(
                        ConsultationMode::ALL[*m as usize % ConsultationMode::ALL.len()],
                    ),
                )
                .map(|id| self.created_other.push(id)),
            Op::AddNote(n) => s.add_case_note(p, &format!("{side} note {n}")).map(|id| {
                self.notes.push(id);
                self.created_other.push(id);
            }),
            Op::EditNote { note, text } => match pick(&self.notes, *note) {
                Some(n) => s.edit_case_note(n, &format!("{side} edit {text}")),
                None => Ok(()),
            },
            Op::Demographics { field, value } => {
                let v = format!("{side}{value}");
                let u = match field {
                    0 => DemographicsUpdate {
                        given_name: Some(v),
                        ..Default::default()
                    },
                    1 => DemographicsUpdate {
                        family_name: Some(v),
                        ..Default::default()
                    },
                    2 => DemographicsUpdate {
                        phone: Some(Some(v)),
                        ..Default::default()
                    },
                    3 => DemographicsUpdate {
                        nhs_number: Some(Some(nhs_number(u32::from(*value) * 1_000_003))),
                        ..Default::default()
                    },
                    _ => DemographicsUpdate {
                        address: Some(None),
                        gp_codes_only: Some(value % 2 == 0),
                        ..Default::default()
                    },
                };
                s.update_demographics(p, u)
            }
            Op::WhatMatters(n) => s.set_what_matters(p, &format!("{side} matters {n}")),
            Op::Need(n) => s.add_need(
                p,
                Need::ALL[*n as usize % Need::ALL.len()],
                Some(&format!("{side} need")),
            ),
            Op::Transition(t) => {
                let to_status = EpisodeStatus::ALL[*t as usize % EpisodeStatus::ALL.len()];
                let t = if to_status == EpisodeStatus::Discharged {
                    discharge(DischargeReason::Other)
                } else {
                    to(to_status)
                };
                s.transition_episode(p, t).map(drop)
            }
            Op::Onward(n) => s
                .add_onward_referral(
                    p,
                    NewOnwardReferral {
                        service: format!("{side} service {n}"),
                        organisation: None,
                        need: None,
                    },
                )
                .map(|id| {
                    self.onward.push(id);
                    self.created_other.push(id);
                }),
            Op::OnwardMove { referral, to } => match pick(&self.onward, *referral) {
                Some(r) => s.transition_onward_referral(
                    r,
                    OnwardStatus::ALL[*to as usize % OnwardStatus::ALL.len()],
                    None,
                ),
                None => Ok(()),
            },
            Op::Measure(n) => s
                .record_measure(p, ons4([i64::from(*n); 4], Timepoint::Review))
                .map(|id| self.created_other.push(id)),
        };
        match result {
            Ok(()) | Err(Error::IllegalTransition { .. }) => {}
            Err(e) => panic!("{side}: {op:?} failed: {e}"),
        }
    }
}

fn heads(store: &Store, person: Id, kind: DocKind) -> Vec<automerge::ChangeHash> {
    let doc = automerge::Automerge::load(&store.export_document(person, kind).unwrap()).unwrap();
    let mut h = doc.get_heads();
    h.sort();
    h
}

fn row(store: &Store, person: Id) -> CaseloadEntry {
    let mut e = entry(store, person);
    e.updated_at = chrono::DateTime::default();
    e
}

fn check(ops_a: &[Op], ops_b: &[Op]) -> Result<(), TestCaseError> {
    let dir = TestDir::new();
    let base = dir.link_worker("a.db", "sam");
    let f = full_person(&base);
    let b_store = fork(&base, &dir, "b.db", "kim", f.person);
    let mut a = Side::new(base, &f);
    let mut b = Side::new(b_store, &f);
    // Interleave the two sides' edits in time (they are concurrent either way).
    for i in 0..ops_a.len().max(ops_b.len()) {
        if let Some(op) = ops_a.get(i) {
            a.apply(op, "a");
        }
        if let Some(op) = ops_b.get(i) {
            b.apply(op, "b");
        }
    }
    send(&a.store, &b.store, f.person);
    send(&b.store, &a.store, f.person);
    let p = f.person;

    // Convergence: the same changes, the same record, the same projections.
    for kind in [DocKind::Plan, DocKind::Case] {
        prop_assert_eq!(heads(&a.store, p, kind), heads(&b.store, p, kind));
    }
    let ra = a.store.person(p).unwrap();
    let rb = b.store.person(p).unwrap();
    prop_assert_eq!(&ra, &rb);
    prop_assert_eq!(row(&a.store, p), row(&b.store, p));
    prop_assert_eq!(
        claims(a.store.history(p).unwrap()),
        claims(b.store.history(p).unwrap())
    );
    prop_assert_eq!(
        a.store.due(date(9999, 1, 1)).unwrap(),
        b.store.due(date(9999, 1, 1)).unwrap()
    );
    prop_assert_eq!(
        a.store.open_onward_referrals().unwrap(),
        b.store.open_onward_referrals().unwrap()
    );
    prop_assert_eq!(a.store.gp_codes(p).unwrap(), b.store.gp_codes(p).unwrap());
    // Exported bytes load to the same record anywhere.
    let fresh = dir.link_worker("fresh.db", "zoe");
    send(&a.store, &fresh, p);
    prop_assert_eq!(&fresh.person(p).unwrap(), &ra);
    prop_assert_eq!(row(&fresh, p), row(&a.store, p));
    // Nothing sent twice is new.
    prop_assert!(!send(&b.store, &a.store, p));

    // No loss: everything either side created is there.
    let goals: BTreeSet<Id> = ra.plan.goals.iter().map(|g| g.id).collect();
    let steps: BTreeSet<Id> = ra.plan.steps.iter().map(|s| s.id).collect();
    let progress: BTreeSet<Id> = ra
        .plan
        .goals
        .iter()
        .flat_map(|g| g.progress.iter().map(|e| e.id))
        .collect();
    let case = ra.case.as_ref().unwrap();
    let consents: BTreeSet<Id> = case.consents.iter().map(|c| c.id).collect();
    let mut others: BTreeSet<Id> = case.consultations.iter().map(|c| c.id).collect();
    others.extend(case.notes.iter().map(|n| n.id));
    others.extend(case.onward_referrals.iter().map(|o| o.id));
    others.extend(ra.plan.measures.iter().map(|m| m.id));
    for side in [&a, &b] {
        for id in &side.created_goals {
            prop_assert!(goals.contains(id), "goal {} lost", id);
        }
        for id in &side.created_steps {
            prop_assert!(steps.contains(id), "step {} lost", id);
        }
        for id in &side.created_progress {
            prop_assert!(progress.contains(id), "progress {} lost", id);
        }
        for id in &side.created_consents {
            prop_assert!(consents.contains(id), "consent {} lost", id);
        }
        for id in &side.created_other {
            prop_assert!(others.contains(id), "item {} lost", id);
        }
    }
    prop_assert!(goals.contains(&f.goal) && steps.contains(&f.step));
    prop_assert!(progress.contains(&f.progress[0]) && consents.contains(&f.consent));
    let expected_progress = 2 + a.created_progress.len() + b.created_progress.len();
    prop_assert_eq!(progress.len(), expected_progress);
    prop_assert_eq!(
        consents.len(),
        1 + a.created_consents.len() + b.created_consents.len()
    );
    // Consent history is never rewritten: every record supersedes at most one earlier one
    // with the same purpose and recipient.
    for c in &case.consents {
        if let Some(old) = c.supersedes {
            let old = case.consents.iter().find(|o| o.id == old);
            prop_assert!(old.is_some_and(|o| o.purpose == c.purpose && o.recipient == c.recipient));
        }
    }
    // SNOMED CT codes stay once per episode and event, whatever both sides did.
    for e in &case.episodes {
        for code in [REFERRAL_TO_SOCIAL_PRESCRIBING, SOCIAL_PRESCRIBING_DECLINED] {
            prop_assert!(e.gp_codes.iter().filter(|c| c.code == code).count() <= 1);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    })]

    #[test]
    fn forks_converge_without_losing_anything(
        ops_a in prop::collection::vec(op(), 0..=12),
        ops_b in prop::collection::vec(op(), 0..=12),
    ) {
        check(&ops_a, &ops_b)?;
    }
}

#[test]
fn a_fixed_busy_exchange_converges() {
    // A deterministic case covering every operation on both sides.
    let all: Vec<Op> = vec![
        Op::AddGoal(1),
        Op::Progress {
            goal: 1,
            rating: Some(4),
            note: true,
        },
        Op::AddStep {
            due_days: Some(3),
            goal: Some(1),
        },
        Op::CompleteStep(2),
        Op::ReopenStep(1),
        Op::Reschedule {
            step: 0,
            due_days: None,
        },
        Op::Consent {
            purpose: 0,
            given: false,
        },
        Op::Consultation(0),
        Op::AddNote(7),
        Op::EditNote { note: 0, text: 1 },
        Op::Demographics { field: 0, value: 9 },
        Op::WhatMatters(3),
        Op::Need(2),
        Op::Transition(6),
        Op::Onward(1),
        Op::OnwardMove { referral: 0, to: 2 },
        Op::Measure(7),
        Op::UpdateGoal { goal: 0, status: 1 },
    ];
    check(&all, &all).unwrap();
}
