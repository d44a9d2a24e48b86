//! The message back to the GP on acceptance, decline and discharge: SNOMED CT codes with their
//! dates, the patient's identifiers, the link worker and, unless the person asked that the GP
//! receive codes only, a short structured summary.

use linkwork_core::fhir::SNOMED_SYSTEM;
use linkwork_core::gp_message as g;

use super::{mirror_enum, DischargeReason, GoalStatus, Need, OnwardStatus, PersonChange};
use crate::convert::{date_text, list, opt_date_text};

mirror_enum! {
    /// The event a GP message reports.
    pub enum GpEvent = g::GpEvent {
        /// The person accepted social prescribing support (SNOMED CT 871731000000106); needs
        /// an episode that was accepted.
        Accepted,
        /// The person declined it (SNOMED CT 871711000000103); needs a declined episode.
        Declined,
        /// The episode of support ended (every code the episode produced); needs a
        /// discharged episode.
        Discharged,
    }
}

/// One coded entry for the GP record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpMessageCode {
    /// The code system: always SNOMED CT, `http://snomed.info/sct`.
    pub system: String,
    /// The SNOMED CT concept id.
    pub code: String,
    /// The display term.
    pub display: String,
    /// The date it applies from (when it was recorded), `YYYY-MM-DD`.
    pub date: String,
}

impl From<g::GpMessageCode> for GpMessageCode {
    fn from(c: g::GpMessageCode) -> Self {
        GpMessageCode {
            system: SNOMED_SYSTEM.into(),
            code: c.code,
            display: c.display,
            date: date_text(c.date),
        }
    }
}

/// Who the message is about, so the GP system can file it in the right record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpPatient {
    /// Our person id.
    pub person_id: String,
    /// NHS number (ten digits), when known.
    pub nhs_number: Option<String>,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
}

impl From<g::GpPatient> for GpPatient {
    fn from(p: g::GpPatient) -> Self {
        GpPatient {
            person_id: p.person_id.to_string(),
            nhs_number: p.nhs_number,
            given_name: p.given_name,
            family_name: p.family_name,
            date_of_birth: opt_date_text(p.date_of_birth),
        }
    }
}

/// A goal in the summary.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpGoal {
    /// The goal in the person's words.
    pub text: String,
    /// Its status.
    pub status: GoalStatus,
}

impl From<g::GpGoal> for GpGoal {
    fn from(goal: g::GpGoal) -> Self {
        GpGoal {
            text: goal.text,
            status: goal.status.into(),
        }
    }
}

/// An onward referral in the summary.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpOnward {
    /// Service.
    pub service: String,
    /// Organisation.
    pub organisation: Option<String>,
    /// Current state (the outcome when final).
    pub status: OnwardStatus,
    /// Whether the service has no capacity (waitlisted now: unmet need).
    pub unmet_need: bool,
}

impl From<g::GpOnward> for GpOnward {
    fn from(o: g::GpOnward) -> Self {
        GpOnward {
            service: o.service,
            organisation: o.organisation,
            status: o.status.into(),
            unmet_need: o.unmet_need,
        }
    }
}

/// The short structured summary of a GP message.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct GpSummary {
    /// The date the referral was received, `YYYY-MM-DD`.
    pub referral_received: String,
    /// Needs recorded in the plan.
    pub needs: Vec<Need>,
    /// Goals with their status.
    pub goals: Vec<GpGoal>,
    /// Onward referrals with their outcome.
    pub onward_referrals: Vec<GpOnward>,
    /// Paired change in outcome measures (baseline against latest follow-up).
    pub measure_change: Vec<PersonChange>,
    /// Consultations in this episode.
    pub consultations: u32,
    /// Why the episode ended (discharge messages only).
    pub discharge_reason: Option<DischargeReason>,
}

impl From<g::GpSummary> for GpSummary {
    fn from(s: g::GpSummary) -> Self {
        GpSummary {
            referral_received: date_text(s.referral_received),
            needs: list(s.needs),
            goals: list(s.goals),
            onward_referrals: list(s.onward_referrals),
            measure_change: list(s.measure_change),
            consultations: s.consultations,
            discharge_reason: s.discharge_reason.map(Into::into),
        }
    }
}

/// A message back to the GP about a person's current episode.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct GpMessage {
    /// The event reported.
    pub event: GpEvent,
    /// The patient's identifiers.
    pub patient: GpPatient,
    /// The episode's id.
    pub episode_id: String,
    /// The date of the event, `YYYY-MM-DD`.
    pub date: String,
    /// The link worker who recorded the event.
    pub link_worker: String,
    /// The SNOMED CT codes, oldest first.
    pub codes: Vec<GpMessageCode>,
    /// Whether the person asked that the GP receive codes only
    /// (`DemographicsUpdate.gpCodesOnly`).
    pub codes_only: bool,
    /// The summary; absent when `codes_only` or when consent to share with the GP is
    /// withdrawn or expired (see `withheld`).
    pub summary: Option<GpSummary>,
    /// What was left out and why (empty when nothing was).
    pub withheld: Vec<super::Withheld>,
}

impl From<g::GpMessage> for GpMessage {
    fn from(m: g::GpMessage) -> Self {
        GpMessage {
            event: m.event.into(),
            patient: m.patient.into(),
            episode_id: m.episode_id.to_string(),
            date: date_text(m.date),
            link_worker: m.link_worker,
            codes: list(m.codes),
            codes_only: m.codes_only,
            summary: m.summary.map(Into::into),
            withheld: list(m.withheld),
        }
    }
}
