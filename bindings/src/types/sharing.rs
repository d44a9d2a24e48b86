//! Consent at the point of sharing: what an output left out and why, and paired change that
//! was refused.

use linkwork_core::model as lw;
use linkwork_core::reports as r;

use super::{mirror_enum, Instrument};
use crate::convert::opt_date_text;

mirror_enum! {
    /// Why part of a record was left out of a GP message or FHIR export.
    pub enum WithholdReason = lw::WithholdReason {
        /// The person asked that the GP receive SNOMED CT codes only.
        CodesOnly,
        /// The person withdrew consent for the purpose.
        ConsentWithdrawn,
        /// The consent for the purpose expired.
        ConsentExpired,
    }
}

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
    /// When consent was withdrawn or expired, `YYYY-MM-DD` (absent for codes only).
    pub since: Option<String>,
    /// The sentence to show ("goals — consent for gp-summary withdrawn on 2026-11-20").
    pub text: String,
}

impl From<lw::Withheld> for Withheld {
    fn from(w: lw::Withheld) -> Self {
        Withheld {
            text: w.to_string(),
            what: w.what.to_string(),
            reason: w.reason.into(),
            purpose: w.purpose,
            since: opt_date_text(w.since),
        }
    }
}

mirror_enum! {
    /// Why an instrument with responses has no paired change.
    pub enum PairRefusal = r::PairRefusal {
        /// No complete baseline response.
        NoBaseline,
        /// No complete follow-up response.
        NoFollowUp,
        /// The latest follow-up was answered before (or with) the earliest baseline.
        FollowUpBeforeBaseline,
    }
}

/// An instrument with responses but no paired change, and why.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefusedPair {
    /// The instrument.
    pub instrument: Instrument,
    /// Why there is no pair.
    pub reason: PairRefusal,
}

impl From<r::RefusedPair> for RefusedPair {
    fn from(p: r::RefusedPair) -> Self {
        RefusedPair {
            instrument: p.instrument.into(),
            reason: p.reason.into(),
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
