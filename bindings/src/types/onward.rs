//! Onward referrals to community services and their state machine.

use std::time::SystemTime;

use linkwork_core::model as lw;

use super::mirror_enum;
use crate::convert::{instant, list};

mirror_enum! {
    /// The state of an onward referral to a community service.
    ///
    /// Allowed moves: sent -> acknowledged, accepted, no-capacity, not-eligible,
    /// could-not-contact, no-longer-interested; acknowledged -> the same but acknowledged;
    /// no-capacity -> accepted, no-longer-interested, could-not-contact; accepted -> attending,
    /// could-not-contact, no-longer-interested; attending -> got-help, could-not-get-help,
    /// left-early. The other states are final. Anything else is `Conflict`.
    pub enum OnwardStatus = lw::OnwardStatus {
        /// Sent to the service.
        Sent,
        /// The service acknowledged it.
        Acknowledged,
        /// The service accepted the person.
        Accepted,
        /// The service has no capacity: the person is waitlisted (unmet need).
        NoCapacity,
        /// The person is not eligible.
        NotEligible,
        /// The service could not contact the person.
        CouldNotContact,
        /// The person is attending.
        Attending,
        /// The person got help.
        GotHelp,
        /// The person could not get help.
        CouldNotGetHelp,
        /// The person left early.
        LeftEarly,
        /// The person is no longer interested.
        NoLongerInterested,
    }
}

/// One change of an onward referral's state.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OnwardChange {
    /// Id.
    pub id: String,
    /// State before.
    pub from: OnwardStatus,
    /// State after.
    pub to: OnwardStatus,
    /// Note.
    pub note: Option<String>,
    /// Who made the change.
    pub changed_by: String,
    /// When.
    pub at: SystemTime,
}

impl From<lw::OnwardChange> for OnwardChange {
    fn from(c: lw::OnwardChange) -> Self {
        OnwardChange {
            id: c.id.to_string(),
            from: c.from.into(),
            to: c.to.into(),
            note: c.note,
            changed_by: c.by,
            at: instant(c.at),
        }
    }
}

/// A referral to one community service.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OnwardReferral {
    /// Id.
    pub id: String,
    /// The service ("Debt advice drop-in"); for a directory service, its name when referred.
    pub service: String,
    /// The directory service's id; absent for a free-text referral.
    pub service_id: Option<String>,
    /// The organisation running it ("Citizens Advice").
    pub organisation: Option<String>,
    /// The need it addresses (a need code or free text).
    pub need: Option<String>,
    /// Current state.
    pub status: OnwardStatus,
    /// Every state change, oldest first.
    pub history: Vec<OnwardChange>,
    /// Who made the referral.
    pub recorded_by: String,
    /// When it was sent.
    pub sent_at: SystemTime,
    /// The episode it belongs to (the episode open when it was written); absent on a
    /// patient's store, which holds no episodes.
    pub episode_id: Option<String>,
}

impl From<lw::OnwardReferral> for OnwardReferral {
    fn from(r: lw::OnwardReferral) -> Self {
        OnwardReferral {
            id: r.id.to_string(),
            service: r.service,
            service_id: r.service_id,
            organisation: r.organisation,
            need: r.need,
            status: r.status.into(),
            history: list(r.history),
            recorded_by: r.by,
            sent_at: instant(r.sent_at),
            episode_id: r.episode_id.map(|e| e.to_string()),
        }
    }
}

/// Input for an onward referral (state starts `Sent`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewOnwardReferral {
    /// Service name (required).
    pub service: String,
    /// Organisation.
    #[uniffi(default)]
    pub organisation: Option<String>,
    /// Need addressed (a need code or free text).
    #[uniffi(default)]
    pub need: Option<String>,
}

impl From<NewOnwardReferral> for lw::NewOnwardReferral {
    fn from(r: NewOnwardReferral) -> Self {
        lw::NewOnwardReferral {
            service: r.service,
            organisation: r.organisation,
            need: r.need,
        }
    }
}

/// An onward referral that has not reached a final state (the caseload-wide list).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OpenOnwardReferral {
    /// The referral's id.
    pub referral_id: String,
    /// The person.
    pub person_id: String,
    /// Service.
    pub service: String,
    /// Current state.
    pub status: OnwardStatus,
    /// When it was sent.
    pub sent_at: SystemTime,
}

impl From<lw::OpenOnwardReferral> for OpenOnwardReferral {
    fn from(r: lw::OpenOnwardReferral) -> Self {
        OpenOnwardReferral {
            referral_id: r.referral_id.to_string(),
            person_id: r.person_id.to_string(),
            service: r.service,
            status: r.status.into(),
            sent_at: instant(r.sent_at),
        }
    }
}
