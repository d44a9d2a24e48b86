//! `linkwork demo` tells its story: an organisation enrols three devices (Rose's phone paired
//! at the home visit), sync sessions inside the authenticated channel, a conflict, the
//! patient's phone holding only her plan, strangers' devices refused, what every sync cost, and
//! the team's hub (embedded: enrolment with invite codes, sync through it, the patient's phone
//! through it, a reassignment between two link workers with "drop your copy", its audit log).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{run_bare, stderr, stdout};

#[test]
fn demo_runs_without_arguments_and_tells_the_sync_story() {
    let out = run_bare(&["demo"]);
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    assert!(stderr(&out).is_empty());
    let text = stdout(&out);
    for expected in [
        // The home visit set-up, as before.
        "871731000000106",
        "home visit",
        "checks in",
        "no-capacity",
        "anxiety 7 (high)",
        // The organisation certifies Sam's and Kim's devices.
        "The organisation certifies Sam's device",
        "\"Sam\", link-worker of Example PCN, may enrol patients, expires",
        "\"Kim\", link-worker of Example PCN, expires",
        // Rose's phone is paired at the home visit, offline, with the payload and the code.
        "shows a pairing QR code for Rose",
        "Rose's phone is paired",
        "\"Rose\", patient of Example PCN, expires",
        // Copies by syncing inside the authenticated channel, then offline edits everywhere.
        "[sync] Kim <-> Sam:",
        "authenticated: \"Kim\" (link-worker) <-> \"Sam\" (link-worker), certificates verified",
        "[sync] Rose's phone <-> Sam:",
        "authenticated: \"Rose\" (patient) <-> \"Sam\" (link-worker), certificates verified",
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
        // Strangers' devices are refused by Sam's device during the handshake.
        "A stranger's device is refused",
        "[refused] Sam's device: identity refused: issued by another organisation.",
        "[refused] Sam's device: identity refused: peer not authenticated.",
        "Neither stranger holds anyone",
        // The team's hub, embedded: enrolment with codes, sync through it, the audit log.
        "The team's hub",
        "listening on ws://127.0.0.1:",
        "Sam's device enrols with its code: the hub certifies it as Sam (link-worker).",
        "[hub sync] Sam's device -> hub:",
        "Lena Okafor's new device enrols (team-lead) and syncs: it receives the team's caseload (",
        "The code is spent: trying it again, the hub answers \"the hub refused the enrolment: the invite code is not valid",
        // Rose's phone, paired offline by Sam's device, syncs through the hub too.
        "her phone syncs through the hub",
        "the hub verifies that chain (organisation -> Sam's device -> pairing -> phone)",
        "[hub sync] Sam's device: updated: Rose (her progress, without a visit).",
        // A second link worker: Jo moves from Sam's caseload to Kim's.
        "Kim starts using the hub from a new tablet: it enrols (link-worker)",
        "moves Jo to Kim's caseload",
        "[hub sync] Kim's tablet: receives Jo.",
        "the hub asks it to drop its copy of Jo (\"drop your copy\"",
        "it no longer holds Jo.",
        "The hub's audit log for Rose and Jo",
        "Rose changes-received",
        "Rose document-sent",
        "(Rose's phone) plan",
        "Rose pair ",
        "Jo   caseload-move",
        "Jo   copy-dropped",
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
    // Every sync reports round trips and bytes both ways, and ran inside the authenticated
    // channel: the next line names the certificates both sides verified.
    let lines: Vec<&str> = text.lines().collect();
    let syncs: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("[sync]"))
        .collect();
    assert!(syncs.len() >= 7, "{text}");
    for i in syncs {
        let (line, proof) = (lines[i], lines[i + 1]);
        assert!(
            line.contains("round trip") && line.contains("bytes from") && line.contains(" back"),
            "{line}"
        );
        assert!(
            proof.trim_start().starts_with("authenticated: \"")
                && proof.ends_with("certificates verified")
                && !proof.contains("unenrolled"),
            "{proof}"
        );
    }
    // A refusal names no patient data, and each stranger received only Sam's device's
    // handshake reply (its ephemeral key, an encrypted fresh static key, no certificate).
    let refusals: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("[refused]"))
        .collect();
    assert_eq!(refusals.len(), 2, "{text}");
    for i in refusals {
        let told = lines[i..i + 3].join("\n");
        for secret in ["Rose", "Jo", "999 000 0018", "Example Street"] {
            assert!(!told.contains(secret), "{told}");
        }
        assert!(told.contains("The stranger received 96 bytes"), "{told}");
        assert!(told.contains("nothing of its certificate"), "{told}");
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
    // Jo moved to Kim's caseload on the hub: Sam's device dropped its copy, Kim's tablet has
    // Jo; Kim's own device (which never synced with the hub) still holds both.
    assert_eq!(rows(&sam), 1);
    assert_eq!(rows(&kim), 2);
    assert_eq!(rows(&phone), 1);
    assert_eq!(rows(&keep.join("kim-tablet.db")), 1);
    assert_eq!(rows(&keep.join("team-lead.db")), 2);
    let phone_key = keep.join("rose-phone.key");
    let info = run_bare(&[
        "--db",
        phone.to_str().unwrap(),
        "--key-file",
        phone_key.to_str().unwrap(),
        "info",
    ]);
    assert!(stdout(&info).contains("role  patient"));
    // The kept stores are enrolled: Sam's may enrol patients, the phone is Rose's, paired.
    let device = |db: &std::path::Path| {
        let key = db.with_extension("key");
        let shown = run_bare(&[
            "--db",
            db.to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
            "device",
            "show",
        ]);
        assert!(shown.status.success(), "{}", stderr(&shown));
        stdout(&shown)
    };
    let (on_sam, on_kim, on_phone) = (device(&sam), device(&kim), device(&phone));
    for shown in [&on_sam, &on_kim, &on_phone] {
        assert!(shown.contains("org      Example PCN"), "{shown}");
    }
    assert!(on_sam.contains("enrol-patients"), "{on_sam}");
    assert!(!on_kim.contains("enrol-patients"), "{on_kim}");
    assert!(on_phone.contains("role     patient"), "{on_phone}");
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
