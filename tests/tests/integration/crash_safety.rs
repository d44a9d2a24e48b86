//! Crash safety: a child process (`src/bin/crash_writer.rs`) does real user actions on a store
//! in a loop and is killed with SIGKILL at random moments, 120 times. After every kill the store
//! must open, hold every edit the child reported committed, hold nothing half-applied (each
//! action writes a unit whose fields all derive from one number), load every document, and show
//! projections equal to a rebuild from the documents. The child's output is read while it runs,
//! so the test knows where each kill landed (inside an action, inside `Store::create`, between
//! actions) and asserts that kills did land inside them.
//!
//! This models a killed process (the OS ending an app), not lost power: SQLite's WAL survives a
//! killed process whole, while power loss under `synchronous=NORMAL` may roll back the last
//! commits (docs/security.md).
//!
//! The delays and the child's actions come from one seed, printed at the start; rerun a failure
//! with `LINKWORK_CRASH_SEED=<seed>`.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use linkwork_core::measures::Instrument;
use linkwork_core::model::*;
use linkwork_core::{Id, Store};
use linkwork_tests::crash::{create_store, date, open_store, Rng};
use linkwork_tests::TestDir;

/// Kills in all.
const TRIALS: u64 = 120;
/// A new store every this many trials, so each stays small enough to check whole every time.
const TRIALS_PER_STORE: u64 = 20;
/// Kill delays are uniform in 0..this many milliseconds (opening the store included).
const MAX_DELAY_MS: u64 = 200;
/// Kills of a writer creating its store on first run.
const CREATE_TRIALS: u64 = 40;
/// How long the unkilled calibration run may take to create its store.
const CALIBRATION_WAIT: Duration = Duration::from_secs(3);
/// Kills aimed at creation fall this much either side of the measured window.
const WINDOW_MARGIN: Duration = Duration::from_millis(2);

/// One edit the child reported committed.
#[derive(Clone, Debug)]
enum Edit {
    Person { n: u64, person: Id },
    Goal { n: u64, goal: Id, person: Id },
    Progress { n: u64, progress: Id, goal: Id },
    Step { n: u64, step: Id, person: Id },
    Done { step: Id },
    Measure { n: u64, measure: Id, person: Id },
    Note { n: u64, note: Id, person: Id },
}

fn parse_line(line: &str) -> Edit {
    let w: Vec<&str> = line.split(' ').collect();
    let id = |i: usize| Id::parse("id", w[i]).unwrap_or_else(|_| panic!("an id in {line:?}"));
    assert_eq!(w[0], "committed", "unexpected output {line:?}");
    let n: u64 = w[1].parse().expect("a number");
    match w[2] {
        "person" => Edit::Person { n, person: id(3) },
        "goal" => Edit::Goal {
            n,
            goal: id(3),
            person: id(4),
        },
        "progress" => Edit::Progress {
            n,
            progress: id(3),
            goal: id(4),
        },
        "step" => Edit::Step {
            n,
            step: id(3),
            person: id(4),
        },
        "done" => Edit::Done { step: id(3) },
        "measure" => Edit::Measure {
            n,
            measure: id(3),
            person: id(4),
        },
        "note" => Edit::Note {
            n,
            note: id(3),
            person: id(4),
        },
        other => panic!("unknown edit {other:?}"),
    }
}

/// The number at the end of `prefix <n>`.
fn number(text: &str, prefix: &str) -> u64 {
    text.strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text:?} is not {prefix:?} followed by a number"))
}

/// Where a kill landed, from the last whole line the child printed before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Landed {
    /// Before the child printed anything (starting, or opening its store).
    BeforeWork,
    /// After `creating` and before `created`: inside `Store::create`.
    InCreation,
    /// After `begin` and before that action's `committed`: inside a user action.
    InAction,
    /// Right after a `created` or `committed` line.
    BetweenActions,
}

/// What one run of the child printed before the kill.
struct Run {
    created: bool,
    edits: Vec<Edit>,
    landed: Landed,
    /// When the child printed `creating` and `created`, from its start (first-run runs only).
    creation_window: Option<(Duration, Duration)>,
}

/// Runs the child once for about `delay`, kills it, and returns what it printed. Its output
/// is read while it runs, so a full pipe never blocks it at a `committed` line and kills land
/// where the child really is.
fn run_child(path: &Path, seed: u64, delay: Duration) -> Run {
    run_child_after(path, seed, None, delay)
}

/// Like [`run_child`], but when `trigger` is given the delay runs from the moment the child
/// printed that line (so kills aimed inside a short window land there even when other tests
/// load the machine and the child starts slowly); a child that never prints it within
/// [`CALIBRATION_WAIT`] is killed then.
fn run_child_after(path: &Path, seed: u64, trigger: Option<&str>, delay: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
        .arg(path)
        .arg(seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the writer");
    let stdout = child.stdout.take().expect("the writer's stdout");
    let (seen, lines_seen) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        // A line cut by the kill has no newline and was never a promise: read_line returns it
        // without one at EOF, and it is dropped.
        let mut lines = Vec::new();
        let mut stdout = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match stdout.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line.ends_with('\n') => {
                    let line = line.trim_end().to_owned();
                    let _ = seen.send(line.clone());
                    lines.push((started.elapsed(), line));
                }
                Ok(_) => break,
            }
        }
        lines
    });
    if let Some(trigger) = trigger {
        let deadline = Instant::now() + CALIBRATION_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_seen.recv_timeout(left) {
                Ok(line) if line == trigger => break,
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    std::thread::sleep(delay);
    if let Some(status) = child.try_wait().expect("poll the writer") {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("the writer stopped by itself ({status}): {err}");
    }
    child.kill().expect("SIGKILL the writer");
    child.wait().expect("reap the writer");
    let lines = reader.join().expect("the reader thread");
    let at = |name: &str| lines.iter().find(|(_, l)| l == name).map(|(t, _)| *t);
    let created = at("created").is_some();
    let landed = match lines.last().map(|(_, l)| l.as_str()) {
        None => Landed::BeforeWork,
        Some("creating") => Landed::InCreation,
        Some(l) if l.starts_with("begin ") => Landed::InAction,
        Some(_) => Landed::BetweenActions,
    };
    let edits = lines
        .iter()
        .filter(|(_, l)| l.starts_with("committed "))
        .map(|(_, l)| parse_line(l))
        .collect();
    Run {
        created,
        edits,
        landed,
        creation_window: at("creating").zip(at("created")),
    }
}

/// Every list a projection serves, with the refresh time left out.
fn projected_lists(store: &Store) -> (Vec<CaseloadEntry>, String, String) {
    let mut caseload = store.caseload(&CaseloadQuery::default()).expect("caseload");
    for e in &mut caseload {
        e.updated_at = chrono::DateTime::UNIX_EPOCH;
    }
    let due = format!(
        "{:?}",
        store
            .due(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap())
            .expect("due list")
    );
    let onward = format!("{:?}", store.open_onward_referrals().expect("onward list"));
    (caseload, due, onward)
}

/// Checks the reopened store: documents load, every unit is whole, projections equal a
/// rebuild, and every reported edit is there. Returns the records by person.
fn check_store(store: &Store, reported: &[Edit], context: &str) {
    let lists = projected_lists(store);
    let people: Vec<Id> = lists.0.iter().map(|e| e.person_id).collect();
    let mut records = BTreeMap::new();
    for &p in &people {
        let record = store
            .person(p)
            .unwrap_or_else(|e| panic!("{context}: person {p} does not load: {e}"));
        records.insert(p, record);
    }

    // Nothing half-applied: every unit's fields agree with each other.
    let mut goals = BTreeMap::new();
    let mut progress = BTreeMap::new();
    let mut steps = BTreeMap::new();
    let mut measures = BTreeSet::new();
    let mut notes = BTreeSet::new();
    for (p, r) in &records {
        let case = r
            .case
            .as_ref()
            .unwrap_or_else(|| panic!("{context}: {p} has a plan but no case document"));
        let n = number(&case.demographics.given_name, "G");
        assert_eq!(case.demographics.family_name, format!("F{n}"), "{context}");
        let episode = case.current_episode().expect("an episode");
        assert_eq!(episode.reasons, vec![format!("r{n}")], "{context}");
        for g in &r.plan.goals {
            let n = number(&g.text, "goal ");
            assert_eq!(g.smart_detail, Some(format!("detail {n}")), "{context}");
            assert_eq!(g.target_date, Some(date(n)), "{context}");
            assert_eq!(g.needs, vec![Need::Loneliness], "{context}");
            goals.insert(g.id, (*p, n));
            for e in &g.progress {
                let n = number(e.note.as_deref().unwrap_or_default(), "progress ");
                assert_eq!(e.rating, Some((n % 11) as i32), "{context}");
                progress.insert(e.id, (g.id, n));
            }
        }
        for s in &r.plan.steps {
            let n = number(&s.text, "step ");
            assert_eq!(s.due, Some(date(n)), "{context}");
            steps.insert(s.id, (*p, n, s.done_at.is_some()));
        }
        for m in &r.plan.measures {
            assert_eq!(m.instrument, Instrument::Ons4, "{context}");
            let first = m.answers.first().copied().flatten().expect("answers");
            let expected: Vec<Option<i64>> = (0..4).map(|i| Some((first + i) % 11)).collect();
            assert_eq!(m.answers, expected, "{context}: measure answers");
            measures.insert((*p, m.id, first));
        }
        for note in &case.notes {
            number(&note.text, "note ");
            notes.insert((*p, note.id, note.text.clone()));
        }
    }

    // Every reported edit is there.
    for edit in reported {
        let found = match *edit {
            Edit::Person { n, person } => records
                .get(&person)
                .and_then(|r| r.case.as_ref())
                .is_some_and(|c| c.demographics.given_name == format!("G{n}")),
            Edit::Goal { n, goal, person } => goals.get(&goal) == Some(&(person, n)),
            Edit::Progress {
                n,
                progress: e,
                goal,
            } => progress.get(&e) == Some(&(goal, n)),
            Edit::Step { n, step, person } => {
                steps.get(&step).is_some_and(|s| (s.0, s.1) == (person, n))
            }
            Edit::Done { step } => steps.get(&step).is_some_and(|s| s.2),
            Edit::Measure { n, measure, person } => {
                measures.contains(&(person, measure, (n % 11) as i64))
            }
            Edit::Note { n, note, person } => notes.contains(&(person, note, format!("note {n}"))),
        };
        assert!(found, "{context}: a reported edit is missing: {edit:?}");
    }

    // Projections equal a rebuild from the documents.
    store.rebuild_projections().expect("rebuild projections");
    assert_eq!(
        lists,
        projected_lists(store),
        "{context}: projections differ from a rebuild"
    );
}

/// The run's seed: `LINKWORK_CRASH_SEED`, or the clock; printed either way.
fn seed() -> u64 {
    let seed = std::env::var("LINKWORK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("crash_safety seed: {seed} (rerun with LINKWORK_CRASH_SEED={seed})");
    seed
}

/// Killed while creating its store on first run, an app must find either a store that opens or
/// a path where it can create one: never a file it can neither open nor create over. One
/// unkilled creation first measures how long the child takes to create its store, and each kill
/// is aimed at a random moment of that span after the child says `creating` (and a little
/// after); the test asserts that kills did land inside it.
#[test]
fn a_writer_killed_while_creating_its_store_leaves_one_that_opens_or_can_be_created() {
    let seed = seed();
    let mut rng = Rng(seed | 1);
    let dir = TestDir::new();
    let calibration = run_child(
        &dir.path("calibration.db"),
        rng.below(1_000_000),
        CALIBRATION_WAIT,
    );
    let (from, to) = calibration
        .creation_window
        .expect("an unkilled first run prints creating and created");
    // Kills are aimed from the child's own `creating` line, over the creation's measured
    // length and a margin after it (some land just after `created`, which is fine too).
    let span = (to.saturating_sub(from) + WINDOW_MARGIN).as_micros() as u64;
    let mut opened = 0;
    let mut in_creation = 0;
    for trial in 0..CREATE_TRIALS {
        let path = dir.path(&format!("first-run-{trial}.db"));
        let delay = Duration::from_micros(rng.below(span));
        let run = run_child_after(&path, rng.below(1_000_000), Some("creating"), delay);
        if run.landed == Landed::InCreation {
            in_creation += 1;
        }
        let context = format!("seed {seed}, trial {trial} (killed after {delay:?})");
        match open_store(&path) {
            Ok(store) => {
                opened += 1;
                check_store(&store, &run.edits, &context);
            }
            Err(open) => {
                assert!(
                    !run.created,
                    "{context}: a created store does not open: {open}"
                );
                if let Err(create) = create_store(&path) {
                    panic!(
                        "{context}: the store neither opens ({open}) nor can be created ({create})"
                    );
                }
            }
        }
    }
    println!(
        "{CREATE_TRIALS} kills aimed at creation (up to {span} us after `creating`): {in_creation} \
         inside Store::create, {opened} stores opened"
    );
    assert!(
        in_creation > 0,
        "no kill landed inside Store::create: the test proved nothing"
    );
}

#[test]
fn killed_writers_leave_whole_edits_and_lose_none_reported() {
    let seed = seed();
    let mut rng = Rng(seed | 1);
    let dir = TestDir::new();
    let mut total_edits = 0;
    let mut kills_before_first_edit = 0;
    let mut kills_in_actions = 0;
    let mut reported = Vec::new();
    let mut path = dir.path("crash-0.db");
    for trial in 0..TRIALS {
        if trial % TRIALS_PER_STORE == 0 {
            path = dir.path(&format!("crash-{trial}.db"));
            drop(create_store(&path).expect("create the store"));
            reported.clear();
        }
        let delay = rng.below(MAX_DELAY_MS);
        let child_seed = rng.below(1_000_000);
        let run = run_child(&path, child_seed, Duration::from_millis(delay));
        let edits = run.edits;
        if edits.is_empty() {
            kills_before_first_edit += 1;
        }
        if run.landed == Landed::InAction {
            kills_in_actions += 1;
        }
        total_edits += edits.len();
        reported.extend(edits);
        let context = format!("seed {seed}, trial {trial} (killed after {delay} ms)");
        let store = open_store(&path)
            .unwrap_or_else(|e| panic!("{context}: the store does not open after a kill: {e}"));
        check_store(&store, &reported, &context);
    }
    println!(
        "{TRIALS} kills, {total_edits} reported edits, {kills_in_actions} kills inside an \
         action, {kills_before_first_edit} kills before the first edit of a run"
    );
    // The kills must land inside actions (the child spends most of its time in them), not only
    // while the store opens or between actions.
    assert!(
        kills_in_actions >= TRIALS / 4,
        "only {kills_in_actions} of {TRIALS} kills landed inside an action"
    );
    // The kills must land among edits, not only while the store opens.
    assert!(
        total_edits as u64 > TRIALS,
        "too few edits to test anything"
    );
}
