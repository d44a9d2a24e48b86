//! The message back to the GP: SNOMED codes per event, the summary, "codes only", and refusal
//! when the episode is not in a matching state.

use crate::fixture;

use linkwork_core::gp_message::GpEvent;
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};

const ACCEPT: &str = "871731000000106";
const DECLINE: &str = "871711000000103";

fn store(dir: &tempfile::TempDir) -> Store {
    Store::create(
        dir.path().join("lw.db"),
        NewStore {
            user: "sam.worker".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap()
}

fn person(s: &Store) -> Id {
    s.add_person(NewPerson {
        given_name: "Grace".into(),
        family_name: "Hopper".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1946, 12, 9),
        nhs_number: Some("4010232137".into()),
        ..Default::default()
    })
    .unwrap()
}

fn go(s: &Store, p: Id, to: EpisodeStatus) {
    s.transition_episode(
        p,
        EpisodeTransition {
            to,
            discharge_reason: (to == EpisodeStatus::Discharged)
                .then_some(DischargeReason::GoalsMet),
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: (to == EpisodeStatus::Accepted).then_some(true),
            reason: None,
        },
    )
    .unwrap();
}

fn refused(
    result: linkwork_core::Result<linkwork_core::gp_message::GpMessage>,
    from: &str,
    event: &str,
) {
    match result {
        Err(Error::IllegalTransition {
            machine,
            from: f,
            to,
        }) => {
            assert_eq!(machine, "gp message");
            assert_eq!(f, from);
            assert_eq!(to, event);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn accepted_message_has_the_referral_code_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let record = fixture::build(&s).unwrap();
    let m = s.gp_message(record.person, GpEvent::Accepted).unwrap();
    assert_eq!(m.event, GpEvent::Accepted);
    let codes: Vec<&str> = m.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, [ACCEPT]);
    assert_eq!(m.link_worker, "sam.worker");
    assert_eq!(m.date, chrono::Utc::now().date_naive());
    assert_eq!(m.codes[0].date, m.date);
    assert_eq!(m.patient.nhs_number.as_deref(), Some(fixture::NHS));
    assert_eq!(m.patient.family_name, "Lovelace");
    assert!(!m.codes_only);
    let summary = m.summary.as_ref().expect("summary");
    assert_eq!(
        summary.referral_received,
        chrono::NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()
    );
    assert_eq!(
        summary.needs,
        [Need::Loneliness, Need::Debt, Need::PhysicalActivity]
    );
    let goals: Vec<(&str, GoalStatus)> = summary
        .goals
        .iter()
        .map(|g| (g.text.as_str(), g.status))
        .collect();
    assert_eq!(goals[0], ("Join a walking group", GoalStatus::Active));
    assert_eq!(goals[1], ("Sort out my gas bill", GoalStatus::Achieved));
    let onward: Vec<(&str, OnwardStatus, bool)> = summary
        .onward_referrals
        .iter()
        .map(|o| (o.service.as_str(), o.status, o.unmet_need))
        .collect();
    assert_eq!(
        onward,
        [
            ("Debt advice drop-in", OnwardStatus::GotHelp, false),
            ("Walking group", OnwardStatus::NoCapacity, true),
            ("Befriending", OnwardStatus::NotEligible, false),
        ]
    );
    assert_eq!(summary.consultations, 4);
    assert_eq!(summary.discharge_reason, None);
    // Paired change: ONS4 (4 items), WEMWBS, SWEMWBS, UCLA 3, loneliness, MYCaW (2 concerns and
    // wellbeing), PAM. The incomplete WEMWBS follow-up is not the one used.
    let changes: Vec<(String, f64)> = summary
        .measure_change
        .iter()
        .map(|c| (format!("{}/{}", c.instrument, c.quantity), c.difference))
        .collect();
    assert_eq!(changes.len(), 12);
    assert!(changes.contains(&("wemwbs/total".into(), 14.0)));
    assert!(changes.contains(&("swemwbs/metric".into(), 5.78)));
    assert!(changes.contains(&("ons4/anxiety".into(), -5.0)));
    assert!(changes.contains(&("mycaw/concern-1".into(), 3.0)));
    assert!(changes.contains(&("pam/score".into(), 12.75)));
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["event"], "accepted");
    assert_eq!(json["codes"][0]["code"], ACCEPT);
}

#[test]
fn codes_only_sends_codes_and_dates_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let record = fixture::build(&s).unwrap();
    s.update_demographics(
        record.person,
        DemographicsUpdate {
            gp_codes_only: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let m = s.gp_message(record.person, GpEvent::Accepted).unwrap();
    assert!(m.codes_only);
    assert!(m.summary.is_none());
    assert_eq!(m.codes.len(), 1);
    let text = serde_json::to_string(&m).unwrap();
    for private in [
        "walking group",
        "Walking group",
        "Debt advice",
        "gas bill",
        "loneliness",
        "wemwbs",
    ] {
        assert!(!text.contains(private), "{private} sent despite codes only");
    }
}

#[test]
fn declined_message_and_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let p = person(&s);
    refused(s.gp_message(p, GpEvent::Declined), "referred", "declined");
    go(&s, p, EpisodeStatus::Contacting);
    go(&s, p, EpisodeStatus::Declined);
    let m = s.gp_message(p, GpEvent::Declined).unwrap();
    let codes: Vec<&str> = m.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, [DECLINE]);
    assert_eq!(m.link_worker, "sam.worker");
    refused(s.gp_message(p, GpEvent::Accepted), "declined", "accepted");
    refused(
        s.gp_message(p, GpEvent::Discharged),
        "declined",
        "discharged",
    );
}

#[test]
fn discharge_message_has_the_episode_codes_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let p = person(&s);
    refused(s.gp_message(p, GpEvent::Accepted), "referred", "accepted");
    go(&s, p, EpisodeStatus::Accepted);
    refused(
        s.gp_message(p, GpEvent::Discharged),
        "accepted",
        "discharged",
    );
    s.add_need(p, Need::Housing, None).unwrap();
    go(&s, p, EpisodeStatus::Discharged);
    let m = s.gp_message(p, GpEvent::Discharged).unwrap();
    assert_eq!(m.event, GpEvent::Discharged);
    let codes: Vec<&str> = m.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, [ACCEPT]);
    let summary = m.summary.unwrap();
    assert_eq!(summary.discharge_reason, Some(DischargeReason::GoalsMet));
    assert_eq!(summary.needs, [Need::Housing]);
    // The acceptance message can still be produced after discharge.
    assert!(s.gp_message(p, GpEvent::Accepted).is_ok());
}

#[test]
fn a_new_episode_needs_its_own_acceptance() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let p = person(&s);
    go(&s, p, EpisodeStatus::Accepted);
    go(&s, p, EpisodeStatus::Discharged);
    s.open_episode(p, NewReferral::default()).unwrap();
    refused(s.gp_message(p, GpEvent::Accepted), "referred", "accepted");
    refused(
        s.gp_message(p, GpEvent::Discharged),
        "referred",
        "discharged",
    );
}

#[test]
fn refused_on_a_patient_store_and_for_unknown_people() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let p = person(&s);
    assert!(matches!(
        s.gp_message(Id::new(), GpEvent::Accepted),
        Err(Error::NotFound { .. })
    ));
    let patient = Store::create(
        dir.path().join("patient.db"),
        NewStore {
            user: "grace".into(),
            role: Role::Patient,
            person: Some(p),
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    assert!(matches!(
        patient.gp_message(p, GpEvent::Accepted),
        Err(Error::NotPermitted { .. })
    ));
}
