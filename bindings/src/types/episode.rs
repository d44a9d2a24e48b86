//! The referral, the link-worker episode and its state machine, and the GP's SNOMED CT codes.

use std::time::SystemTime;

use linkwork_core::model as lw;

use super::mirror_enum;
use crate::convert::{date_text, instant, list, opt_date, opt_instant};
use crate::LinkWorkError;

mirror_enum! {
    /// Who referred the person to the link worker.
    pub enum ReferralSource = lw::ReferralSource {
        /// A GP.
        Gp,
        /// A practice nurse.
        PracticeNurse,
        /// Other practice staff (receptionist, pharmacist, ...).
        PracticeStaff,
        /// The local council.
        Council,
        /// A hospital.
        Hospital,
        /// The police.
        Police,
        /// A voluntary, community or social enterprise organisation.
        Vcse,
        /// Another professional.
        OtherProfessional,
        /// The person referred themselves.
        SelfReferral,
    }
}

mirror_enum! {
    /// How urgently the referral should be picked up.
    pub enum Urgency = lw::Urgency {
        /// Routine.
        Routine,
        /// Urgent.
        Urgent,
    }
}

mirror_enum! {
    /// The state of a link-worker episode.
    ///
    /// Allowed moves: referred -> contacting, accepted, declined, redirected, on-hold;
    /// contacting -> accepted, declined, unable-to-contact, redirected, on-hold;
    /// accepted -> on-hold, discharged; on-hold -> accepted, discharged (and, if never
    /// accepted, contacting, declined, unable-to-contact); declined, unable-to-contact,
    /// redirected -> contacting, accepted; discharged -> accepted. Anything else is `Conflict`.
    pub enum EpisodeStatus = lw::EpisodeStatus {
        /// Referral received, no contact yet.
        Referred,
        /// Trying to reach the person.
        Contacting,
        /// The person accepted support (active).
        Accepted,
        /// The person declined support.
        Declined,
        /// The person could not be reached after several attempts.
        UnableToContact,
        /// Not appropriate for social prescribing; redirected elsewhere.
        Redirected,
        /// Paused.
        OnHold,
        /// Support ended (with a discharge reason).
        Discharged,
    }
}

mirror_enum! {
    /// Why an episode was discharged.
    pub enum DischargeReason = lw::DischargeReason {
        /// The person's goals were met.
        GoalsMet,
        /// The person stopped engaging.
        Disengaged,
        /// The person moved away.
        MovedAway,
        /// Transferred to another service.
        Transferred,
        /// The person died.
        Deceased,
        /// Another reason.
        Other,
    }
}

mirror_enum! {
    /// Why the person declined support (free text goes in `reason` beside it).
    pub enum DeclineReason = lw::DeclineReason {
        /// The person does not want support now.
        NotWantedNow,
        /// The person's needs are already met elsewhere.
        NeedsMetElsewhere,
        /// The person prefers to sort things out themselves.
        PrefersSelfManagement,
        /// The person did not agree with the referral.
        DisagreedWithReferral,
        /// Another reason.
        Other,
    }
}

mirror_enum! {
    /// Why a referral was redirected as not appropriate (free text goes in `reason`).
    pub enum RedirectReason = lw::RedirectReason {
        /// The person needs clinical care first.
        NeedsClinicalCare,
        /// The person needs urgent or crisis support.
        CrisisSupport,
        /// A statutory service is the right route.
        StatutoryService,
        /// The person lives outside the service's area.
        OutsideArea,
        /// Another reason.
        Other,
    }
}

/// The referral that opens an episode.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct NewReferral {
    /// Who referred.
    #[uniffi(default)]
    pub source: Option<ReferralSource>,
    /// The referrer's name or organisation.
    #[uniffi(default)]
    pub referrer: Option<String>,
    /// Why the person was referred.
    #[uniffi(default)]
    pub reasons: Vec<String>,
    /// When the referral was received, `YYYY-MM-DD`; today when absent.
    #[uniffi(default)]
    pub received: Option<String>,
    /// Urgency; routine when absent.
    #[uniffi(default)]
    pub urgency: Option<Urgency>,
    /// Whether the person consents to be contacted.
    #[uniffi(default)]
    pub consent_to_contact: Option<bool>,
}

impl TryFrom<NewReferral> for lw::NewReferral {
    type Error = LinkWorkError;
    fn try_from(r: NewReferral) -> Result<Self, LinkWorkError> {
        Ok(lw::NewReferral {
            source: r.source.map(Into::into),
            referrer: r.referrer,
            reasons: r.reasons,
            received: opt_date("received", r.received)?,
            urgency: r.urgency.map(Into::into),
            consent_to_contact: r.consent_to_contact,
        })
    }
}

/// A requested episode transition.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct EpisodeTransition {
    /// The target state.
    pub to: EpisodeStatus,
    /// Required when `to` is `Discharged`, refused otherwise.
    #[uniffi(default)]
    pub discharge_reason: Option<DischargeReason>,
    /// Coded decline reason (only with `to` = `Declined`).
    #[uniffi(default)]
    pub decline_reason: Option<DeclineReason>,
    /// Coded redirect reason (only with `to` = `Redirected`).
    #[uniffi(default)]
    pub redirect_reason: Option<RedirectReason>,
    /// With `to` = `Accepted`: the person consents to be contacted. A first acceptance is
    /// refused (`InvalidInput`, field `consent_to_contact`) unless this or the referral
    /// records consent as given.
    #[uniffi(default)]
    pub consent_to_contact: Option<bool>,
    /// Free-text reason, beside the coded one.
    #[uniffi(default)]
    pub reason: Option<String>,
}

impl From<EpisodeTransition> for lw::EpisodeTransition {
    fn from(t: EpisodeTransition) -> Self {
        lw::EpisodeTransition {
            to: t.to.into(),
            discharge_reason: t.discharge_reason.map(Into::into),
            decline_reason: t.decline_reason.map(Into::into),
            redirect_reason: t.redirect_reason.map(Into::into),
            consent_to_contact: t.consent_to_contact,
            reason: t.reason,
        }
    }
}

/// One recorded change of an episode's state.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct StatusChange {
    /// Id of this record.
    pub id: String,
    /// The state before.
    pub from: EpisodeStatus,
    /// The state after.
    pub to: EpisodeStatus,
    /// Free-text reason.
    pub reason: Option<String>,
    /// Who made the change.
    pub changed_by: String,
    /// When.
    pub at: SystemTime,
    /// Whether this reopened a closed episode.
    pub reopened: bool,
}

impl From<lw::StatusChange> for StatusChange {
    fn from(c: lw::StatusChange) -> Self {
        StatusChange {
            id: c.id.to_string(),
            from: c.from.into(),
            to: c.to.into(),
            reason: c.reason,
            changed_by: c.by,
            at: instant(c.at),
            reopened: c.reopened,
        }
    }
}

/// A SNOMED CT coded event for the GP record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpCode {
    /// The SNOMED CT concept id (e.g. 871731000000106 when the person accepts).
    pub code: String,
    /// The concept's display term.
    pub display: String,
    /// The episode that produced it.
    pub episode_id: String,
    /// When it was recorded.
    pub recorded_at: SystemTime,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<lw::GpCode> for GpCode {
    fn from(c: lw::GpCode) -> Self {
        GpCode {
            code: c.code,
            display: c.display,
            episode_id: c.episode_id.to_string(),
            recorded_at: instant(c.recorded_at),
            recorded_by: c.recorded_by,
        }
    }
}

/// A referral and the episode of support that follows it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Episode {
    /// Episode id.
    pub id: String,
    /// Referral source.
    pub source: Option<ReferralSource>,
    /// Referrer's name or organisation.
    pub referrer: Option<String>,
    /// Reasons for referral.
    pub reasons: Vec<String>,
    /// Urgency.
    pub urgency: Urgency,
    /// Consent to be contacted, as given at referral.
    pub consent_to_contact: Option<bool>,
    /// Date received, `YYYY-MM-DD`.
    pub received: String,
    /// Current state.
    pub status: EpisodeStatus,
    /// Discharge reason (when discharged).
    pub discharge_reason: Option<DischargeReason>,
    /// Coded decline reason (when declined with one).
    pub decline_reason: Option<DeclineReason>,
    /// Coded redirect reason (when redirected with one).
    pub redirect_reason: Option<RedirectReason>,
    /// Reason given with the latest transition.
    pub status_reason: Option<String>,
    /// When the episode was first accepted.
    pub accepted_at: Option<SystemTime>,
    /// Every state change, oldest first.
    pub history: Vec<StatusChange>,
    /// SNOMED CT codes this episode produced for the GP record.
    pub gp_codes: Vec<GpCode>,
    /// When the episode was opened.
    pub opened_at: SystemTime,
}

impl From<lw::Episode> for Episode {
    fn from(e: lw::Episode) -> Self {
        Episode {
            id: e.id.to_string(),
            source: e.source.map(Into::into),
            referrer: e.referrer,
            reasons: e.reasons,
            urgency: e.urgency.into(),
            consent_to_contact: e.consent_to_contact,
            received: date_text(e.received),
            status: e.status.into(),
            discharge_reason: e.discharge_reason.map(Into::into),
            decline_reason: e.decline_reason.map(Into::into),
            redirect_reason: e.redirect_reason.map(Into::into),
            status_reason: e.status_reason,
            accepted_at: opt_instant(e.accepted_at),
            history: list(e.history),
            gp_codes: list(e.gp_codes),
            opened_at: instant(e.opened_at),
        }
    }
}
