//! Every command's happy path, run through the real binary, in text and JSON modes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{is_uuid, run_bare, stdout, Env, NHS};
use serde_json::Value;

#[test]
fn init_prints_the_store_id_and_info_shows_it() {
    let env = Env::empty();
    let id = env.id(&["init", "--user", "sam"]);
    let info = env.json(&["info"]);
    assert_eq!(info["store_id"], id.as_str());
    assert_eq!(info["user"], "sam");
    assert_eq!(info["role"], "link-worker");
    assert!(env.ok(&["info"]).contains("role  link-worker"));

    let other = Env::empty();
    let created = other.json(&["init", "--user", "sam"]);
    assert!(is_uuid(created["id"].as_str().unwrap()));
    assert_eq!(created.as_object().unwrap().len(), 1);
}

#[test]
fn person_add_prints_only_the_id_in_both_modes() {
    let env = Env::new();
    let person = env.person();
    let created = env.json(&[
        "person",
        "add",
        "--given",
        "Grace",
        "--family",
        "Hopper",
        "--dob",
        "1960-12-09",
        "--address",
        "1 Test Road",
        "--phone",
        "01632 960001",
        "--email",
        "g@example.invalid",
        "--preferred-contact",
        "email",
        "--communication-needs",
        "large print",
        "--source",
        "self-referral",
        "--referrer",
        "herself",
        "--reason",
        "isolated",
        "--reason",
        "benefits",
        "--received",
        "2024-01-05",
        "--urgent",
        "--consent-to-contact",
        "true",
    ]);
    assert_eq!(created.as_object().unwrap().len(), 1);
    let grace = created["id"].as_str().unwrap();
    assert!(is_uuid(grace) && grace != person);

    let record = env.json(&["person", "show", grace]);
    let case = &record["case"];
    assert_eq!(case["demographics"]["email"], "g@example.invalid");
    assert_eq!(case["demographics"]["preferred_contact"], "email");
    let episode = &case["episodes"][0];
    assert_eq!(episode["source"], "self-referral");
    assert_eq!(episode["urgency"], "urgent");
    assert_eq!(episode["received"], "2024-01-05");
    assert_eq!(
        episode["reasons"],
        serde_json::json!(["isolated", "benefits"])
    );
    assert_eq!(episode["consent_to_contact"], true);
    assert_eq!(episode["status"], "referred");
}

#[test]
fn person_list_searches_and_filters_from_projections() {
    let env = Env::new();
    let ada = env.person();
    let bob = env.id(&[
        "person",
        "add",
        "--given",
        "Bob",
        "--family",
        "Baker",
        "--dob",
        "1970-01-01",
    ]);
    env.ok(&["episode", "transition", &bob, "--to", "contacting"]);

    let text = env.ok(&["person", "list"]);
    assert!(text.starts_with("ID"), "{text}");
    assert!(text.contains("Ada Lovelace") && text.contains("Bob Baker"));

    let all = env.json(&["person", "list"]);
    let rows = all.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for field in [
        "person_id",
        "given_name",
        "family_name",
        "status",
        "active_goals",
    ] {
        assert!(rows[0].get(field).is_some(), "missing {field}");
    }

    let found = env.json(&["person", "list", "--search", "lov"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["person_id"], ada.as_str());
    let by_nhs = env.json(&["person", "list", "--search", "9434765919"]);
    assert_eq!(by_nhs[0]["person_id"], ada.as_str());
    let contacting = env.json(&["person", "list", "--status", "contacting"]);
    assert_eq!(contacting.as_array().unwrap().len(), 1);
    assert_eq!(contacting[0]["person_id"], bob.as_str());
    // A page and its cursor; the next page starts after it; a bad cursor is refused.
    let first = env.json(&["person", "list", "--limit", "1"]);
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0], rows[0]);
    let cursor = first["next"].as_str().unwrap().to_string();
    assert!(env
        .ok(&["person", "list", "--limit", "1"])
        .contains(&format!("next page: --after {cursor}")));
    let second = env.json(&["person", "list", "--limit", "1", "--after", &cursor]);
    assert_eq!(second["items"][0], rows[1]);
    assert!(second["next"].is_null());
    let err = env.fail(&["person", "list", "--limit", "1", "--after", "abc"], 3);
    assert!(err.contains("after"), "{err}");
    let err = env.fail(&["person", "list", "--limit", "0"], 3);
    assert!(err.contains("limit"), "{err}");
    let none = env.ok(&["person", "list", "--search", "zzz"]);
    assert!(none.contains("no people"));
}

#[test]
fn person_show_in_text_and_json() {
    let env = Env::new();
    let person = env.person();
    let text = env.ok(&["person", "show", &person]);
    assert!(text.contains("Ada Lovelace"), "{text}");
    assert!(text.contains("NHS 943 476 5919"), "{text}");
    assert!(text.contains("Episode: referred"), "{text}");

    let json = env.json(&["person", "show", &person]);
    assert_eq!(json["person_id"], person.as_str());
    assert_eq!(json["case"]["demographics"]["given_name"], "Ada");
    assert_eq!(json["case"]["demographics"]["nhs_number"], "9434765919");
    assert_eq!(json["case"]["demographics"]["date_of_birth"], "1950-02-28");
    assert!(json["plan"]["goals"].as_array().unwrap().is_empty());
}

#[test]
fn person_update_changes_and_clears_demographics() {
    let env = Env::new();
    let person = env.person();
    let out = env.ok(&[
        "person",
        "update",
        &person,
        "--given",
        "Augusta",
        "--phone",
        "01632 960002",
        "--codes-only",
        "true",
        "--nhs-number",
        "",
    ]);
    assert!(out.is_empty(), "updates are silent in text mode: {out}");
    let d = &env.json(&["person", "show", &person])["case"]["demographics"];
    assert_eq!(d["given_name"], "Augusta");
    assert_eq!(d["phone"], "01632 960002");
    assert_eq!(d["gp_codes_only"], true);
    assert_eq!(d["nhs_number"], Value::Null);

    let ok = env.json(&["person", "update", &person, "--nhs-number", NHS]);
    assert_eq!(ok["ok"], true);
    let text = env.ok(&["person", "show", &person]);
    assert!(text.contains("SNOMED CT codes only"), "{text}");
}

#[test]
fn accepting_records_the_gp_code_once_per_episode() {
    let env = Env::new();
    let person = env.person();
    assert_eq!(
        env.ok(&["episode", "transition", &person, "--to", "accepted"]),
        "accepted\n"
    );
    let held = env.json(&[
        "episode",
        "transition",
        &person,
        "--to",
        "on-hold",
        "--reason",
        "in hospital",
    ]);
    assert_eq!(held["status"], "on-hold");
    env.ok(&["episode", "transition", &person, "--to", "accepted"]);

    let codes = env.json(&["gp-codes", &person]);
    let codes = codes.as_array().unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0]["code"], "871731000000106");
    assert_eq!(codes[0]["recorded_by"], "sam");
    let text = env.ok(&["gp-codes", &person]);
    assert!(text.contains("871731000000106  Referral to social prescribing service"));
}

#[test]
fn declining_records_the_declined_code() {
    let env = Env::new();
    let person = env.person();
    env.ok(&["episode", "transition", &person, "--to", "declined"]);
    let codes = env.json(&["gp-codes", &person]);
    assert_eq!(codes[0]["code"], "871711000000103");
}

#[test]
fn discharge_with_a_reason_code_then_a_new_episode() {
    let env = Env::new();
    let person = env.person();
    env.ok(&["episode", "transition", &person, "--to", "accepted"]);
    env.ok(&[
        "episode",
        "transition",
        &person,
        "--to",
        "discharged",
        "--reason",
        "goals-met",
        "--note",
        "walking group every week",
    ]);
    let record = env.json(&["person", "show", &person]);
    let episode = &record["case"]["episodes"][0];
    assert_eq!(episode["status"], "discharged");
    assert_eq!(episode["discharge_reason"], "goals-met");
    assert_eq!(episode["status_reason"], "walking group every week");

    let episode = env.id(&[
        "episode",
        "open",
        &person,
        "--source",
        "practice-nurse",
        "--reason",
        "bereaved",
    ]);
    let record = env.json(&["person", "show", &person]);
    let episodes = record["case"]["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), 2);
    assert_eq!(episodes[1]["id"], episode.as_str());
    assert_eq!(episodes[1]["status"], "referred");
}

#[test]
fn contact_attempts_are_recorded() {
    let env = Env::new();
    let person = env.person();
    let first = env.id(&[
        "contact",
        "add",
        &person,
        "--channel",
        "phone",
        "--outcome",
        "no-answer",
    ]);
    let second = env.json(&[
        "contact",
        "add",
        &person,
        "--channel",
        "sms",
        "--outcome",
        "sent",
        "--note",
        "texted",
    ]);
    let record = env.json(&["person", "show", &person]);
    let attempts = record["case"]["contact_attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["id"], first.as_str());
    assert_eq!(attempts[1]["id"], second["id"]);
    assert_eq!(attempts[1]["note"], "texted");
}

#[test]
fn goals_are_added_updated_and_progressed() {
    let env = Env::new();
    let person = env.person();
    let goal = env.id(&[
        "goal",
        "add",
        &person,
        "--text",
        "Join a walking group",
        "--target",
        "2030-06-01",
        "--need",
        "physical-activity",
        "--need",
        "loneliness",
        "--detail",
        "twice a week",
    ]);
    let rated = env.id(&["goal", "progress", &goal, "--rating", "4"]);
    let noted = env.json(&["goal", "progress", &goal, "--note", "went once"]);
    assert!(is_uuid(noted["id"].as_str().unwrap()));
    env.id(&[
        "goal",
        "progress",
        &goal,
        "--rating",
        "10",
        "--note",
        "every week",
    ]);
    env.ok(&[
        "goal",
        "update",
        &goal,
        "--status",
        "achieved",
        "--text",
        "Walk with the group",
        "--target",
        "",
    ]);

    let plan = env.json(&["plan", "show", &person]);
    let g = &plan["goals"][0];
    assert_eq!(g["id"], goal.as_str());
    assert_eq!(g["text"], "Walk with the group");
    assert_eq!(g["status"], "achieved");
    assert_eq!(g["target_date"], Value::Null);
    assert_eq!(g["smart_detail"], "twice a week");
    let mut needs: Vec<&str> = g["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    needs.sort_unstable();
    assert_eq!(needs, ["loneliness", "physical-activity"]);
    let progress = g["progress"].as_array().unwrap();
    assert_eq!(progress.len(), 3);
    assert_eq!(progress[0]["id"], rated.as_str());
    assert_eq!(progress[0]["rating"], 4);
    assert_eq!(progress[1]["rating"], Value::Null);
    assert_eq!(progress[1]["note"], "went once");
    assert_eq!(progress[2]["recorded_by"], "sam");
}

#[test]
fn steps_are_added_rescheduled_done_and_reopened() {
    let env = Env::new();
    let person = env.person();
    let goal = env.id(&["goal", "add", &person, "--text", "Sort out money"]);
    let step = env.id(&[
        "step",
        "add",
        &person,
        "--text",
        "Phone the advice line",
        "--owner",
        "person",
        "--due",
        "2030-01-10",
        "--goal",
        &goal,
    ]);
    env.id(&[
        "step",
        "add",
        &person,
        "--text",
        "Book the room",
        "--owner",
        "service",
        "--owner-name",
        "Library",
    ]);
    env.ok(&[
        "step",
        "update",
        &step,
        "--due",
        "2030-02-01",
        "--text",
        "Phone the line",
    ]);
    env.ok(&["step", "done", &step]);
    let plan = env.json(&["plan", "show", &person]);
    let s = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == step.as_str())
        .unwrap()
        .clone();
    assert_eq!(s["due"], "2030-02-01");
    assert_eq!(s["text"], "Phone the line");
    assert_eq!(s["goal_id"], goal.as_str());
    assert_eq!(s["done_by"], "sam");
    assert!(env
        .ok(&["plan", "show", &person])
        .contains("[x] Phone the line"));

    let reopened = env.json(&["step", "reopen", &step]);
    assert_eq!(reopened["ok"], true);
    let plan = env.json(&["plan", "show", &person]);
    assert!(plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["done_at"].is_null()));
}

#[test]
fn needs_what_matters_and_review_date() {
    let env = Env::new();
    let person = env.person();
    env.ok(&["need", "add", &person, "debt", "--note", "energy bills"]);
    env.ok(&["need", "add", &person, "housing"]);
    env.ok(&["need", "remove", &person, "housing"]);
    env.ok(&[
        "plan",
        "what-matters",
        &person,
        "--text",
        "Seeing my grandchildren",
    ]);
    env.ok(&["plan", "review", &person, "--date", "2030-03-01"]);
    let plan = env.json(&["plan", "show", &person]);
    assert_eq!(plan["what_matters"], "Seeing my grandchildren");
    assert_eq!(plan["review_date"], "2030-03-01");
    let needs = plan["needs"].as_array().unwrap();
    assert_eq!(needs.len(), 1);
    assert_eq!(needs[0]["need"], "debt");
    assert_eq!(needs[0]["note"], "energy bills");
    let text = env.ok(&["plan", "show", &person]);
    assert!(
        text.contains("What matters: Seeing my grandchildren"),
        "{text}"
    );
    assert!(text.contains("Needs: debt (energy bills)"), "{text}");
    env.ok(&["plan", "review", &person, "--date", ""]);
    assert_eq!(
        env.json(&["plan", "show", &person])["review_date"],
        Value::Null
    );
}

#[test]
fn home_visit_with_lone_working_check_in_and_out() {
    let env = Env::new();
    let person = env.person();
    let visit = env.id(&[
        "consultation",
        "add",
        &person,
        "--mode",
        "home-visit",
        "--notes",
        "Met at home",
        "--duration",
        "50",
        "--attendee",
        "daughter",
        "--attendee",
        "carer",
    ]);
    env.ok(&["consultation", "check-in", &visit]);
    env.ok(&["consultation", "check-out", &visit]);
    env.ok(&[
        "consultation",
        "notes",
        &visit,
        "--text",
        "Met at home with family",
    ]);
    let phone = env.json(&["consultation", "add", &person, "--mode", "phone"]);
    let record = env.json(&["person", "show", &person]);
    let c = &record["case"]["consultations"][0];
    assert_eq!(c["id"], visit.as_str());
    assert_eq!(c["mode"], "home-visit");
    assert_eq!(c["duration_minutes"], 50);
    assert_eq!(c["attendees"], serde_json::json!(["daughter", "carer"]));
    assert_eq!(c["notes"], "Met at home with family");
    assert!(c["checked_in_at"].is_string() && c["checked_out_at"].is_string());
    assert_eq!(record["case"]["consultations"][1]["id"], phone["id"]);
}

#[test]
fn consent_is_recorded_and_superseded() {
    let env = Env::new();
    let person = env.person();
    let given = env.id(&[
        "consent",
        "record",
        &person,
        "--purpose",
        "debt support",
        "--recipient-org",
        "LOCAL-CAB",
        "--recipient",
        "Citizens Advice",
        "--given",
        "--method",
        "verbal",
        "--capacity",
        "has-capacity",
        "--expires",
        "2031-01-01",
    ]);
    let withdrawn = env.id(&[
        "consent",
        "record",
        &person,
        "--purpose",
        "debt support",
        "--recipient-org",
        "LOCAL-CAB",
        "--recipient",
        "Citizens Advice",
        "--withdrawn",
        "--method",
        "written",
    ]);
    let proxy = env.json(&[
        "consent",
        "record",
        &person,
        "--purpose",
        "housing",
        "--recipient-org",
        "LOCAL-COUNCIL",
        "--recipient-name",
        "Council",
        "--given",
        "--method",
        "digital",
        "--capacity",
        "lacks-capacity",
        "--proxy-name",
        "Sam Carer",
        "--proxy-relationship",
        "daughter",
    ]);
    let record = env.json(&["person", "show", &person]);
    let consents = record["case"]["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 3);
    assert_eq!(consents[0]["id"], given.as_str());
    assert_eq!(consents[0]["decision"], "given");
    assert_eq!(consents[0]["expires"], "2031-01-01");
    assert_eq!(consents[1]["id"], withdrawn.as_str());
    assert_eq!(consents[1]["decision"], "withdrawn");
    assert_eq!(consents[1]["supersedes"], given.as_str());
    assert_eq!(consents[2]["id"], proxy["id"]);
    assert_eq!(consents[2]["proxy"]["relationship"], "daughter");
}

#[test]
fn onward_referrals_follow_their_state_machine() {
    let env = Env::new();
    let person = env.person();
    let referral = env.id(&[
        "onward",
        "add",
        &person,
        "--service",
        "Debt advice",
        "--organisation",
        "Citizens Advice",
        "--need",
        "debt",
    ]);
    assert_eq!(
        env.ok(&[
            "onward",
            "transition",
            &referral,
            "--to",
            "no-capacity",
            "--note",
            "waitlist"
        ]),
        "no-capacity\n"
    );
    let open = env.json(&["onward", "list"]);
    assert_eq!(open[0]["referral_id"], referral.as_str());
    assert_eq!(open[0]["status"], "no-capacity");
    assert!(env.ok(&["onward", "list"]).contains("Debt advice"));
    env.ok(&["onward", "transition", &referral, "--to", "accepted"]);
    env.ok(&["onward", "transition", &referral, "--to", "attending"]);
    let done = env.json(&["onward", "transition", &referral, "--to", "got-help"]);
    assert_eq!(done["status"], "got-help");
    assert!(env.json(&["onward", "list"]).as_array().unwrap().is_empty());
    let record = env.json(&["person", "show", &person]);
    let history = record["case"]["onward_referrals"][0]["history"]
        .as_array()
        .unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0]["note"], "waitlist");
}

#[test]
fn flags_and_case_notes() {
    let env = Env::new();
    let person = env.person();
    let flag = env.id(&[
        "flag",
        "raise",
        &person,
        "--kind",
        "safeguarding",
        "--text",
        "concern",
    ]);
    env.id(&[
        "flag",
        "raise",
        &person,
        "--kind",
        "risk",
        "--text",
        "dog at home",
    ]);
    env.ok(&["flag", "resolve", &flag]);
    let note = env.id(&["note", "add", &person, "--text", "First note"]);
    env.ok(&["note", "edit", &note, "--text", "First note, edited"]);
    let record = env.json(&["person", "show", &person]);
    let flags = record["case"]["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 2);
    assert_eq!(flags[0]["kind"], "safeguarding");
    assert!(flags[0]["resolved_at"].is_string());
    assert!(flags[1]["resolved_at"].is_null());
    assert_eq!(record["case"]["notes"][0]["text"], "First note, edited");
}

#[test]
fn due_lists_steps_and_goals() {
    let env = Env::new();
    let person = env.person();
    let goal = env.id(&[
        "goal",
        "add",
        &person,
        "--text",
        "G",
        "--target",
        "2030-05-01",
    ]);
    let step = env.id(&[
        "step",
        "add",
        &person,
        "--text",
        "S",
        "--owner",
        "link-worker",
        "--due",
        "2030-04-01",
    ]);
    assert!(env.json(&["due"]).as_array().unwrap().is_empty());
    assert!(env.ok(&["due"]).contains("nothing due"));
    let early = env.json(&["due", "--until", "2030-04-15"]);
    assert_eq!(early.as_array().unwrap().len(), 1);
    assert_eq!(early[0]["item_id"], step.as_str());
    assert_eq!(early[0]["kind"], "step");
    let later = env.json(&["due", "--until", "2030-12-31"]);
    assert_eq!(later[1]["item_id"], goal.as_str());
    assert_eq!(later[1]["kind"], "goal");
    assert_eq!(later[1]["person_id"], person.as_str());
    // Paged: two pages of one row concatenate to the list.
    let first = env.json(&["due", "--until", "2030-12-31", "--limit", "1"]);
    assert_eq!(first["items"][0], later[0]);
    let next = first["next"].as_str().unwrap().to_string();
    let second = env.json(&[
        "due",
        "--until",
        "2030-12-31",
        "--limit",
        "1",
        "--after",
        &next,
    ]);
    assert_eq!(second["items"][0], later[1]);
    assert!(second["next"].is_null());
    env.fail(&["due", "--limit", "1", "--after", "zz"], 3);
}

#[test]
fn history_says_who_changed_what() {
    let env = Env::new();
    let person = env.person();
    let goal = env.id(&["--user", "alex", "goal", "add", &person, "--text", "Walk"]);
    let history = env.json(&["history", &person]);
    let entries = history.as_array().unwrap();
    assert!(entries.len() >= 3, "{history}");
    // Paged by two: the pages concatenate to the whole history.
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut args = vec!["history", person.as_str(), "--limit", "2"];
        if let Some(a) = &after {
            args.extend(["--after", a.as_str()]);
        }
        let page = env.json(&args);
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(&paged, entries);
    assert_eq!(entries[0]["user"], "sam");
    assert_eq!(entries[0]["action"], "person.add");
    let by_alex = entries
        .iter()
        .find(|e| e["user"] == "alex")
        .expect("alex's change");
    assert_eq!(by_alex["action"], "goal.add");
    assert_eq!(by_alex["item_id"], goal.as_str());
    assert_eq!(by_alex["document"], "plan");
    assert!(by_alex["at"].is_string() && by_alex["change"].is_string());
    // The commit message's name is a claim; on an unenrolled store no certificate proves who
    // signed, so the table says so (an enrolled store shows the certificate's name and role).
    assert_eq!(by_alex["author"]["kind"], "unverified", "{by_alex}");
    let text = env.ok(&["history", &person]);
    assert!(text.starts_with("WHEN"), "{text}");
    assert!(text.contains("WHO (VERIFIED)"), "{text}");
    assert!(
        text.contains("unverified device") && text.contains("goal.add"),
        "{text}"
    );
}

#[test]
fn measures_are_recorded_and_scored() {
    let env = Env::new();
    let person = env.person();
    let ons4 = env.id(&[
        "measure",
        "record",
        &person,
        "--instrument",
        "ons4",
        "--answers",
        "4,6,3,7",
        "--timepoint",
        "baseline",
        "--mode",
        "read-out",
    ]);
    env.id(&[
        "measure",
        "record",
        &person,
        "--instrument",
        "ucla3",
        "--answers",
        "2,-,3",
        "--timepoint",
        "review",
    ]);
    env.id(&[
        "measure",
        "record",
        &person,
        "--instrument",
        "mycaw",
        "--answers",
        "5,,4",
        "--timepoint",
        "baseline",
        "--concern",
        "money worries",
    ]);
    env.id(&[
        "measure",
        "record",
        &person,
        "--instrument",
        "pam",
        "--timepoint",
        "baseline",
        "--pam-score",
        "55.2",
        "--pam-level",
        "3",
        "--pam-version",
        "scorer 1",
    ]);
    let plan = env.json(&["plan", "show", &person]);
    let measures = plan["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 4);
    let m = &measures[0];
    assert_eq!(m["id"], ons4.as_str());
    assert_eq!(m["mode"], "read-out");
    assert_eq!(m["answers"], serde_json::json!([4, 6, 3, 7]));
    assert_eq!(m["outcome"]["status"], "scored");
    assert_eq!(m["outcome"]["items"][3]["band"], "high");
    assert_eq!(measures[1]["outcome"]["status"], "incomplete");
    assert_eq!(measures[2]["concern_labels"][0], "money worries");
    assert_eq!(measures[3]["pam"]["level"], 3);
    let text = env.ok(&["plan", "show", &person]);
    assert!(text.contains("anxiety 7 (high)"), "{text}");

    // Pure scoring needs no store.
    let scored = run_bare(&[
        "measure",
        "score",
        "--instrument",
        "swemwbs",
        "--answers",
        "3,3,3,3,3,3,3",
    ]);
    assert!(scored.status.success());
    let json: Value = serde_json::from_str(&stdout(&scored)).unwrap();
    assert_eq!(json["status"], "scored");
    assert_eq!(json["instrument"], "swemwbs");
    assert_eq!(json["raw"], 21);
    assert_eq!(json["metric"], 19.25);
    let ons = run_bare(&[
        "--json",
        "measure",
        "score",
        "--instrument",
        "ons4",
        "--answers",
        "9,5,0,1",
    ]);
    let json: Value = serde_json::from_str(&stdout(&ons)).unwrap();
    let bands: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["band"].as_str().unwrap())
        .collect();
    assert_eq!(bands, ["very-high", "medium", "low", "very-low"]);
    let incomplete = run_bare(&[
        "measure",
        "score",
        "--instrument",
        "ucla3",
        "--answers",
        "1,,3",
    ]);
    let json: Value = serde_json::from_str(&stdout(&incomplete)).unwrap();
    assert_eq!(json["status"], "incomplete");
    assert_eq!(json["missing"], serde_json::json!([1]));
}

#[test]
fn documents_export_and_import_between_stores() {
    let sam = Env::new();
    let person = sam.person();
    sam.id(&["goal", "add", &person, "--text", "Walk"]);
    let plan_file = sam.path("plan.automerge");
    let case_file = sam.path("case.automerge");
    let out = sam.ok(&[
        "doc",
        "export",
        &person,
        "--kind",
        "plan",
        "--out",
        plan_file.to_str().unwrap(),
    ]);
    assert!(out.is_empty());
    let exported = sam.json(&[
        "doc",
        "export",
        &person,
        "--kind",
        "case",
        "--out",
        case_file.to_str().unwrap(),
    ]);
    assert!(exported["bytes"].as_u64().unwrap() > 0);

    let alex = Env::empty();
    alex.ok(&["init", "--user", "alex"]);
    let imported = alex.json(&["doc", "import", plan_file.to_str().unwrap()]);
    assert_eq!(imported["person_id"], person.as_str());
    assert_eq!(imported["kind"], "plan");
    assert_eq!(imported["changed"], true);
    let text = alex.ok(&["doc", "import", case_file.to_str().unwrap()]);
    assert!(
        text.contains("case document") && text.contains("merged"),
        "{text}"
    );
    let again = alex.json(&["doc", "import", case_file.to_str().unwrap()]);
    assert_eq!(again["changed"], false);

    assert_eq!(sam.snapshot(&person), alex.snapshot(&person));
    let listed = alex.json(&["person", "list"]);
    assert_eq!(listed[0]["person_id"], person.as_str());
    assert_eq!(listed[0]["active_goals"], 1);
}

#[test]
fn compact_keeps_everything() {
    let env = Env::new();
    let person = env.person();
    env.id(&["goal", "add", &person, "--text", "Walk"]);
    let before = env.snapshot(&person);
    let figures = env.json(&["compact"]);
    assert_eq!(figures["change_rows"], 0);
    assert!(figures["snapshot_bytes"].as_i64().unwrap() > 0);
    assert!(env.ok(&["compact"]).starts_with("compacted:"));
    assert_eq!(env.snapshot(&person), before);
}

#[test]
fn patient_store_holds_its_own_plan() {
    let sam = Env::new();
    let person = sam.person();
    sam.id(&["goal", "add", &person, "--text", "Walk"]);
    let plan_file = sam.path("plan.automerge");
    sam.ok(&[
        "doc",
        "export",
        &person,
        "--kind",
        "plan",
        "--out",
        plan_file.to_str().unwrap(),
    ]);

    let phone = Env::empty();
    phone.id(&[
        "init", "--user", "ada", "--role", "patient", "--person", &person,
    ]);
    assert_eq!(phone.json(&["info"])["role"], "patient");
    phone.ok(&["doc", "import", plan_file.to_str().unwrap()]);
    let record = phone.json(&["person", "show", &person]);
    assert_eq!(record["case"], Value::Null);
    let goal = record["plan"]["goals"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    phone.id(&["goal", "progress", &goal, "--rating", "6"]);
}

#[test]
fn help_and_version_succeed() {
    let help = run_bare(&["--help"]);
    assert!(help.status.success());
    assert!(stdout(&help).contains("demo"));
    let version = run_bare(&["--version"]);
    assert!(version.status.success());
    assert!(stdout(&version).starts_with("linkwork "));
}

#[test]
fn acceptance_needs_consent_to_contact_and_a_decline_takes_a_reason_code() {
    let env = Env::new();
    let person = env.id(&[
        "person",
        "add",
        "--given",
        "No",
        "--family",
        "Consent",
        "--dob",
        "1960-01-01",
        "--source",
        "gp",
    ]);
    env.fail(&["episode", "transition", &person, "--to", "accepted"], 3);
    env.ok(&[
        "episode",
        "transition",
        &person,
        "--to",
        "accepted",
        "--consent-to-contact",
        "true",
    ]);
    let record = env.json(&["person", "show", &person]);
    assert_eq!(record["case"]["episodes"][0]["consent_to_contact"], true);

    let other = env.person();
    env.ok(&[
        "episode",
        "transition",
        &other,
        "--to",
        "declined",
        "--reason",
        "needs-met-elsewhere",
        "--note",
        "sees a counsellor",
    ]);
    let record = env.json(&["person", "show", &other]);
    let episode = &record["case"]["episodes"][0];
    assert_eq!(episode["decline_reason"], "needs-met-elsewhere");
    assert_eq!(episode["status_reason"], "sees a counsellor");
}

#[test]
fn consent_needs_a_recipient_organisation_id() {
    let env = Env::new();
    let person = env.person();
    // Without --recipient-org the command line refuses (usage error).
    let err = env.fail(
        &[
            "consent",
            "record",
            &person,
            "--purpose",
            "debt",
            "--recipient",
            "CAB",
            "--given",
            "--method",
            "verbal",
        ],
        2,
    );
    assert!(err.contains("--recipient-org"), "{err}");
    env.fail(
        &[
            "consent",
            "record",
            &person,
            "--purpose",
            "debt",
            "--recipient-org",
            "not valid!",
            "--recipient-name",
            "CAB",
            "--given",
            "--method",
            "verbal",
        ],
        3,
    );
}

#[test]
fn onward_message_shares_contact_details_only_with_consent() {
    let env = Env::new();
    let person = env.person();
    let referral = env.id(&[
        "onward",
        "add",
        &person,
        "--service",
        "Debt drop-in",
        "--organisation",
        "Citizens Advice",
    ]);
    let text = env.ok(&["onward", "message", &referral]);
    assert!(text.contains("Withheld:"), "{text}");
    assert!(
        text.contains("no consent in force to share with Citizens Advice"),
        "{text}"
    );
    assert!(!text.contains("Lovelace"), "{text}");
    env.id(&[
        "consent",
        "record",
        &person,
        "--purpose",
        "debt support",
        "--recipient-org",
        "LOCAL-CAB",
        "--recipient-name",
        "citizens advice",
        "--given",
        "--method",
        "verbal",
    ]);
    let m = env.json(&["onward", "message", &referral]);
    assert_eq!(m["family_name"], "Lovelace");
    assert!(m["withheld"].as_array().unwrap().is_empty(), "{m}");
}
