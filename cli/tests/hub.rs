//! `linkwork enrol`, `linkwork hub connect` and `linkwork hub sync` (real `linkwork` processes) against a hub started
//! in the test on loopback (TLS WebSocket, the embedded SQLite hub database).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::sync::Arc;

use common::Env;
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::server::{serve, serve_loopback_plain, ServeOptions};
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::UserRole;
use linkwork_hub::Hub;

struct TestHub {
    runtime: tokio::runtime::Runtime,
    hub: Arc<Hub<SqliteStore>>,
    url: String,
    ca: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn start_hub() -> TestHub {
    start_hub_with(true)
}

/// A hub on loopback: TLS with a self-signed certificate (`ca`), or plain WebSocket (`ws://`).
fn start_hub_with(with_tls: bool) -> TestHub {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, cert.cert.pem()).unwrap();
    let tls = linkwork_hub::tls::server_config(
        cert.cert.pem().as_bytes(),
        cert.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let (hub, url) = runtime.block_on(async {
        let keys = KeyFile::create("Northside").unwrap();
        let store = SqliteStore::open(&dir.path().join("hub.db"), &keys.database_key()).unwrap();
        let hub = Arc::new(
            Hub::init(store, keys, &dir.path().join("hub.key"))
                .await
                .unwrap(),
        );
        let running = if with_tls {
            serve(hub.clone(), "127.0.0.1:0", tls, ServeOptions::default()).await
        } else {
            serve_loopback_plain(hub.clone(), "127.0.0.1:0", ServeOptions::default()).await
        }
        .unwrap();
        let scheme = if with_tls { "wss" } else { "ws" };
        let url = format!("{scheme}://localhost:{}", running.addr.port());
        // The node runs as long as the runtime does.
        tokio::spawn(running.wait());
        (hub, url)
    });
    TestHub {
        runtime,
        hub,
        url,
        ca,
        _dir: dir,
    }
}

impl TestHub {
    fn invite(&self, name: &str, role: UserRole) -> String {
        self.invite_to(name, role, None)
    }

    fn invite_to(&self, name: &str, role: UserRole, team: Option<&str>) -> String {
        self.runtime.block_on(async {
            self.hub.add_user(name, role, team).await.unwrap();
            self.hub.invite(name, 1).await.unwrap().0
        })
    }

    /// A new phone enrolled with this hub as user `name` (in `team`, if any).
    fn enrolled(&self, name: &str, role: UserRole, team: Option<&str>) -> Env {
        let phone = Env::new();
        let code = self.invite_to(name, role, team);
        let ca = self.ca.to_str().unwrap();
        phone.ok(&["enrol", &self.url, "--code", &code, "--ca-cert", ca]);
        phone
    }
}

#[test]
fn a_phone_enrols_with_a_code_and_connects_to_fetch_revocations() {
    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap();
    let code = hub.invite("Asha Patel", UserRole::LinkWorker);

    let phone = Env::new();
    // A wrong code: refused, nothing installed.
    let err = phone.fail(
        &[
            "enrol",
            &hub.url,
            "--code",
            "AAAA-BBBB-CCCC-DDDD",
            "--ca-cert",
            ca,
        ],
        1,
    );
    assert!(err.contains("invite code is not valid"), "{err}");
    // Without the CA, the hub's self-signed TLS certificate is not trusted.
    let err = phone.fail(&["enrol", &hub.url, "--code", &code], 1);
    assert!(err.contains("TLS") || err.contains("certificate"), "{err}");

    let out = phone.json(&["enrol", &hub.url, "--code", &code, "--ca-cert", ca]);
    assert_eq!(out["name"], "Asha Patel");
    assert_eq!(out["role"], "link-worker");
    assert_eq!(out["organisation"], "Northside");
    let shown = phone.json(&["device", "show"]);
    assert!(shown.to_string().contains("Northside"), "{shown}");
    // The code is spent.
    let again = Env::new();
    again.fail(&["enrol", &hub.url, "--code", &code, "--ca-cert", ca], 1);

    // Connected: nothing revoked yet.
    let text = phone.ok(&["hub", "connect", &hub.url, "--ca-cert", ca]);
    assert!(
        text.contains("authenticated with the hub of Northside"),
        "{text}"
    );
    assert!(
        text.contains("no device of the organisation is revoked"),
        "{text}"
    );

    // Another device is revoked: the next connection installs the list.
    let other = hub.enrolled("Ben", UserRole::LinkWorker, None);
    let other_key = other.json(&["device", "show"])["device"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("device show names the key"));
    hub.runtime.block_on(hub.hub.revoke(&other_key)).unwrap();
    let out = phone.json(&["hub", "connect", &hub.url, "--ca-cert", ca]);
    assert_eq!(out["revocation_version"], 1);
    assert_eq!(out["installed"], true);
    let out = phone.json(&["hub", "connect", &hub.url, "--ca-cert", ca]);
    assert_eq!(out["installed"], false);
    // The revoked device is refused.
    let err = other.fail(&["hub", "connect", &hub.url, "--ca-cert", ca], 1);
    assert!(err.contains("refused"), "{err}");
    // An unenrolled store cannot even start.
    let err = Env::new().fail(&["hub", "connect", &hub.url, "--ca-cert", ca], 5);
    assert!(err.contains("not enrolled"), "{err}");
}

#[test]
fn hub_connect_brings_the_services_directory_up_to_date() {
    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap();
    let connect = ["hub", "connect", hub.url.as_str(), "--ca-cert", ca];
    let phone = hub.enrolled("Asha", UserRole::LinkWorker, None);
    let out = phone.json(&connect);
    assert_eq!(out["directory"]["outcome"], "no_directory");

    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/directory/services_page.json"),
    )
    .unwrap();
    hub.runtime
        .block_on(hub.hub.import_directory(fixture, "services_page.json"))
        .unwrap();
    let out = phone.json(&connect);
    assert_eq!(out["directory"]["outcome"], "received", "{out}");
    assert_eq!(out["directory"]["report"]["imported"], 6);
    let found = phone.ok(&["directory", "search", "lunch clb"]);
    assert!(found.contains("Lunch Club"), "{found}");
    let text = phone.ok(&connect);
    assert!(
        text.contains("the services directory is up to date"),
        "{text}"
    );

    // A newer directory imported from a file is kept against the hub's older one.
    let newer = phone.dir.path().join("newer.json");
    std::fs::write(
        &newer,
        r#"{"contents": [{"id": "n1", "name": "Newer Club", "last_modified": "2030-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    phone.ok(&["directory", "import", newer.to_str().unwrap()]);
    let out = phone.json(&connect);
    assert_eq!(out["directory"]["outcome"], "kept_newer");
    assert!(phone
        .ok(&["directory", "search", "newer"])
        .contains("Newer Club"));

    // An administrator's device is not sent the directory.
    let admin = hub.enrolled("Ada", UserRole::Admin, None);
    let out = admin.json(&connect);
    assert_eq!(out["directory"]["outcome"], "not_offered");

    // `hub sync` brings the directory up to date too, on the same connection as the documents.
    let colleague = hub.enrolled("Ben", UserRole::LinkWorker, None);
    let sync = ["hub", "sync", hub.url.as_str(), "--ca-cert", ca];
    let out = colleague.json(&sync);
    assert_eq!(out["directory"]["outcome"], "received", "{out}");
    assert_eq!(out["directory"]["report"]["imported"], 6);
    assert!(colleague
        .ok(&["directory", "search", "lunch clb"])
        .contains("Lunch Club"));
    let out = colleague.json(&sync);
    assert_eq!(out["directory"]["outcome"], "up_to_date", "{out}");
    let out = admin.json(&sync);
    assert_eq!(out["directory"]["outcome"], "not_offered", "{out}");
}

#[test]
fn phones_sync_their_caseloads_through_the_hub() {
    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap();
    let enrolled = |name: &str, role: UserRole| hub.enrolled(name, role, Some("North"));
    let ann = enrolled("Ann", UserRole::LinkWorker);
    let bob = enrolled("Bob", UserRole::LinkWorker);
    let lead = enrolled("Lena", UserRole::TeamLead);
    let rose = ann.person();
    let iris = bob.person();

    let out = ann.json(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    assert_eq!(out["organisation"], "Northside");
    bob.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    let text = lead.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    assert!(text.contains("synced with the hub of Northside"), "{text}");
    assert!(text.contains("2 people changed here"), "{text}");
    let ids = |env: &Env| -> Vec<String> {
        let mut ids: Vec<String> = env
            .json(&["person", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["person_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![rose.clone(), iris.clone()];
    both.sort();
    assert_eq!(ids(&lead), both);
    // The lead's edit reaches Ann; Bob never receives Rose.
    lead.ok(&["goal", "add", &rose, "--text", "Walk to the shops"]);
    lead.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    let out = ann.json(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    assert_eq!(out["changed_people"], serde_json::json!([rose]));
    assert_eq!(ann.snapshot(&rose), lead.snapshot(&rose));
    bob.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    assert_eq!(ids(&bob), vec![iris]);
    // An unenrolled store cannot sync with a hub.
    let err = Env::new().fail(&["hub", "sync", &hub.url, "--ca-cert", ca], 5);
    assert!(err.contains("not enrolled"), "{err}");
}

#[test]
fn a_hub_on_loopback_serves_plain_websocket_and_only_there() {
    let hub = start_hub_with(false);
    assert!(hub.url.starts_with("ws://"), "{}", hub.url);
    let ann = Env::new();
    let code = hub.invite_to("Ann", UserRole::LinkWorker, Some("North"));
    // A wrong code is refused with the hub's reason; the right one enrols.
    let err = ann.fail(&["enrol", &hub.url, "--code", "AAAA-BBBB-CCCC-DDDD"], 1);
    assert!(err.contains("invite code is not valid"), "{err}");
    ann.ok(&["enrol", &hub.url, "--code", &code]);
    let lead = Env::new();
    let code = hub.invite_to("Lena", UserRole::TeamLead, Some("North"));
    lead.ok(&["enrol", &hub.url, "--code", &code]);
    let rose = ann.person();
    ann.ok(&["hub", "sync", &hub.url]);
    let out = lead.json(&["hub", "sync", &hub.url]);
    assert_eq!(out["changed_people"], serde_json::json!([rose]));
    // Plain WebSocket is refused off the loopback interface, by the client and by the hub.
    let err = ann.fail(&["hub", "sync", "ws://hub.example:9000"], 2);
    assert!(err.contains("loopback"), "{err}");
    let refused = hub.runtime.block_on(serve_loopback_plain(
        hub.hub.clone(),
        "0.0.0.0:0",
        ServeOptions::default(),
    ));
    assert!(
        matches!(
            refused,
            Err(linkwork_hub::HubError::Invalid {
                field: "listen",
                ..
            })
        ),
        "a plain hub off loopback is refused"
    );
}

#[test]
fn hub_sync_live_receives_another_devices_edits_as_they_reach_the_hub() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap();
    let ann = hub.enrolled("Ann", UserRole::LinkWorker, Some("North"));
    let lead = hub.enrolled("Lena", UserRole::TeamLead, Some("North"));
    let rose = ann.person();
    ann.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);

    // --duration ends live mode; --duration needs --live.
    let text = ann.ok(&[
        "hub",
        "sync",
        &hub.url,
        "--ca-cert",
        ca,
        "--live",
        "--duration",
        "0.2",
    ]);
    assert!(text.contains("live: waiting for edits"), "{text}");
    assert!(
        text.contains("live mode ended: --duration passed"),
        "{text}"
    );
    ann.fail(&["hub", "sync", &hub.url, "--duration", "1"], 2);
    let err = ann.fail(&["hub", "sync", &hub.url, "--live", "--duration", "0"], 3);
    assert!(err.contains("duration"), "{err}");

    // Lena stays connected (her process ends after --duration at the latest); Ann's edit,
    // synced by another process, reaches her without Lena's side asking.
    let mut lena = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .arg("--db")
        .arg(lead.db())
        .arg("--key-file")
        .arg(lead.key())
        .args(["--json", "hub", "sync", &hub.url, "--ca-cert", ca])
        .args(["--live", "--duration", "120"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(lena.stdout.take().unwrap()).lines();
    let mut next = || -> serde_json::Value {
        let line = lines.next().expect("a line before the end").unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let started = next();
    assert_eq!(started["event"], "live");
    assert_eq!(started["changed_people"], serde_json::json!([rose]));
    ann.ok(&["goal", "add", &rose, "--text", "Walk to the shops"]);
    ann.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    let merged = next();
    assert_eq!(merged["event"], "merged");
    assert_eq!(merged["people"], serde_json::json!([rose]));
    lena.kill().unwrap();
    lena.wait().unwrap();
    assert_eq!(lead.snapshot(&rose), ann.snapshot(&rose));
}

/// The device key `device show` prints for `env`'s store.
fn device_key(env: &Env) -> String {
    env.json(&["device", "show"])["device"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("device show names the key"))
}

#[test]
fn a_patients_phone_paired_offline_syncs_its_plan_through_the_hub() {
    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap();
    let ann = hub.enrolled("Ann", UserRole::LinkWorker, Some("North"));
    let rose = ann.person();
    let iris = ann.person();
    let goal = ann.id(&["goal", "add", &rose, "--text", "Walk to the shops"]);
    ann.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);

    // At the home visit, offline: Ann's phone shows the pairing payload and its code.
    let pairing = ann.path("rose.pairing");
    let p = pairing.to_str().unwrap();
    let code = ann.json(&["patient", "pair", &rose, "--out", p])["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let phone = Env::empty();
    let init = ["init", "--user", "Rose", "--role", "patient"];
    phone.id(&[&init[..], &["--pairing", p, "--code", &code]].concat());

    // Rose's phone syncs through the hub: her plan, nobody else.
    let out = phone.json(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    assert_eq!(out["organisation"], "Northside");
    assert_eq!(out["changed_people"], serde_json::json!([rose]));
    assert_eq!(out["directory"]["outcome"], "not_offered");
    let people = phone.json(&["person", "list"]);
    assert_eq!(people.as_array().unwrap().len(), 1);
    assert_eq!(people[0]["person_id"], rose.as_str());
    assert!(!phone.ok(&["--json", "person", "list"]).contains(&iris));
    // Her progress reaches Ann's phone through the hub.
    phone.ok(&["goal", "progress", &goal, "--rating", "7"]);
    phone.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    let out = ann.json(&["hub", "sync", &hub.url, "--ca-cert", ca]);
    assert_eq!(out["changed_people"], serde_json::json!([rose]));
    let plan = ann.json(&["plan", "show", &rose]);
    assert_eq!(plan["goals"][0]["progress"][0]["rating"], 7);

    // Revoking the phone on the hub refuses it.
    let key = device_key(&phone);
    hub.runtime.block_on(hub.hub.revoke(&key)).unwrap();
    let err = phone.fail(&["hub", "sync", &hub.url, "--ca-cert", ca], 1);
    assert!(err.contains("refused"), "{err}");
}

#[test]
fn an_unreachable_hub_is_a_temporary_failure() {
    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap();
    let ann = hub.enrolled("Ann", UserRole::LinkWorker, None);
    // A port nothing listens on (the hub down, or restarting).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("wss://localhost:{port}");
    for command in ["sync", "connect"] {
        let err = ann.fail(&["hub", command, &url, "--ca-cert", ca], 75);
        assert!(err.contains("could not connect to the hub"), "{err}");
        assert!(err.ends_with("(try again later)"), "{err}");
    }
    // The hub that is there answers as usual.
    ann.ok(&["hub", "sync", &hub.url, "--ca-cert", ca]);
}

/// A loopback TCP relay to `upstream` for one connection that dies as a SIGKILLed hub does:
/// once the client has sent more than `after` bytes it closes both sides at once, forwarding
/// nothing more, and `killed` receives a unit.
fn relay(upstream: std::net::SocketAddr, after: usize) -> (u16, std::sync::mpsc::Receiver<()>) {
    use std::io::{Read, Write};
    use std::net::Shutdown;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (killed, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let hub = std::net::TcpStream::connect(upstream).unwrap();
        let (mut down_from, mut down_to) = (hub.try_clone().unwrap(), client.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = vec![0; 64 * 1024];
            while let Ok(n @ 1..) = down_from.read(&mut buf) {
                if down_to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let (mut up_from, mut up_to) = (client, hub);
        let (mut buf, mut sent) = (vec![0; 64 * 1024], 0);
        while let Ok(n @ 1..) = up_from.read(&mut buf) {
            if up_to.write_all(&buf[..n]).is_err() {
                break;
            }
            sent += n;
            if sent > after {
                let _ = up_from.shutdown(Shutdown::Both);
                let _ = up_to.shutdown(Shutdown::Both);
                let _ = killed.send(());
                return;
            }
        }
    });
    (port, seen)
}

#[test]
fn a_hub_killed_mid_sync_is_a_temporary_failure() {
    let hub = start_hub();
    let ca = hub.ca.to_str().unwrap().to_owned();
    let ann = hub.enrolled("Ann", UserRole::LinkWorker, None);
    // A caseload of about 1.5 MB on the wire: its first sync takes several 512 KiB batches.
    let store = linkwork_core::Store::open(
        ann.db(),
        &linkwork_core::StoreKey::from_bytes(&[0x7e; 32]).unwrap(),
    )
    .unwrap();
    for i in 0..100 {
        let mut noise = [0u8; 15_000];
        getrandom::fill(&mut noise).unwrap();
        let person = store
            .add_person(linkwork_core::model::NewPerson {
                given_name: format!("P{i}"),
                family_name: "Hill".into(),
                ..Default::default()
            })
            .unwrap();
        store
            .add_goal(
                person,
                linkwork_core::model::NewGoal {
                    text: "keep a diary".into(),
                    smart_detail: Some(noise.iter().map(|b| char::from(b'A' + b % 26)).collect()),
                    needs: vec![],
                    target_date: None,
                },
            )
            .unwrap();
    }
    drop(store);
    let port: u16 = hub.url.rsplit(':').next().unwrap().parse().unwrap();
    let (relayed, killed) = relay(([127, 0, 0, 1], port).into(), 600 * 1024);
    let url = format!("wss://localhost:{relayed}");
    let sync = ann
        .command(&["hub", "sync", &url, "--ca-cert", &ca])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Past the first batch the connection dies with nothing more from the hub, as when its
    // process is killed; the node is gone too.
    killed.recv().expect("the sync went past its first batch");
    let TestHub { runtime, .. } = hub;
    runtime.shutdown_background();
    let out = sync.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{err}");
    // Reading the hub's answer, or sending the next batch, found the connection gone.
    assert!(
        err.contains("could not read from the hub") || err.contains("could not write to the hub"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("(try again later)"), "{err}");
    assert!(out.stdout.is_empty());
}
