//! Consent at the point of sharing: what an output left out and why, and paired change that
//! was refused.
//!
//! Mirrored here: `Withheld` (adds the sentence to show, computed by core's `Display`;
//! core's `what` is `&'static`), `FhirExport` (JSON text instead of core's `serde_json` value)
//! and `OnwardMessage`, which holds withheld parts.

use chrono::NaiveDate;
use linkwork_core::model as lw;

use super::*;

/// One part of a record left out of an output, and why.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Withheld {
    /// What was left out: `needs`, `goals`, `onward-referrals`, `measures`,
    /// `consultations`, `flags`, `care-plan`, `contact-details`, `discharge-reason`.
    pub what: String,
    /// Why.
    pub reason: WithholdReason,
    /// The consent purpose that decided it (`gp-summary`).
    pub purpose: String,
    /// When consent was withdrawn or expired, (absent for codes only).
    pub since: Option<NaiveDate>,
    /// The sentence to show ("goals — consent for gp-summary withdrawn on 2026-11-20").
    pub text: String,
}

impl From<lw::Withheld> for Withheld {
    fn from(w: lw::Withheld) -> Self {
        Withheld {
            text: w.to_string(),
            what: w.what.to_string(),
            reason: w.reason,
            purpose: w.purpose,
            since: w.since,
        }
    }
}

/// A FHIR export: the Bundle as JSON text and what consent kept out of it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FhirExport {
    /// The Bundle, pretty-printed JSON.
    pub json: String,
    /// What was left out and why (empty when nothing was).
    pub withheld: Vec<Withheld>,
}

/// What an onward referral may send to its community service: contact details only when a
/// consent in force names the organisation as recipient.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OnwardMessage {
    /// The onward referral's id.
    pub referral_id: String,
    /// The service.
    pub service: String,
    /// The organisation, as recorded on the referral.
    pub organisation: Option<String>,
    /// The need it addresses.
    pub need: Option<String>,
    /// The consent record relied on; absent when none is in force.
    pub consent_id: Option<String>,
    /// Given name (only with consent).
    pub given_name: Option<String>,
    /// Family name (only with consent).
    pub family_name: Option<String>,
    /// Phone (only with consent).
    pub phone: Option<String>,
    /// Preferred contact method (only with consent).
    pub preferred_contact: Option<super::ContactPreference>,
    /// Communication needs (only with consent).
    pub communication_needs: Option<String>,
    /// What was left out and why.
    pub withheld: Vec<Withheld>,
}

impl From<linkwork_core::onward_message::OnwardMessage> for OnwardMessage {
    fn from(m: linkwork_core::onward_message::OnwardMessage) -> Self {
        OnwardMessage {
            referral_id: m.referral_id.to_string(),
            service: m.service,
            organisation: m.organisation,
            need: m.need,
            consent_id: m.consent_id.map(|c| c.to_string()),
            given_name: m.given_name,
            family_name: m.family_name,
            phone: m.phone,
            preferred_contact: m.preferred_contact,
            communication_needs: m.communication_needs,
            withheld: crate::convert::list(m.withheld),
        }
    }
}
