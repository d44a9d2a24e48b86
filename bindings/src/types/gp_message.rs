//! The message back to the GP on acceptance, decline and discharge: SNOMED CT codes with their
//! dates, the patient's identifiers, the link worker and, unless the person asked that the GP
//! receive codes only, a short structured summary.
//!
//! Mirrored here: `GpMessageCode` adds the code system (always SNOMED CT) for the app, and
//! `GpMessage` holds those codes and `Withheld` parts; the summary parts are core's own types.

use chrono::NaiveDate;
use linkwork_core::fhir::SNOMED_SYSTEM;
use linkwork_core::gp_message as g;

use super::*;
use crate::convert::list;

/// One coded entry for the GP record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpMessageCode {
    /// The code system: always SNOMED CT, `http://snomed.info/sct`.
    pub system: String,
    /// The SNOMED CT concept id.
    pub code: String,
    /// The display term.
    pub display: String,
    /// The date it applies from (when it was recorded).
    pub date: NaiveDate,
}

impl From<g::GpMessageCode> for GpMessageCode {
    fn from(c: g::GpMessageCode) -> Self {
        GpMessageCode {
            system: SNOMED_SYSTEM.into(),
            code: c.code,
            display: c.display,
            date: c.date,
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
    /// The date of the event.
    pub date: NaiveDate,
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
            event: m.event,
            patient: m.patient,
            episode_id: m.episode_id.to_string(),
            date: m.date,
            link_worker: m.link_worker,
            codes: list(m.codes),
            codes_only: m.codes_only,
            summary: m.summary,
            withheld: list(m.withheld),
        }
    }
}
