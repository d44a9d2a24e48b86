//! What a reconnect costs with a caseload of 250 people (each with a goal and a step): with
//! nothing to do, one round trip and under 1 KB both ways; with one offline edit, a few hundred
//! bytes (reported, and asserted under 2 KB).

use crate::sync_support;

use linkwork_core::Store;
use sync_support::*;

const PEOPLE: usize = 250;

/// Two link-worker stores holding the same 250 people, fully synced.
fn caseload_of_250(dir: &Dir) -> (Store, Store, Vec<Planned>) {
    let a = dir.link_worker("ann.db");
    let b = dir.link_worker("bo.db");
    let planned: Vec<Planned> = (0..PEOPLE)
        .map(|i| {
            let person = add_person(&a, &format!("Person{i}"));
            let goal = add_goal(&a, person, "Walk to the park");
            let step = add_step(&a, person, Some(goal), "Join the walking group", None);
            Planned { person, goal, step }
        })
        .collect();
    let first = sync(&a, &b);
    eprintln!(
        "initial sync of {PEOPLE} people: {} messages, {} bytes a->b, {} bytes b->a",
        first.delivered,
        first.bytes_a_to_b(),
        first.bytes_b_to_a()
    );
    assert_eq!(people(&b).len(), PEOPLE);
    (a, b, planned)
}

#[track_caller]
fn report(label: &str, run: &Run) {
    eprintln!(
        "{label}: {} round trip(s), {} messages, {} bytes a->b, {} bytes b->a, {} bytes total",
        run.round_trips(),
        run.delivered,
        run.bytes_a_to_b(),
        run.bytes_b_to_a(),
        run.bytes_total()
    );
}

#[test]
fn reconnect_costs_for_250_people() {
    let dir = Dir::new();
    let (a, b, people) = caseload_of_250(&dir);

    // Nothing to do, whichever side connects: one round trip, well under 1 KB.
    for (label, x, y) in [
        ("idle reconnect a->b", &a, &b),
        ("idle reconnect b->a", &b, &a),
    ] {
        let run = sync(x, y);
        report(label, &run);
        assert_eq!(run.delivered, 2, "{label}");
        assert_eq!(run.round_trips(), 1, "{label}");
        assert!(
            run.bytes_total() < 1024,
            "{label}: {} bytes",
            run.bytes_total()
        );
        assert!(run.changed_a.is_empty() && run.changed_b.is_empty());
    }

    // The same after both stores were closed and reopened (the state is persisted).
    let (pa, pb) = (a.path().to_path_buf(), b.path().to_path_buf());
    drop(a);
    drop(b);
    let a = Store::open(&pa, &linkwork_core::StoreKey::unencrypted()).unwrap();
    let b = Store::open(&pb, &linkwork_core::StoreKey::unencrypted()).unwrap();
    let run = sync(&b, &a);
    report("idle reconnect after reopening", &run);
    assert_eq!(run.delivered, 2);
    assert!(run.bytes_total() < 1024);

    // One offline edit on one side.
    progress(&a, people[123].goal, 7);
    let run = sync(&b, &a);
    report("one offline edit (progress on a), b connects", &run);
    assert_eq!(run.changed_a, vec![people[123].person]);
    assert!(run.bytes_total() < 2048, "{} bytes", run.bytes_total());
    assert_converged(&[&a, &b]);

    // One offline edit on each side, on different people.
    b.complete_step(people[7].step).unwrap();
    progress(&a, people[200].goal, 4);
    let run = sync(&a, &b);
    report("one offline edit on each side, a connects", &run);
    assert!(run.bytes_total() < 2048, "{} bytes", run.bytes_total());
    assert_eq!(run.changed_a, vec![people[7].person]);
    assert_eq!(run.changed_b, vec![people[200].person]);
    assert_converged(&[&a, &b]);

    // And idle again.
    let run = sync(&a, &b);
    report("idle reconnect after the edits", &run);
    assert_eq!(run.delivered, 2);
    assert!(run.bytes_total() < 1024);
}

/// A third store that synced with one of the two earlier learns the edits made since from the
/// other without a full resend: reconnect cost does not depend on the caseload size.
#[test]
fn an_edit_travelling_through_a_hub_costs_little_each_hop() {
    let dir = Dir::new();
    let (a, hub, people) = caseload_of_250(&dir);
    let c = dir.link_worker("cy.db");
    sync(&hub, &c);
    set_phone(&a, people[42].person, "01632 960042");
    let hop1 = sync(&a, &hub);
    report("edit a -> hub", &hop1);
    let hop2 = sync(&c, &hub);
    report("edit hub -> c", &hop2);
    for run in [&hop1, &hop2] {
        assert!(run.bytes_total() < 2048, "{} bytes", run.bytes_total());
    }
    assert_converged(&[&a, &hub, &c]);
}
