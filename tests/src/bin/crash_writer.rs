//! The child of the crash-safety test (`tests/tests/integration/crash_safety.rs`): opens a store and does
//! real user actions in a loop until it is killed, printing `committed <n> <what> <ids...>`
//! (flushed) only after each action returned `Ok`.
//!
//!   crash_writer <store path> <seed>
//!
//! Without a store at the path it creates one first, as an app does on first run: it prints
//! `creating` before and `created` once that returned. Before each action it prints `begin <i>`,
//! so the parent can tell a kill that landed inside an action from one between actions.
//!
//! Every action writes a recognisable unit whose fields all derive from its number `n`, so the
//! parent can tell a whole unit from a half-applied one: a person `G<n> F<n>` with a referral
//! reason `r<n>` (two documents in one commit), a goal `goal <n>` / `detail <n>`, progress with
//! rating `n % 11` and note `progress <n>`, a step `step <n>` due `2030-01-01 + n % 365 days`,
//! ticking a step, an ONS4 response with answers `(n + i) % 11`, a case note `note <n>`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use linkwork_core::measures::{AdministrationMode, Instrument, Timepoint};
use linkwork_core::model::*;
use linkwork_core::Id;
use linkwork_tests::crash::{create_store, date, open_store, Rng};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: crash_writer <store> <seed>");
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).expect("a seed");
    let path = std::path::Path::new(&path);
    // As an app does on first run: create the store when there is none.
    let store = if path.exists() {
        open_store(path).expect("open the store")
    } else {
        say("creating");
        let store = create_store(path).expect("create the store");
        say("created");
        store
    };
    let mut rng = Rng(seed | 1);
    // What the store already holds, so later trials build on earlier ones.
    let mut people: Vec<Id> = Vec::new();
    let mut goals: Vec<Id> = Vec::new();
    let mut steps: Vec<Id> = Vec::new();
    for e in store.caseload(&CaseloadQuery::default()).expect("caseload") {
        people.push(e.person_id);
        let plan = store.plan(e.person_id).expect("plan");
        goals.extend(plan.goals.iter().map(|g| g.id));
        steps.extend(
            plan.steps
                .iter()
                .filter(|s| s.done_at.is_none())
                .map(|s| s.id),
        );
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    // Numbers are unique across trials: the seed picks a block of a million.
    for i in 0.. {
        writeln!(out, "begin {i}").expect("write");
        out.flush().expect("flush");
        let n = (seed % 1_000_000) * 1_000_000 + i;
        let roll = rng.below(100);
        let line = if people.len() < 3 || roll < 8 {
            let p = store.add_person(person(n)).expect("add person");
            people.push(p);
            format!("person {p}")
        } else {
            let person = people[rng.below(people.len() as u64) as usize];
            match roll {
                8..=30 => {
                    let g = store.add_goal(person, goal(n)).expect("add goal");
                    goals.push(g);
                    format!("goal {g} {person}")
                }
                31..=50 if !goals.is_empty() => {
                    let goal = goals[rng.below(goals.len() as u64) as usize];
                    let p = store
                        .record_progress(goal, progress(n))
                        .expect("record progress");
                    format!("progress {p} {goal}")
                }
                51..=66 => {
                    let s = store.add_step(person, step(n)).expect("add step");
                    steps.push(s);
                    format!("step {s} {person}")
                }
                67..=76 if !steps.is_empty() => {
                    let s = steps.swap_remove(rng.below(steps.len() as u64) as usize);
                    store.complete_step(s).expect("complete step");
                    format!("done {s}")
                }
                77..=88 => {
                    let m = store
                        .record_measure(person, measure(n))
                        .expect("record measure");
                    format!("measure {m} {person}")
                }
                _ => {
                    let note = store
                        .add_case_note(person, &format!("note {n}"))
                        .expect("add note");
                    format!("note {note} {person}")
                }
            }
        };
        // Printed only now that the call returned Ok: the edit is committed.
        writeln!(out, "committed {n} {line}").expect("write");
        out.flush().expect("flush");
    }
}

/// Prints one line and flushes it, so the parent sees it even if the next instant is a kill.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").expect("write");
    out.flush().expect("flush");
}

fn person(n: u64) -> NewPerson {
    NewPerson {
        given_name: format!("G{n}"),
        family_name: format!("F{n}"),
        date_of_birth: Some(chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()),
        referral: NewReferral {
            reasons: vec![format!("r{n}")],
            ..Default::default()
        },
        ..Default::default()
    }
}

fn goal(n: u64) -> NewGoal {
    NewGoal {
        text: format!("goal {n}"),
        smart_detail: Some(format!("detail {n}")),
        needs: vec![Need::Loneliness],
        target_date: Some(date(n)),
    }
}

fn progress(n: u64) -> NewProgress {
    NewProgress {
        rating: Some((n % 11) as i32),
        note: Some(format!("progress {n}")),
    }
}

fn step(n: u64) -> NewStep {
    NewStep {
        text: format!("step {n}"),
        owner: StepOwner::Person,
        owner_name: None,
        goal_id: None,
        due: Some(date(n)),
    }
}

fn measure(n: u64) -> NewMeasureResponse {
    NewMeasureResponse {
        instrument: Instrument::Ons4,
        answers: (0..4).map(|i| Some(((n + i) % 11) as i64)).collect(),
        concern_labels: Vec::new(),
        pam: None,
        timepoint: Timepoint::Baseline,
        mode: AdministrationMode::SelfCompleted,
        recorded_at: None,
    }
}
