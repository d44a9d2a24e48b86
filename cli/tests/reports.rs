//! Reports and exports through the real binary: `report [--csv DIR]`, `export fhir`,
//! `gp-message`, `measure change`, and `measure score`'s refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_bare, stderr, stdout, Env};
use serde_json::Value;

/// SNOMED CT: referral to social prescribing service.
const REFERRAL_CODE: &str = "871731000000106";
/// SNOMED CT: social prescribing declined.
const DECLINED_CODE: &str = "871711000000103";
/// The NHS number's official identifier system.
const NHS_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// A small caseload built through the CLI.
struct Caseload {
    env: Env,
    /// Ada: referred by her GP, accepted, two goals, a need, consultations by two modes, an
    /// onward referral waitlisted (no capacity), consent, ONS4 and SWEMWBS baseline and
    /// follow-up.
    ada: String,
    /// Bob: self-referred, declined; nothing else.
    bob: String,
}

fn record(env: &Env, person: &str, instrument: &str, answers: &str, timepoint: &str) {
    env.id(&[
        "measure",
        "record",
        person,
        "--instrument",
        instrument,
        "--answers",
        answers,
        "--timepoint",
        timepoint,
    ]);
}

fn caseload() -> Caseload {
    let env = Env::new();
    let ada = env.person();
    env.ok(&["episode", "transition", &ada, "--to", "accepted"]);
    env.id(&["goal", "add", &ada, "--text", "Walk to the park"]);
    env.id(&["goal", "add", &ada, "--text", "Join a choir"]);
    env.ok(&["need", "add", &ada, "loneliness"]);
    env.id(&[
        "consultation",
        "add",
        &ada,
        "--mode",
        "home-visit",
        "--duration",
        "45",
    ]);
    env.id(&["consultation", "add", &ada, "--mode", "phone"]);
    let onward = env.id(&[
        "onward",
        "add",
        &ada,
        "--service",
        "Walk club",
        "--organisation",
        "Parks Trust",
    ]);
    env.ok(&["onward", "transition", &onward, "--to", "no-capacity"]);
    env.id(&[
        "consent",
        "record",
        &ada,
        "--purpose",
        "share outcomes with the GP",
        "--recipient-org",
        "Y12345",
        "--recipient-name",
        "GP practice",
        "--given",
        "--method",
        "verbal",
    ]);
    record(&env, &ada, "ons4", "4,5,6,7", "baseline");
    record(&env, &ada, "swemwbs", "3,3,3,3,3,3,3", "baseline");
    record(&env, &ada, "ons4", "6,7,6,4", "follow-up");
    record(&env, &ada, "swemwbs", "4,4,4,3,3,3,3", "follow-up");

    let bob = env.id(&[
        "person",
        "add",
        "--given",
        "Bob",
        "--family",
        "Baker",
        "--dob",
        "1970-01-01",
        "--source",
        "self-referral",
    ]);
    env.ok(&["episode", "transition", &bob, "--to", "declined"]);
    Caseload { env, ada, bob }
}

/// The count under `key` in a JSON array of `{"key", "count"}`.
fn count(counts: &Value, key: &str) -> u64 {
    counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no count for {key}: {counts}"))["count"]
        .as_u64()
        .unwrap()
}

/// The sum of every count in a JSON array of `{"key", "count"}`.
fn total(counts: &Value) -> u64 {
    counts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn report_json_counts_what_the_store_holds() {
    let c = caseload();
    let r = c.env.json(&["report"]);
    assert_eq!(r["people"], 2);
    assert_eq!(r["referrals"], 2);

    let by_source = &r["referrals_by_source"];
    assert_eq!(count(by_source, "gp"), 1);
    assert_eq!(count(by_source, "self-referral"), 1);
    assert_eq!(count(by_source, "not-recorded"), 0);
    assert_eq!(total(by_source), 2);
    assert_eq!(total(&r["referrals_by_month"]), 2);

    let outcomes = &r["outcomes"];
    assert_eq!(outcomes["accepted"], 1);
    assert_eq!(outcomes["declined"], 1);
    assert_eq!(outcomes["unable_to_contact"], 0);
    assert_eq!(count(&outcomes["referral_outcome"], "accepted"), 1);
    assert_eq!(count(&outcomes["referral_outcome"], "declined"), 1);
    assert_eq!(total(&outcomes["referral_outcome"]), 2);
    assert_eq!(count(&outcomes["by_status"], "accepted"), 1);
    assert_eq!(count(&outcomes["by_status"], "declined"), 1);

    assert_eq!(count(&r["needs"], "loneliness"), 1);
    assert_eq!(total(&r["needs"]), 1);

    let modes = &r["consultations_by_mode"];
    assert_eq!(count(modes, "home-visit"), 1);
    assert_eq!(count(modes, "phone"), 1);
    assert_eq!(total(modes), 2);

    let services = r["onward_by_service"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    let walk = &services[0];
    assert_eq!(walk["service"], "Walk club");
    assert_eq!(walk["total"], 1);
    assert_eq!(walk["unmet_need"], 1, "no capacity counts as unmet need");
    assert_eq!(walk["ever_waitlisted"], 1);
    assert_eq!(count(&walk["by_status"], "no-capacity"), 1);
    assert_eq!(r["unmet_need"], 1);
    assert_eq!(count(&r["onward_by_status"], "no-capacity"), 1);

    // Ada was consulted (first contact); Bob declined, so he answered: not "not contacted".
    let first = &r["time_to_first_contact"];
    assert_eq!(first["n"], 1);
    assert_eq!(first["not_contacted"], 0);

    let paired = r["paired_change"].as_array().unwrap();
    let row = |instrument: &str, quantity: &str| {
        paired
            .iter()
            .find(|m| m["instrument"] == instrument && m["quantity"] == quantity)
            .unwrap_or_else(|| panic!("no row {instrument} {quantity}"))
    };
    let metric = row("swemwbs", "metric");
    assert_eq!(metric["n"], 1);
    assert_eq!(metric["mean_baseline"], 19.25);
    assert_eq!(metric["improved"], 1);
    let anxiety = row("ons4", "anxiety");
    assert_eq!(anxiety["n"], 1);
    assert_eq!(anxiety["lower_is_better"], true);
    assert_eq!(anxiety["mean_change"], -3.0);
    assert_eq!(anxiety["improved"], 1, "less anxiety is better");
    assert_eq!(row("ons4", "happiness")["same"], 1);
    assert_eq!(row("wemwbs", "total")["n"], 0);

    // The human view: compact, non-zero counts only, and no personal data.
    let text = c.env.ok(&["report"]);
    assert!(text.starts_with("People: 2   Referrals: 2\n"), "{text}");
    assert!(
        text.contains("Referrals by source: gp 1, self-referral 1\n"),
        "{text}"
    );
    assert!(
        text.contains("Referral outcomes: accepted 1, declined 1\n"),
        "{text}"
    );
    assert!(
        text.contains("Consultations by mode: home-visit 1, phone 1\n"),
        "{text}"
    );
    assert!(text.contains("Needs (people): loneliness 1\n"), "{text}");
    assert!(
        text.contains("Onward referrals: 1 (unmet need, waitlisted now: 1)"),
        "{text}"
    );
    assert!(text.contains("Walk club"), "{text}");
    assert!(text.contains("not contacted 0"), "{text}");
    assert!(text.contains("swemwbs     metric"), "{text}");
    assert!(
        !text.contains("wemwbs      total"),
        "n = 0 rows are left out: {text}"
    );
    for personal in ["Ada", "Lovelace", "943", &c.ada, &c.bob] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
}

/// The header row of each CSV file the report writes.
const CSV_HEADERS: [(&str, &str); 8] = [
    ("referrals_by_source.csv", "source,referrals"),
    ("referrals_by_month.csv", "month,referrals"),
    ("outcomes.csv", "basis,outcome,referrals"),
    ("needs.csv", "need,people"),
    ("consultations_by_mode.csv", "mode,consultations"),
    ("onward_by_service.csv", "service,total,"),
    (
        "time_to_first_contact.csv",
        "n,median_days,mean_days,min_days,max_days,not_contacted",
    ),
    ("paired_change.csv", "instrument,quantity,lower_is_better,"),
];

#[test]
fn report_csv_writes_eight_files_and_prints_their_paths() {
    let c = caseload();
    let dir = c.env.path("reports/q1");
    let text = c.env.ok(&["report", "--csv", dir.to_str().unwrap()]);
    let printed: Vec<PathBuf> = text.lines().map(PathBuf::from).collect();
    let expected: Vec<PathBuf> = CSV_HEADERS.iter().map(|(f, _)| dir.join(f)).collect();
    assert_eq!(printed, expected, "{text}");
    for (file, header) in CSV_HEADERS {
        let body = std::fs::read_to_string(dir.join(file)).unwrap();
        let first = body.split("\r\n").next().unwrap();
        assert!(first.starts_with(header), "{file}: {first}");
        assert!(body.ends_with("\r\n"), "{file}");
    }
    let onward = std::fs::read_to_string(dir.join("onward_by_service.csv")).unwrap();
    assert!(onward.contains("\r\nWalk club,1,"), "{onward}");
    let source = std::fs::read_to_string(dir.join("referrals_by_source.csv")).unwrap();
    assert!(source.contains("\r\ngp,1\r\n"), "{source}");

    // --json lists the same files; a second run replaces them.
    let json = c.env.json(&["report", "--csv", dir.to_str().unwrap()]);
    assert_eq!(json["ok"], true);
    let files: Vec<PathBuf> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect();
    assert_eq!(files, expected);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 8);
}

#[test]
fn report_is_refused_on_a_patient_store() {
    let c = caseload();
    let rose = Env::empty();
    rose.id(&[
        "init", "--user", "Rose", "--role", "patient", "--person", &c.ada,
    ]);
    let err = rose.fail(&["report"], 5);
    assert!(err.contains("not permitted"), "{err}");
    rose.fail(
        &[
            "export",
            "fhir",
            &c.ada,
            "--out",
            rose.path("x.json").to_str().unwrap(),
            "--include-case-data",
        ],
        5,
    );
    assert!(!rose.path("x.json").exists());
}

/// Every resource type in a bundle.
fn resource_types(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn export_fhir_writes_a_bundle_and_leaves_case_data_out_unless_asked() {
    let c = caseload();
    let plain = c.env.path("ada.json");
    let full = c.env.path("ada-full.json");

    let text = c
        .env
        .ok(&["export", "fhir", &c.ada, "--out", plain.to_str().unwrap()]);
    assert_eq!(text, format!("{}\n", plain.display()));
    let json = c.env.json(&[
        "export",
        "fhir",
        &c.ada,
        "--out",
        full.to_str().unwrap(),
        "--include-case-data",
    ]);
    assert_eq!(json["ok"], true);
    assert_eq!(json["path"], full.to_str().unwrap());
    assert_eq!(json["include_case_data"], true);

    let read = |p: &Path| -> (String, Value) {
        let text = std::fs::read_to_string(p).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    };
    let (plain_text, plain_bundle) = read(&plain);
    let (full_text, full_bundle) = read(&full);
    for (text, bundle) in [(&plain_text, &plain_bundle), (&full_text, &full_bundle)] {
        assert_eq!(bundle["resourceType"], "Bundle");
        assert!(text.contains(NHS_SYSTEM), "the NHS number's system");
        let types = resource_types(bundle);
        for t in ["Patient", "CarePlan", "Goal", "QuestionnaireResponse"] {
            assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
        }
    }
    assert_eq!(json["bytes"].as_u64().unwrap(), full_text.len() as u64);

    // Case data (the referral coded with SNOMED CT, the episode, consent, consultations,
    // onward referrals) leaves only with --include-case-data.
    let full_types = resource_types(&full_bundle);
    for t in ["Consent", "EpisodeOfCare", "ServiceRequest", "Encounter"] {
        assert!(full_types.iter().any(|x| x == t), "{t} in {full_types:?}");
    }
    assert!(
        full_text.contains(REFERRAL_CODE),
        "the referral's SNOMED code"
    );
    let plain_types = resource_types(&plain_bundle);
    for t in ["Consent", "EpisodeOfCare", "ServiceRequest", "Encounter"] {
        assert!(
            !plain_types.iter().any(|x| x == t),
            "{t} without --include-case-data: {plain_types:?}"
        );
    }
    assert!(!plain_text.contains("Walk club") && !plain_text.contains("GP practice"));

    // Exporting again replaces the file whole and leaves no temporary file behind.
    c.env
        .ok(&["export", "fhir", &c.ada, "--out", plain.to_str().unwrap()]);
    let (_, again) = read(&plain);
    assert_eq!(again["resourceType"], "Bundle");
    let mut names: Vec<String> = std::fs::read_dir(c.env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") || n.starts_with(".tmp"))
        .collect();
    names.sort();
    assert_eq!(names, ["ada-full.json", "ada.json"]);

    validate_if_available(&[&plain, &full]);
}

#[test]
fn export_fhir_errors_leave_no_file() {
    let c = caseload();
    let missing_dir = c.env.path("no/such/dir/x.json");
    c.env.fail(
        &[
            "export",
            "fhir",
            &c.ada,
            "--out",
            missing_dir.to_str().unwrap(),
        ],
        1,
    );
    let out = c.env.path("x.json");
    c.env.fail(
        &[
            "export",
            "fhir",
            "7d4f7a5e-0000-4000-8000-000000000000",
            "--out",
            out.to_str().unwrap(),
        ],
        4,
    );
    c.env.fail(
        &["export", "fhir", "nope", "--out", out.to_str().unwrap()],
        3,
    );
    assert!(!out.exists());
    c.env.fail(&["export", "fhir", &c.ada], 2);
}

/// The Python venvs `tests/fhir/run.sh` makes (once the requirements are installed).
fn validator_venvs() -> Vec<PathBuf> {
    let mut caches = vec![std::env::var_os("LINKWORK_CACHE")
        .map_or_else(|| PathBuf::from("/var/cache/linkwork"), PathBuf::from)];
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(x) = xdg {
        caches.push(x.join("linkwork"));
    }
    for cache in caches {
        let venvs: Vec<PathBuf> = ["fhir-venv", "fhir-venv-r4"]
            .iter()
            .map(|v| cache.join(v))
            .filter(|v| {
                v.join("bin/python").is_file() && v.join(".linkwork-requirements").is_file()
            })
            .collect();
        if !venvs.is_empty() {
            return venvs;
        }
    }
    Vec::new()
}

/// Runs the independent validator (`tests/fhir/validate.py` under each of run.sh's venvs) on
/// the files; skipped, with a note, when the venvs have not been made.
fn validate_if_available(files: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fhir/validate.py");
    let venvs = validator_venvs();
    if venvs.is_empty() || !script.is_file() {
        eprintln!(
            "skipping the independent FHIR validator: run `bash tests/fhir/run.sh` once to \
             make its venvs"
        );
        return;
    }
    for venv in venvs {
        let out = Command::new(venv.join("bin/python"))
            .arg(&script)
            .args(files)
            .output()
            .expect("run validate.py");
        assert!(
            out.status.success(),
            "{} rejected the export:\n{}{}",
            venv.display(),
            stdout(&out),
            stderr(&out)
        );
    }
}

#[test]
fn gp_message_lists_the_codes_and_honours_codes_only() {
    let c = caseload();
    let m = c.env.json(&["gp-message", &c.ada, "--event", "accepted"]);
    assert_eq!(m["event"], "accepted");
    assert_eq!(m["codes"][0]["code"], REFERRAL_CODE);
    assert_eq!(m["codes"].as_array().unwrap().len(), 1);
    assert_eq!(m["patient"]["nhs_number"], "9434765919");
    assert_eq!(m["link_worker"], "sam");
    assert_eq!(m["codes_only"], false);
    let summary = &m["summary"];
    assert_eq!(summary["goals"].as_array().unwrap().len(), 2);
    assert_eq!(summary["needs"][0], "loneliness");
    assert_eq!(summary["onward_referrals"][0]["unmet_need"], true);
    assert_eq!(summary["consultations"], 2);
    assert!(!summary["measure_change"].as_array().unwrap().is_empty());

    let text = c.env.ok(&["gp-message", &c.ada, "--event", "accepted"]);
    assert!(text.starts_with("GP message: accepted on "), "{text}");
    assert!(text.contains(REFERRAL_CODE), "{text}");
    assert!(text.contains("NHS 943 476 5919"), "{text}");
    assert!(text.contains("Summary:\n"), "{text}");
    assert!(text.contains("    Walk to the park [active]\n"), "{text}");
    assert!(
        text.contains("    Walk club (Parks Trust): no-capacity, unmet need\n"),
        "{text}"
    );
    assert!(text.contains("swemwbs metric: 19.25 to "), "{text}");

    // Codes only: the same codes, no summary.
    c.env
        .ok(&["person", "update", &c.ada, "--codes-only", "true"]);
    let m = c.env.json(&["gp-message", &c.ada, "--event", "accepted"]);
    assert_eq!(m["codes_only"], true);
    assert!(m["summary"].is_null(), "{m}");
    assert_eq!(m["codes"][0]["code"], REFERRAL_CODE);
    let text = c.env.ok(&["gp-message", &c.ada, "--event", "accepted"]);
    assert!(text.contains(REFERRAL_CODE), "{text}");
    assert!(text.contains("Summary: none"), "{text}");
    assert!(!text.contains("Walk to the park"), "{text}");

    // Declined, for the person who declined.
    let m = c.env.json(&["gp-message", &c.bob, "--event", "declined"]);
    assert_eq!(m["codes"][0]["code"], DECLINED_CODE);
}

#[test]
fn gp_message_refuses_events_that_do_not_fit() {
    let c = caseload();
    let err = c
        .env
        .fail(&["gp-message", &c.ada, "--event", "declined"], 5);
    assert!(err.contains("gp message"), "{err}");
    c.env
        .fail(&["gp-message", &c.ada, "--event", "discharged"], 5);
    c.env
        .fail(&["gp-message", &c.bob, "--event", "accepted"], 5);
    let err = c.env.fail(&["gp-message", &c.ada, "--event", "closed"], 3);
    assert!(
        err.contains("accepted, declined, discharged") && !err.contains("closed"),
        "{err}"
    );
    c.env.fail(&["gp-message", &c.ada], 2);
}

#[test]
fn measure_change_pairs_baseline_with_follow_up() {
    let c = caseload();
    let changes = c.env.json(&["measure", "change", &c.ada]);
    let rows = changes.as_array().unwrap();
    assert_eq!(rows.len(), 5, "four ONS4 items and the SWEMWBS metric");
    let metric = rows.iter().find(|r| r["instrument"] == "swemwbs").unwrap();
    assert_eq!(metric["quantity"], "metric");
    assert_eq!(metric["baseline"], 19.25);
    assert_eq!(metric["improved"], true);
    let anxiety = rows.iter().find(|r| r["quantity"] == "anxiety").unwrap();
    assert_eq!(anxiety["baseline"], 7.0);
    assert_eq!(anxiety["follow_up"], 4.0);
    assert_eq!(anxiety["difference"], -3.0);
    assert_eq!(anxiety["improved"], true);

    let text = c.env.ok(&["measure", "change", &c.ada]);
    assert!(text.starts_with("INSTRUMENT"), "{text}");
    assert!(text.contains("anxiety"), "{text}");
    assert!(text.contains("-3"), "{text}");
    assert!(text.contains("better"), "{text}");
    assert!(text.contains("19.25"), "{text}");

    // No pairs yet.
    assert_eq!(
        c.env.json(&["measure", "change", &c.bob]),
        Value::Array(vec![])
    );
    let none = c.env.ok(&["measure", "change", &c.bob]);
    assert!(none.starts_with("no paired measures"), "{none}");
    c.env.fail(
        &["measure", "change", "7d4f7a5e-0000-4000-8000-000000000000"],
        4,
    );
}

#[test]
fn measure_score_swemwbs_converts_to_the_metric() {
    let out = run_bare(&[
        "measure",
        "score",
        "--instrument",
        "swemwbs",
        "--answers",
        "1,2,3,4,5,3,3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["raw"], 21);
    assert_eq!(json["metric"], 19.25);
}

/// Runs `measure score` without a store; asserts exit 3 and one `error:` line.
fn score_refused(instrument: &str, answers: &str) -> String {
    let out = run_bare(&[
        "measure",
        "score",
        "--instrument",
        instrument,
        "--answers",
        answers,
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{instrument} {answers}: {err}");
    assert!(stdout(&out).is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn measure_score_refuses_bad_answers() {
    let err = score_refused("ons4", "11,5,5,5");
    assert!(err.contains("ons4"), "{err}");
    let err = score_refused("ons4", "5,5,5");
    assert!(err.contains("expected 4 answers"), "{err}");
    score_refused("swemwbs", "3,3,3,3,3,3,3,3");
    score_refused("swemwbs", "0,3,3,3,3,3,3");
    score_refused("ons4", "5,five,5,5");
    score_refused("pam", "1");
    score_refused("phq9", "1");
}

#[test]
fn gp_message_and_export_fhir_list_what_withdrawn_gp_consent_withholds() {
    let c = caseload();
    c.env.id(&[
        "consent",
        "record",
        &c.ada,
        "--purpose",
        "gp-summary",
        "--recipient-org",
        "y12345",
        "--recipient-name",
        "riverside surgery",
        "--withdrawn",
        "--method",
        "verbal",
    ]);
    let m = c.env.json(&["gp-message", &c.ada, "--event", "accepted"]);
    assert!(m["summary"].is_null(), "{m}");
    let withheld = m["withheld"].as_array().unwrap();
    assert!(withheld
        .iter()
        .any(|w| w["what"] == "goals" && w["reason"] == "consent-withdrawn"));
    let text = c.env.ok(&["gp-message", &c.ada, "--event", "accepted"]);
    assert!(text.contains("Withheld:"), "{text}");
    assert!(
        text.contains("goals — consent for gp-summary withdrawn on"),
        "{text}"
    );
    assert!(!text.contains("Walk to the park"), "{text}");

    let out = c.env.path("ada.json");
    let out = out.to_str().unwrap();
    let shown = c.env.ok(&[
        "export",
        "fhir",
        &c.ada,
        "--out",
        out,
        "--include-case-data",
    ]);
    assert!(
        shown.contains("Withheld:") && shown.contains("goals"),
        "{shown}"
    );
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let types = resource_types(&bundle);
    assert!(!types.iter().any(|t| t == "Goal"), "{types:?}");
    let done = c.env.json(&["export", "fhir", &c.ada, "--out", out]);
    assert!(!done["withheld"].as_array().unwrap().is_empty(), "{done}");
}

#[test]
fn measure_change_takes_an_episode_and_says_why_a_pair_was_refused() {
    let c = caseload();
    let shown = c.env.json(&["person", "show", &c.ada]);
    let first = shown["case"]["episodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.env.ok(&[
        "episode",
        "transition",
        &c.ada,
        "--to",
        "discharged",
        "--reason",
        "goals-met",
    ]);
    c.env
        .id(&["episode", "open", &c.ada, "--consent-to-contact", "true"]);
    // A follow-up first, then a baseline: refused, with the reason.
    record(&c.env, &c.ada, "ucla3", "1,1,1", "follow-up");
    record(&c.env, &c.ada, "ucla3", "3,3,3", "baseline");
    assert_eq!(
        c.env.json(&["measure", "change", &c.ada]),
        Value::Array(vec![])
    );
    let text = c.env.ok(&["measure", "change", &c.ada]);
    assert!(
        text.contains("ucla3: not paired (the follow-up was answered before the baseline)"),
        "{text}"
    );
    // The first episode's change is still there.
    let old = c
        .env
        .json(&["measure", "change", &c.ada, "--episode", &first]);
    assert_eq!(old.as_array().unwrap().len(), 5, "{old}");
    c.env.fail(
        &[
            "measure",
            "change",
            &c.ada,
            "--episode",
            "7d4f7a5e-0000-4000-8000-000000000000",
        ],
        4,
    );
}

#[test]
fn report_csv_for_a_commissioner_suppresses_small_numbers() {
    let c = caseload();
    let dir = c.env.path("commissioner");
    let dir = dir.to_str().unwrap();
    c.env.ok(&["report", "--csv", dir, "--commissioner"]);
    let outcomes = std::fs::read_to_string(Path::new(dir).join("outcomes.csv")).unwrap();
    assert!(
        outcomes.contains("referral-outcome,accepted,*\r\n"),
        "{outcomes}"
    );
    let plain = c.env.path("plain");
    let plain = plain.to_str().unwrap();
    c.env.ok(&["report", "--csv", plain]);
    let outcomes = std::fs::read_to_string(Path::new(plain).join("outcomes.csv")).unwrap();
    assert!(
        outcomes.contains("referral-outcome,accepted,1\r\n"),
        "{outcomes}"
    );
    // A threshold of 1 suppresses nothing.
    let one = c.env.path("one");
    let one = one.to_str().unwrap();
    c.env.ok(&[
        "report",
        "--csv",
        one,
        "--commissioner",
        "--suppress-below",
        "1",
    ]);
    let outcomes = std::fs::read_to_string(Path::new(one).join("outcomes.csv")).unwrap();
    assert!(
        outcomes.contains("referral-outcome,accepted,1\r\n"),
        "{outcomes}"
    );
}

/// Seven people referred today; six from one practice, one from another.
fn period_caseload() -> (Env, Vec<String>) {
    let env = Env::new();
    let mut people = Vec::new();
    for i in 0..7 {
        let given = format!("P{i}");
        let id = env.id(&[
            "person",
            "add",
            "--given",
            &given,
            "--family",
            "X",
            "--dob",
            "1950-02-28",
            "--source",
            "gp",
        ]);
        let practice = if i < 6 { "b82005" } else { "B82099" };
        let mut args = vec!["person", "reporting", &id, "--practice", practice];
        if i == 0 {
            args.extend(["--sex", "female", "--ethnicity", "B"]);
        }
        env.ok(&args);
        people.push(id);
    }
    (env, people)
}

#[test]
fn period_report_suppresses_and_writes_json_csv_and_html() {
    let (env, people) = period_caseload();
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(30)).to_string();
    let to = today.to_string();
    let record = env.json(&["person", "show", &people[0]]);
    assert_eq!(
        record["case"]["demographics"]["reporting"]["gp_practice"],
        "B82005"
    );
    assert_eq!(
        record["case"]["demographics"]["reporting"]["ethnicity"],
        "B"
    );
    let report = env.json(&["report", "--from", &from, "--to", &to]);
    assert_eq!(report["suppression_threshold"], 5);
    let table = |name: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone()
    };
    let practice = table("referrals_by_practice");
    assert_eq!(practice["totals"], serde_json::json!([7]));
    for row in practice["rows"].as_array().unwrap() {
        assert_eq!(row["cells"], serde_json::json!(["*"]), "{row}");
    }
    assert_eq!(
        table("referrals_by_source")["rows"][0]["cells"],
        serde_json::json!([7])
    );
    // Files: CSV per table and the HTML page; paths printed.
    let dir = env.path("q");
    let html = env.path("q.html");
    let out = env.json(&[
        "report",
        "--from",
        &from,
        "--to",
        &to,
        "--csv",
        dir.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    let files = out["files"].as_array().unwrap();
    assert_eq!(files.len(), report["tables"].as_array().unwrap().len() + 2);
    assert_eq!(
        std::fs::read_to_string(dir.join("referrals_by_practice.csv")).unwrap(),
        "practice,referrals\r\nB82005,*\r\nB82099,*\r\ntotal,7\r\n"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("id=\"chart-referrals\""));
    let text = env.ok(&["report", "--from", &from, "--to", &to]);
    assert!(
        text.contains("Referrals received, by GP practice"),
        "{text}"
    );
}

#[test]
fn period_report_refuses_bad_periods_thresholds_and_fields() {
    let (env, people) = period_caseload();
    env.fail(&["report", "--from", "2026-03-01", "--to", "2026-02-01"], 3);
    env.fail(&["report", "--from", "2020-01-01", "--to", "2026-01-01"], 3);
    env.fail(&["report", "--from", "2026-01-01", "--to", "31/03/2026"], 3);
    env.fail(
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--suppress-below",
            "1",
        ],
        3,
    );
    env.fail(&["report", "--from", "2026-01-01"], 2);
    env.fail(
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--csv",
            "x",
            "--commissioner",
        ],
        2,
    );
    env.fail(&["report", "--suppress-below", "3"], 2);
    let before = env.snapshot(&people[0]);
    env.fail(
        &["person", "reporting", &people[0], "--practice", "B8 2005"],
        3,
    );
    env.fail(&["person", "reporting", &people[0], "--sex", "unknown"], 3);
    env.fail(&["person", "reporting", &people[0], "--ethnicity", "Q"], 3);
    assert_eq!(env.snapshot(&people[0]), before, "nothing changed");
}
