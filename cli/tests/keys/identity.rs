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

mod over_tcp {
    //! `sync serve|connect` between enrolled devices: the secure channel, captured traffic,
    //! and peers that are refused.

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::process::{Child, Stdio};
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    use super::super::common::{bin, run_bare, stderr, Env};
    use super::{enrol, org_init};

    /// A store owned by `user`.
    fn store(user: &str) -> Env {
        let env = Env::empty();
        env.id(&["init", "--user", user]);
        env
    }

    /// `sync serve --once --port 0` on `env`; returns the child and its port.
    fn serve(env: &Env, extra: &[&str]) -> (Child, u16) {
        let mut child = bin()
            .args(["--json", "--db"])
            .arg(env.db())
            .arg("--key-file")
            .arg(env.key())
            .args(["sync", "serve", "--port", "0", "--once"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let v: Value = serde_json::from_str(&first).unwrap();
        (child, u16::try_from(v["port"].as_u64().unwrap()).unwrap())
    }

    /// Waits for the server; returns its exit code and stderr.
    fn finish(child: Child) -> (Option<i32>, String) {
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A proxy on a free port that forwards one connection to `port` and records every byte
    /// both ways.
    fn proxy(port: u16) -> (u16, Arc<Mutex<Vec<u8>>>, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let own = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let handle = std::thread::spawn(move || {
            let (client, _) = listener.accept().unwrap();
            let server = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let pump = |mut from: TcpStream, mut to: TcpStream, seen: Arc<Mutex<Vec<u8>>>| {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                seen.lock().unwrap().extend_from_slice(&buf[..n]);
                                if to.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = to.shutdown(Shutdown::Write);
                })
            };
            let a = pump(
                client.try_clone().unwrap(),
                server.try_clone().unwrap(),
                Arc::clone(&record),
            );
            let b = pump(server, client, record);
            a.join().unwrap();
            b.join().unwrap();
        });
        (own, seen, handle)
    }

    fn contains(hay: &[u8], needle: &str) -> bool {
        hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[test]
    fn enrolled_devices_and_a_paired_phone_converge_with_nothing_readable_on_the_wire() {
        let org_dir = tempfile::tempdir().unwrap();
        let org = org_dir.path().join("org");
        org_init(&org, "Northtown PCN");
        let sam = store("sam");
        let kim = store("kim");
        enrol(
            &sam,
            &org,
            &["--role", "link-worker", "--can-enrol-patients"],
        );
        enrol(&kim, &org, &["--role", "team-lead"]);
        let ada = sam.person();

        // sam -> kim through a recording proxy.
        let (server, port) = serve(&kim, &[]);
        let (via, seen, relay) = proxy(port);
        let report = sam.json(&["sync", "connect", &format!("127.0.0.1:{via}")]);
        let (code, err) = finish(server);
        assert_eq!(code, Some(0), "{err}");
        relay.join().unwrap();
        assert_eq!(report["authenticated"], true);
        assert_eq!(report["peer_name"], "kim");
        assert_eq!(report["complete"], true);
        kim.ok(&["person", "show", &ada]);
        // Kim's history names the author its signature and certificate prove (ADR 0007).
        let history = kim.ok(&["history", &ada]);
        assert!(history.contains("sam (link-worker)"), "{history}");
        let wire = seen.lock().unwrap().clone();
        assert!(wire.len() > 1000, "the caseload went over the wire");
        for secret in [
            "Lovelace",
            "Ada",
            "9434765919",
            "943 476 5919",
            "lonely",
            "Dr ",
        ] {
            assert!(!contains(&wire, secret), "{secret:?} readable on the wire");
        }

        // Ada's phone, paired by sam, syncs with kim and receives only her plan.
        let pairing = sam.path("ada.pairing");
        let code = sam.json(&["patient", "pair", &ada, "--out", pairing.to_str().unwrap()])["code"]
            .as_str()
            .unwrap()
            .to_string();
        let phone = Env::empty();
        let p = pairing.to_str().unwrap();
        phone.id(&[
            "init",
            "--user",
            "Ada",
            "--role",
            "patient",
            "--pairing",
            p,
            "--code",
            &code,
        ]);
        let (server, port) = serve(&kim, &[]);
        let report = phone.json(&["sync", "connect", &format!("127.0.0.1:{port}")]);
        let (code, err) = finish(server);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(report["authenticated"], true);
        phone.ok(&["plan", "show", &ada]);
        let people = phone.json(&["person", "list"]);
        assert_eq!(people.as_array().unwrap().len(), 1);
    }

    #[test]
    fn unenrolled_foreign_and_revoked_peers_are_refused_and_receive_nothing() {
        let org_dir = tempfile::tempdir().unwrap();
        let org = org_dir.path().join("org");
        let other = org_dir.path().join("other");
        org_init(&org, "Northtown PCN");
        org_init(&other, "Elsewhere PCN");
        let kim = store("kim");
        enrol(&kim, &org, &["--role", "link-worker"]);
        kim.person();

        let stranger = store("eve");
        let foreign = store("mallory");
        enrol(&foreign, &other, &["--role", "admin", "--can-erase"]);
        let lost = store("lee");
        enrol(&lost, &org, &["--role", "link-worker"]);
        let lost_id = lost.json(&["info"])["store_id"]
            .as_str()
            .unwrap()
            .to_string();
        let crl = org_dir.path().join("v1.crl");
        let out = run_bare(&[
            "org",
            "revoke",
            "--dir",
            org.to_str().unwrap(),
            &lost_id,
            "--out",
            crl.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        kim.ok(&["trust", "update", crl.to_str().unwrap()]);

        // The listener checks the connecting side's identity before showing its own: it refuses
        // (exit 5) and the peer sees the connection close; the refused peer holds nothing
        // afterwards.
        for (peer, flags, refused_by_server, says) in [
            (
                &stranger,
                vec!["--allow-unenrolled"],
                true,
                "peer not authenticated",
            ),
            (&foreign, vec![], true, "another organisation"),
            (&lost, vec![], true, "revoked"),
        ] {
            let (server, port) = serve(&kim, &[]);
            let mut args = vec!["sync", "connect"];
            args.extend(flags);
            let address = format!("127.0.0.1:{port}");
            args.push(&address);
            let out = peer.run(&args);
            let (code, err) = finish(server);
            let (refuser_code, refuser_err, other_code) = if refused_by_server {
                (code, err, out.status.code())
            } else {
                (out.status.code(), stderr(&out), code)
            };
            assert_eq!(refuser_code, Some(5), "{args:?}: {refuser_err}");
            assert!(refuser_err.contains(says), "{args:?}: {refuser_err}");
            assert_eq!(
                other_code,
                Some(1),
                "{args:?}: the other side saw the close"
            );
            assert_eq!(
                peer.json(&["person", "list"]).as_array().unwrap().len(),
                0,
                "the refused peer received nothing"
            );
        }
        // An enrolled store connecting to an unenrolled listener (both given the flag, which
        // is only an unenrolled store's opt-in) is refused by it: it cannot check a
        // certificate, and the enrolled store never accepts a peer without one.
        let (server, port) = serve(&stranger, &["--allow-unenrolled"]);
        let address = format!("127.0.0.1:{port}");
        let out = kim.run(&["sync", "connect", "--allow-unenrolled", &address]);
        let (code, err) = finish(server);
        assert_eq!(code, Some(5), "{err}");
        assert!(err.contains("not enrolled"), "{err}");
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stranger.json(&["person", "list"]).as_array().unwrap().len(),
            0
        );
    }
}
