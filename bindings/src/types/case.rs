//! Link-worker-only records in the case document: contact attempts, consent, consultations,
//! risk flags and case notes, and the whole case record.

use std::time::SystemTime;

use linkwork_core::model as lw;

use super::{mirror_enum, Demographics, Episode, OnwardReferral};
use crate::convert::{instant, list, opt_date, opt_date_text, opt_from_instant, opt_instant};
use crate::LinkWorkError;

mirror_enum! {
    /// How a contact attempt was made.
    pub enum ContactChannel = lw::ContactChannel {
        /// Telephone.
        Phone,
        /// Text message.
        Sms,
        /// Letter.
        Letter,
        /// Email.
        Email,
        /// Visit.
        Visit,
    }
}

mirror_enum! {
    /// What came of a contact attempt.
    pub enum ContactOutcome = lw::ContactOutcome {
        /// Spoke to the person.
        Reached,
        /// No answer.
        NoAnswer,
        /// Left a message.
        LeftMessage,
        /// The number or address was wrong.
        WrongDetails,
        /// Sent (letter, SMS, email) with no reply yet.
        Sent,
    }
}

mirror_enum! {
    /// Whether consent was given or withdrawn.
    pub enum ConsentDecision = lw::ConsentDecision {
        /// Consent given.
        Given,
        /// Consent withdrawn (or refused).
        Withdrawn,
    }
}

mirror_enum! {
    /// How consent was expressed.
    pub enum ConsentMethod = lw::ConsentMethod {
        /// Spoken.
        Verbal,
        /// Signed or written.
        Written,
        /// Through a digital form.
        Digital,
    }
}

mirror_enum! {
    /// The person's mental capacity for this decision.
    pub enum Capacity = lw::Capacity {
        /// Has capacity.
        HasCapacity,
        /// Lacks capacity (a proxy decides in their best interests).
        LacksCapacity,
        /// Not assessed.
        NotAssessed,
    }
}

mirror_enum! {
    /// How a consultation took place.
    pub enum ConsultationMode = lw::ConsultationMode {
        /// At the person's home (lone-working check-in and check-out apply).
        HomeVisit,
        /// By telephone.
        Phone,
        /// By video.
        Video,
        /// At a clinic or community venue.
        Venue,
    }
}

mirror_enum! {
    /// The kind of a risk flag.
    pub enum FlagKind = lw::FlagKind {
        /// A risk to the person or to staff (e.g. lone-working risk).
        Risk,
        /// A safeguarding concern.
        Safeguarding,
    }
}

/// One attempt to reach the person.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ContactAttempt {
    /// Id.
    pub id: String,
    /// When.
    pub at: SystemTime,
    /// Channel.
    pub channel: ContactChannel,
    /// Outcome.
    pub outcome: ContactOutcome,
    /// Note.
    pub note: Option<String>,
    /// Who tried.
    pub recorded_by: String,
}

impl From<lw::ContactAttempt> for ContactAttempt {
    fn from(c: lw::ContactAttempt) -> Self {
        ContactAttempt {
            id: c.id.to_string(),
            at: instant(c.at),
            channel: c.channel.into(),
            outcome: c.outcome.into(),
            note: c.note,
            recorded_by: c.by,
        }
    }
}

/// Input for a contact attempt.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewContactAttempt {
    /// Channel.
    pub channel: ContactChannel,
    /// Outcome.
    pub outcome: ContactOutcome,
    /// When; now when absent.
    #[uniffi(default)]
    pub at: Option<SystemTime>,
    /// Note.
    #[uniffi(default)]
    pub note: Option<String>,
}

impl TryFrom<NewContactAttempt> for lw::NewContactAttempt {
    type Error = LinkWorkError;
    fn try_from(c: NewContactAttempt) -> Result<Self, LinkWorkError> {
        Ok(lw::NewContactAttempt {
            at: opt_from_instant("at", c.at)?,
            channel: c.channel.into(),
            outcome: c.outcome.into(),
            note: c.note,
        })
    }
}

/// Someone deciding on the person's behalf.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Proxy {
    /// The proxy's name.
    pub name: String,
    /// Relationship (carer, guardian, lasting power of attorney, ...).
    pub relationship: String,
}

impl From<lw::Proxy> for Proxy {
    fn from(p: lw::Proxy) -> Self {
        Proxy {
            name: p.name,
            relationship: p.relationship,
        }
    }
}

impl From<Proxy> for lw::Proxy {
    fn from(p: Proxy) -> Self {
        lw::Proxy {
            name: p.name,
            relationship: p.relationship,
        }
    }
}

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
    /// When consent lapses, `YYYY-MM-DD`.
    pub expires: Option<String>,
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
            decision: c.decision.into(),
            method: c.method.into(),
            capacity: c.capacity.into(),
            proxy: c.proxy.map(Into::into),
            expires: opt_date_text(c.expires),
            supersedes: c.supersedes.map(|s| s.to_string()),
            recorded_by: c.recorded_by,
            recorded_at: instant(c.recorded_at),
        }
    }
}

/// Input for a consent record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewConsent {
    /// Purpose (required).
    pub purpose: String,
    /// The receiving organisation's name (required).
    pub recipient: String,
    /// The receiving organisation's id (required): its ODS code, or a local id for an
    /// organisation without one (letters, digits, hyphens; at most 64).
    pub recipient_org: String,
    /// Decision.
    pub decision: ConsentDecision,
    /// Method.
    pub method: ConsentMethod,
    /// Capacity; not assessed when absent.
    #[uniffi(default)]
    pub capacity: Option<Capacity>,
    /// Proxy (required when the person lacks capacity).
    #[uniffi(default)]
    pub proxy: Option<Proxy>,
    /// Expiry date, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub expires: Option<String>,
}

impl TryFrom<NewConsent> for lw::NewConsent {
    type Error = LinkWorkError;
    fn try_from(c: NewConsent) -> Result<Self, LinkWorkError> {
        Ok(lw::NewConsent {
            purpose: c.purpose,
            recipient: c.recipient,
            recipient_org: Some(c.recipient_org),
            decision: c.decision.into(),
            method: c.method.into(),
            capacity: c.capacity.map(Into::into),
            proxy: c.proxy.map(Into::into),
            expires: opt_date("expires", c.expires)?,
        })
    }
}

/// A consultation with the person.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Consultation {
    /// Id.
    pub id: String,
    /// Episode it belongs to.
    pub episode_id: String,
    /// Mode.
    pub mode: ConsultationMode,
    /// Start time.
    pub start: SystemTime,
    /// Duration in minutes.
    pub duration_minutes: Option<u32>,
    /// Who attended besides the person and link worker.
    pub attendees: Vec<String>,
    /// Notes.
    pub notes: String,
    /// Lone-working safety check-in (home visits).
    pub checked_in_at: Option<SystemTime>,
    /// Lone-working safety check-out (home visits).
    pub checked_out_at: Option<SystemTime>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<lw::Consultation> for Consultation {
    fn from(c: lw::Consultation) -> Self {
        Consultation {
            id: c.id.to_string(),
            episode_id: c.episode_id.to_string(),
            mode: c.mode.into(),
            start: instant(c.start),
            duration_minutes: c.duration_minutes,
            attendees: c.attendees,
            notes: c.notes,
            checked_in_at: opt_instant(c.checked_in_at),
            checked_out_at: opt_instant(c.checked_out_at),
            recorded_by: c.by,
        }
    }
}

/// Input for a consultation (recorded in the current episode).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewConsultation {
    /// Mode.
    pub mode: ConsultationMode,
    /// Start; now when absent.
    #[uniffi(default)]
    pub start: Option<SystemTime>,
    /// Duration in minutes (1 to 1440).
    #[uniffi(default)]
    pub duration_minutes: Option<u32>,
    /// Other attendees.
    #[uniffi(default)]
    pub attendees: Vec<String>,
    /// Notes.
    #[uniffi(default)]
    pub notes: Option<String>,
}

impl TryFrom<NewConsultation> for lw::NewConsultation {
    type Error = LinkWorkError;
    fn try_from(c: NewConsultation) -> Result<Self, LinkWorkError> {
        Ok(lw::NewConsultation {
            mode: c.mode.into(),
            start: opt_from_instant("start", c.start)?,
            duration_minutes: c.duration_minutes,
            attendees: c.attendees,
            notes: c.notes,
        })
    }
}

/// A risk or safeguarding flag.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Flag {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: FlagKind,
    /// Description.
    pub description: String,
    /// Who raised it.
    pub raised_by: String,
    /// When.
    pub raised_at: SystemTime,
    /// When it was resolved.
    pub resolved_at: Option<SystemTime>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
}

impl From<lw::Flag> for Flag {
    fn from(f: lw::Flag) -> Self {
        Flag {
            id: f.id.to_string(),
            kind: f.kind.into(),
            description: f.description,
            raised_by: f.raised_by,
            raised_at: instant(f.raised_at),
            resolved_at: opt_instant(f.resolved_at),
            resolved_by: f.resolved_by,
        }
    }
}

/// A case note.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CaseNote {
    /// Id.
    pub id: String,
    /// Text.
    pub text: String,
    /// Who wrote it.
    pub recorded_by: String,
    /// When.
    pub at: SystemTime,
}

impl From<lw::CaseNote> for CaseNote {
    fn from(n: lw::CaseNote) -> Self {
        CaseNote {
            id: n.id.to_string(),
            text: n.text,
            recorded_by: n.by,
            at: instant(n.at),
        }
    }
}

/// Everything in a person's case document (link-worker stores only).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
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
            demographics: c.demographics.into(),
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
