//! Identity on the command line: `org init|issue|revoke`, `device show|request|install`,
//! `patient pair`, `init --role patient --pairing`, `trust update`, and their refusals.

use std::path::Path;

use super::common::{run_bare, stderr, Env};

fn org_init(dir: &Path, name: &str) {
    let out = run_bare(&[
        "org",
        "init",
        "--dir",
        dir.to_str().unwrap(),
        "--name",
        name,
    ]);
    assert!(out.status.success(), "org init: {}", stderr(&out));
}

/// Requests, issues and installs a certificate for `env`'s store; returns the device key.
fn enrol(env: &Env, org: &Path, extra: &[&str]) -> String {
    let req = env.path("device.req");
    let cert = env.path("device.cert");
    let shown = env.json(&["device", "request", "--out", req.to_str().unwrap()]);
    let mut args = vec![
        "org",
        "issue",
        "--dir",
        org.to_str().unwrap(),
        req.to_str().unwrap(),
        "--out",
        cert.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run_bare(&args);
    assert!(out.status.success(), "org issue: {}", stderr(&out));
    env.ok(&["device", "install", cert.to_str().unwrap()]);
    shown["device"].as_str().unwrap().to_string()
}

#[test]
fn an_organisation_enrols_a_link_worker_who_pairs_a_patient_phone() {
    let lw = Env::new();
    let org = lw.path("org");
    org_init(&org, "Northtown PCN");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(org.join("org.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the organisation key is private");
    }
    // An organisation is never overwritten.
    let again = run_bare(&["org", "init", "--dir", org.to_str().unwrap(), "--name", "X"]);
    assert_eq!(again.status.code(), Some(1));

    assert_eq!(lw.json(&["device", "show"])["enrolled"], false);
    let device = enrol(
        &lw,
        &org,
        &[
            "--role",
            "link-worker",
            "--can-enrol-patients",
            "--expires",
            "30",
        ],
    );
    let shown = lw.json(&["device", "show"]);
    assert_eq!(shown["enrolled"], true);
    assert_eq!(shown["device"], device.as_str());
    assert_eq!(shown["organisation"], "Northtown PCN");
    assert_eq!(shown["can_enrol_patients"], true);
    assert_eq!(shown["can_erase"], false);

    let person = lw.person();
    let pairing = lw.path("rose.pairing");
    let paired = lw.json(&[
        "patient",
        "pair",
        &person,
        "--out",
        pairing.to_str().unwrap(),
    ]);
    let code = paired["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);

    let phone = Env::empty();
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let p = pairing.to_str().unwrap();
    let err = phone.fail(
        &[
            "init",
            "--user",
            "Rose",
            "--role",
            "patient",
            "--pairing",
            p,
            "--code",
            wrong,
        ],
        5,
    );
    assert!(err.contains("pairing code does not match"), "{err}");
    assert!(!phone.db().exists());
    phone.id(&[
        "init",
        "--user",
        "Rose",
        "--role",
        "patient",
        "--pairing",
        p,
        "--code",
        &code,
    ]);
    assert_eq!(phone.json(&["info"])["person"], person.as_str());
    let shown = phone.json(&["device", "show"]);
    assert_eq!(shown["role"], "patient");
    assert_eq!(shown["paired"], true);
    assert_eq!(shown["organisation"], "Northtown PCN");

    // Revoking the link worker's device by its store id; the phone installs the list once.
    let store_id = lw.json(&["info"])["store_id"].as_str().unwrap().to_string();
    let crl = lw.path("v1.crl");
    let out = run_bare(&[
        "org",
        "revoke",
        "--dir",
        org.to_str().unwrap(),
        &store_id,
        "--out",
        crl.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "org revoke: {}", stderr(&out));
    let updated = phone.json(&["trust", "update", crl.to_str().unwrap()]);
    assert_eq!(updated["version"], 1);
    let err = phone.fail(&["trust", "update", crl.to_str().unwrap()], 5);
    assert!(err.contains("not newer"), "{err}");
    // Revoked, the link worker's device may no longer pair anyone.
    lw.ok(&["trust", "update", crl.to_str().unwrap()]);
    let err = lw.fail(
        &[
            "patient",
            "pair",
            &person,
            "--out",
            pairing.to_str().unwrap(),
        ],
        5,
    );
    assert!(err.contains("revoked"), "{err}");
}

#[test]
fn refusals_exit_5_and_install_nothing() {
    let lw = Env::new();
    let org = lw.path("org");
    let other = lw.path("other");
    org_init(&org, "Northtown PCN");
    org_init(&other, "Elsewhere PCN");
    let req = lw.path("req");
    lw.ok(&["device", "request", "--out", req.to_str().unwrap()]);
    let cert = lw.path("cert");
    let (o, r, c) = (
        org.to_str().unwrap(),
        req.to_str().unwrap(),
        cert.to_str().unwrap(),
    );

    // A link worker's store cannot be certified as a patient's.
    let out = run_bare(&[
        "org", "issue", "--dir", o, r, "--role", "patient", "--out", c,
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("role does not match"));
    // An unknown role is invalid input.
    let out = run_bare(&["org", "issue", "--dir", o, r, "--role", "boss", "--out", c]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));

    // Enrolled in one organisation, a certificate from another is refused.
    enrol(&lw, &org, &["--role", "link-worker"]);
    let foreign = lw.path("foreign.cert");
    let ot = other.to_str().unwrap();
    let out = run_bare(&[
        "org",
        "issue",
        "--dir",
        ot,
        r,
        "--role",
        "admin",
        "--out",
        foreign.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let err = lw.fail(&["device", "install", foreign.to_str().unwrap()], 5);
    assert!(err.contains("another organisation"), "{err}");
    assert_eq!(lw.json(&["device", "show"])["role"], "link-worker");

    // Another store's certificate is refused.
    let installed = lw.path("device.cert");
    let second = Env::new();
    let err = second.fail(&["device", "install", installed.to_str().unwrap()], 5);
    assert!(err.contains("another device"), "{err}");

    // A tampered certificate is refused.
    let mut bytes = std::fs::read(&installed).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    let tampered = lw.path("tampered.cert");
    std::fs::write(&tampered, bytes).unwrap();
    lw.fail(&["device", "install", tampered.to_str().unwrap()], 5);

    // Without the permission a link worker cannot pair; a revocation list from another
    // organisation is refused.
    let person = lw.person();
    let err = lw.fail(
        &[
            "patient",
            "pair",
            &person,
            "--out",
            lw.path("p").to_str().unwrap(),
        ],
        5,
    );
    assert!(err.contains("may not enrol"), "{err}");
    let crl = lw.path("foreign.crl");
    let key = "ab".repeat(32);
    let out = run_bare(&[
        "org",
        "revoke",
        "--dir",
        ot,
        &key,
        "--out",
        crl.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = lw.fail(&["trust", "update", crl.to_str().unwrap()], 5);
    assert!(err.contains("another organisation"), "{err}");
}
