//! Property: a hub and three link-worker stores (plus the phone of one person) make random
//! edits and sync in random pairs, with some pairs partitioned for a while; after a final full
//! mesh of syncs every link-worker store holds identical documents and projections, and the
//! phone holds exactly its person's plan, equal to theirs.

use crate::sync_support;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};
use proptest::prelude::*;
use sync_support::*;

/// Link-worker stores: 0 is the hub. The phone is store `PHONE`.
const LINK_WORKERS: usize = 4;
const PHONE: usize = LINK_WORKERS;
const STORES: usize = LINK_WORKERS + 1;

#[derive(Clone, Debug)]
enum Op {
    AddPerson {
        store: usize,
    },
    AddGoal {
        store: usize,
        person: usize,
    },
    AddStep {
        store: usize,
        person: usize,
    },
    /// Also on the phone (the person's own goals).
    Progress {
        store: usize,
        goal: usize,
        rating: u8,
    },
    /// Also on the phone.
    TickStep {
        store: usize,
        step: usize,
    },
    /// Also on the phone.
    Measure {
        store: usize,
        person: usize,
    },
    GoalStatus {
        store: usize,
        goal: usize,
        status: usize,
    },
    Reschedule {
        store: usize,
        step: usize,
        day: u32,
    },
    Phone {
        store: usize,
        person: usize,
        n: u16,
    },
    WhatMatters {
        store: usize,
        person: usize,
        words: usize,
    },
    Consultation {
        store: usize,
        person: usize,
    },
    Erase {
        store: usize,
        person: usize,
    },
    Sync {
        from: usize,
        to: usize,
    },
}

fn lw() -> impl Strategy<Value = usize> {
    0..LINK_WORKERS
}

fn any_store() -> impl Strategy<Value = usize> {
    0..STORES
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0..64usize;
    prop_oneof![
        2 => lw().prop_map(|store| Op::AddPerson { store }),
        2 => (lw(), i()).prop_map(|(store, person)| Op::AddGoal { store, person }),
        2 => (lw(), i()).prop_map(|(store, person)| Op::AddStep { store, person }),
        3 => (any_store(), i(), 0..=10u8)
            .prop_map(|(store, goal, rating)| Op::Progress { store, goal, rating }),
        2 => (any_store(), i()).prop_map(|(store, step)| Op::TickStep { store, step }),
        1 => (any_store(), i()).prop_map(|(store, person)| Op::Measure { store, person }),
        2 => (lw(), i(), 0..5usize)
            .prop_map(|(store, goal, status)| Op::GoalStatus { store, goal, status }),
        2 => (lw(), i(), 1..28u32).prop_map(|(store, step, day)| Op::Reschedule { store, step, day }),
        1 => (lw(), i(), any::<u16>()).prop_map(|(store, person, n)| Op::Phone { store, person, n }),
        1 => (lw(), i(), 0..4usize)
            .prop_map(|(store, person, words)| Op::WhatMatters { store, person, words }),
        1 => (lw(), i()).prop_map(|(store, person)| Op::Consultation { store, person }),
        1 => (lw(), i()).prop_map(|(store, person)| Op::Erase { store, person }),
        6 => (any_store(), any_store()).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

/// Pairs that cannot talk until `heal` ops have run.
#[derive(Clone, Debug)]
struct Partition {
    blocked: Vec<(usize, usize)>,
    heal: usize,
}

fn partition() -> impl Strategy<Value = Partition> {
    (proptest::collection::vec((lw(), lw()), 0..4), 0..30usize).prop_map(|(pairs, heal)| {
        Partition {
            blocked: pairs.into_iter().filter(|(a, b)| a != b).collect(),
            heal,
        }
    })
}

fn blocked(p: &Partition, at: usize, x: usize, y: usize) -> bool {
    at < p.heal
        && p.blocked
            .iter()
            .any(|&(a, b)| (a, b) == (x, y) || (a, b) == (y, x))
}

const STATUSES: [GoalStatus; 5] = [
    GoalStatus::Active,
    GoalStatus::Achieved,
    GoalStatus::PartlyAchieved,
    GoalStatus::NotAchieved,
    GoalStatus::Dropped,
];

const WORDS: [&str; 4] = [
    "Seeing my grandchildren",
    "Getting back to the allotment",
    "Feeling less alone in the evenings",
    "Seeing my grandchildren and the allotment",
];

/// What the world knows of: every person, goal and step ever created (on any store).
struct World {
    stores: Vec<Store>,
    /// The phone's person.
    me: Id,
    people: Vec<Id>,
    /// Never erased (the phone's person).
    protected: Id,
    goals: Vec<(Id, Id)>,
    steps: Vec<(Id, Id)>,
}

impl World {
    fn pick<T: Copy>(v: &[T], i: usize) -> Option<T> {
        (!v.is_empty()).then(|| v[i % v.len()])
    }

    /// The phone only touches its own person's items.
    fn goals_for(&self, store: usize) -> Vec<(Id, Id)> {
        self.goals
            .iter()
            .copied()
            .filter(|(p, _)| store != PHONE || *p == self.me)
            .collect()
    }

    fn steps_for(&self, store: usize) -> Vec<(Id, Id)> {
        self.steps
            .iter()
            .copied()
            .filter(|(p, _)| store != PHONE || *p == self.me)
            .collect()
    }

    fn apply(&mut self, op: &Op) -> Result<(), Error> {
        let s = |i: usize| &self.stores[i];
        match *op {
            Op::AddPerson { store } => {
                let p = add_person(s(store), &format!("P{}", self.people.len()));
                self.people.push(p);
            }
            Op::AddGoal { store, person } => {
                if let Some(p) = Self::pick(&self.people, person) {
                    let g = s(store).add_goal(
                        p,
                        NewGoal {
                            text: format!("goal {}", self.goals.len()),
                            ..Default::default()
                        },
                    )?;
                    self.goals.push((p, g));
                }
            }
            Op::AddStep { store, person } => {
                if let Some(p) = Self::pick(&self.people, person) {
                    let st = s(store).add_step(
                        p,
                        NewStep {
                            text: format!("step {}", self.steps.len()),
                            owner: StepOwner::Person,
                            owner_name: None,
                            goal_id: None,
                            due: Some(date(2031, 3, 1)),
                        },
                    )?;
                    self.steps.push((p, st));
                }
            }
            Op::Progress {
                store,
                goal,
                rating,
            } => {
                if let Some((_, g)) = Self::pick(&self.goals_for(store), goal) {
                    s(store).record_progress(
                        g,
                        NewProgress {
                            rating: Some(rating.into()),
                            note: None,
                        },
                    )?;
                }
            }
            Op::TickStep { store, step } => {
                if let Some((p, st)) = Self::pick(&self.steps_for(store), step) {
                    let done = s(store)
                        .plan(p)?
                        .steps
                        .iter()
                        .any(|x| x.id == st && x.done_at.is_some());
                    if done {
                        s(store).reopen_step(st)?;
                    } else {
                        s(store).complete_step(st)?;
                    }
                }
            }
            Op::Measure { store, person } => {
                let p = if store == PHONE {
                    Some(self.me)
                } else {
                    Self::pick(&self.people, person)
                };
                if let Some(p) = p {
                    // Errors of an unknown person are NotFound, handled by the caller.
                    let _ = s(store).plan(p)?;
                    ons4(s(store), p, (person % 11) as i64);
                }
            }
            Op::GoalStatus {
                store,
                goal,
                status,
            } => {
                if let Some((_, g)) = Self::pick(&self.goals, goal) {
                    s(store).update_goal(
                        g,
                        GoalUpdate {
                            status: Some(STATUSES[status]),
                            ..Default::default()
                        },
                    )?;
                }
            }
            Op::Reschedule { store, step, day } => {
                if let Some((_, st)) = Self::pick(&self.steps, step) {
                    s(store).update_step(
                        st,
                        StepUpdate {
                            due: Some(Some(date(2031, 4, day))),
                            ..Default::default()
                        },
                    )?;
                }
            }
            Op::Phone { store, person, n } => {
                if let Some(p) = Self::pick(&self.people, person) {
                    s(store).update_demographics(
                        p,
                        DemographicsUpdate {
                            phone: Some(Some(format!("01632 9{n:05}"))),
                            ..Default::default()
                        },
                    )?;
                }
            }
            Op::WhatMatters {
                store,
                person,
                words,
            } => {
                if let Some(p) = Self::pick(&self.people, person) {
                    s(store).set_what_matters(p, WORDS[words])?;
                }
            }
            Op::Consultation { store, person } => {
                if let Some(p) = Self::pick(&self.people, person) {
                    s(store).add_consultation(
                        p,
                        NewConsultation {
                            mode: ConsultationMode::Phone,
                            start: None,
                            duration_minutes: Some(20),
                            attendees: vec![],
                            notes: None,
                        },
                    )?;
                }
            }
            Op::Erase { store, person } => {
                if let Some(p) = Self::pick(&self.people, person) {
                    if p != self.protected {
                        s(store).erase_person(p)?;
                    }
                }
            }
            Op::Sync { .. } => unreachable!("syncs are run by the test"),
        }
        Ok(())
    }
}

/// Syncs two stores (either may be the phone); a link-worker pair must agree afterwards.
/// Whether the sync was idle (one message each way: neither had anything for the other).
fn sync_checked(w: &World, x: usize, y: usize) -> Result<bool, TestCaseError> {
    let (a, b) = (&w.stores[x], &w.stores[y]);
    let idle = match try_sync(a, b) {
        Ok(run) => {
            prop_assert!(run.complete_a && run.complete_b, "{x}<->{y}: incomplete");
            run.delivered == 2
        }
        Err((side, e)) => {
            return Err(TestCaseError::fail(format!(
                "sync {x}->{y} failed on {side:?}: {e:?}"
            )))
        }
    };
    if x != PHONE && y != PHONE {
        assert_converged(&[a, b]);
    } else {
        let lw = if x == PHONE { b } else { a };
        assert_patient_matches(&w.stores[PHONE], lw, w.me);
    }
    Ok(idle)
}

fn run_case(partition: &Partition, ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = Dir::new();
    let mut stores: Vec<Store> = ["hub.db", "ann.db", "bo.db", "cy.db"]
        .iter()
        .map(|f| dir.link_worker(f))
        .collect();
    let me = planned_person(&stores[0], "Pat");
    stores.push(dir.patient("pat.db", me.person));
    let mut w = World {
        stores,
        me: me.person,
        people: vec![me.person],
        protected: me.person,
        goals: vec![(me.person, me.goal)],
        steps: vec![(me.person, me.step)],
    };
    for i in 1..STORES {
        sync_checked(&w, 0, i)?;
    }
    for (at, op) in ops.iter().enumerate() {
        match *op {
            Op::Sync { from, to } => {
                if from == to || blocked(partition, at, from, to) {
                    continue;
                }
                // The phone talks to the hub only: a link worker's edit relayed by the phone to
                // a colleague who lacks it is refused (a known gap, see sync_policy.rs).
                if (from == PHONE && to != 0) || (to == PHONE && from != 0) {
                    continue;
                }
                sync_checked(&w, from, to)?;
            }
            _ => match w.apply(op) {
                Ok(()) | Err(Error::NotFound { .. }) | Err(Error::IllegalTransition { .. }) => {}
                Err(e) => return Err(TestCaseError::fail(format!("{op:?}: {e:?}"))),
            },
        }
    }
    // Heal: passes of a full mesh of the link workers until one pass changes nothing, then the
    // phone with each of them. One pass is not always enough: an erasure reaches a store that
    // took the person from a third store (which had not yet heard of the erasure) only at its
    // next sync with one that has (bo adds a person, cy takes it, bo erases it; in the mesh
    // the hub takes it from cy before cy meets bo). Four stores settle within four passes.
    let mut passes = 0;
    loop {
        passes += 1;
        let mut idle = true;
        for x in 0..LINK_WORKERS {
            for y in x + 1..LINK_WORKERS {
                idle &= sync_checked(&w, y, x)?;
            }
        }
        if idle {
            break;
        }
        prop_assert!(passes < 4, "the mesh still changed after {} passes", passes);
    }
    for x in 0..LINK_WORKERS {
        sync_checked(&w, PHONE, x)?;
    }
    let lws: Vec<&Store> = w.stores[..LINK_WORKERS].iter().collect();
    assert_converged(&lws);
    // No store holds an erased person. (Since protocol version 2 a tombstone reaches the stores
    // that held the person, not every store: one that never did has no reason to know.)
    let erased = |s: &Store| -> Vec<Id> {
        let mut ids: Vec<Id> = s
            .erased_people()
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        ids.sort();
        ids
    };
    let all_erased: std::collections::BTreeSet<Id> = lws.iter().flat_map(|s| erased(s)).collect();
    for lw in &lws {
        assert_patient_matches(&w.stores[PHONE], lw, w.me);
        let held = people(lw);
        for p in &all_erased {
            prop_assert!(!held.contains(p), "an erased person is still held");
        }
    }
    // Nothing left to do anywhere.
    for x in 0..STORES {
        let y = (x + 1) % LINK_WORKERS;
        if x != y {
            let run = sync(&w.stores[x], &w.stores[y]);
            prop_assert_eq!(run.delivered, 2, "idle {}<->{}", x, y);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_edits_and_partitioned_syncs_converge(
        partition in partition(),
        ops in proptest::collection::vec(op(), 1..=30),
    ) {
        run_case(&partition, &ops)?;
    }
}

/// The minimal case proptest found for a single pass of the heal: a person added on bo,
/// relayed to cy, then erased on bo; after the heal no link worker holds them.
#[test]
fn a_person_erased_after_being_relayed_is_gone_everywhere_after_the_heal() {
    let partition = Partition {
        blocked: vec![(1, 3)],
        heal: 13,
    };
    let ops = [
        Op::AddPerson { store: 2 },
        Op::Sync { from: 3, to: 2 },
        Op::Erase {
            store: 2,
            person: 11,
        },
    ];
    if let Err(e) = run_case(&partition, &ops) {
        panic!("{e}");
    }
}
