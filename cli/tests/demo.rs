//! `linkwork demo` tells its story: three devices, sync sessions, a conflict, the patient's
//! phone holding only her plan, and what every sync cost.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::{run_bare, stderr, stdout};

#[test]
fn demo_runs_without_arguments_and_tells_the_sync_story() {
    let started = Instant::now();
    let out = run_bare(&["demo"]);
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(stderr(&out).is_empty());
    let text = stdout(&out);
    for expected in [
        // The home visit set-up, as before.
        "871731000000106",
        "home visit",
        "checks in",
        "no-capacity",
        "anxiety 7 (high)",
        // Copies by syncing, then offline edits on all three devices.
        "[sync] Kim <-> Sam",
        "[sync] Rose's phone <-> Sam",
        "patient store that may hold only her plan",
        // The conflict: both values and who set them, then its resolution.
        "A conflict",
        "partly-achieved  set by Sam",
        "set by Kim",
        "Conflicts left on any device: none.",
        // The merged plan, checked identical everywhere.
        "identical on all three devices (checked)",
        "progress 3/10 then 5/10",
        "[x] Find last year's energy bills",
        "ons4 review (self-completed)",
        "Sort out the energy bill [achieved",
        // What the patient's phone holds.
        "Her plan only: its caseload has 1 entry",
        "Exporting her case document there is refused: not permitted",
        "Jo Sample's plan is not there either",
        // Costs.
        "bytes from Kim",
        "A reconnect with nothing new",
        "1 round trip",
        "Rose Example  accepted",
        "by Kim: step.update, goal.update",
        "by Rose on her phone: step.done, measure.record",
    ] {
        assert!(
            text.contains(expected),
            "demo output lacks {expected:?}:\n{text}"
        );
    }
    // Every sync line reports round trips and bytes both ways.
    let syncs: Vec<&str> = text.lines().filter(|l| l.contains("[sync]")).collect();
    assert!(syncs.len() >= 7, "{text}");
    for line in syncs {
        assert!(
            line.contains("round trip") && line.contains("bytes from") && line.contains(" back"),
            "{line}"
        );
    }
}

#[test]
fn demo_keeps_its_stores_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("kept");
    let out = run_bare(&["demo", "--keep", keep.to_str().unwrap()]);
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    let sam = keep.join("link-worker.db");
    let kim = keep.join("colleague.db");
    let phone = keep.join("rose-phone.db");
    assert!(sam.exists() && kim.exists() && phone.exists());

    // The kept stores are ordinary stores: the CLI reads them.
    let rows = |db: &std::path::Path| {
        let key = db.with_extension("key");
        let list = run_bare(&[
            "--db",
            db.to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
            "--json",
            "person",
            "list",
        ]);
        assert!(list.status.success(), "{}", stderr(&list));
        let rows: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
        rows.as_array().unwrap().len()
    };
    assert_eq!(rows(&sam), 2);
    assert_eq!(rows(&kim), 2);
    assert_eq!(rows(&phone), 1);
    let phone_key = keep.join("rose-phone.key");
    let info = run_bare(&[
        "--db",
        phone.to_str().unwrap(),
        "--key-file",
        phone_key.to_str().unwrap(),
        "info",
    ]);
    assert!(stdout(&info).contains("role  patient"));
    // The kept stores are encrypted: without the key they do not open, with another key
    // neither.
    let plain = run_bare(&["--db", phone.to_str().unwrap(), "--unencrypted", "info"]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(stderr(&plain).contains("wrong key"), "{}", stderr(&plain));
    let other = run_bare(&[
        "--db",
        phone.to_str().unwrap(),
        "--key-file",
        keep.join("colleague.key").to_str().unwrap(),
        "info",
    ]);
    assert_eq!(other.status.code(), Some(1));
    assert!(stderr(&other).contains("wrong key"), "{}", stderr(&other));

    // A second run does not overwrite them.
    let again = run_bare(&["demo", "--keep", keep.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists"));
}
