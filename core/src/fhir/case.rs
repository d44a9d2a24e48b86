//! Case data: EpisodeOfCare with its referral (ServiceRequest), consultations (Encounter),
//! onward referrals (ServiceRequest) and risk flags (Flag).

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::common::{
    code_extension, date, derived_id, display, instant, label, our_concept, reference,
    SALT_DECLINED, SALT_REFERRAL,
};
use super::SNOMED_SYSTEM;
use crate::ids::Id;
use crate::model::{
    Code, Consultation, ConsultationMode, Episode, EpisodeStatus, Flag, GpCode, OnwardReferral,
    OnwardStatus, Urgency, REFERRAL_TO_SOCIAL_PRESCRIBING, REFERRAL_TO_SOCIAL_PRESCRIBING_DISPLAY,
    SOCIAL_PRESCRIBING_DECLINED,
};

/// EpisodeOfCare.status for an episode state.
pub fn episode_of_care_status(status: EpisodeStatus) -> &'static str {
    match status {
        EpisodeStatus::Referred | EpisodeStatus::Contacting => "planned",
        EpisodeStatus::Accepted => "active",
        EpisodeStatus::OnHold => "onhold",
        EpisodeStatus::Discharged => "finished",
        EpisodeStatus::Declined | EpisodeStatus::UnableToContact | EpisodeStatus::Redirected => {
            "cancelled"
        }
    }
}

/// ServiceRequest.status of the referral for an episode state: open → `active`, on hold →
/// `on-hold`, discharged → `completed`, declined / unable to contact / redirected → `revoked`.
pub fn referral_request_status(status: EpisodeStatus) -> &'static str {
    match status {
        EpisodeStatus::Referred | EpisodeStatus::Contacting | EpisodeStatus::Accepted => "active",
        EpisodeStatus::OnHold => "on-hold",
        EpisodeStatus::Discharged => "completed",
        EpisodeStatus::Declined | EpisodeStatus::UnableToContact | EpisodeStatus::Redirected => {
            "revoked"
        }
    }
}

/// ServiceRequest.status of an onward referral: in progress (sent, acknowledged, accepted,
/// waitlisted, attending) → `active`; got help or could not get help (the service was given)
/// → `completed`; not eligible, could not contact, left early, no longer interested →
/// `revoked`. The exact state travels in the `onward-status` extension.
pub fn onward_request_status(status: OnwardStatus) -> &'static str {
    match status {
        OnwardStatus::Sent
        | OnwardStatus::Acknowledged
        | OnwardStatus::Accepted
        | OnwardStatus::NoCapacity
        | OnwardStatus::Attending => "active",
        OnwardStatus::GotHelp | OnwardStatus::CouldNotGetHelp => "completed",
        OnwardStatus::NotEligible
        | OnwardStatus::CouldNotContact
        | OnwardStatus::LeftEarly
        | OnwardStatus::NoLongerInterested => "revoked",
    }
}

/// The id of the referral ServiceRequest of an episode.
pub(super) fn referral_id(episode: Id) -> Id {
    derived_id(episode, SALT_REFERRAL)
}

/// The EpisodeOfCare of one episode.
pub(super) fn episode_of_care(e: &Episode, patient: Id) -> Value {
    // The states the episode went through, with when each began.
    let initial = e.history.first().map_or(e.status, |h| h.from);
    let mut spans: Vec<(&'static str, DateTime<Utc>)> =
        vec![(episode_of_care_status(initial), e.opened_at)];
    for h in &e.history {
        let status = episode_of_care_status(h.to);
        if spans.last().map(|(s, _)| *s) != Some(status) {
            spans.push((status, h.at));
        }
    }
    let history: Vec<Value> = spans
        .iter()
        .enumerate()
        .map(|(i, (status, start))| {
            let end = spans.get(i + 1).map(|(_, next)| instant(*next));
            json!({ "status": status, "period": { "start": instant(*start), "end": end } })
        })
        .collect();
    let ended = e
        .status
        .is_closed()
        .then(|| e.history.last().map(|h| instant(h.at)))
        .flatten();
    json!({
        "resourceType": "EpisodeOfCare",
        "id": e.id.to_string(),
        "extension": [
            code_extension("episode-status", e.status.code()),
            e.discharge_reason.map(|r| code_extension("discharge-reason", r.code())),
            e.decline_reason.map(|r| code_extension("decline-reason", r.code())),
            e.redirect_reason.map(|r| code_extension("redirect-reason", r.code())),
        ],
        "status": episode_of_care_status(e.status),
        "statusHistory": history,
        "type": [our_concept(
            "service-type",
            "social-prescribing-link-worker",
            "Social prescribing link worker support",
        )],
        "patient": reference(patient),
        "period": { "start": date(e.received), "end": ended },
        "referralRequest": [reference(referral_id(e.id))]
    })
}

/// The referral to the link worker as a ServiceRequest coded with SNOMED CT 871731000000106.
pub(super) fn referral_request(e: &Episode, patient: Id) -> Value {
    let consent_note = e.consent_to_contact.map(|c| {
        json!({ "text": if c {
            "The person consented to be contacted."
        } else {
            "The person did not consent to be contacted."
        }})
    });
    json!({
        "resourceType": "ServiceRequest",
        "id": referral_id(e.id).to_string(),
        "extension": [e.source.map(|s| code_extension("referral-source", s.code()))],
        "status": referral_request_status(e.status),
        "intent": "order",
        "priority": match e.urgency {
            Urgency::Routine => "routine",
            Urgency::Urgent => "urgent",
        },
        "code": {
            "coding": [{
                "system": SNOMED_SYSTEM,
                "code": REFERRAL_TO_SOCIAL_PRESCRIBING,
                "display": REFERRAL_TO_SOCIAL_PRESCRIBING_DISPLAY
            }],
            "text": "Referral to social prescribing service"
        },
        "subject": reference(patient),
        "authoredOn": date(e.received),
        "requester": e.referrer.as_deref().map(display),
        "performerType": { "text": "Social prescribing link worker" },
        "reasonCode": e.reasons.iter().map(|r| json!({ "text": r })).collect::<Vec<_>>(),
        "note": [consent_note]
    })
}

/// The decline recorded for the GP as an Observation coded SNOMED CT 871711000000103
/// "Social prescribing declined (situation)", based on the episode's referral, with the
/// coded decline reason (when one was given) as its value and the free-text reason as a
/// note. `None` for any other GP code (the acceptance code is the referral's own code).
pub(super) fn gp_code_observation(e: &Episode, code: &GpCode, patient: Id) -> Option<(Id, Value)> {
    if code.code != SOCIAL_PRESCRIBING_DECLINED {
        return None;
    }
    let id = derived_id(e.id, SALT_DECLINED);
    let reason = e
        .decline_reason
        .filter(|_| e.status == EpisodeStatus::Declined)
        .map(|r| our_concept("decline-reason", r.code(), &label(r.code())));
    let note = e
        .status_reason
        .as_deref()
        .filter(|_| e.status == EpisodeStatus::Declined)
        .map(|t| json!({ "text": t }));
    Some((
        id,
        json!({
            "resourceType": "Observation",
            "id": id.to_string(),
            "basedOn": [reference(referral_id(e.id))],
            "status": "final",
            "code": {
                "coding": [{
                    "system": SNOMED_SYSTEM,
                    "code": code.code,
                    "display": code.display
                }],
                "text": code.display
            },
            "subject": reference(patient),
            "effectiveDateTime": instant(code.recorded_at),
            "performer": [display(&code.recorded_by)],
            "valueCodeableConcept": reason,
            "note": [note]
        }),
    ))
}

/// A consultation as an Encounter (the notes stay on the device: R4 Encounter has no note).
pub(super) fn encounter(c: &Consultation, patient: Id, at: DateTime<Utc>) -> Value {
    let (class, class_display) = match c.mode {
        ConsultationMode::HomeVisit => ("HH", "home health"),
        ConsultationMode::Phone | ConsultationMode::Video => ("VR", "virtual"),
        ConsultationMode::Venue => ("AMB", "ambulatory"),
    };
    let end = c
        .duration_minutes
        .map(|m| instant(c.start + Duration::minutes(i64::from(m))));
    let mut participants = vec![json!({ "individual": display(&c.by) })];
    participants.extend(
        c.attendees
            .iter()
            .map(|a| json!({ "individual": display(a) })),
    );
    json!({
        "resourceType": "Encounter",
        "id": c.id.to_string(),
        "status": if c.start > at { "planned" } else { "finished" },
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": class,
            "display": class_display
        },
        "type": [our_concept("consultation-mode", c.mode.code(), &label(c.mode.code()))],
        "subject": reference(patient),
        "episodeOfCare": [reference(c.episode_id)],
        "participant": participants,
        "period": { "start": instant(c.start), "end": end },
        "length": c.duration_minutes.map(|m| json!({
            "value": m,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min"
        }))
    })
}

/// An onward referral to a community service as a ServiceRequest.
pub(super) fn onward_request(o: &OnwardReferral, patient: Id, care_plan: Id) -> Value {
    let performer = match &o.organisation {
        Some(org) => format!("{} ({org})", o.service),
        None => o.service.clone(),
    };
    json!({
        "resourceType": "ServiceRequest",
        "id": o.id.to_string(),
        "extension": [code_extension("onward-status", o.status.code())],
        "basedOn": [reference(care_plan)],
        "status": onward_request_status(o.status),
        "intent": "order",
        "code": { "text": format!("Referral to {}", o.service) },
        "subject": reference(patient),
        "authoredOn": instant(o.sent_at),
        "requester": display(&o.by),
        "performer": [display(&performer)],
        "reasonCode": [o.need.as_deref().map(|n| json!({ "text": n }))],
        "note": [(o.status == OnwardStatus::NoCapacity)
            .then(|| json!({ "text": "No capacity: waitlisted (unmet need)." }))]
    })
}

/// A risk or safeguarding flag.
pub(super) fn flag(f: &Flag, patient: Id) -> Value {
    json!({
        "resourceType": "Flag",
        "id": f.id.to_string(),
        "status": if f.resolved_at.is_some() { "inactive" } else { "active" },
        "category": [our_concept("flag-kind", f.kind.code(), &label(f.kind.code()))],
        "code": { "text": f.description },
        "subject": reference(patient),
        "period": { "start": instant(f.raised_at), "end": f.resolved_at.map(instant) },
        "author": display(&f.raised_by)
    })
}
