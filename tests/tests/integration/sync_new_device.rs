//! A new device receiving a caseload: documents travel as the sending store holds them (a
//! snapshot and its change rows, loaded as one document), are stored as they came, and behave
//! like any other document afterwards: records and projections match, edits sync both ways,
//! compaction changes nothing.

use crate::sync_support;

use linkwork_core::model::*;
use sync_support::*;

#[test]
fn a_new_device_holds_the_caseload_as_the_sender_stored_it() {
    let dir = Dir::new();
    let a = dir.link_worker("ann.db");
    let people: Vec<Planned> = (0..20)
        .map(|i| {
            let p = rich_person(&a, &format!("Person{i}"));
            // Some documents compact on the way (many rows), others keep change rows.
            let extra = if i % 2 == 0 { 12 } else { 2 };
            for r in 0..extra {
                progress(&a, p.goal, r % 10);
            }
            p
        })
        .collect();
    let (a_snapshots, a_changes, a_rows) = a.storage_sizes().unwrap();
    assert!(a_rows > 0, "some documents have change rows to send");

    let b = dir.link_worker("bo.db");
    let run = sync(&b, &a);
    assert!(
        run.transcript
            .iter()
            .any(|m| m.to == To::A && carries_whole(&m.bytes, DocKind::Case)),
        "the caseload travelled as whole documents"
    );
    assert!(run.round_trips() <= 3, "{} round trips", run.round_trips());
    assert_converged(&[&a, &b]);
    // Stored as it came: every document is one stored blob holding what the sender held.
    let (b_snapshots, b_changes, b_rows) = b.storage_sizes().unwrap();
    assert_eq!((b_changes, b_rows), (0, 0));
    assert_eq!(b_snapshots, a_snapshots + a_changes);
    let far = date(2100, 1, 1);
    let projections = |s: &linkwork_core::Store| {
        (
            caseload_view(s),
            s.due(far).unwrap(),
            s.open_onward_referrals().unwrap(),
        )
    };
    let received = projections(&b);
    b.rebuild_projections().unwrap();
    assert_eq!(received, projections(&b), "projections as rebuilt");
    assert_eq!(received, projections(&a), "projections as the sender's");

    // The received documents take edits, sync back and compact like any other.
    for (i, p) in people.iter().enumerate() {
        progress(&b, p.goal, 3);
        if i % 3 == 0 {
            b.add_case_note(p.person, "seen on the new phone").unwrap();
        }
    }
    progress(&a, people[0].goal, 9);
    sync(&a, &b);
    assert_converged(&[&a, &b]);
    b.compact().unwrap();
    assert_converged(&[&a, &b]);
    progress(&b, people[1].goal, 1);
    let run = sync(&b, &a);
    assert!(run.round_trips() <= 3, "{} round trips", run.round_trips());
    assert_converged(&[&a, &b]);
}
