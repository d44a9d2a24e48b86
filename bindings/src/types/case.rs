//! Link-worker-only records in the case document: contact attempts, consent, consultations,
//! risk flags and case notes, and the whole case record.
//!
//! Mirrored here (the rest are core's own types): `ConsentRecord` adds `recipient_confirmed`,
//! computed for the app by core's `ConsentRecord::recipient_confirmed()`; `CaseRecord` holds
//! newer-version items (see `plan.rs`).

use chrono::NaiveDate;
use std::time::SystemTime;

use linkwork_core::model as lw;

use super::*;
use crate::convert::{instant, list};

/// A consent record. Records are never rewritten: a new record supersedes the latest earlier
/// record for the same purpose and recipient.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ConsentRecord {
    /// Id.
    pub id: String,
    /// What the data is shared for ("debt support").
    pub purpose: String,
    /// The receiving organisation's name ("Citizens Advice").
    pub recipient: String,
    /// The receiving organisation's id (ODS code or local id); absent on records from
    /// before recipients were coded.
    pub recipient_org: Option<String>,
    /// False for a free-text recipient from an older record: matched by name ignoring case
    /// and spaces; the link worker should confirm it by recording it with an organisation id.
    pub recipient_confirmed: bool,
    /// Given or withdrawn.
    pub decision: ConsentDecision,
    /// How it was expressed.
    pub method: ConsentMethod,
    /// Capacity assessment.
    pub capacity: Capacity,
    /// A proxy, when someone decided on the person's behalf.
    pub proxy: Option<Proxy>,
    /// When consent lapses.
    pub expires: Option<NaiveDate>,
    /// The record this one supersedes.
    pub supersedes: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: SystemTime,
}

impl From<lw::ConsentRecord> for ConsentRecord {
    fn from(c: lw::ConsentRecord) -> Self {
        ConsentRecord {
            id: c.id.to_string(),
            recipient_confirmed: c.recipient_confirmed(),
            purpose: c.purpose,
            recipient: c.recipient,
            recipient_org: c.recipient_org,
            decision: c.decision,
            method: c.method,
            capacity: c.capacity,
            proxy: c.proxy,
            expires: c.expires,
            supersedes: c.supersedes.map(|s| s.to_string()),
            recorded_by: c.recorded_by,
            recorded_at: instant(c.recorded_at),
        }
    }
}

/// Everything in a person's case document (link-worker stores only).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CaseRecord {
    /// Demographics.
    pub demographics: Demographics,
    /// Episodes, oldest first; the last is the current one, unless `newer_items` lists an
    /// episode opened later (written by a newer app version): then the current episode is one
    /// this build cannot show, and actions on it fail with `Conflict`.
    pub episodes: Vec<Episode>,
    /// Contact attempts, oldest first.
    pub contact_attempts: Vec<ContactAttempt>,
    /// Consent records, oldest first (never rewritten).
    pub consents: Vec<ConsentRecord>,
    /// Consultations, oldest first.
    pub consultations: Vec<Consultation>,
    /// Onward referrals, oldest first.
    pub onward_referrals: Vec<OnwardReferral>,
    /// Risk and safeguarding flags, oldest first.
    pub flags: Vec<Flag>,
    /// Case notes, oldest first.
    pub notes: Vec<CaseNote>,
    /// Items left out above because a newer app version wrote them with codes this build does
    /// not know (kept untouched in the document).
    pub newer_items: Vec<super::NewerItem>,
}

impl From<lw::CaseRecord> for CaseRecord {
    fn from(c: lw::CaseRecord) -> Self {
        CaseRecord {
            demographics: c.demographics,
            episodes: list(c.episodes),
            contact_attempts: list(c.contact_attempts),
            consents: list(c.consents),
            consultations: list(c.consultations),
            onward_referrals: list(c.onward_referrals),
            flags: list(c.flags),
            notes: list(c.notes),
            newer_items: list(c.newer_items),
        }
    }
}
