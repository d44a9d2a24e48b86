//! Link-worker-only records: contact attempts, consent, consultations, risk flags, case notes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::code_enum;
use crate::ids::Id;

code_enum! {
    /// How a contact attempt was made.
    pub enum ContactChannel {
        /// Telephone.
        Phone => "phone",
        /// Text message.
        Sms => "sms",
        /// Letter.
        Letter => "letter",
        /// Email.
        Email => "email",
        /// Visit.
        Visit => "visit",
    }
}

code_enum! {
    /// What came of a contact attempt.
    pub enum ContactOutcome {
        /// Spoke to the person.
        Reached => "reached",
        /// No answer.
        NoAnswer => "no-answer",
        /// Left a message.
        LeftMessage => "left-message",
        /// The number or address was wrong.
        WrongDetails => "wrong-details",
        /// Sent (letter, SMS, email) with no reply yet.
        Sent => "sent",
    }
}

/// One attempt to reach the person.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ContactAttempt {
    /// Id.
    pub id: Id,
    /// The episode it belongs to.
    pub episode_id: Id,
    /// When.
    pub at: DateTime<Utc>,
    /// Channel.
    pub channel: ContactChannel,
    /// Outcome.
    pub outcome: ContactOutcome,
    /// Note.
    pub note: Option<String>,
    /// Who tried.
    #[cfg_attr(feature = "uniffi", uniffi(name = "recorded_by"))]
    pub by: String,
}

/// Input for a contact attempt.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewContactAttempt {
    /// Channel.
    pub channel: ContactChannel,
    /// Outcome.
    pub outcome: ContactOutcome,
    /// When; now when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub at: Option<DateTime<Utc>>,
    /// Note.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
}

code_enum! {
    /// Whether consent was given or withdrawn.
    pub enum ConsentDecision {
        /// Consent given.
        Given => "given",
        /// Consent withdrawn (or refused).
        Withdrawn => "withdrawn",
    }
}

code_enum! {
    /// How consent was expressed.
    pub enum ConsentMethod {
        /// Spoken.
        Verbal => "verbal",
        /// Signed or written.
        Written => "written",
        /// Through a digital form.
        Digital => "digital",
    }
}

code_enum! {
    /// The person's mental capacity for this decision.
    pub enum Capacity {
        /// Has capacity.
        HasCapacity => "has-capacity",
        /// Lacks capacity (a proxy decides in their best interests).
        LacksCapacity => "lacks-capacity",
        /// Not assessed.
        NotAssessed => "not-assessed",
    }
}

/// Someone deciding on the person's behalf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Proxy {
    /// The proxy's name.
    pub name: String,
    /// Relationship (carer, guardian, lasting power of attorney, ...).
    pub relationship: String,
}

/// A consent record. Records are never rewritten: a new record supersedes the latest earlier
/// record for the same purpose and recipient.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsentRecord {
    /// Id.
    pub id: Id,
    /// What the data is shared for ("debt support").
    pub purpose: String,
    /// The receiving organisation's name ("Citizens Advice").
    pub recipient: String,
    /// The receiving organisation's id: its ODS code where it has one, otherwise a local id.
    /// `None` on records written before recipients were coded (free text only).
    pub recipient_org: Option<String>,
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
    pub supersedes: Option<Id>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl ConsentRecord {
    /// Whether the recipient is a coded organisation. A record from before recipients were
    /// coded has only the free-text name: it is matched case- and space-insensitively and
    /// the link worker should confirm it by recording it again with an organisation id.
    pub fn recipient_confirmed(&self) -> bool {
        self.recipient_org.is_some()
    }
}

/// Input for a consent record.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewConsent {
    /// Purpose.
    pub purpose: String,
    /// The receiving organisation's name.
    pub recipient: String,
    /// The receiving organisation's id (ODS code, or a local id for organisations without
    /// one): letters, digits and `-`, at most 64 characters. Required by
    /// `Store::record_consent`; `None` is refused.
    pub recipient_org: Option<String>,
    /// Decision.
    pub decision: ConsentDecision,
    /// Method.
    pub method: ConsentMethod,
    /// Capacity; not assessed when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub capacity: Option<Capacity>,
    /// Proxy.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub proxy: Option<Proxy>,
    /// Expiry date.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub expires: Option<NaiveDate>,
}

code_enum! {
    /// How a consultation took place.
    pub enum ConsultationMode {
        /// At the person's home (lone-working check-in and check-out apply).
        HomeVisit => "home-visit",
        /// By telephone.
        Phone => "phone",
        /// By video.
        Video => "video",
        /// At a clinic or community venue.
        Venue => "venue",
    }
}

/// A consultation with the person.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Consultation {
    /// Id.
    pub id: Id,
    /// Episode it belongs to.
    pub episode_id: Id,
    /// Mode.
    pub mode: ConsultationMode,
    /// Start time.
    pub start: DateTime<Utc>,
    /// Duration in minutes.
    pub duration_minutes: Option<i32>,
    /// Who attended besides the person and link worker.
    pub attendees: Vec<String>,
    /// Notes (a mergeable text: two people may edit it).
    pub notes: String,
    /// Lone-working safety check-in (home visits).
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Lone-working safety check-out (home visits).
    pub checked_out_at: Option<DateTime<Utc>>,
    /// Who recorded it.
    #[cfg_attr(feature = "uniffi", uniffi(name = "recorded_by"))]
    pub by: String,
}

/// Input for a consultation.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewConsultation {
    /// Mode.
    pub mode: ConsultationMode,
    /// Start; now when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub start: Option<DateTime<Utc>>,
    /// Duration in minutes (1 to 1440).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub duration_minutes: Option<i32>,
    /// Other attendees.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub attendees: Vec<String>,
    /// Notes.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub notes: Option<String>,
}

code_enum! {
    /// The kind of a risk flag.
    pub enum FlagKind {
        /// A risk to the person or to staff (e.g. lone-working risk).
        Risk => "risk",
        /// A safeguarding concern.
        Safeguarding => "safeguarding",
    }
}

/// A risk or safeguarding flag.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Flag {
    /// Id.
    pub id: Id,
    /// Kind.
    pub kind: FlagKind,
    /// Description.
    pub description: String,
    /// Who raised it.
    pub raised_by: String,
    /// When.
    pub raised_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
}

/// A case note (link-worker only).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaseNote {
    /// Id.
    pub id: Id,
    /// Text (mergeable).
    pub text: String,
    /// Who wrote it.
    #[cfg_attr(feature = "uniffi", uniffi(name = "recorded_by"))]
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}
