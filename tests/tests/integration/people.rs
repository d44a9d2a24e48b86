//! People: adding with a referral, demographics, new episodes, whole records, and every bad
//! input named in the issue (invalid NHS number, future date of birth, empty required text,
//! unknown id) refused with a typed error and no change.

use linkwork_core::model::*;
use linkwork_core::{Error, Id};
use linkwork_tests::*;

#[test]
fn add_person_stores_demographics_referral_and_opens_a_referred_episode() {
    let (_dir, s) = link_worker_store();
    let p = s
        .add_person(NewPerson {
            given_name: "  Grace ".into(),
            family_name: " Hopper".into(),
            date_of_birth: Some(date(1936, 12, 9)),
            nhs_number: Some("943 476 5919".into()),
            address: Some(" 1 Navy Yard ".into()),
            phone: Some("01632 960000".into()),
            email: Some("grace@example.invalid".into()),
            preferred_contact: Some(ContactPreference::Letter),
            communication_needs: Some("  ".into()),
            referral: NewReferral {
                source: Some(ReferralSource::SelfReferral),
                referrer: Some("  ".into()),
                reasons: vec!["bereavement".into(), "   ".into(), " housing ".into()],
                received: Some(date(2024, 2, 1)),
                urgency: Some(Urgency::Urgent),
                consent_to_contact: Some(true),
            },
        })
        .unwrap();
    let rec = s.person(p).unwrap();
    assert_eq!(rec.person_id, p);
    let c = rec.case.as_ref().unwrap();
    let d = &c.demographics;
    assert_eq!(d.given_name, "Grace");
    assert_eq!(d.family_name, "Hopper");
    assert_eq!(d.date_of_birth, Some(date(1936, 12, 9)));
    assert_eq!(d.nhs_number.as_ref().unwrap().as_str(), "9434765919");
    assert_eq!(d.address.as_deref(), Some("1 Navy Yard"));
    assert_eq!(d.phone.as_deref(), Some("01632 960000"));
    assert_eq!(d.email.as_deref(), Some("grace@example.invalid"));
    assert_eq!(d.preferred_contact, Some(ContactPreference::Letter));
    assert_eq!(d.communication_needs, None, "blank optional text is absent");
    assert!(!d.gp_codes_only);

    assert_eq!(c.episodes.len(), 1);
    let e = &c.episodes[0];
    assert_eq!(e.status, EpisodeStatus::Referred);
    assert_eq!(e.source, Some(ReferralSource::SelfReferral));
    assert_eq!(e.referrer, None);
    assert_eq!(e.reasons, vec!["bereavement", "housing"]);
    assert_eq!(e.received, date(2024, 2, 1));
    assert_eq!(e.urgency, Urgency::Urgent);
    assert_eq!(e.consent_to_contact, Some(true));
    assert!(e.history.is_empty() && e.gp_codes.is_empty() && e.accepted_at.is_none());
    assert!(c.contact_attempts.is_empty() && c.consents.is_empty());
    assert!(c.consultations.is_empty() && c.onward_referrals.is_empty());
    assert!(c.flags.is_empty() && c.notes.is_empty());

    // An empty plan exists from the start, and `plan()` agrees with `person()`.
    assert_eq!(rec.plan.person_id, p);
    assert_eq!(rec.plan.what_matters, "");
    assert!(rec.plan.goals.is_empty() && rec.plan.steps.is_empty());
    assert!(rec.plan.needs.is_empty() && rec.plan.measures.is_empty());
    assert_eq!(rec.plan.review_date, None);
    assert_eq!(s.plan(p).unwrap(), rec.plan);

    let row = entry(&s, p);
    assert_eq!(row.given_name.as_deref(), Some("Grace"));
    assert_eq!(row.family_name.as_deref(), Some("Hopper"));
    assert_eq!(row.nhs_number.as_deref(), Some("9434765919"));
    assert_eq!(row.date_of_birth, Some(date(1936, 12, 9)));
    assert_eq!(row.status, Some(EpisodeStatus::Referred));
}

#[test]
fn defaults_received_today_and_routine_and_allows_no_nhs_number() {
    let (_dir, s) = link_worker_store();
    let p = s
        .add_person(NewPerson {
            given_name: "No".into(),
            family_name: "Number".into(),
            ..Default::default()
        })
        .unwrap();
    let e = current(&s, p);
    assert_eq!(e.received, today());
    assert_eq!(e.urgency, Urgency::Routine);
    assert_eq!(e.source, None);
    let d = case(&s, p).demographics;
    assert_eq!(d.nhs_number, None);
    assert_eq!(d.date_of_birth, None);
    // A date of birth of today is not in the future.
    let q = s
        .add_person(NewPerson {
            date_of_birth: Some(today()),
            ..new_person("Born", "Today")
        })
        .unwrap();
    assert_eq!(case(&s, q).demographics.date_of_birth, Some(today()));
}

#[test]
fn the_full_fixture_is_complete() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let rec = s.person(f.person).unwrap();
    let c = rec.case.unwrap();
    assert_eq!(c.episodes.len(), 1);
    assert_eq!(c.episodes[0].id, f.episode);
    assert_eq!(c.episodes[0].status, EpisodeStatus::Accepted);
    assert_eq!(c.contact_attempts[0].id, f.contact);
    assert_eq!(c.consents[0].id, f.consent);
    assert_eq!(c.consultations.len(), 2);
    assert_eq!(c.onward_referrals[0].id, f.onward);
    assert_eq!(c.flags[0].id, f.flag);
    assert_eq!(c.notes[0].id, f.note);
    assert_eq!(rec.plan.goals[0].id, f.goal);
    let progress: Vec<Id> = rec.plan.goals[0].progress.iter().map(|e| e.id).collect();
    assert_eq!(progress, f.progress);
    assert_eq!(rec.plan.steps.len(), 2);
    assert_eq!(rec.plan.measures[0].id, f.measure);
    assert_eq!(rec.plan.needs.len(), 2);
}

#[test]
fn update_demographics_changes_set_fields_clears_some_none_and_keeps_none() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let before = case(&s, f.person).demographics;
    s.update_demographics(
        f.person,
        DemographicsUpdate {
            given_name: Some(" Augusta ".into()),
            nhs_number: Some(Some("401 023 2137".into())),
            address: Some(None),
            phone: Some(Some("07700 900000".into())),
            preferred_contact: Some(Some(ContactPreference::Sms)),
            communication_needs: Some(Some("BSL interpreter".into())),
            gp_codes_only: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let d = case(&s, f.person).demographics;
    assert_eq!(d.given_name, "Augusta");
    assert_eq!(d.family_name, before.family_name, "None leaves a field");
    assert_eq!(d.date_of_birth, before.date_of_birth);
    assert_eq!(d.nhs_number.as_ref().unwrap().as_str(), "4010232137");
    assert_eq!(d.address, None, "Some(None) clears");
    assert_eq!(d.phone.as_deref(), Some("07700 900000"));
    assert_eq!(d.email, before.email);
    assert_eq!(d.preferred_contact, Some(ContactPreference::Sms));
    assert_eq!(d.communication_needs.as_deref(), Some("BSL interpreter"));
    assert!(d.gp_codes_only);

    s.update_demographics(
        f.person,
        DemographicsUpdate {
            date_of_birth: Some(None),
            nhs_number: Some(None),
            family_name: Some("King".into()),
            email: Some(Some("  ".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let d = case(&s, f.person).demographics;
    assert_eq!(d.date_of_birth, None);
    assert_eq!(d.nhs_number, None);
    assert_eq!(d.family_name, "King");
    assert_eq!(d.email, None, "blank text clears");
    let row = entry(&s, f.person);
    assert_eq!(row.given_name.as_deref(), Some("Augusta"));
    assert_eq!(row.family_name.as_deref(), Some("King"));
    assert_eq!(row.nhs_number, None);
    assert_eq!(row.date_of_birth, None);
    // The plan is untouched by demographics.
    assert_eq!(s.plan(f.person).unwrap().goals.len(), 1);
}

/// NHS numbers that the modulus-11 check refuses: wrong check digit, check digit 10, wrong
/// length, letters.
const BAD_NHS_NUMBERS: &[&str] = &[
    "9434765918",
    "9434765910",
    "1000000010",
    "1000000019",
    "943476591",
    "94347659190",
    "94347659a9",
    "",
    "   ",
    "943+476+5919",
];

#[test]
fn invalid_nhs_numbers_are_refused_on_add_and_update_and_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for bad in BAD_NHS_NUMBERS {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.add_person(NewPerson {
                nhs_number: Some((*bad).into()),
                ..new_person("Bad", "Number")
            })
        });
        assert_invalid(&err, "nhs_number");
        assert!(
            !err.to_string().contains(bad.trim()) || bad.trim().is_empty(),
            "the number is never echoed: {err}"
        );
        let err = assert_refused_unchanged(&s, f.person, || {
            s.update_demographics(
                f.person,
                DemographicsUpdate {
                    nhs_number: Some(Some((*bad).into())),
                    given_name: Some("Changed".into()),
                    ..Default::default()
                },
            )
        });
        assert_invalid(&err, "nhs_number");
    }
    assert_eq!(s.caseload(&CaseloadQuery::default()).unwrap().len(), 1);
    // Generated numbers are all accepted.
    for seed in [1, 123_456_789, 555_555_554, 999_999_998] {
        let n = nhs_number(seed);
        s.add_person(NewPerson {
            nhs_number: Some(n.clone()),
            ..new_person("Gen", &n)
        })
        .unwrap();
    }
}

#[test]
fn future_date_of_birth_is_refused_and_changes_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let tomorrow = today().succ_opt().unwrap();
    for dob in [tomorrow, date(2999, 1, 1)] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.add_person(NewPerson {
                date_of_birth: Some(dob),
                ..new_person("Not", "Born")
            })
        });
        assert_invalid(&err, "date_of_birth");
        let err = assert_refused_unchanged(&s, f.person, || {
            s.update_demographics(
                f.person,
                DemographicsUpdate {
                    date_of_birth: Some(Some(dob)),
                    family_name: Some("Changed".into()),
                    ..Default::default()
                },
            )
        });
        assert_invalid(&err, "date_of_birth");
    }
    // A referral received in the future is refused too.
    let err = assert_refused_unchanged(&s, f.person, || {
        s.add_person(NewPerson {
            referral: NewReferral {
                received: Some(tomorrow),
                ..Default::default()
            },
            ..new_person("Future", "Referral")
        })
    });
    assert_invalid(&err, "received");
}

#[test]
fn empty_required_text_is_refused_and_changes_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for (given, family, field) in [
        ("", "Smith", "given_name"),
        ("  ", "Smith", "given_name"),
        ("John", "", "family_name"),
        ("John", " \t\n", "family_name"),
    ] {
        let err =
            assert_refused_unchanged(&s, f.person, || s.add_person(new_person(given, family)));
        assert_invalid(&err, field);
    }
    for (u, field) in [
        (
            DemographicsUpdate {
                given_name: Some(" ".into()),
                ..Default::default()
            },
            "given_name",
        ),
        (
            DemographicsUpdate {
                family_name: Some(String::new()),
                phone: Some(Some("0".into())),
                ..Default::default()
            },
            "family_name",
        ),
        (
            DemographicsUpdate {
                address: Some(Some("x".repeat(text::MAX_TEXT_CHARS + 1))),
                ..Default::default()
            },
            "address",
        ),
        (
            DemographicsUpdate {
                phone: Some(Some("01\u{0}23".into())),
                ..Default::default()
            },
            "phone",
        ),
    ] {
        let err = assert_refused_unchanged(&s, f.person, || s.update_demographics(f.person, u));
        assert_invalid(&err, field);
    }
}

#[test]
fn unknown_person_is_not_found_everywhere_and_changes_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let ghost = Id::new();
    let check = |err: Error| {
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    };
    check(assert_refused_unchanged(&s, f.person, || s.person(ghost)));
    check(assert_refused_unchanged(&s, f.person, || s.plan(ghost)));
    check(assert_refused_unchanged(&s, f.person, || s.history(ghost)));
    check(assert_refused_unchanged(&s, f.person, || s.gp_codes(ghost)));
    check(assert_refused_unchanged(&s, f.person, || {
        s.update_demographics(
            ghost,
            DemographicsUpdate {
                given_name: Some("X".into()),
                ..Default::default()
            },
        )
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.open_episode(ghost, NewReferral::default())
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.transition_episode(ghost, to(EpisodeStatus::Contacting))
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.add_goal(
            ghost,
            NewGoal {
                text: "x".into(),
                ..Default::default()
            },
        )
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.add_step(ghost, new_step("x", StepOwner::Person, None))
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.set_what_matters(ghost, "x")
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.record_consent(ghost, new_consent("p", "r", ConsentDecision::Given))
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.add_consultation(ghost, new_consultation(ConsultationMode::Phone))
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.add_case_note(ghost, "x")
    }));
    check(assert_refused_unchanged(&s, f.person, || {
        s.export_document(ghost, DocKind::Plan)
    }));
    assert_eq!(s.caseload(&CaseloadQuery::default()).unwrap().len(), 1);
}

#[test]
fn open_episode_needs_a_closed_current_episode() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    // The fixture's episode is accepted; walk it through open states (cumulatively).
    for path in [
        vec![],
        vec![EpisodeStatus::OnHold],
        vec![EpisodeStatus::Accepted],
    ] {
        walk(&s, f.person, &path);
        let status = current(&s, f.person).status;
        let err = assert_refused_unchanged(&s, f.person, || {
            s.open_episode(f.person, NewReferral::default())
        });
        assert_illegal(&err, "episode", status.code(), "new episode");
    }
    walk(&s, f.person, &[EpisodeStatus::Discharged]);
    let first = current(&s, f.person);
    let second = s
        .open_episode(
            f.person,
            NewReferral {
                source: Some(ReferralSource::Council),
                reasons: vec!["housing".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let c = case(&s, f.person);
    assert_eq!(c.episodes.len(), 2);
    assert_eq!(c.episodes[0], first, "the closed episode is kept as it was");
    let cur = c.current_episode().unwrap();
    assert_eq!(cur.id, second);
    assert_eq!(cur.status, EpisodeStatus::Referred);
    assert_eq!(cur.source, Some(ReferralSource::Council));
    assert_eq!(entry(&s, f.person).status, Some(EpisodeStatus::Referred));
    // Transitions now apply to the new episode only.
    walk(&s, f.person, &[EpisodeStatus::Contacting]);
    let c = case(&s, f.person);
    assert_eq!(c.episodes[0].status, EpisodeStatus::Discharged);
    assert_eq!(c.episodes[1].status, EpisodeStatus::Contacting);
    // A bad referral is refused before anything is written.
    walk(&s, f.person, &[EpisodeStatus::Declined]);
    let err = assert_refused_unchanged(&s, f.person, || {
        s.open_episode(
            f.person,
            NewReferral {
                received: Some(today().succ_opt().unwrap()),
                ..Default::default()
            },
        )
    });
    assert_invalid(&err, "received");
}

#[test]
fn contact_attempts_belong_to_the_current_episode() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Alan", "Turing");
    let at = chrono::Utc::now() - chrono::Duration::days(2);
    let id = s
        .record_contact_attempt(
            p,
            NewContactAttempt {
                at: Some(at),
                channel: ContactChannel::Letter,
                outcome: ContactOutcome::Sent,
                note: Some("  ".into()),
            },
        )
        .unwrap();
    let c = case(&s, p);
    assert_eq!(c.contact_attempts.len(), 1);
    let a = &c.contact_attempts[0];
    assert_eq!(a.id, id);
    assert_eq!(a.at.timestamp_millis(), at.timestamp_millis());
    assert_eq!(a.channel, ContactChannel::Letter);
    assert_eq!(a.outcome, ContactOutcome::Sent);
    assert_eq!(a.note, None);
    assert_eq!(a.by, "sam");
    assert_eq!(a.episode_id, c.episodes[0].id);
    // After a new episode opens, attempts belong to it.
    walk(
        &s,
        p,
        &[EpisodeStatus::Contacting, EpisodeStatus::UnableToContact],
    );
    let second = s.open_episode(p, NewReferral::default()).unwrap();
    let later = s
        .record_contact_attempt(
            p,
            NewContactAttempt {
                at: None,
                channel: ContactChannel::Sms,
                outcome: ContactOutcome::Reached,
                note: None,
            },
        )
        .unwrap();
    let c = case(&s, p);
    let a = c.contact_attempts.iter().find(|x| x.id == later).unwrap();
    assert_eq!(a.episode_id, second);
    let err = assert_refused_unchanged(&s, p, || {
        s.record_contact_attempt(
            p,
            NewContactAttempt {
                at: None,
                channel: ContactChannel::Phone,
                outcome: ContactOutcome::NoAnswer,
                note: Some("x\0y".into()),
            },
        )
    });
    assert_invalid(&err, "note");
}
