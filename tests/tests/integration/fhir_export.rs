//! Our own expectations of the FHIR R4 export (the independent validator is
//! `tests/fhir/run.sh`): identifiers and codes, status mappings, references that resolve inside
//! the bundle, and case data absent unless asked for.

use crate::fixture;

use std::collections::{BTreeSet, HashMap};

use linkwork_core::fhir::{questionnaire_url, NHS_NUMBER_SYSTEM, SNOMED_SYSTEM};
use linkwork_core::measures::Instrument;
use linkwork_core::model::{NewPerson, NewStore, Role};
use linkwork_core::{Error, Id, Store};
use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    store: Store,
    record: fixture::FullRecord,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(
        dir.path().join("lw.db"),
        NewStore {
            user: "sam.worker".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    let record = fixture::build(&store).unwrap();
    Env {
        _dir: dir,
        store,
        record,
    }
}

/// The bundle's resources by id.
fn resources(bundle: &Value) -> HashMap<String, Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let r = e["resource"].clone();
            let id = r["id"].as_str().unwrap().to_string();
            assert_eq!(e["fullUrl"], format!("urn:uuid:{id}"));
            (id, r)
        })
        .collect()
}

fn of_type<'a>(bundle: &'a Value, t: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == t)
        .collect()
}

fn by_id(bundle: &Value, id: Id) -> &Value {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["id"] == id.to_string())
        .unwrap_or_else(|| panic!("no resource {id}"))
}

/// Every `reference` string anywhere in `v`.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "reference" {
                    if let Value::String(s) = v {
                        out.push(s.clone());
                        continue;
                    }
                }
                references(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, out)),
        _ => {}
    }
}

fn extension<'a>(resource: &'a Value, name: &str) -> Option<&'a Value> {
    resource["extension"].as_array()?.iter().find_map(|e| {
        e["url"]
            .as_str()
            .filter(|u| u.ends_with(&format!("/{name}")))
            .map(|_| e)
    })
}

#[test]
fn full_bundle_is_a_collection_whose_references_all_resolve() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let all = resources(&bundle);
    assert_eq!(
        all.len(),
        bundle["entry"].as_array().unwrap().len(),
        "unique ids"
    );
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(refs.len() > 50);
    for r in refs {
        let id = r
            .strip_prefix("urn:uuid:")
            .unwrap_or_else(|| panic!("{r} is not a urn:uuid"));
        assert!(all.contains_key(id), "{r} does not resolve");
    }
    let kinds: BTreeSet<&str> = all
        .values()
        .map(|r| r["resourceType"].as_str().unwrap())
        .collect();
    for kind in [
        "Patient",
        "EpisodeOfCare",
        "ServiceRequest",
        "CarePlan",
        "Goal",
        "QuestionnaireResponse",
        "Observation",
        "Consent",
        "Encounter",
        "Flag",
    ] {
        assert!(kinds.contains(kind), "{kind} missing");
    }
    // The JSON text form parses back to the same bundle (ids are stable between exports;
    // only the bundle's own id and timestamp differ).
    let text = e.store.export_fhir_json(e.record.person, true).unwrap();
    let again: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(again["entry"], bundle["entry"]);
}

#[test]
fn patient_carries_the_nhs_number_with_its_official_system() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    let patient = by_id(&bundle, e.record.person);
    assert_eq!(patient["resourceType"], "Patient");
    let nhs = patient["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["system"] == NHS_NUMBER_SYSTEM)
        .expect("NHS number identifier");
    assert_eq!(NHS_NUMBER_SYSTEM, "https://fhir.nhs.uk/Id/nhs-number");
    assert_eq!(nhs["value"], fixture::NHS);
    assert_eq!(patient["name"][0]["family"], "Lovelace");
    assert_eq!(patient["name"][0]["given"][0], "Ada");
    assert_eq!(patient["birthDate"], "1952-12-10");
    assert_eq!(
        patient["address"][0]["text"],
        "1 Analytical Row, London, N1 1AA"
    );
    let telecom = patient["telecom"].as_array().unwrap();
    assert!(telecom
        .iter()
        .any(|t| t["system"] == "phone" && t["rank"] == 1));
    assert!(telecom.iter().any(|t| t["system"] == "email"));
    // UK Core: the profile, and the NHS number's verification status (not traced).
    assert_eq!(
        patient["meta"]["profile"][0],
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
    );
    let status = &nhs["extension"][0];
    assert_eq!(
        status["url"],
        "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
    );
    let coding = &status["valueCodeableConcept"]["coding"][0];
    assert_eq!(
        coding["system"],
        "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
    );
    assert_eq!(coding["code"], "02");
    // No placeholder domain anywhere in the bundle.
    assert!(!bundle.to_string().contains(".example/"));
}

#[test]
fn referral_is_a_service_request_coded_with_snomed_ct() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    let episodes = of_type(&bundle, "EpisodeOfCare");
    assert_eq!(episodes.len(), 1);
    let episode = episodes[0];
    assert_eq!(episode["status"], "active");
    assert_eq!(episode["period"]["start"], "2024-01-15");
    assert_eq!(
        extension(episode, "episode-status").unwrap()["valueCode"],
        "accepted"
    );
    let history: Vec<&str> = episode["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["planned", "active"]);
    let referral_ref = episode["referralRequest"][0]["reference"].as_str().unwrap();
    let referral = &resources(&bundle)[referral_ref.trim_start_matches("urn:uuid:")];
    assert_eq!(referral["resourceType"], "ServiceRequest");
    assert_eq!(referral["code"]["coding"][0]["system"], SNOMED_SYSTEM);
    assert_eq!(SNOMED_SYSTEM, "http://snomed.info/sct");
    assert_eq!(referral["code"]["coding"][0]["code"], "871731000000106");
    assert_eq!(referral["status"], "active");
    assert_eq!(referral["intent"], "order");
    assert_eq!(referral["priority"], "urgent");
    assert_eq!(referral["authoredOn"], "2024-01-15");
    assert_eq!(
        referral["requester"]["display"],
        "Dr Babbage, Difference Engine Surgery"
    );
    assert_eq!(
        extension(referral, "referral-source").unwrap()["valueCode"],
        "gp"
    );
    assert_eq!(
        referral["subject"]["reference"],
        format!("urn:uuid:{}", e.record.person)
    );
}

#[test]
fn care_plan_goals_and_steps() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    let plans = of_type(&bundle, "CarePlan");
    assert_eq!(plans.len(), 1);
    let plan = plans[0];
    assert_eq!(plan["status"], "active");
    assert_eq!(plan["intent"], "plan");
    assert_eq!(
        plan["description"],
        "Seeing my grandchildren and getting out more"
    );
    let goal_refs: Vec<String> = plan["goal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["reference"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = e
        .record
        .goals
        .iter()
        .map(|g| format!("urn:uuid:{g}"))
        .collect();
    assert_eq!(goal_refs, expected);
    let activities = plan["activity"].as_array().unwrap();
    let details: Vec<&Value> = activities.iter().filter_map(|a| a.get("detail")).collect();
    assert_eq!(details.len(), 3);
    let statuses: Vec<&str> = details
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["not-started", "completed", "not-started"]);
    assert_eq!(details[0]["description"], "Call the walking group");
    assert_eq!(details[2]["performer"][0]["display"], "Citizens Advice");
    assert_eq!(
        activities
            .iter()
            .filter(|a| a.get("reference").is_some())
            .count(),
        3,
        "onward referrals are activities by reference"
    );

    let expect = [
        (
            "Join a walking group",
            "active",
            Some("in-progress"),
            "active",
        ),
        (
            "Sort out my gas bill",
            "completed",
            Some("achieved"),
            "achieved",
        ),
        (
            "Phone my sister every week",
            "completed",
            None,
            "partly-achieved",
        ),
        ("Learn to use video calls", "cancelled", None, "dropped"),
        (
            "Go to the lunch club",
            "completed",
            Some("not-achieved"),
            "not-achieved",
        ),
    ];
    for (goal, (text, lifecycle, hl7, ours)) in e.record.goals.iter().zip(expect) {
        let g = by_id(&bundle, *goal);
        assert_eq!(g["resourceType"], "Goal");
        assert_eq!(g["description"]["text"], text);
        assert_eq!(g["lifecycleStatus"], lifecycle, "{text}");
        let codings = g["achievementStatus"]["coding"].as_array().unwrap();
        let hl7_code = codings
            .iter()
            .find(|c| c["system"] == "http://terminology.hl7.org/CodeSystem/goal-achievement")
            .map(|c| c["code"].as_str().unwrap());
        assert_eq!(hl7_code, hl7, "{text}");
        assert!(codings.iter().any(|c| c["code"] == ours), "{text}");
        assert_eq!(g["target"][0]["dueDate"], "2030-05-01");
        assert_eq!(
            g["subject"]["reference"],
            format!("urn:uuid:{}", e.record.person)
        );
    }
    let first = by_id(&bundle, e.record.goals[0]);
    let notes: Vec<&str> = first["note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "SMART detail: Twice a week by June",
            "Progress 3/10: found a group",
            "Progress 6/10"
        ]
    );
}

#[test]
fn onward_referrals_with_performer_and_mapped_status() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    let expect = [
        (
            "Debt advice drop-in (Citizens Advice)",
            "completed",
            "got-help",
        ),
        ("Walking group (Ramblers)", "active", "no-capacity"),
        ("Befriending", "revoked", "not-eligible"),
    ];
    for (id, (performer, status, ours)) in e.record.onward.iter().zip(expect) {
        let sr = by_id(&bundle, *id);
        assert_eq!(sr["resourceType"], "ServiceRequest");
        assert_eq!(sr["performer"][0]["display"], performer);
        assert_eq!(sr["status"], status);
        assert_eq!(sr["intent"], "order");
        assert_eq!(extension(sr, "onward-status").unwrap()["valueCode"], ours);
    }
}

#[test]
fn measures_are_questionnaire_responses_with_score_observations() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    let plan = e.store.plan(e.record.person).unwrap();
    let observations = of_type(&bundle, "Observation");
    for m in &plan.measures {
        let derived: Vec<&&Value> = observations
            .iter()
            .filter(|o| o["derivedFrom"][0]["reference"] == format!("urn:uuid:{}", m.id))
            .collect();
        if m.instrument == Instrument::Pam {
            assert!(
                bundle["entry"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|en| en["resource"]["id"] != m.id.to_string()),
                "PAM is never a QuestionnaireResponse"
            );
            continue;
        }
        let qr = by_id(&bundle, m.id);
        assert_eq!(qr["resourceType"], "QuestionnaireResponse");
        assert_eq!(
            qr["questionnaire"],
            questionnaire_url(m.instrument, &m.version)
        );
        let answered = m.answers.iter().flatten().count();
        let items = qr["item"].as_array().unwrap();
        assert_eq!(items.len(), answered);
        for item in items {
            assert!(item["answer"][0]["valueInteger"].is_i64());
        }
        if m.id == e.record.incomplete_measure {
            assert_eq!(qr["status"], "in-progress");
            assert!(derived.is_empty(), "no score for an incomplete response");
        } else {
            assert_eq!(qr["status"], "completed");
            assert!(!derived.is_empty(), "{} has scores", m.instrument);
        }
    }
    assert_eq!(
        questionnaire_url(Instrument::Ons4, "1"),
        "https://fhir.linkwork.org.uk/Questionnaire/ons4|1"
    );

    let code = |o: &Value| o["code"]["coding"][0]["code"].as_str().unwrap().to_string();
    let values = |c: &str| -> Vec<Value> {
        observations
            .iter()
            .filter(|o| code(o) == c)
            .map(|o| {
                o.get("valueInteger")
                    .cloned()
                    .unwrap_or_else(|| o["valueQuantity"]["value"].clone())
            })
            .collect()
    };
    assert_eq!(values("swemwbs-metric"), [19.25, 25.03]);
    assert_eq!(values("wemwbs-total"), [42, 56]);
    assert_eq!(values("ucla3-total"), [8, 5]);
    assert_eq!(values("ons4-anxiety"), [8, 5, 3]);
    assert_eq!(values("ons4-life-satisfaction"), [4, 6, 7]);
    assert_eq!(values("mycaw-concern-1"), [5, 2]);
    assert_eq!(values("mycaw-wellbeing"), [4, 2]);
    assert_eq!(values("loneliness-direct-answer"), [5, 3]);
    assert_eq!(values("pam-score"), [47.5, 60.25]);
    let anxiety = observations
        .iter()
        .find(|o| code(o) == "ons4-anxiety")
        .unwrap();
    assert_eq!(anxiety["interpretation"][0]["coding"][0]["code"], "high");
    assert_eq!(anxiety["status"], "final");
    assert_eq!(anxiety["category"][0]["coding"][0]["code"], "survey");
}

#[test]
fn consent_status_follows_decision_supersession_and_expiry() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, true).unwrap();
    let expect = [
        ("inactive", "permit", "Citizens Advice"),
        // A withdrawal in force is an active Consent that denies (FHIR R4), not `rejected`.
        ("active", "deny", "Citizens Advice"),
        ("active", "permit", "Ramblers"),
        ("inactive", "permit", "Difference Engine Surgery"),
    ];
    for (id, (status, provision, recipient)) in e.record.consents.iter().zip(expect) {
        let c = by_id(&bundle, *id);
        assert_eq!(c["resourceType"], "Consent");
        assert_eq!(c["status"], status, "{recipient}");
        assert_eq!(c["scope"]["coding"][0]["code"], "patient-privacy");
        assert!(c["category"].as_array().is_some_and(|a| !a.is_empty()));
        assert_eq!(
            c["patient"]["reference"],
            format!("urn:uuid:{}", e.record.person)
        );
        assert_eq!(c["provision"]["type"], provision);
        assert_eq!(
            c["provision"]["actor"][0]["reference"]["display"],
            recipient
        );
        assert!(c["provision"]["purpose"][0]["display"].is_string());
    }
    let withdrawal = by_id(&bundle, e.record.consents[1]);
    assert_eq!(
        extension(withdrawal, "supersedes").unwrap()["valueReference"]["reference"],
        format!("urn:uuid:{}", e.record.consents[0])
    );
    let proxy = by_id(&bundle, e.record.consents[2]);
    assert_eq!(proxy["performer"][0]["display"], "Anne Lovelace (daughter)");
    assert_eq!(proxy["provision"]["period"]["end"], "2031-01-01");
}

#[test]
fn case_data_stays_out_unless_asked_for() {
    let e = env();
    let bundle = e.store.export_fhir(e.record.person, false).unwrap();
    let kinds: BTreeSet<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|en| en["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "Patient",
            "CarePlan",
            "Goal",
            "QuestionnaireResponse",
            "Observation"
        ])
    );
    let patient = by_id(&bundle, e.record.person);
    let mut keys: Vec<&str> = patient
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "birthDate",
            "id",
            "identifier",
            "meta",
            "name",
            "resourceType"
        ]
    );
    let text = bundle.to_string();
    for secret in [
        "Analytical Row",
        "020 7946 0000",
        "ada@example.invalid",
        "Dr Babbage",
        "lonely since moving",
        "Dog at the property",
        "Possible financial abuse",
        "Prefers morning visits",
        "talked about the allotment",
        "Anne Lovelace",
        "Ramblers",
        "Befriending",
        "first call",
    ] {
        assert!(!text.contains(secret), "{secret} leaked without case data");
    }
    // Every reference still resolves (no dangling links to left-out resources).
    let all = resources(&bundle);
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    for r in refs {
        assert!(all.contains_key(r.trim_start_matches("urn:uuid:")), "{r}");
    }
    // The person's own measures and plan are there.
    assert_eq!(of_type(&bundle, "Goal").len(), 5);
    assert_eq!(
        of_type(&bundle, "QuestionnaireResponse").len(),
        e.record.measures.len() - 2,
        "every response but PAM's two"
    );
}

#[test]
fn notes_contacts_and_case_notes_never_leave_even_with_case_data() {
    let e = env();
    let text = e
        .store
        .export_fhir(e.record.person, true)
        .unwrap()
        .to_string();
    for never in [
        "Prefers morning visits",
        "talked about the allotment",
        "first call",
    ] {
        assert!(!text.contains(never), "{never} exported");
    }
    assert!(
        text.contains("Possible financial abuse"),
        "flags are case data"
    );
}

#[test]
fn patient_store_exports_its_own_plan_only() {
    let e = env();
    let dir = tempfile::tempdir().unwrap();
    let patient_store = Store::create(
        dir.path().join("patient.db"),
        NewStore {
            user: "ada".into(),
            role: Role::Patient,
            person: Some(e.record.person),
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    let plan = e
        .store
        .export_document(e.record.person, linkwork_core::model::DocKind::Plan)
        .unwrap();
    patient_store.import_document(&plan).unwrap();
    let bundle = patient_store.export_fhir(e.record.person, false).unwrap();
    let patient = by_id(&bundle, e.record.person);
    assert!(
        patient.get("name").is_none(),
        "no demographics on a patient store"
    );
    assert_eq!(of_type(&bundle, "Goal").len(), 5);
    assert_eq!(of_type(&bundle, "CarePlan")[0]["status"], "unknown");
    assert!(matches!(
        patient_store.export_fhir(e.record.person, true),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        patient_store.export_fhir(Id::new(), false),
        Err(Error::NotPermitted { .. })
    ));
}

#[test]
fn unknown_person_and_person_without_nhs_number() {
    let e = env();
    assert!(matches!(
        e.store.export_fhir(Id::new(), true),
        Err(Error::NotFound { .. })
    ));
    let p = e
        .store
        .add_person(NewPerson {
            given_name: "No".into(),
            family_name: "Number".into(),
            ..Default::default()
        })
        .unwrap();
    let bundle = e.store.export_fhir(p, true).unwrap();
    let patient = by_id(&bundle, p);
    let systems: Vec<&str> = patient["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["system"].as_str().unwrap())
        .collect();
    assert_eq!(systems, ["https://fhir.linkwork.org.uk/Id/person"]);
    assert!(patient.get("birthDate").is_none());
    // A fresh referral: planned episode, active referral, draft plan, and no empty elements.
    assert_eq!(of_type(&bundle, "EpisodeOfCare")[0]["status"], "planned");
    assert_eq!(of_type(&bundle, "CarePlan")[0]["status"], "draft");
    assert!(!bundle.to_string().contains("null"));
    assert!(!bundle.to_string().contains("[]"));
    assert!(!bundle.to_string().contains("{}"));
    assert!(!bundle.to_string().contains("\"\""));
}
