//! `sync serve` / `sync connect` between real `linkwork` processes over loopback TCP, erasure
//! and conflicts through the CLI, and live mode with a third process editing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, stderr, stdout, Env};
use serde_json::Value;

/// A store owned by `user` (link worker unless `role` says otherwise).
fn store(user: &str, role: &[&str]) -> Env {
    let env = Env::empty();
    let mut args = vec!["init", "--user", user];
    args.extend_from_slice(role);
    env.id(&args);
    env
}

/// A running `sync serve --port 0` and the port it reported.
struct Server {
    child: Child,
    out: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    /// Starts `linkwork --json --db <env> sync serve --port 0 <extra>` and reads its port from
    /// the first line it prints.
    fn start(env: &Env, extra: &[&str]) -> Server {
        let mut child = spawn(env, &["sync", "serve", "--port", "0"], extra);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let listening: Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("serve printed {first:?} ({e})"));
        assert_eq!(listening["event"], "listening");
        let port = u16::try_from(listening["port"].as_u64().unwrap()).unwrap();
        assert_ne!(port, 0);
        assert_eq!(listening["address"], format!("127.0.0.1:{port}").as_str());
        Server { child, out, port }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits for the server to exit; returns its exit code, remaining stdout and stderr.
    fn finish(mut self) -> (Option<i32>, String, String) {
        let mut rest = String::new();
        self.out.read_to_string(&mut rest).unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = self.child.wait().unwrap();
        (status.code(), rest, err)
    }
}

/// Spawns `linkwork --json --db <env> args extra` with piped output.
fn spawn(env: &Env, args: &[&str], extra: &[&str]) -> Child {
    bin()
        .arg("--json")
        .arg("--db")
        .arg(env.db())
        .arg("--key-file")
        .arg(env.key())
        .args(args)
        // These stores are not enrolled: both sides opt in to each other (docs/cli.md).
        .arg("--allow-unenrolled")
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn linkwork")
}

/// JSON lines printed by a sync command.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// One sync session: `server` serves once, `client` connects. Returns both reports.
fn sync(server: &Env, client: &Env) -> (Value, Value) {
    let s = Server::start(server, &["--once"]);
    let report = client.json(&["sync", "connect", "--allow-unenrolled", &s.address()]);
    let (code, rest, err) = s.finish();
    assert_eq!(code, Some(0), "serve failed: {err}");
    assert!(err.is_empty(), "{err}");
    let lines = json_lines(&rest);
    assert_eq!(lines.len(), 1, "{rest}");
    (lines.into_iter().next().unwrap(), report)
}

/// Sorts every array (by its elements' JSON text), so two records that differ only in the
/// order of concurrently added items compare equal.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(normalise).collect();
            items.sort_by_key(Value::to_string);
            Value::Array(items)
        }
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

fn record(env: &Env, person: &str) -> Value {
    normalise(&env.json(&["person", "show", person]))
}

/// Adds a person with a goal and a step; returns (person, goal, step).
fn person_with_plan(env: &Env, given: &str) -> (String, String, String) {
    let person = env.id(&[
        "person",
        "add",
        "--given",
        given,
        "--family",
        "Example",
        "--dob",
        "1950-02-28",
    ]);
    let goal = env.id(&["goal", "add", &person, "--text", "Get out more"]);
    let step = env.id(&[
        "step",
        "add",
        &person,
        "--text",
        "Find the bills",
        "--owner",
        "person",
        "--goal",
        &goal,
    ]);
    (person, goal, step)
}

#[test]
fn two_processes_sync_and_converge() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    let (ada, goal, step) = person_with_plan(&sam, "Ada");
    sam.ok(&["note", "add", &ada, "--text", "Lives alone"]);
    let (bob, _, _) = person_with_plan(&sam, "Bob");

    // First sync: Kim's empty store receives both people.
    let (served, connected) = sync(&sam, &kim);
    assert_eq!(connected["event"], "report");
    assert_eq!(connected["complete"], true);
    assert_eq!(connected["ended"], "completed");
    assert_eq!(connected["peer"]["role"], "link-worker");
    assert_eq!(
        connected["peer"]["store_id"],
        sam.json(&["info"])["store_id"]
    );
    assert_eq!(served["peer"]["store_id"], kim.json(&["info"])["store_id"]);
    let mut changed: Vec<&str> = connected["changed_people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    changed.sort_unstable();
    let mut expected = vec![ada.as_str(), bob.as_str()];
    expected.sort_unstable();
    assert_eq!(changed, expected);
    assert!(connected["round_trips"].as_u64().unwrap() >= 2);
    assert_eq!(connected["bytes_sent"], served["bytes_received"]);
    assert_eq!(connected["bytes_received"], served["bytes_sent"]);
    assert!(connected["bytes_received"].as_u64().unwrap() > 1000);
    assert_eq!(record(&sam, &ada), record(&kim, &ada));
    assert_eq!(record(&sam, &bob), record(&kim, &bob));

    // Both edit offline, then sync the other way round (Kim serves).
    sam.ok(&["goal", "progress", &goal, "--rating", "4", "--note", "sam"]);
    kim.ok(&["goal", "progress", &goal, "--rating", "6", "--note", "kim"]);
    kim.ok(&["step", "update", &step, "--due", "2030-01-01"]);
    sam.ok(&[
        "contact",
        "add",
        &ada,
        "--channel",
        "phone",
        "--outcome",
        "reached",
    ]);
    let (served, connected) = sync(&kim, &sam);
    assert_eq!(served["changed_people"], serde_json::json!([ada]));
    assert_eq!(connected["changed_people"], serde_json::json!([ada]));
    let on_sam = record(&sam, &ada);
    assert_eq!(on_sam, record(&kim, &ada));
    assert_eq!(
        on_sam["plan"]["goals"][0]["progress"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(on_sam["plan"]["steps"][0]["due"], "2030-01-01");
    assert_eq!(
        on_sam["case"]["contact_attempts"].as_array().unwrap().len(),
        1
    );

    // Nothing new: one round trip, a few hundred bytes at most; text report.
    let s = Server::start(&sam, &["--once"]);
    let text = kim.ok(&["sync", "connect", "--allow-unenrolled", &s.address()]);
    let (code, _, err) = s.finish();
    assert_eq!(code, Some(0), "{err}");
    for expected in [
        "peer            store ",
        "(link-worker)",
        "people changed  nobody",
        "round trips     1 (1 messages sent, 1 received)",
        "bytes sent      ",
        "bytes received  ",
        "elapsed         ",
        "ended           sync complete",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn a_patient_store_receives_only_its_own_plan() {
    let sam = store("sam", &[]);
    let (ada, goal, step) = person_with_plan(&sam, "Ada");
    sam.ok(&["note", "add", &ada, "--text", "Lives alone"]);
    let (bob, _, _) = person_with_plan(&sam, "Bob");
    let phone = store("Ada", &["--role", "patient", "--person", &ada]);
    assert_eq!(phone.json(&["info"])["person"], ada.as_str());

    let (served, connected) = sync(&sam, &phone);
    assert_eq!(served["peer"]["role"], "patient");
    assert_eq!(served["peer"]["person"], ada.as_str());
    assert_eq!(connected["changed_people"], serde_json::json!([ada]));

    let rows = phone.json(&["person", "list"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["person_id"], ada.as_str());
    let on_phone = phone.json(&["person", "show", &ada]);
    assert!(on_phone["case"].is_null());
    // The link worker's record gives each item its episode; the phone has no episodes.
    assert_eq!(
        without_episodes(on_phone["plan"].clone()),
        without_episodes(sam.json(&["person", "show", &ada])["plan"].clone())
    );
    assert!(phone.ok(&["person", "show", &ada]).contains("Get out more"));
    phone.fail(&["person", "show", &bob], 5);
    let out = phone.path("case.bin");
    let err = phone.fail(
        &[
            "doc",
            "export",
            &ada,
            "--kind",
            "case",
            "--out",
            out.to_str().unwrap(),
        ],
        5,
    );
    assert!(err.contains("case document"), "{err}");
    assert!(!out.exists());
    let history = phone.json(&["history", &ada]);
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["document"] == "plan"));

    // Ada ticks her step and records progress on her phone; now the phone serves.
    phone.ok(&["step", "done", &step]);
    phone.ok(&["goal", "progress", &goal, "--rating", "7"]);
    let (served, connected) = sync(&phone, &sam);
    assert_eq!(served["changed_people"], serde_json::json!([]));
    assert_eq!(connected["changed_people"], serde_json::json!([ada]));
    let on_sam = sam.json(&["person", "show", &ada]);
    assert!(!on_sam["plan"]["steps"][0]["done_at"].is_null());
    assert_eq!(on_sam["plan"]["goals"][0]["progress"][0]["rating"], 7);
    assert_eq!(
        without_episodes(on_sam["plan"].clone()),
        without_episodes(phone.json(&["person", "show", &ada])["plan"].clone())
    );
    // Still only her plan on the phone.
    assert_eq!(phone.json(&["person", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn erasure_through_the_cli_reaches_the_peer() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    let (ada, _, _) = person_with_plan(&sam, "Ada");
    let (bob, _, _) = person_with_plan(&sam, "Bob");
    let (cy, _, _) = person_with_plan(&sam, "Cy");
    sync(&sam, &kim);
    assert_eq!(kim.json(&["person", "list"]).as_array().unwrap().len(), 3);

    assert_eq!(sam.ok(&["person", "erase", &ada]), "");
    let done = sam.json(&["person", "erase", &cy]);
    assert_eq!(done, serde_json::json!({ "ok": true }));
    sam.fail(&["person", "show", &ada], 4);
    sam.fail(&["person", "erase", &ada], 4);

    // Kim serves: the erasure changes her store.
    let (served, connected) = sync(&kim, &sam);
    assert_eq!(connected["changed_people"], serde_json::json!([]));
    let mut changed: Vec<String> = served["changed_people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    changed.sort();
    let mut expected = vec![ada.clone(), cy.clone()];
    expected.sort();
    assert_eq!(changed, expected);
    kim.fail(&["person", "show", &ada], 4);
    kim.fail(&["person", "show", &cy], 4);
    let rows = kim.json(&["person", "list"]);
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["person_id"], bob.as_str());

    // A patient store may not erase.
    let phone = store("Bob", &["--role", "patient", "--person", &bob]);
    phone.fail(&["person", "erase", &bob], 5);
}

#[test]
fn conflicts_are_shown_with_every_value_and_resolved_by_a_new_edit() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    let (ada, goal, _) = person_with_plan(&sam, "Ada");
    sync(&sam, &kim);
    assert_eq!(sam.ok(&["conflicts", &ada]), "no conflicts\n");
    sam.ok(&["goal", "update", &goal, "--status", "achieved"]);
    kim.ok(&["goal", "update", &goal, "--status", "dropped"]);
    sync(&sam, &kim);

    let conflicts = kim.json(&["conflicts", &ada]);
    assert_eq!(conflicts, sam.json(&["conflicts", &ada]));
    let conflicts = conflicts.as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["document"], "plan");
    assert_eq!(
        conflicts[0]["path"],
        serde_json::json!(["goals", goal, "status"])
    );
    assert_eq!(conflicts[0]["field"]["type"], "code");
    assert_eq!(conflicts[0]["field"]["vocabulary"], "goal-status");
    assert_eq!(conflicts[0]["values"][0]["value"]["type"], "code");
    let mut values: Vec<(String, String)> = conflicts[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert!(v["set_at"].is_string());
            (
                v["set_by"].as_str().unwrap().to_string(),
                v["value"]["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("kim".to_string(), "dropped".to_string()),
            ("sam".to_string(), "achieved".to_string())
        ]
    );
    assert_eq!(
        sam.json(&["person", "show", &ada])["conflicts"],
        Value::Array(conflicts.clone())
    );
    let text = sam.ok(&["person", "show", &ada]);
    let section = text
        .split("Conflicts")
        .nth(1)
        .unwrap_or_else(|| panic!("no Conflicts section:\n{text}"));
    assert!(
        section.contains(&format!(
            "plan goals/{goal}/status (goal \"Get out more\") [code: active, achieved,"
        )),
        "{text}"
    );
    assert!(section.contains("achieved  set by sam at "), "{text}");
    assert!(section.contains("dropped   set by kim at "), "{text}");
    assert!(section.contains("(shown)"), "{text}");
    assert!(sam.ok(&["conflicts", &ada]).contains("set by kim"));

    // A new edit resolves it on both sides.
    kim.ok(&["goal", "update", &goal, "--status", "partly-achieved"]);
    sync(&kim, &sam);
    assert_eq!(sam.ok(&["conflicts", &ada]), "no conflicts\n");
    assert_eq!(kim.json(&["conflicts", &ada]), serde_json::json!([]));
    assert!(!sam.ok(&["person", "show", &ada]).contains("Conflicts"));
}

/// Polls `check` every 50 ms for up to `limit`; true when it held.
fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The notes of a person's first goal's progress entries, as the store at `env` holds them
/// (empty when it does not hold the person yet).
fn progress_notes(env: &Env, person: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .arg("--json")
        .arg("--db")
        .arg(env.db())
        .arg("--key-file")
        .arg(env.key())
        .args(["person", "show", person])
        .output()
        .unwrap();
    if !out.status.success() {
        return Vec::new();
    }
    let record: Value = serde_json::from_str(&stdout(&out)).unwrap();
    record["plan"]["goals"][0]["progress"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|e| e["note"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn live_sessions_carry_edits_from_other_processes_while_open() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    let (ada, goal, _) = person_with_plan(&sam, "Ada");
    sam.ok(&["goal", "progress", &goal, "--note", "before"]);

    let server = Server::start(&sam, &["--live", "--duration", "8"]);
    let mut client = spawn(
        &kim,
        &["sync", "connect", &server.address()],
        &["--live", "--duration", "8"],
    );
    let both_running = |client: &mut Child, server: &mut Server| {
        client.try_wait().unwrap().is_none() && server.child.try_wait().unwrap().is_none()
    };

    // The first round brings Ada to Kim's store.
    assert!(
        eventually(Duration::from_secs(5), || progress_notes(&kim, &ada)
            == vec!["before".to_string()]),
        "the first round did not reach the client"
    );

    // A third process edits the server's store; the edit reaches the client's store.
    sam.ok(&[
        "goal",
        "progress",
        &goal,
        "--note",
        "from sam's other process",
    ]);
    assert!(
        eventually(Duration::from_secs(5), || progress_notes(&kim, &ada)
            .contains(&"from sam's other process".to_string())),
        "the edit on the server's database did not reach the client"
    );
    let mut server = server;
    assert!(both_running(&mut client, &mut server));

    // And the other way: a fourth process edits the client's store.
    kim.ok(&[
        "goal",
        "progress",
        &goal,
        "--note",
        "from kim's other process",
    ]);
    assert!(
        eventually(Duration::from_secs(5), || progress_notes(&sam, &ada)
            .contains(&"from kim's other process".to_string())),
        "the edit on the client's database did not reach the server"
    );
    assert!(both_running(&mut client, &mut server));

    // Both end by themselves (--duration), each printing merge events and a report.
    let client_out = client.wait_with_output().unwrap();
    assert!(client_out.status.success(), "{}", stderr(&client_out));
    let events = json_lines(&stdout(&client_out));
    let report = events.last().unwrap();
    assert_eq!(report["event"], "report");
    assert_eq!(report["live"], true);
    assert!(events
        .iter()
        .any(|e| e["event"] == "merged" && e["people"] == serde_json::json!([ada])));

    let (code, rest, err) = server.finish();
    assert_eq!(code, Some(0), "{err}");
    let events = json_lines(&rest);
    assert!(events
        .iter()
        .any(|e| e["event"] == "merged" && e["people"] == serde_json::json!([ada])));
    assert_eq!(events.last().unwrap()["event"], "report");
    assert_eq!(record(&sam, &ada), record(&kim, &ada));
}

#[test]
fn sync_refuses_bad_options_and_broken_peers() {
    let sam = store("sam", &[]);
    sam.fail(&["sync", "serve", "--port", "x"], 3);
    sam.fail(&["sync", "serve", "--port", "70000"], 3);
    sam.fail(
        &[
            "sync",
            "connect",
            "--allow-unenrolled",
            "127.0.0.1:1",
            "--live",
            "--duration",
            "0",
        ],
        3,
    );
    sam.fail(
        &["sync", "connect", "--allow-unenrolled", "no-port-here"],
        3,
    );

    // Nobody listening.
    let free = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let err = sam.fail(
        &[
            "sync",
            "connect",
            "--allow-unenrolled",
            &format!("127.0.0.1:{port}"),
        ],
        1,
    );
    assert!(err.contains("could not connect to the peer"), "{err}");

    // A peer that reads the first message and hangs up.
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let hang_up = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut header = [0u8; 4];
        stream.read_exact(&mut header).unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(header) as usize];
        stream.read_exact(&mut body).unwrap();
    });
    let err = sam.fail(&["sync", "connect", "--allow-unenrolled", &address], 1);
    assert!(err.contains("closed the connection"), "{err}");
    hang_up.join().unwrap();

    // A frame over 64 MiB is refused before it arrives; garbage is refused by the core.
    for (frame, expected) in [
        ((64u32 * 1024 * 1024 + 1).to_be_bytes().to_vec(), "64 MiB"),
        (
            [&5u32.to_be_bytes()[..], b"hello"].concat(),
            "could not", // whatever the core calls it, one error line
        ),
    ] {
        let s = Server::start(&sam, &["--once"]);
        let mut stream = TcpStream::connect(s.address()).unwrap();
        stream.write_all(&frame).unwrap();
        let (code, _, err) = s.finish();
        drop(stream);
        // Garbage fails the secure handshake: an identity refusal (exit 5).
        let code_expected = if expected == "64 MiB" { 1 } else { 5 };
        assert_eq!(code, Some(code_expected), "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        if expected == "64 MiB" {
            assert!(err.contains(expected), "{err}");
        }
    }
}

/// `value` without any `episode_id` key (a phone holds no episodes to give items).
fn without_episodes(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(k, _)| k != "episode_id")
            .map(|(k, v)| (k, without_episodes(v)))
            .collect(),
        serde_json::Value::Array(items) => items.into_iter().map(without_episodes).collect(),
        other => other,
    }
}

/// Issue 13, defect 2: a peer trickling one byte every 50 ms no longer holds the server. It
/// serves several peers at once, so an honest peer syncs while the trickler is connected, and
/// `--duration` ends the server although the trickler never stops.
#[test]
fn a_trickling_peer_blocks_nobody_and_duration_is_honoured() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    let (ada, _, _) = person_with_plan(&sam, "Ada");
    let server = Server::start(&sam, &["--duration", "6"]);
    let address = server.address();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickler = {
        let stop = stop.clone();
        let address = address.clone();
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(&address).unwrap();
            // A frame announcing 1,000 bytes, sent one byte at a time for as long as allowed.
            let mut frame = 1000u32.to_be_bytes().to_vec();
            frame.extend(std::iter::repeat_n(7u8, 1000));
            let mut sent = 0;
            for b in frame {
                if stop.load(std::sync::atomic::Ordering::SeqCst) || stream.write_all(&[b]).is_err()
                {
                    break;
                }
                sent += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            sent
        })
    };
    // Give the trickler a head start, then an honest peer syncs through the same server.
    std::thread::sleep(Duration::from_millis(300));
    let report = kim.json(&["sync", "connect", "--allow-unenrolled", &address]);
    assert_eq!(report["ended"], "completed", "{report}");
    assert!(
        !trickler.is_finished(),
        "the trickler was still connected meanwhile"
    );
    assert_eq!(record(&kim, &ada), record(&sam, &ada));
    // The server ends by itself (its --duration), whatever the trickler does.
    let started = Instant::now();
    let (code, rest, err) = server.finish();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let sent = trickler.join().unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the server did not honour --duration"
    );
    assert!(
        sent < 1004,
        "the trickler was cut off before it finished its frame"
    );
    // One report for the honest peer; the trickler's session failed (an error line).
    let reports: Vec<Value> = json_lines(&rest)
        .into_iter()
        .filter(|l| l["event"] == "report")
        .collect();
    assert_eq!(reports.len(), 1, "{rest}");
    assert!(err.contains("error: "), "{err}");
}

/// Issue 13, defect 5: `sync connect --progress` reports documents and bytes done of the total,
/// and a first sync in small batches takes several messages, each within the bound.
#[test]
fn connect_shows_progress_of_a_batched_first_sync() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    for i in 0..12 {
        person_with_plan(&sam, &format!("P{i}"));
    }
    let server = Server::start(&sam, &["--once", "--max-message-bytes", "16384"]);
    let out = kim.ok(&[
        "--json",
        "sync",
        "connect",
        "--allow-unenrolled",
        &server.address(),
        "--progress",
    ]);
    let (code, _, err) = server.finish();
    assert_eq!(code, Some(0), "{err}");
    let lines = json_lines(&out);
    let progress: Vec<&Value> = lines.iter().filter(|l| l["event"] == "progress").collect();
    assert!(progress.len() >= 3, "{out}");
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap();
    assert!(progress
        .iter()
        .any(|p| n(p, "docs_total") > n(p, "docs_done")));
    let last = progress.last().unwrap();
    assert_eq!(n(last, "docs_done"), 24);
    assert_eq!(n(last, "docs_total"), 24);
    assert_eq!(n(last, "bytes_done"), n(last, "bytes_total"));
    let report = lines.last().unwrap();
    assert_eq!(report["event"], "report");
    assert!(
        report["messages_received"].as_u64().unwrap() >= 3,
        "{report}"
    );

    // In text mode the bar goes to stderr, the report to stdout.
    let tom = store("tom", &[]);
    let server = Server::start(&sam, &["--once"]);
    let o = tom.run(&[
        "sync",
        "connect",
        "--allow-unenrolled",
        &server.address(),
        "--progress",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("syncing ["), "{}", stderr(&o));
    assert!(stderr(&o).contains("100%"), "{}", stderr(&o));
    assert!(stdout(&o).contains("sync complete"), "{}", stdout(&o));
    server.finish();
}

#[test]
fn peers_unsynced_documents_and_conflicts_resolved_with_keep() {
    let sam = store("sam", &[]);
    let kim = store("kim", &[]);
    assert!(sam.ok(&["peers"]).contains("no peers yet"));
    let (ada, goal, _) = person_with_plan(&sam, "Ada");
    sync(&sam, &kim);
    let kim_id = kim.json(&["info"])["store_id"]
        .as_str()
        .unwrap()
        .to_string();
    let peers = sam.json(&["peers"]);
    assert_eq!(peers.as_array().unwrap().len(), 1);
    assert_eq!(peers[0]["store_id"], kim_id.as_str());
    assert_eq!(peers[0]["role"], "link-worker");
    assert!(peers[0]["last_sync"].is_string());
    assert!(sam.ok(&["peers"]).contains(&kim_id));
    assert_eq!(sam.json(&["unsynced", &kim_id]), serde_json::json!([]));
    sam.ok(&["plan", "what-matters", &ada, "--text", "Seeing friends"]);
    assert_eq!(sam.json(&["unsynced", &kim_id]), serde_json::json!([ada]));
    assert_eq!(sam.ok(&["unsynced", &kim_id]), format!("{ada}\n"));
    let err = sam.fail(&["unsynced", &ada], 4);
    assert!(err.contains("peer"), "{err}");
    sam.fail(&["unsynced", "nope"], 3);
    let docs = sam.json(&["doc", "list"]);
    assert_eq!(docs.as_array().unwrap().len(), 2);
    assert_eq!(docs[0]["person_id"], ada.as_str());
    assert!(docs[0]["bytes"].as_u64().unwrap() > 0);

    sam.ok(&["goal", "update", &goal, "--status", "achieved"]);
    kim.ok(&["goal", "update", &goal, "--status", "dropped"]);
    sync(&sam, &kim);
    let listed = sam.json(&["conflicts"]);
    assert_eq!(
        listed,
        serde_json::json!([{"person_id": ada, "plan_fields": 1, "case_fields": 0}])
    );
    let path = format!("goals/{goal}/status");
    let resolve = |extra: &[&str]| {
        let mut args = vec!["resolve", &ada, "--document", "plan", "--path", &path];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |env: &Env, args: Vec<String>, code: i32| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        env.fail(&refs, code)
    };
    assert!(run(&sam, resolve(&["--keep", "active"]), 3).contains("value"));
    let wrong_type = run(&sam, resolve(&["--new", "finished"]), 3);
    assert!(
        wrong_type.contains("value") && wrong_type.contains("partly-achieved"),
        "says which codes the field takes: {wrong_type}"
    );
    run(&sam, resolve(&[]), 2);
    run(&sam, resolve(&["--keep", "dropped", "--new", "x"]), 2);
    let wrong_path = vec![
        "resolve",
        &ada,
        "--document",
        "plan",
        "--path",
        "what_matters",
        "--keep",
        "x",
    ];
    assert!(sam.fail(&wrong_path, 3).contains("path"));
    let args = resolve(&["--keep", "dropped"]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    sam.ok(&refs);
    assert_eq!(sam.ok(&["conflicts"]), "no conflicts\n");
    sync(&sam, &kim);
    assert_eq!(kim.json(&["conflicts"]), serde_json::json!([]));
}
