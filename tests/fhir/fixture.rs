//! A full record for the FHIR export checks, shared by `tests/examples/fhir_fixture.rs` (which
//! writes the bundles that `tests/fhir/validate.py` validates) and `tests/tests/integration/fhir_*.rs`
//! (included with `#[path]`).
//!
//! The person has every part of the record: demographics with an NHS number, an accepted
//! episode reached after contact attempts, what matters, needs, goals in several states with
//! progress, steps (one done), consultations of every mode, consent given, withdrawn (a
//! superseding record) and given by a proxy with an expiry, onward referrals ending in got-help,
//! no-capacity and not-eligible, a risk flag (resolved) and a safeguarding flag, a case note,
//! and outcome measures ONS4, WEMWBS, SWEMWBS, UCLA 3, loneliness, MYCaW and PAM at baseline
//! and follow-up (plus an incomplete response and a review).

use chrono::{DateTime, Duration, TimeZone, Utc};
use linkwork_core::measures::{AdministrationMode, Instrument, PamResult, Timepoint};
use linkwork_core::model::*;
use linkwork_core::{Id, Result, Store};

/// The full-record person's NHS number (the NHS's published example number).
pub const NHS: &str = "9434765919";

/// The ids a test needs to find things in the bundle.
#[derive(Clone, Debug)]
pub struct FullRecord {
    /// The person.
    pub person: Id,
    /// The goals, in creation order.
    pub goals: Vec<Id>,
    /// The steps.
    pub steps: Vec<Id>,
    /// The measure responses.
    pub measures: Vec<Id>,
    /// The incomplete response among them.
    pub incomplete_measure: Id,
    /// The consent records.
    pub consents: Vec<Id>,
    /// The onward referrals: got help, no capacity, not eligible.
    pub onward: Vec<Id>,
    /// The consultations.
    pub consultations: Vec<Id>,
    /// The flags.
    pub flags: Vec<Id>,
}

/// A fixed instant in the past: 2024-`month`-`day` at 10:00 UTC.
pub fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, month, day, 10, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

fn response(
    instrument: Instrument,
    answers: &[Option<i64>],
    timepoint: Timepoint,
    when: DateTime<Utc>,
) -> NewMeasureResponse {
    NewMeasureResponse {
        instrument,
        answers: answers.to_vec(),
        concern_labels: Vec::new(),
        pam: None,
        timepoint,
        mode: AdministrationMode::SelfCompleted,
        recorded_at: Some(when),
    }
}

fn all(values: &[i64]) -> Vec<Option<i64>> {
    values.iter().copied().map(Some).collect()
}

/// Adds the full-record person to a link-worker store.
///
/// # Errors
/// Whatever the store refuses (a fixture bug).
pub fn build(store: &Store) -> Result<FullRecord> {
    let person = store.add_person(NewPerson {
        given_name: "Ada".into(),
        family_name: "Lovelace".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1952, 12, 10),
        nhs_number: Some(NHS.into()),
        address: Some("1 Analytical Row, London, N1 1AA".into()),
        phone: Some("020 7946 0000".into()),
        email: Some("ada@example.invalid".into()),
        preferred_contact: Some(ContactPreference::Phone),
        communication_needs: Some("large print".into()),
        referral: NewReferral {
            source: Some(ReferralSource::Gp),
            referrer: Some("Dr Babbage, Difference Engine Surgery".into()),
            reasons: vec!["lonely since moving".into(), "money worries".into()],
            received: chrono::NaiveDate::from_ymd_opt(2024, 1, 15),
            urgency: Some(Urgency::Urgent),
            consent_to_contact: Some(true),
        },
    })?;
    for (day, outcome) in [
        (16, ContactOutcome::NoAnswer),
        (17, ContactOutcome::Reached),
    ] {
        store.record_contact_attempt(
            person,
            NewContactAttempt {
                at: Some(at(1, day)),
                channel: ContactChannel::Phone,
                outcome,
                note: Some("first call".into()),
            },
        )?;
    }
    for to in [EpisodeStatus::Contacting, EpisodeStatus::Accepted] {
        store.transition_episode(
            person,
            EpisodeTransition {
                to,
                discharge_reason: None,
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: (to == EpisodeStatus::Accepted).then_some(true),
                reason: None,
            },
        )?;
    }
    store.set_what_matters(person, "Seeing my grandchildren and getting out more")?;
    store.add_need(person, Need::Loneliness, Some("since moving"))?;
    store.add_need(person, Need::Debt, None)?;
    store.add_need(person, Need::PhysicalActivity, None)?;
    store.set_review_date(person, chrono::NaiveDate::from_ymd_opt(2030, 6, 1))?;

    let mut goals = Vec::new();
    for (text, status) in [
        ("Join a walking group", None),
        ("Sort out my gas bill", Some(GoalStatus::Achieved)),
        (
            "Phone my sister every week",
            Some(GoalStatus::PartlyAchieved),
        ),
        ("Learn to use video calls", Some(GoalStatus::Dropped)),
        ("Go to the lunch club", Some(GoalStatus::NotAchieved)),
    ] {
        let goal = store.add_goal(
            person,
            NewGoal {
                text: text.into(),
                smart_detail: Some("Twice a week by June".into()),
                needs: vec![Need::Loneliness, Need::PhysicalActivity],
                target_date: chrono::NaiveDate::from_ymd_opt(2030, 5, 1),
            },
        )?;
        if let Some(status) = status {
            store.update_goal(
                goal,
                GoalUpdate {
                    status: Some(status),
                    ..Default::default()
                },
            )?;
        }
        goals.push(goal);
    }
    let first_goal = goals.first().copied();
    store.record_progress(
        first_goal.unwrap_or(person),
        NewProgress {
            rating: Some(3),
            note: Some("found a group".into()),
        },
    )?;
    store.record_progress(
        first_goal.unwrap_or(person),
        NewProgress {
            rating: Some(6),
            note: None,
        },
    )?;
    let mut steps = Vec::new();
    for (text, owner, owner_name) in [
        ("Call the walking group", StepOwner::Person, None),
        ("Send the group's leaflet", StepOwner::LinkWorker, None),
        (
            "Debt advice appointment",
            StepOwner::Service,
            Some("Citizens Advice"),
        ),
    ] {
        steps.push(store.add_step(
            person,
            NewStep {
                text: text.into(),
                owner,
                owner_name: owner_name.map(str::to_string),
                goal_id: first_goal,
                due: chrono::NaiveDate::from_ymd_opt(2030, 2, 1),
            },
        )?);
    }
    if let Some(done) = steps.get(1) {
        store.complete_step(*done)?;
    }

    let mut consultations = Vec::new();
    for (i, mode) in [
        ConsultationMode::HomeVisit,
        ConsultationMode::Phone,
        ConsultationMode::Video,
        ConsultationMode::Venue,
    ]
    .into_iter()
    .enumerate()
    {
        consultations.push(store.add_consultation(
            person,
            NewConsultation {
                mode,
                start: Some(at(2, 1) + Duration::days(7 * i as i64)),
                duration_minutes: Some(45),
                attendees: vec!["daughter".into()],
                notes: Some("talked about the allotment".into()),
            },
        )?);
    }
    if let Some(visit) = consultations.first() {
        store.check_in(*visit)?;
        store.check_out(*visit)?;
    }

    let consent = |purpose: &str, recipient: &str, decision, proxy, expires| NewConsent {
        purpose: purpose.into(),
        recipient: recipient.into(),
        recipient_org: Some(recipient.to_uppercase().replace(' ', "-")),
        decision,
        method: ConsentMethod::Verbal,
        capacity: Some(Capacity::HasCapacity),
        proxy,
        expires,
    };
    let consents = vec![
        store.record_consent(
            person,
            consent(
                "debt support",
                "Citizens Advice",
                ConsentDecision::Given,
                None,
                None,
            ),
        )?,
        store.record_consent(
            person,
            consent(
                "debt support",
                "Citizens Advice",
                ConsentDecision::Withdrawn,
                None,
                None,
            ),
        )?,
        store.record_consent(
            person,
            consent(
                "walking group membership",
                "Ramblers",
                ConsentDecision::Given,
                Some(Proxy {
                    name: "Anne Lovelace".into(),
                    relationship: "daughter".into(),
                }),
                chrono::NaiveDate::from_ymd_opt(2031, 1, 1),
            ),
        )?,
        store.record_consent(
            person,
            consent(
                "share outcomes with GP",
                "Difference Engine Surgery",
                ConsentDecision::Given,
                None,
                chrono::NaiveDate::from_ymd_opt(2024, 2, 1),
            ),
        )?,
    ];

    let mut onward = Vec::new();
    for (service, organisation, need, path) in [
        (
            "Debt advice drop-in",
            Some("Citizens Advice"),
            Some("debt"),
            &[
                OnwardStatus::Acknowledged,
                OnwardStatus::Accepted,
                OnwardStatus::Attending,
                OnwardStatus::GotHelp,
            ][..],
        ),
        (
            "Walking group",
            Some("Ramblers"),
            Some("physical-activity"),
            &[OnwardStatus::NoCapacity][..],
        ),
        ("Befriending", None, None, &[OnwardStatus::NotEligible][..]),
    ] {
        let id = store.add_onward_referral(
            person,
            NewOnwardReferral {
                service: service.into(),
                organisation: organisation.map(str::to_string),
                need: need.map(str::to_string),
            },
        )?;
        for to in path {
            store.transition_onward_referral(id, *to, Some("by email"))?;
        }
        onward.push(id);
    }

    let flags = vec![
        store.raise_flag(person, FlagKind::Risk, "Dog at the property")?,
        store.raise_flag(person, FlagKind::Safeguarding, "Possible financial abuse")?,
    ];
    if let Some(risk) = flags.first() {
        store.resolve_flag(*risk)?;
    }
    store.add_case_note(person, "Prefers morning visits")?;

    let (b, f) = (at(2, 1), at(6, 1));
    let mut measures = Vec::new();
    for r in [
        response(
            Instrument::Ons4,
            &all(&[4, 5, 6, 8]),
            Timepoint::Baseline,
            b,
        ),
        response(
            Instrument::Ons4,
            &all(&[6, 6, 7, 5]),
            Timepoint::Review,
            at(4, 1),
        ),
        response(
            Instrument::Ons4,
            &all(&[7, 7, 8, 3]),
            Timepoint::FollowUp,
            f,
        ),
        response(Instrument::Wemwbs, &all(&[3; 14]), Timepoint::Baseline, b),
        response(Instrument::Wemwbs, &all(&[4; 14]), Timepoint::FollowUp, f),
        response(Instrument::Swemwbs, &all(&[3; 7]), Timepoint::Baseline, b),
        response(Instrument::Swemwbs, &all(&[4; 7]), Timepoint::FollowUp, f),
        response(Instrument::Ucla3, &all(&[3, 3, 2]), Timepoint::Baseline, b),
        response(Instrument::Ucla3, &all(&[1, 2, 2]), Timepoint::FollowUp, f),
        response(
            Instrument::LonelinessDirect,
            &all(&[5]),
            Timepoint::Baseline,
            b,
        ),
        response(
            Instrument::LonelinessDirect,
            &all(&[3]),
            Timepoint::FollowUp,
            f,
        ),
        NewMeasureResponse {
            concern_labels: vec!["Worry about money".into(), "Feeling alone".into()],
            ..response(Instrument::Mycaw, &all(&[5, 4, 4]), Timepoint::Baseline, b)
        },
        NewMeasureResponse {
            concern_labels: vec!["Worry about money".into(), "Feeling alone".into()],
            mode: AdministrationMode::ReadOut,
            ..response(Instrument::Mycaw, &all(&[2, 3, 2]), Timepoint::FollowUp, f)
        },
        NewMeasureResponse {
            pam: PamResult::new(47.5, 2, "PAM-13 scorer 2.1").ok(),
            ..response(Instrument::Pam, &[], Timepoint::Baseline, b)
        },
        NewMeasureResponse {
            pam: PamResult::new(60.25, 3, "PAM-13 scorer 2.1").ok(),
            ..response(Instrument::Pam, &[], Timepoint::FollowUp, f)
        },
    ] {
        measures.push(store.record_measure(person, r)?);
    }
    let mut incomplete = all(&[4; 14]);
    if let Some(a) = incomplete.get_mut(13) {
        *a = None;
    }
    let incomplete_measure = store.record_measure(
        person,
        response(
            Instrument::Wemwbs,
            &incomplete,
            Timepoint::FollowUp,
            at(6, 2),
        ),
    )?;
    measures.push(incomplete_measure);

    Ok(FullRecord {
        person,
        goals,
        steps,
        measures,
        incomplete_measure,
        consents,
        onward,
        consultations,
        flags,
    })
}

/// Adds a bare person: no NHS number, date of birth or referral source; declined, reopened and
/// closed as unable to contact; an empty plan apart from one incomplete response.
///
/// # Errors
/// Whatever the store refuses (a fixture bug).
pub fn build_bare(store: &Store) -> Result<Id> {
    let person = store.add_person(NewPerson {
        given_name: "Bare".into(),
        family_name: "Minimum".into(),
        ..Default::default()
    })?;
    for to in [
        EpisodeStatus::Declined,
        EpisodeStatus::Contacting,
        EpisodeStatus::UnableToContact,
    ] {
        if to == EpisodeStatus::UnableToContact {
            // Closing as unable to contact needs an attempt in the episode.
            store.record_contact_attempt(
                person,
                NewContactAttempt {
                    at: None,
                    channel: ContactChannel::Letter,
                    outcome: ContactOutcome::Sent,
                    note: None,
                },
            )?;
        }
        store.transition_episode(
            person,
            EpisodeTransition {
                to,
                discharge_reason: None,
                decline_reason: (to == EpisodeStatus::Declined)
                    .then_some(DeclineReason::NotWantedNow),
                redirect_reason: None,
                consent_to_contact: (to == EpisodeStatus::Accepted).then_some(true),
                reason: None,
            },
        )?;
    }
    store.record_measure(
        person,
        response(
            Instrument::Ucla3,
            &[Some(2), None, None],
            Timepoint::Baseline,
            at(3, 1),
        ),
    )?;
    Ok(person)
}
