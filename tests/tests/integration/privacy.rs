//! No patient data where it does not belong (docs/security.md): a document's commit messages,
//! which travel with it to every peer (the plan's to the person's phone) and stay in its
//! history forever, carry only the acting user, an action code and an item id; and errors of
//! refused actions never echo what was typed.

use automerge::Automerge;
use linkwork_core::model::*;
use linkwork_core::{Error, Id};
use linkwork_tests::*;

/// Everything the fixture person's record says in words, numbers or dates.
const CONTENT: &[&str] = &[
    FIXTURE_GIVEN,
    FIXTURE_FAMILY,
    FIXTURE_NHS,
    "1952-12-10",
    "Analytical Row",
    "020 7946 0000",
    "ada@example.invalid",
    "large print",
    "Dr Babbage",
    "Seeing my grandchildren",
    "since moving",
    "Join a walking group",
    "Twice a week",
    "found a group",
    "Call the walking group",
    "leaflet",
    "spoke briefly",
    "debt support",
    "Citizens Advice",
    "allotment",
    "daughter",
    "Debt advice drop-in",
    "email reply",
    "Dog at the property",
    "Prefers morning visits",
];

fn messages(bytes: &[u8]) -> Vec<String> {
    let doc = Automerge::load(bytes).unwrap();
    doc.get_changes(&[])
        .iter()
        .map(|c| c.message().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn commit_messages_carry_only_user_action_and_item_id() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    s.edit_case_note(f.note, "Prefers morning visits, never Fridays")
        .unwrap();
    s.update_demographics(
        f.person,
        DemographicsUpdate {
            address: Some(Some("2 Analytical Row, London".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let items: Vec<String> = [
        f.episode,
        f.goal,
        f.step,
        f.done_step,
        f.measure,
        f.contact,
        f.consent,
        f.visit,
        f.call,
        f.onward,
        f.flag,
        f.note,
    ]
    .iter()
    .chain(&f.progress)
    .map(Id::to_string)
    .collect();
    let mut seen = 0;
    for kind in [DocKind::Plan, DocKind::Case] {
        for message in messages(&s.export_document(f.person, kind).unwrap()) {
            seen += 1;
            let json: serde_json::Value = serde_json::from_str(&message)
                .unwrap_or_else(|_| panic!("not a linkwork commit message: {message}"));
            let object = json.as_object().expect("a JSON object");
            for (key, value) in object {
                assert!(
                    ["u", "a", "i"].contains(&key.as_str()),
                    "unexpected key {key} in {message}"
                );
                assert!(value.is_string(), "{message}");
            }
            assert_eq!(object["u"], "sam", "{message}");
            let action = object["a"].as_str().unwrap();
            assert!(
                action
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-'),
                "{message}"
            );
            if let Some(item) = object.get("i") {
                let item = item.as_str().unwrap();
                assert!(
                    items.iter().any(|i| i == item) || Id::parse("i", item).is_ok(),
                    "the item is an id: {message}"
                );
            }
            for text in CONTENT {
                assert!(
                    !message.contains(text),
                    "{text:?} in a commit message: {message}"
                );
            }
        }
    }
    assert!(seen >= 25, "every action left a message ({seen})");
}

#[test]
fn refused_actions_never_echo_what_was_typed() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let secret = "Zebedee-Quartermaine";
    let errors: Vec<Error> = vec![
        s.add_person(NewPerson {
            given_name: secret.into(),
            family_name: String::new(),
            ..Default::default()
        })
        .unwrap_err(),
        s.add_person(NewPerson {
            date_of_birth: Some(date(2999, 1, 1)),
            ..new_person(secret, secret)
        })
        .unwrap_err(),
        s.update_demographics(
            f.person,
            DemographicsUpdate {
                nhs_number: Some(Some(format!("{secret}1"))),
                ..Default::default()
            },
        )
        .unwrap_err(),
        s.record_progress(
            f.goal,
            NewProgress {
                rating: Some(11),
                note: Some(secret.into()),
            },
        )
        .unwrap_err(),
        s.add_step(
            f.person,
            NewStep {
                goal_id: Some(Id::new()),
                ..new_step(secret, StepOwner::Person, None)
            },
        )
        .unwrap_err(),
        s.transition_onward_referral(f.onward, OnwardStatus::GotHelp, Some(secret))
            .unwrap_err(),
        s.import_document(secret.as_bytes()).unwrap_err(),
    ];
    for e in errors {
        let text = format!("{e} {e:?}");
        for needle in [secret, FIXTURE_GIVEN, FIXTURE_FAMILY, FIXTURE_NHS] {
            assert!(!text.contains(needle), "{needle:?} in an error: {text}");
        }
    }
}
