//! The community services directory through the real binary: `directory import` (with its
//! per-record report, text and JSON), `search` with each filter, `show`, `info`, and the
//! refusals that leave the stored directory as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::PathBuf;

use common::Env;
use serde_json::Value;

const LUNCH: &str = "b1a6a2f4-6c0e-4c5b-9a53-0f5f7c3e1a10";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/directory/services_page.json")
}

fn imported() -> Env {
    let env = Env::new();
    env.ok(&["directory", "import", fixture().to_str().unwrap()]);
    env
}

fn names(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["directory", "search"];
    all.extend_from_slice(args);
    env.json(&all)["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn import_prints_the_per_record_report() {
    let env = Env::new();
    let file = fixture();
    let text = env.ok(&["directory", "import", file.to_str().unwrap()]);
    assert!(
        text.starts_with("replaced: 11 records read, 6 services imported, 5 skipped"),
        "{text}"
    );
    for problem in [
        "duplicate_id",
        "html",
        "unknown_taxonomy",
        "too_long",
        "inactive",
        "not_an_object",
    ] {
        assert!(text.contains(problem), "{problem} missing from:\n{text}");
    }
    // The same feed again (as JSON): unchanged, same version.
    let again = env.json(&[
        "directory",
        "import",
        file.to_str().unwrap(),
        "--source",
        "again",
    ]);
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(again["version"]["source"], "services_page.json");
    assert_eq!(again["imported"], 6);
    let issues = again["issues"].as_array().unwrap();
    assert!(issues.iter().any(|i| i["kind"] == "duplicate_id"
        && i["action"] == "skipped"
        && i["service_id"] == LUNCH
        && i["index"] == 4));
    let info = env.json(&["directory", "info"]);
    assert_eq!(info["services"], 6);
    assert_eq!(info["content_hash"].as_str().unwrap().len(), 64);
}

#[test]
fn a_refused_feed_exits_3_and_keeps_the_directory() {
    let env = imported();
    let before = env.ok(&["--json", "directory", "info"]);
    let bad = env.path("bad.json");
    for content in [
        "{\"resourceType\":\"Bundle\"}",
        "not json",
        "{\"contents\":[{\"name\":\"x\"}]}",
    ] {
        std::fs::write(&bad, content).unwrap();
        let err = env.fail(&["directory", "import", bad.to_str().unwrap()], 3);
        assert!(
            err.contains("feed") || err.contains("Open Referral"),
            "{err}"
        );
    }
    env.fail(
        &[
            "directory",
            "import",
            env.path("missing.json").to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(env.ok(&["--json", "directory", "info"]), before);
    assert_eq!(names(&env, &[]).len(), 6);
}

#[test]
fn search_filters_by_text_need_distance_day_and_age() {
    let env = imported();
    assert_eq!(names(&env, &["lunch clb"])[0], "Lunch Club");
    assert_eq!(
        names(&env, &["--need", "loneliness"]),
        vec!["Lunch Club", "Walking for Health: Roundhay Park"]
    );
    assert_eq!(
        names(&env, &["--near", "53.7997,-1.5492", "--within", "3"]),
        vec!["Lunch Club", "Young People's Gardening Project"]
    );
    assert_eq!(
        names(&env, &["--near", "LS7 3HB", "--within", "0.5"]),
        vec!["Lunch Club"]
    );
    assert_eq!(names(&env, &["--open", "tuesday"]), vec!["Lunch Club"]);
    assert_eq!(
        names(&env, &["--open", "2026-12-19"]),
        vec!["Young People's Gardening Project"]
    );
    let young = names(&env, &["--age", "20"]);
    assert!(young.contains(&"Young People's Gardening Project".to_string()));
    assert!(!young.contains(&"Lunch Club".to_string()));
    // Filters combine.
    assert!(names(&env, &["lunch", "--age", "20"]).is_empty());
    // Paging.
    let page: Value = env.json(&["directory", "search", "--limit", "2", "--offset", "4"]);
    assert_eq!(
        (
            page["total"].as_u64(),
            page["hits"].as_array().unwrap().len()
        ),
        (Some(6), 2)
    );
    // Text output: a table and a count.
    let text = env.ok(&["directory", "search", "--near", "53.7997,-1.5492"]);
    assert!(
        text.contains("km") && text.contains("1 to 3 of 3"),
        "{text}"
    );
}

#[test]
fn bad_search_values_are_refused_with_the_field_named() {
    let env = imported();
    let err = env.fail(
        &["directory", "search", "--near", "LS2 9JT", "--within", "5"],
        3,
    );
    assert!(
        err.contains("invalid near") && err.contains("postcode"),
        "{err}"
    );
    let err = env.fail(&["directory", "search", "--near", "here"], 3);
    assert!(err.contains("invalid near"), "{err}");
    let err = env.fail(&["directory", "search", "--open", "someday"], 3);
    assert!(err.contains("invalid open"), "{err}");
    let err = env.fail(&["directory", "search", "--age", "old"], 3);
    assert!(err.contains("invalid age"), "{err}");
    let err = env.fail(&["directory", "search", "--limit", "500"], 3);
    assert!(err.contains("invalid limit"), "{err}");
    env.fail(&["directory", "search", "--within", "5"], 2);
}

#[test]
fn show_prints_the_full_record() {
    let env = imported();
    let text = env.ok(&["directory", "show", LUNCH]);
    for part in [
        "Lunch Club",
        "Chapeltown Community Centre",
        "LS7 3HB",
        "TU,TH 12:00-14:00",
        "0113 496 0001",
        "Loneliness and isolation",
        "3.50 GBP",
    ] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    let json = env.json(&["directory", "show", LUNCH]);
    assert_eq!(json["minimum_age"], 60);
    assert_eq!(json["locations"][0]["latitude"], 53.8185);
    let err = env.fail(&["directory", "show", "no-such-service"], 4);
    assert!(err.contains("directory service"), "{err}");
}

#[test]
fn onward_add_by_service_id_keeps_the_name_and_shows_outcomes() {
    let env = imported();
    let ada = env.person();
    let r = env.id(&[
        "onward",
        "add",
        &ada,
        "--service-id",
        LUNCH,
        "--need",
        "loneliness",
    ]);
    let record = env.json(&["person", "show", &ada]);
    let onward = &record["case"]["onward_referrals"][0];
    assert_eq!(onward["service_id"], LUNCH);
    assert_eq!(onward["service"], "Lunch Club");
    env.ok(&["onward", "transition", &r, "--to", "no-capacity"]);
    env.ok(&["onward", "transition", &r, "--to", "accepted"]);
    let shown = env.json(&["directory", "show", LUNCH]);
    assert_eq!(
        shown["id"], LUNCH,
        "the record as before, with outcomes beside it"
    );
    assert_eq!(shown["outcomes"]["referrals"], 1);
    assert_eq!(shown["outcomes"]["accepted"], 1);
    assert_eq!(shown["outcomes"]["no_capacity"], 1);
    let text = env.ok(&["directory", "show", LUNCH]);
    assert!(
        text.contains("referrals from this store: 1 (accepted 1, attended 0, no capacity 1"),
        "{text}"
    );
    let page = env.json(&["directory", "search", "lunch", "--outcomes"]);
    let hits = page["hits"].as_array().unwrap();
    let outcomes = page["outcomes"].as_array().unwrap();
    assert_eq!(hits.len(), outcomes.len());
    assert_eq!(outcomes[0]["service_id"], hits[0]["service_id"]);
}

#[test]
fn onward_add_refuses_an_unknown_service_id_and_needs_a_target() {
    let env = imported();
    let ada = env.person();
    let before = env.snapshot(&ada);
    let err = env.fail(&["onward", "add", &ada, "--service-id", "nope"], 4);
    assert!(err.contains("directory service"), "{err}");
    assert_eq!(env.snapshot(&ada), before, "nothing written");
    env.fail(&["onward", "add", &ada], 2);
    env.fail(
        &[
            "onward",
            "add",
            &ada,
            "--service-id",
            LUNCH,
            "--organisation",
            "X",
        ],
        2,
    );
    // A free-text referral still works and carries no id.
    env.id(&["onward", "add", &ada, "--service", "Allotments"]);
    let record = env.json(&["person", "show", &ada]);
    assert!(record["case"]["onward_referrals"][0]["service_id"].is_null());
}

#[test]
fn an_unanswered_referral_is_due_at_its_response_deadline() {
    let env = imported();
    let ada = env.person();
    assert_eq!(env.json(&["onward", "response-days"])["days"], 14);
    let r = env.id(&["onward", "add", &ada, "--service-id", LUNCH]);
    let today = chrono::Utc::now().date_naive();
    let until = |d: i64| (today + chrono::Duration::days(d)).to_string();
    let due = |d: i64| -> Vec<Value> {
        env.json(&["due", "--until", &until(d)])
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "onward-response")
            .cloned()
            .collect()
    };
    assert!(due(13).is_empty());
    let row = due(14);
    assert_eq!(row.len(), 1);
    assert_eq!(row[0]["item_id"], r.as_str());
    assert_eq!(row[0]["due"], until(14));
    let text = env.ok(&["due", "--until", &until(14)]);
    assert!(text.contains("answer due from Lunch Club"), "{text}");
    assert_eq!(env.json(&["onward", "response-days", "3"])["days"], 3);
    assert_eq!(due(3).len(), 1);
    for bad in ["0", "366", "two"] {
        env.fail(&["onward", "response-days", bad], 3);
    }
    assert_eq!(env.json(&["onward", "response-days"])["days"], 3);
    env.ok(&["onward", "transition", &r, "--to", "acknowledged"]);
    assert!(due(400).is_empty());
}
