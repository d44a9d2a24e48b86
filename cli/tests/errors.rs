//! Bad input: a non-zero exit with one `error:` line on stderr, the right exit code, no
//! patient data in the message, and a store left exactly as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{run_bare, stderr, Env};

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

/// A person with a goal, a step, a home visit and an onward referral to aim bad input at.
struct Fixture {
    env: Env,
    person: String,
    goal: String,
    step: String,
    visit: String,
    onward: String,
}

fn fixture() -> Fixture {
    let env = Env::new();
    let person = env.person();
    let goal = env.id(&["goal", "add", &person, "--text", "Walk"]);
    let step = env.id(&[
        "step", "add", &person, "--text", "Call", "--owner", "person",
    ]);
    let visit = env.id(&["consultation", "add", &person, "--mode", "home-visit"]);
    let onward = env.id(&["onward", "add", &person, "--service", "Debt advice"]);
    Fixture {
        env,
        person,
        goal,
        step,
        visit,
        onward,
    }
}

/// Runs `args`, expects exit `code`, and checks that nothing in the store changed.
fn refused(f: &Fixture, args: &[&str], code: i32) -> String {
    let before = f.env.snapshot(&f.person);
    let history = f.env.history_len(&f.person);
    let caseload = f.env.ok(&["--json", "person", "list"]);
    let err = f.env.fail(args, code);
    assert_eq!(
        f.env.snapshot(&f.person),
        before,
        "{args:?} changed the record"
    );
    assert_eq!(
        f.env.history_len(&f.person),
        history,
        "{args:?} added a change"
    );
    assert_eq!(
        f.env.ok(&["--json", "person", "list"]),
        caseload,
        "{args:?} changed the caseload"
    );
    err
}

#[test]
fn invalid_nhs_number_is_refused_without_echoing_it() {
    let f = fixture();
    let err = refused(
        &f,
        &[
            "person",
            "add",
            "--given",
            "Zed",
            "--family",
            "Quux",
            "--dob",
            "1980-01-01",
            "--nhs-number",
            "9434765918",
        ],
        3,
    );
    assert!(err.contains("nhs_number"), "{err}");
    assert!(!err.contains("9434765918") && !err.contains("Zed"), "{err}");
    let err = refused(
        &f,
        &["person", "update", &f.person, "--nhs-number", "123"],
        3,
    );
    assert!(err.contains("nhs_number"), "{err}");
}

#[test]
fn future_date_of_birth_is_refused() {
    let f = fixture();
    let err = refused(
        &f,
        &[
            "person",
            "add",
            "--given",
            "A",
            "--family",
            "B",
            "--dob",
            "2999-01-01",
        ],
        3,
    );
    assert_eq!(err, "error: invalid date_of_birth: is in the future");
    refused(
        &f,
        &["person", "update", &f.person, "--dob", "2999-01-01"],
        3,
    );
    let err = refused(
        &f,
        &[
            "person",
            "add",
            "--given",
            "A",
            "--family",
            "B",
            "--dob",
            "01/02/1950",
        ],
        3,
    );
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn ratings_out_of_range_are_refused() {
    let f = fixture();
    let err = refused(&f, &["goal", "progress", &f.goal, "--rating", "11"], 3);
    assert_eq!(err, "error: invalid rating: must be between 0 and 10");
    refused(&f, &["goal", "progress", &f.goal, "--rating", "-1"], 3);
    refused(&f, &["goal", "progress", &f.goal, "--rating", "seven"], 3);
    let err = refused(&f, &["goal", "progress", &f.goal], 3);
    assert!(err.contains("rating or a note"), "{err}");
}

#[test]
fn illegal_transitions_are_refused() {
    let f = fixture();
    let err = refused(
        &f,
        &[
            "episode",
            "transition",
            &f.person,
            "--to",
            "discharged",
            "--reason",
            "goals-met",
        ],
        5,
    );
    assert_eq!(
        err,
        "error: cannot move episode from referred to discharged"
    );
    refused(&f, &["episode", "open", &f.person], 5);
    refused(&f, &["consultation", "check-out", &f.visit], 5);
    refused(
        &f,
        &["onward", "transition", &f.onward, "--to", "got-help"],
        5,
    );
    refused(&f, &["step", "reopen", &f.step], 5);
    f.env.ok(&["step", "done", &f.step]);
    refused(&f, &["step", "done", &f.step], 5);
}

#[test]
fn discharge_needs_a_discharge_reason_code() {
    let f = fixture();
    f.env
        .ok(&["episode", "transition", &f.person, "--to", "accepted"]);
    let err = refused(
        &f,
        &["episode", "transition", &f.person, "--to", "discharged"],
        3,
    );
    assert!(err.contains("goals-met, disengaged, moved-away"), "{err}");
    let err = refused(
        &f,
        &[
            "episode",
            "transition",
            &f.person,
            "--to",
            "discharged",
            "--reason",
            "felt better",
        ],
        3,
    );
    assert!(err.contains("expected one of goals-met"), "{err}");
    assert!(!err.contains("felt better"), "{err}");
}

#[test]
fn unknown_codes_list_the_accepted_ones() {
    let f = fixture();
    let err = refused(
        &f,
        &["episode", "transition", &f.person, "--to", "finished"],
        3,
    );
    assert!(
        err.contains("expected one of referred, contacting, accepted"),
        "{err}"
    );
    let err = refused(
        &f,
        &["step", "add", &f.person, "--text", "x", "--owner", "friend"],
        3,
    );
    assert!(err.contains("person, link-worker, service, other"), "{err}");
    refused(
        &f,
        &["consultation", "add", &f.person, "--mode", "letter"],
        3,
    );
    refused(&f, &["need", "add", &f.person, "money"], 3);
    refused(
        &f,
        &[
            "contact",
            "add",
            &f.person,
            "--channel",
            "pigeon",
            "--outcome",
            "reached",
        ],
        3,
    );
    refused(
        &f,
        &["flag", "raise", &f.person, "--kind", "bad", "--text", "x"],
        3,
    );
    refused(&f, &["person", "list", "--status", "active"], 3);
}

#[test]
fn unknown_ids_are_not_found() {
    let f = fixture();
    let err = refused(&f, &["goal", "progress", UNKNOWN, "--rating", "3"], 4);
    assert_eq!(err, format!("error: no goal with id {UNKNOWN}"));
    refused(&f, &["person", "show", UNKNOWN], 4);
    refused(&f, &["goal", "add", UNKNOWN, "--text", "x"], 4);
    refused(&f, &["step", "done", UNKNOWN], 4);
    refused(&f, &["consultation", "check-in", UNKNOWN], 4);
    refused(&f, &["flag", "resolve", UNKNOWN], 4);
    refused(&f, &["history", UNKNOWN], 4);
    // An id of the wrong kind is not found either.
    refused(&f, &["step", "done", &f.goal], 4);
    // Text that is not an id at all is invalid input.
    let err = refused(&f, &["person", "show", "not-an-id"], 3);
    assert_eq!(err, "error: invalid person: is not a valid id");
}

#[test]
fn empty_required_text_is_refused() {
    let f = fixture();
    refused(&f, &["goal", "add", &f.person, "--text", "  "], 3);
    refused(
        &f,
        &["step", "add", &f.person, "--text", "", "--owner", "person"],
        3,
    );
    refused(&f, &["note", "add", &f.person, "--text", ""], 3);
    refused(
        &f,
        &["flag", "raise", &f.person, "--kind", "risk", "--text", " "],
        3,
    );
    refused(&f, &["plan", "what-matters", &f.person, "--text", " "], 3);
    refused(&f, &["onward", "add", &f.person, "--service", ""], 3);
    refused(
        &f,
        &[
            "consent",
            "record",
            &f.person,
            "--purpose",
            "",
            "--recipient-org",
            "LOCAL-CAB",
            "--recipient",
            "CAB",
            "--given",
            "--method",
            "verbal",
        ],
        3,
    );
    refused(
        &f,
        &[
            "person",
            "add",
            "--given",
            "",
            "--family",
            "B",
            "--dob",
            "1980-01-01",
        ],
        3,
    );
    let err = refused(&f, &["goal", "update", &f.goal], 3);
    assert!(err.contains("at least one field"), "{err}");
}

#[test]
fn other_bad_values_are_refused() {
    let f = fixture();
    refused(
        &f,
        &[
            "consultation",
            "add",
            &f.person,
            "--mode",
            "phone",
            "--duration",
            "0",
        ],
        3,
    );
    refused(
        &f,
        &[
            "consultation",
            "add",
            &f.person,
            "--mode",
            "phone",
            "--duration",
            "an hour",
        ],
        3,
    );
    refused(
        &f,
        &[
            "consent",
            "record",
            &f.person,
            "--purpose",
            "p",
            "--recipient-org",
            "LOCAL-R",
            "--recipient",
            "r",
            "--given",
            "--method",
            "verbal",
            "--capacity",
            "lacks-capacity",
        ],
        3,
    );
    refused(
        &f,
        &[
            "consent",
            "record",
            &f.person,
            "--purpose",
            "p",
            "--recipient-org",
            "LOCAL-R",
            "--recipient",
            "r",
            "--given",
            "--method",
            "verbal",
            "--proxy-name",
            "Carer",
        ],
        3,
    );
    let err = refused(
        &f,
        &[
            "measure",
            "record",
            &f.person,
            "--instrument",
            "ons4",
            "--answers",
            "4,6,11,7",
            "--timepoint",
            "baseline",
        ],
        3,
    );
    assert!(err.contains("ons4") && !err.contains("11"), "{err}");
    refused(
        &f,
        &[
            "measure",
            "record",
            &f.person,
            "--instrument",
            "ons4",
            "--answers",
            "4,6",
            "--timepoint",
            "baseline",
        ],
        3,
    );
    refused(
        &f,
        &[
            "measure",
            "record",
            &f.person,
            "--instrument",
            "phq9",
            "--answers",
            "1",
            "--timepoint",
            "baseline",
        ],
        3,
    );
    refused(
        &f,
        &[
            "measure",
            "record",
            &f.person,
            "--instrument",
            "ons4",
            "--answers",
            "1,2,3,4",
            "--timepoint",
            "later",
        ],
        3,
    );
}

#[test]
fn usage_errors_exit_with_two() {
    let f = fixture();
    // Missing --given/--withdrawn is a clap usage error.
    refused(
        &f,
        &[
            "consent",
            "record",
            &f.person,
            "--purpose",
            "p",
            "--recipient-org",
            "LOCAL-R",
            "--recipient",
            "r",
            "--method",
            "verbal",
        ],
        2,
    );
    refused(&f, &["goal", "add", &f.person], 2);
    let out = run_bare(&["person", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        "error: this command needs --db FILE (the store to use)"
    );
    let out = run_bare(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn store_problems_exit_with_one() {
    let env = Env::empty();
    let err = env.fail(&["person", "list"], 1);
    assert!(err.contains("not a linkwork store"), "{err}");
    assert!(!env.db().exists(), "opening must not create a file");

    let env = Env::new();
    let err = env.fail(&["init", "--user", "sam"], 1);
    assert_eq!(err, "error: a store already exists at that path");
    let err = env.fail(&["doc", "import", "/nonexistent/file.automerge"], 1);
    assert!(
        err.starts_with("error: could not read the document file"),
        "{err}"
    );
    let out = Env::empty().run(&["init"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_document_is_refused() {
    let f = fixture();
    let junk = f.env.path("junk.automerge");
    std::fs::write(&junk, b"not an automerge document").unwrap();
    let err = refused(&f, &["doc", "import", junk.to_str().unwrap()], 3);
    assert!(err.contains("document"), "{err}");
}

#[test]
fn a_patient_store_refuses_link_worker_actions() {
    let f = fixture();
    let phone = Env::empty();
    phone.id(&[
        "init", "--user", "ada", "--role", "patient", "--person", &f.person,
    ]);
    let err = phone.fail(
        &[
            "person",
            "add",
            "--given",
            "A",
            "--family",
            "B",
            "--dob",
            "1980-01-01",
        ],
        5,
    );
    assert!(
        err.starts_with("error: not permitted on this store"),
        "{err}"
    );
    phone.fail(&["gp-codes", &f.person], 5);
    phone.fail(&["person", "show", UNKNOWN], 5);
    let err = Env::empty().fail(&["init", "--user", "ada", "--role", "patient"], 3);
    assert!(err.contains("person"), "{err}");
}
