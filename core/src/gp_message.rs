//! The message back to the GP on acceptance, decline and discharge.
//!
//! A message carries the SNOMED CT codes for the event with their dates, the event date, the
//! link worker, and the patient's identifiers (NHS number, name, date of birth: the GP needs
//! them to file the codes in the right record). Unless the person asked that the GP receive
//! codes only ([`Demographics::gp_codes_only`](crate::model::Demographics)), it also carries a
//! short structured summary: needs, goals with status, onward referrals with outcome, and the
//! paired change in outcome measures; on discharge, the discharge reason too. With "codes only"
//! the summary is absent: codes and dates only.
//!
//! The summary covers the current episode only ([`PersonRecord::for_episode`]): a second
//! episode never reports the first one's goals, referrals or measure change. Consent is
//! checked here, not by callers: the summary is left out when the person asked for codes
//! only or their consent to share with the GP ([`GP_SHARING_PURPOSE`]) is withdrawn or has
//! expired at the moment the message is built, and every part left out is listed in
//! [`GpMessage::withheld`].
//!
//! | event | codes | allowed when the current episode |
//! |---|---|---|
//! | `accepted` | 871731000000106 | was ever accepted |
//! | `declined` | 871711000000103 | is declined |
//! | `discharged` | every code the episode produced | is discharged |

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{
    gp_sharing_withheld, withheld, Code, DischargeReason, EpisodeStatus, GoalStatus, Need,
    OnwardStatus, PersonRecord, Withheld, GP_SHARING_PURPOSE, REFERRAL_TO_SOCIAL_PRESCRIBING,
    SOCIAL_PRESCRIBING_DECLINED,
};
use crate::reports::{person_changes, PersonChange};

/// The event a GP message reports. Serialised as its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum GpEvent {
    /// The person accepted social prescribing support.
    Accepted,
    /// The person declined it.
    Declined,
    /// The episode of support ended.
    Discharged,
}

impl Code for GpEvent {
    const ALL: &'static [Self] = &[GpEvent::Accepted, GpEvent::Declined, GpEvent::Discharged];

    fn code(self) -> &'static str {
        match self {
            GpEvent::Accepted => "accepted",
            GpEvent::Declined => "declined",
            GpEvent::Discharged => "discharged",
        }
    }
}

impl fmt::Display for GpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One SNOMED CT code for the GP record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GpMessageCode {
    /// SNOMED CT concept id.
    pub code: String,
    /// Display term.
    pub display: String,
    /// The date it applies from (when it was recorded).
    pub date: NaiveDate,
}

/// Who the message is about, so the GP system can file it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GpPatient {
    /// Our person id.
    pub person_id: Id,
    /// NHS number (ten digits), when known.
    pub nhs_number: Option<String>,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
}

/// A goal in the summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GpGoal {
    /// The goal in the person's words.
    pub text: String,
    /// Its status.
    pub status: GoalStatus,
}

/// An onward referral in the summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GpOnward {
    /// Service.
    pub service: String,
    /// Organisation.
    pub organisation: Option<String>,
    /// Current state (the outcome when final).
    pub status: OnwardStatus,
    /// Whether the service had no capacity (waitlisted now: unmet need).
    pub unmet_need: bool,
}

/// The short structured summary (absent when the person asked for codes only).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GpSummary {
    /// The date the referral was received.
    pub referral_received: NaiveDate,
    /// Needs recorded in the plan.
    pub needs: Vec<Need>,
    /// Goals with their status.
    pub goals: Vec<GpGoal>,
    /// Onward referrals with their outcome.
    pub onward_referrals: Vec<GpOnward>,
    /// Paired change in outcome measures (baseline against latest follow-up).
    pub measure_change: Vec<PersonChange>,
    /// Consultations in this episode.
    pub consultations: i32,
    /// Why the episode ended (discharge messages).
    pub discharge_reason: Option<DischargeReason>,
}

/// A message back to the GP.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GpMessage {
    /// The event reported.
    pub event: GpEvent,
    /// The patient.
    pub patient: GpPatient,
    /// The episode.
    pub episode_id: Id,
    /// The date of the event.
    pub date: NaiveDate,
    /// The link worker who recorded the event.
    pub link_worker: String,
    /// The SNOMED CT codes, oldest first.
    pub codes: Vec<GpMessageCode>,
    /// Whether the person asked that the GP receive codes only.
    pub codes_only: bool,
    /// The summary; `None` when `codes_only` or when consent to share with the GP is not
    /// in force (see `withheld`).
    pub summary: Option<GpSummary>,
    /// What was left out of the message and why (empty when nothing was).
    pub withheld: Vec<Withheld>,
}

fn not_in_state(status: EpisodeStatus, event: GpEvent) -> Error {
    Error::IllegalTransition {
        machine: "gp message",
        from: status.to_string(),
        to: event.to_string(),
    }
}

/// Builds the GP message for `event` about the current episode of `record`.
///
/// # Errors
/// [`Error::NotPermitted`] when the record has no case (a patient's store);
/// [`Error::NotFound`] when there is no episode; [`Error::IllegalTransition`] (machine
/// `gp message`, from the episode state, to the event) when the episode is not in a state the
/// event fits: `accepted` needs an episode that was accepted, `declined` a declined episode,
/// `discharged` a discharged one.
pub fn gp_message(record: &PersonRecord, event: GpEvent) -> Result<GpMessage> {
    gp_message_at(record, event, Utc::now())
}

/// As [`gp_message`], judging consent (withdrawal, expiry) at `now`.
///
/// # Errors
/// As [`gp_message`].
pub fn gp_message_at(
    record: &PersonRecord,
    event: GpEvent,
    now: DateTime<Utc>,
) -> Result<GpMessage> {
    let record = &record.current_scope();
    let case = record.case.as_ref().ok_or(Error::NotPermitted {
        action: "send a GP message without the case",
    })?;
    let episode = case
        .current_episode()
        .ok_or_else(|| Error::not_found("episode", record.person_id))?;
    let code_of = |code: &str| episode.gp_codes.iter().find(|c| c.code == code);
    let (at, by): (DateTime<Utc>, String) = match event {
        GpEvent::Accepted => {
            let c = code_of(REFERRAL_TO_SOCIAL_PRESCRIBING)
                .filter(|_| episode.accepted_at.is_some())
                .ok_or_else(|| not_in_state(episode.status, event))?;
            (c.recorded_at, c.recorded_by.clone())
        }
        GpEvent::Declined => {
            if episode.status != EpisodeStatus::Declined {
                return Err(not_in_state(episode.status, event));
            }
            let last = episode
                .history
                .iter()
                .rev()
                .find(|h| h.to == EpisodeStatus::Declined);
            // The latest decline (an episode reopened and declined again keeps its first
            // code, but the message reports the decline that closed it).
            match (last, code_of(SOCIAL_PRESCRIBING_DECLINED)) {
                (Some(h), _) => (h.at, h.by.clone()),
                (None, Some(c)) => (c.recorded_at, c.recorded_by.clone()),
                (None, None) => return Err(not_in_state(episode.status, event)),
            }
        }
        GpEvent::Discharged => {
            if episode.status != EpisodeStatus::Discharged {
                return Err(not_in_state(episode.status, event));
            }
            let h = episode
                .history
                .iter()
                .rev()
                .find(|h| h.to == EpisodeStatus::Discharged)
                .ok_or_else(|| not_in_state(episode.status, event))?;
            (h.at, h.by.clone())
        }
    };
    let mut codes: Vec<GpMessageCode> = episode
        .gp_codes
        .iter()
        .filter(|c| match event {
            GpEvent::Accepted => c.code == REFERRAL_TO_SOCIAL_PRESCRIBING,
            GpEvent::Declined => c.code == SOCIAL_PRESCRIBING_DECLINED,
            GpEvent::Discharged => true,
        })
        .map(|c| GpMessageCode {
            code: c.code.clone(),
            display: c.display.clone(),
            date: c.recorded_at.date_naive(),
        })
        .collect();
    codes.sort_by(|a, b| (a.date, &a.code).cmp(&(b.date, &b.code)));
    let d = &case.demographics;
    let codes_only = d.gp_codes_only;
    let decision = gp_sharing_withheld(case, now);
    let mut parts = vec![
        "needs",
        "goals",
        "onward-referrals",
        "measures",
        "consultations",
    ];
    if event == GpEvent::Discharged {
        parts.push("discharge-reason");
    }
    let withheld = decision
        .map(|d| withheld(&parts, d, GP_SHARING_PURPOSE))
        .unwrap_or_default();
    let summary = decision.is_none().then(|| GpSummary {
        referral_received: episode.received,
        needs: record.plan.needs.iter().map(|n| n.need).collect(),
        goals: record
            .plan
            .goals
            .iter()
            .map(|g| GpGoal {
                text: g.text.clone(),
                status: g.status,
            })
            .collect(),
        onward_referrals: case
            .onward_referrals
            .iter()
            .map(|o| GpOnward {
                service: o.service.clone(),
                organisation: o.organisation.clone(),
                status: o.status,
                unmet_need: o.status == OnwardStatus::NoCapacity,
            })
            .collect(),
        measure_change: person_changes(&record.plan),
        consultations: case
            .consultations
            .iter()
            .filter(|c| c.episode_id == episode.id)
            .count()
            .try_into()
            .unwrap_or(i32::MAX),
        discharge_reason: episode
            .discharge_reason
            .filter(|_| event == GpEvent::Discharged),
    });
    Ok(GpMessage {
        event,
        patient: GpPatient {
            person_id: record.person_id,
            nhs_number: d.nhs_number.as_ref().map(|n| n.as_str().to_string()),
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            date_of_birth: d.date_of_birth,
        },
        episode_id: episode.id,
        date: at.date_naive(),
        link_worker: by,
        codes,
        codes_only,
        summary,
        withheld,
    })
}
