//! Clinical safety (issue 12): episodes scope the record, and consent governs everything
//! that leaves the device. Each defect of the issue has a test here that failed before the
//! fix. A module of the integration test binary (`tests/tests/integration/main.rs`).

use chrono::{Duration, Utc};
use linkwork_core::gp_message::GpEvent;
use linkwork_core::measures::{AdministrationMode, Instrument, PamResult, Timepoint};
use linkwork_core::model::*;
use linkwork_core::reports::{PairRefusal, RefusedPair};
use linkwork_core::{Error, Id, Store};
use linkwork_tests::*;
use serde_json::Value;

const DECLINE: &str = "871711000000103";

fn goal(s: &Store, p: Id, text: &str) -> Id {
    s.add_goal(
        p,
        NewGoal {
            text: text.into(),
            smart_detail: None,
            needs: vec![Need::Loneliness],
            target_date: None,
        },
    )
    .unwrap()
}

fn measure(s: &Store, p: Id, instrument: Instrument, answers: &[i64], tp: Timepoint, at_days: i64) {
    measure_labelled(s, p, instrument, answers, &[], tp, at_days);
}

fn measure_labelled(
    s: &Store,
    p: Id,
    instrument: Instrument,
    answers: &[i64],
    labels: &[&str],
    tp: Timepoint,
    at_days: i64,
) {
    s.record_measure(
        p,
        NewMeasureResponse {
            instrument,
            answers: answers.iter().map(|a| Some(*a)).collect(),
            concern_labels: labels.iter().map(|l| (*l).to_string()).collect(),
            pam: None,
            timepoint: tp,
            mode: AdministrationMode::SelfCompleted,
            recorded_at: Some(Utc::now() + Duration::seconds(at_days)),
        },
    )
    .unwrap();
}

fn accepted_person(s: &Store, name: &str) -> Id {
    let p = add_person(s, name, "Safety");
    s.transition_episode(p, to(EpisodeStatus::Accepted))
        .unwrap();
    p
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn withdraw_gp_consent(s: &Store, p: Id) {
    s.record_consent(
        p,
        new_consent(
            GP_SHARING_PURPOSE,
            "Riverside Surgery",
            ConsentDecision::Withdrawn,
        ),
    )
    .unwrap();
}

// Defect 1: consent is consulted when data leaves the device.

#[test]
fn gp_message_leaves_out_the_summary_when_gp_consent_is_withdrawn_and_lists_it() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Withdrawn");
    goal(&s, p, "see friends weekly");
    let before = s.gp_message(p, GpEvent::Accepted).unwrap();
    assert!(before.summary.is_some() && before.withheld.is_empty());

    withdraw_gp_consent(&s, p);
    let after = s.gp_message(p, GpEvent::Accepted).unwrap();
    assert_eq!(
        after.summary, None,
        "summary sent after consent was withdrawn"
    );
    assert!(!after.codes.is_empty(), "the codes still go");
    let what: Vec<&str> = after.withheld.iter().map(|w| w.what).collect();
    assert!(
        what.contains(&"goals") && what.contains(&"measures"),
        "{what:?}"
    );
    let goals = after.withheld.iter().find(|w| w.what == "goals").unwrap();
    assert_eq!(goals.reason, WithholdReason::ConsentWithdrawn);
    assert_eq!(goals.since, Some(today()));
    assert_eq!(
        goals.to_string(),
        format!("goals — consent for gp-summary withdrawn on {}", today())
    );

    // Given again: shared again (the newest record decides).
    s.record_consent(
        p,
        new_consent(
            GP_SHARING_PURPOSE,
            "riverside  SURGERY",
            ConsentDecision::Given,
        ),
    )
    .unwrap();
    assert!(s
        .gp_message(p, GpEvent::Accepted)
        .unwrap()
        .summary
        .is_some());
}

#[test]
fn an_expired_gp_consent_withholds_the_summary() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Expired");
    // Recorded as already expired: expiry is judged at the moment the message is built.
    let mut c = new_consent(
        GP_SHARING_PURPOSE,
        "Riverside Surgery",
        ConsentDecision::Given,
    );
    c.expires = Some(today() - Duration::days(1));
    s.record_consent(p, c).unwrap();
    let m = s.gp_message(p, GpEvent::Accepted).unwrap();
    assert_eq!(m.summary, None);
    assert!(m
        .withheld
        .iter()
        .all(|w| w.reason == WithholdReason::ConsentExpired));
}

#[test]
fn fhir_export_withholds_goals_flags_and_observations_for_codes_only_or_withdrawn_consent() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let full = s.fhir_export(f.person, true).unwrap();
    assert!(full.withheld.is_empty());
    assert!(!resources(&full.bundle, "Goal").is_empty());
    assert!(!resources(&full.bundle, "Flag").is_empty());

    for (label, setup) in [("codes only", 0), ("withdrawn", 1)] {
        let (_d, s) = link_worker_store();
        let f = full_person(&s);
        if setup == 0 {
            s.update_demographics(
                f.person,
                DemographicsUpdate {
                    gp_codes_only: Some(true),
                    ..Default::default()
                },
            )
            .unwrap();
        } else {
            withdraw_gp_consent(&s, f.person);
        }
        for include_case_data in [true, false] {
            let export = s.fhir_export(f.person, include_case_data).unwrap();
            let b = &export.bundle;
            for kind in [
                "Goal",
                "Flag",
                "Observation",
                "QuestionnaireResponse",
                "CarePlan",
                "Encounter",
            ] {
                let found: Vec<&Value> = resources(b, kind)
                    .into_iter()
                    .filter(|r| r["code"]["coding"][0]["code"] != DECLINE)
                    .collect();
                assert!(found.is_empty(), "{label}: {kind} exported");
            }
            let onward: Vec<&Value> = resources(b, "ServiceRequest")
                .into_iter()
                .filter(|r| r["basedOn"].is_array())
                .collect();
            assert!(onward.is_empty(), "{label}: onward referral exported");
            let patient = resources(b, "Patient")[0];
            assert!(patient.get("telecom").is_none() && patient.get("address").is_none());
            let what: Vec<&str> = export.withheld.iter().map(|w| w.what).collect();
            let listed: &[&str] = if include_case_data {
                &[
                    "goals",
                    "care-plan",
                    "measures",
                    "flags",
                    "onward-referrals",
                    "consultations",
                    "contact-details",
                ]
            } else {
                &["goals", "care-plan", "measures"]
            };
            let mut sorted = what.clone();
            sorted.sort_unstable();
            let mut want = listed.to_vec();
            want.sort_unstable();
            assert_eq!(sorted, want, "{label}: withheld list");
            // The store's plain export applies the same rule.
            let plain = s.export_fhir(f.person, include_case_data).unwrap();
            assert!(resources(&plain, "Goal").is_empty(), "{label}");
        }
    }
}

// Defect 2: records are scoped to an episode.

#[test]
fn a_second_episode_shows_none_of_the_first_episodes_goals_referrals_or_change() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Twice");
    let first_goal = goal(&s, p, "first episode goal");
    s.add_need(p, Need::Debt, None).unwrap();
    s.add_onward_referral(
        p,
        NewOnwardReferral {
            service: "Debt drop-in".into(),
            organisation: None,
            need: None,
        },
    )
    .unwrap();
    measure(
        &s,
        p,
        Instrument::Ucla3,
        &[3, 3, 3],
        Timepoint::Baseline,
        -20,
    );
    measure(
        &s,
        p,
        Instrument::Ucla3,
        &[1, 1, 1],
        Timepoint::FollowUp,
        -10,
    );
    s.transition_episode(p, discharge(DischargeReason::GoalsMet))
        .unwrap();
    assert_eq!(s.paired_change(p).unwrap().len(), 1);
    let first = s
        .person(p)
        .unwrap()
        .case
        .unwrap()
        .current_episode()
        .unwrap()
        .id;

    let second = s.open_episode(p, NewReferral::default()).unwrap();
    s.transition_episode(p, to(EpisodeStatus::Accepted))
        .unwrap();
    let second_goal = goal(&s, p, "second episode goal");

    let record = s.person(p).unwrap();
    let goal_of = |id: Id| {
        record
            .plan
            .goals
            .iter()
            .find(|g| g.id == id)
            .unwrap()
            .episode_id
    };
    assert_eq!(goal_of(first_goal), Some(first));
    assert_eq!(goal_of(second_goal), Some(second));

    let m = s.gp_message(p, GpEvent::Accepted).unwrap();
    let summary = m.summary.unwrap();
    let texts: Vec<&str> = summary.goals.iter().map(|g| g.text.as_str()).collect();
    assert_eq!(texts, ["second episode goal"]);
    assert!(summary.onward_referrals.is_empty());
    assert!(summary.needs.is_empty());
    assert!(summary.measure_change.is_empty());
    assert!(s.paired_change(p).unwrap().is_empty());
    // The first episode stays readable.
    assert_eq!(s.paired_change_in_episode(p, first).unwrap().len(), 1);
    assert!(record.is_past_episode(first) && !record.is_past_episode(second));
    // Past episodes are read-only: their goals cannot be changed; the current ones can.
    let err = s
        .update_goal(
            first_goal,
            GoalUpdate {
                status: Some(GoalStatus::Dropped),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err:?}");
    assert!(s
        .record_progress(
            first_goal,
            NewProgress {
                rating: Some(5),
                note: None
            }
        )
        .is_err());
    s.update_goal(
        second_goal,
        GoalUpdate {
            status: Some(GoalStatus::Achieved),
            ..Default::default()
        },
    )
    .unwrap();
    let bundle = s.export_fhir(p, true).unwrap();
    let goals: Vec<&Value> = resources(&bundle, "Goal");
    assert_eq!(goals.len(), 1);
    // The caseload pairs within an episode only.
    let report = s.caseload_report().unwrap();
    let ucla = report
        .paired_change
        .iter()
        .find(|r| r.instrument == Instrument::Ucla3)
        .unwrap();
    assert_eq!(ucla.n, 1);
    // An episode that is not the person's is not found.
    assert!(matches!(
        s.paired_change_in_episode(p, Id::new()),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_baseline_in_one_episode_never_pairs_with_a_follow_up_in_the_next() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Split");
    measure(
        &s,
        p,
        Instrument::Ucla3,
        &[3, 3, 3],
        Timepoint::Baseline,
        -1,
    );
    s.transition_episode(p, discharge(DischargeReason::Disengaged))
        .unwrap();
    s.open_episode(p, NewReferral::default()).unwrap();
    measure(&s, p, Instrument::Ucla3, &[1, 1, 1], Timepoint::FollowUp, 5);
    assert!(s.paired_change(p).unwrap().is_empty());
    assert_eq!(
        s.refused_pairs(p, None).unwrap(),
        [RefusedPair {
            instrument: Instrument::Ucla3,
            reason: PairRefusal::NoBaseline
        }]
    );
}

// Defect 3: a follow-up before its baseline never pairs.

#[test]
fn a_follow_up_recorded_before_its_baseline_is_refused_with_the_reason() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Backwards");
    measure(
        &s,
        p,
        Instrument::Wemwbs,
        &[2; 14],
        Timepoint::FollowUp,
        -30,
    );
    measure(&s, p, Instrument::Wemwbs, &[4; 14], Timepoint::Baseline, -1);
    assert!(s.paired_change(p).unwrap().is_empty());
    assert_eq!(
        s.refused_pairs(p, None).unwrap(),
        [RefusedPair {
            instrument: Instrument::Wemwbs,
            reason: PairRefusal::FollowUpBeforeBaseline
        }]
    );
    let report = s.caseload_report().unwrap();
    let row = report
        .paired_change
        .iter()
        .find(|r| r.instrument == Instrument::Wemwbs)
        .unwrap();
    assert_eq!(row.n, 0);
}

// Defect 4: MYCaW concerns pair by the concern the person named.

#[test]
fn mycaw_concerns_with_different_names_never_pair() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Concerned");
    s.record_measure(
        p,
        NewMeasureResponse {
            instrument: Instrument::Mycaw,
            answers: vec![Some(6), None, Some(4)],
            concern_labels: vec!["Loneliness".into()],
            pam: None,
            timepoint: Timepoint::Baseline,
            mode: AdministrationMode::SelfCompleted,
            recorded_at: Some(Utc::now() - Duration::days(9)),
        },
    )
    .unwrap();
    // The follow-up has the first concern slot filled, but it is a different concern.
    s.record_measure(
        p,
        NewMeasureResponse {
            instrument: Instrument::Mycaw,
            answers: vec![Some(1), None, Some(3)],
            concern_labels: vec!["Money worries".into()],
            pam: None,
            timepoint: Timepoint::FollowUp,
            mode: AdministrationMode::SelfCompleted,
            recorded_at: Some(Utc::now()),
        },
    )
    .unwrap();
    let changes = s.paired_change(p).unwrap();
    let names: Vec<&str> = changes.iter().map(|c| c.quantity.as_str()).collect();
    assert_eq!(names, ["wellbeing"]);
}

// Defect 5: recipients match case- and space-insensitively, and by organisation id.

#[test]
fn a_withdrawal_to_the_same_organisation_written_differently_ends_the_consent() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Recipient", "Case");
    let mut given = new_consent("debt support", "Citizens Advice", ConsentDecision::Given);
    given.recipient_org = Some("LOCAL-CAB".into());
    let given = s.record_consent(p, given).unwrap();
    let mut withdrawn = new_consent(
        "Debt  Support",
        "citizens advice",
        ConsentDecision::Withdrawn,
    );
    withdrawn.recipient_org = Some("local-cab".into());
    s.record_consent(p, withdrawn).unwrap();
    let case = s.person(p).unwrap().case.unwrap();
    assert!(case.consents_in_force(today()).is_empty(), "still active");
    let last = case.consents.iter().find(|c| c.id != given).unwrap();
    assert_eq!(last.supersedes, Some(given));
    assert_eq!(last.recipient_org.as_deref(), Some("LOCAL-CAB"));
    assert!(last.recipient_confirmed());

    // A record without an organisation id is refused, and so is a malformed id.
    let mut uncoded = new_consent("debt support", "Citizens Advice", ConsentDecision::Given);
    uncoded.recipient_org = None;
    assert_invalid(&s.record_consent(p, uncoded).unwrap_err(), "recipient_org");
    let mut bad = new_consent("debt support", "Citizens Advice", ConsentDecision::Given);
    bad.recipient_org = Some("has spaces".into());
    assert_invalid(&s.record_consent(p, bad).unwrap_err(), "recipient_org");
}

// Defect 6: the FHIR export carries the decline code.

#[test]
fn a_declined_referral_exports_the_decline_code_and_coded_reason() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Declining", "Person");
    let mut t = to(EpisodeStatus::Declined);
    t.decline_reason = Some(DeclineReason::NeedsMetElsewhere);
    t.reason = Some("sees a counsellor already".into());
    s.transition_episode(p, t).unwrap();
    let episode = s
        .person(p)
        .unwrap()
        .case
        .unwrap()
        .current_episode()
        .cloned()
        .unwrap();
    assert_eq!(
        episode.decline_reason,
        Some(DeclineReason::NeedsMetElsewhere)
    );
    let bundle = s.export_fhir(p, true).unwrap();
    let text = bundle.to_string();
    assert!(text.contains(DECLINE), "decline code missing");
    let declined: Vec<&Value> = resources(&bundle, "Observation")
        .into_iter()
        .filter(|o| o["code"]["coding"][0]["code"] == DECLINE)
        .collect();
    assert_eq!(declined.len(), 1);
    assert_eq!(
        declined[0]["valueCodeableConcept"]["coding"][0]["code"],
        "needs-met-elsewhere"
    );
    // A decline reason with another target is refused.
    let mut wrong = to(EpisodeStatus::Contacting);
    wrong.decline_reason = Some(DeclineReason::Other);
    assert_invalid(
        &s.transition_episode(p, wrong).unwrap_err(),
        "decline_reason",
    );
}

// Defect 7: the direct loneliness question reports the share answering often/always.

#[test]
fn the_caseload_reports_the_share_of_often_always_for_direct_loneliness() {
    let (_dir, s) = link_worker_store();
    for (i, (b, f)) in [(5, 1), (5, 5), (2, 1), (1, 5)].into_iter().enumerate() {
        let p = accepted_person(&s, &format!("Lonely{i}"));
        measure(
            &s,
            p,
            Instrument::LonelinessDirect,
            &[b],
            Timepoint::Baseline,
            -5,
        );
        measure(
            &s,
            p,
            Instrument::LonelinessDirect,
            &[f],
            Timepoint::FollowUp,
            -1,
        );
    }
    let report = s.caseload_report().unwrap();
    let row = report
        .paired_change
        .iter()
        .find(|r| r.instrument == Instrument::LonelinessDirect)
        .unwrap();
    assert_eq!(row.n, 4);
    assert_eq!(row.often_always_baseline, Some(0.5));
    assert_eq!(row.often_always_follow_up, Some(0.5));
    assert_eq!(row.mean_change, None, "a mean of answer codes");
}

// Defect 8: PAM level against score, NHS number 0000000000, acceptance without consent to
// contact, unable-to-contact without an attempt, "not contacted" counting declines.

#[test]
fn a_pam_level_that_contradicts_the_score_is_refused() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Pam", "Level");
    let err = s
        .record_measure(
            p,
            NewMeasureResponse {
                instrument: Instrument::Pam,
                answers: Vec::new(),
                concern_labels: Vec::new(),
                pam: Some(PamResult {
                    score: 92.0,
                    level: 1,
                    version: "PAM-13".into(),
                }),
                timepoint: Timepoint::Baseline,
                mode: AdministrationMode::SelfCompleted,
                recorded_at: None,
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Measure(_)), "{err:?}");
    assert!(s.plan(p).unwrap().measures.is_empty());
}

#[test]
fn nhs_number_0000000000_is_refused() {
    let (_dir, s) = link_worker_store();
    let mut person = new_person("Zero", "Number");
    person.nhs_number = Some("000 000 0000".into());
    assert_invalid(&s.add_person(person).unwrap_err(), "nhs_number");
}

#[test]
fn an_episode_is_accepted_only_with_consent_to_contact_recorded() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "No", "Consent");
    let mut t = to(EpisodeStatus::Accepted);
    t.consent_to_contact = None;
    assert_invalid(
        &s.transition_episode(p, t.clone()).unwrap_err(),
        "consent_to_contact",
    );
    t.consent_to_contact = Some(false);
    assert_invalid(
        &s.transition_episode(p, t.clone()).unwrap_err(),
        "consent_to_contact",
    );
    let episode = s
        .person(p)
        .unwrap()
        .case
        .unwrap()
        .current_episode()
        .cloned()
        .unwrap();
    assert_eq!(episode.status, EpisodeStatus::Referred);
    assert_eq!(episode.consent_to_contact, None);
    // Given with the acceptance: recorded on the episode in the same change.
    t.consent_to_contact = Some(true);
    s.transition_episode(p, t).unwrap();
    let episode = s
        .person(p)
        .unwrap()
        .case
        .unwrap()
        .current_episode()
        .cloned()
        .unwrap();
    assert_eq!(episode.consent_to_contact, Some(true));
    // Recorded on the referral: acceptance needs nothing more.
    let mut with = new_person("With", "Consent");
    with.referral.consent_to_contact = Some(true);
    let q = s.add_person(with).unwrap();
    let mut plain = to(EpisodeStatus::Accepted);
    plain.consent_to_contact = None;
    s.transition_episode(q, plain).unwrap();
}

#[test]
fn unable_to_contact_needs_a_contact_attempt_in_this_episode() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Never", "Tried");
    s.transition_episode(p, to(EpisodeStatus::Contacting))
        .unwrap();
    assert_invalid(
        &s.transition_episode(p, to(EpisodeStatus::UnableToContact))
            .unwrap_err(),
        "status",
    );
    s.record_contact_attempt(
        p,
        NewContactAttempt {
            at: None,
            channel: ContactChannel::Phone,
            outcome: ContactOutcome::NoAnswer,
            note: None,
        },
    )
    .unwrap();
    s.transition_episode(p, to(EpisodeStatus::UnableToContact))
        .unwrap();
}

#[test]
fn declined_referrals_are_not_counted_as_not_contacted() {
    let (_dir, s) = link_worker_store();
    let declined = add_person(&s, "Said", "No");
    s.transition_episode(declined, to(EpisodeStatus::Declined))
        .unwrap();
    add_person(&s, "Waiting", "Still");
    let report = s.caseload_report().unwrap();
    assert_eq!(report.time_to_first_contact.not_contacted, 1);
}

// Done when: two episodes, a withdrawn GP consent and codes only.

#[test]
fn two_episodes_withdrawn_gp_consent_and_codes_only_share_exactly_what_is_allowed() {
    let (_dir, s) = link_worker_store();
    let p = accepted_person(&s, "Whole");
    goal(&s, p, "old goal");
    measure(
        &s,
        p,
        Instrument::Ucla3,
        &[3, 3, 3],
        Timepoint::Baseline,
        -20,
    );
    measure(
        &s,
        p,
        Instrument::Ucla3,
        &[1, 1, 1],
        Timepoint::FollowUp,
        -10,
    );
    s.transition_episode(p, discharge(DischargeReason::GoalsMet))
        .unwrap();
    let second = s.open_episode(p, NewReferral::default()).unwrap();
    s.transition_episode(p, to(EpisodeStatus::Accepted))
        .unwrap();
    goal(&s, p, "new goal");
    withdraw_gp_consent(&s, p);

    // Withdrawn consent alone: the message carries codes for the second episode only.
    let m = s.gp_message(p, GpEvent::Accepted).unwrap();
    assert_eq!(m.episode_id, second);
    assert_eq!(m.summary, None);
    assert!(m
        .withheld
        .iter()
        .all(|w| w.reason == WithholdReason::ConsentWithdrawn));

    s.update_demographics(
        p,
        DemographicsUpdate {
            gp_codes_only: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let m = s.gp_message(p, GpEvent::Accepted).unwrap();
    assert!(m.codes_only && m.summary.is_none());
    assert!(m.withheld.iter().any(|w| w.what == "goals"));
    let export = s.fhir_export(p, true).unwrap();
    assert!(resources(&export.bundle, "Goal").is_empty());
    assert!(export.withheld.iter().any(|w| w.what == "goals"));
    // Only the current episode's EpisodeOfCare leaves.
    let episodes = resources(&export.bundle, "EpisodeOfCare");
    assert_eq!(episodes.len(), 1);
    assert_eq!(episodes[0]["id"], second.to_string());
    // The commissioner's report holds aggregates only, suppressed under 5.
    let tables = s
        .caseload_report()
        .unwrap()
        .csv_tables_for_commissioner(linkwork_core::reports::DEFAULT_SUPPRESSION_THRESHOLD);
    let (_, outcomes) = tables.iter().find(|(n, _)| *n == "outcomes.csv").unwrap();
    assert!(outcomes.contains(",*\r\n"), "{outcomes}");
    assert!(!outcomes.contains("Whole"));
}

// Onward referrals: contact details go to the service only with consent in force for it.

#[test]
fn an_onward_referral_shares_contact_details_only_with_consent_for_the_organisation() {
    let (_dir, s) = link_worker_store();
    let mut person = new_person("Onward", "Safety");
    person.phone = Some("07700 900456".into());
    let p = s.add_person(person).unwrap();
    let referral = s
        .add_onward_referral(
            p,
            NewOnwardReferral {
                service: "Debt advice drop-in".into(),
                organisation: Some("Citizens Advice".into()),
                need: Some("debt".into()),
            },
        )
        .unwrap();
    let without = s.onward_message(referral).unwrap();
    assert_eq!(
        (without.given_name.as_deref(), without.phone.as_deref()),
        (None, None)
    );
    assert_eq!(without.withheld.len(), 1);
    assert_eq!(without.withheld[0].reason, WithholdReason::NoConsent);
    assert_eq!(
        without.withheld[0].to_string(),
        "contact-details — no consent in force to share with Citizens Advice"
    );

    let consent = s
        .record_consent(
            p,
            new_consent("debt support", "citizens advice", ConsentDecision::Given),
        )
        .unwrap();
    let with = s.onward_message(referral).unwrap();
    assert_eq!(with.consent_id, Some(consent));
    assert_eq!(with.phone.as_deref(), Some("07700 900456"));
    assert_eq!(with.given_name.as_deref(), Some("Onward"));
    assert!(with.withheld.is_empty());

    // Withdrawn: withheld again.
    s.record_consent(
        p,
        new_consent(
            "Debt support",
            "Citizens Advice",
            ConsentDecision::Withdrawn,
        ),
    )
    .unwrap();
    assert_eq!(s.onward_message(referral).unwrap().phone, None);
    assert!(matches!(
        s.onward_message(Id::new()),
        Err(Error::NotFound { .. })
    ));
}
