//! The referral and the link-worker episode, with its validated state machine.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::code_enum;
use super::snomed::GpCode;
use crate::error::{Error, Result};
use crate::ids::Id;

code_enum! {
    /// Who referred the person to the link worker.
    pub enum ReferralSource {
        /// A GP.
        Gp => "gp",
        /// A practice nurse.
        PracticeNurse => "practice-nurse",
        /// Other practice staff (receptionist, pharmacist, ...).
        PracticeStaff => "practice-staff",
        /// The local council.
        Council => "council",
        /// A hospital.
        Hospital => "hospital",
        /// The police.
        Police => "police",
        /// A voluntary, community or social enterprise organisation.
        Vcse => "vcse",
        /// Another professional.
        OtherProfessional => "other-professional",
        /// The person referred themselves.
        SelfReferral => "self-referral",
    }
}

code_enum! {
    /// How urgently the referral should be picked up.
    pub enum Urgency {
        /// Routine.
        Routine => "routine",
        /// Urgent.
        Urgent => "urgent",
    }
}

code_enum! {
    /// The state of a link-worker episode.
    pub enum EpisodeStatus {
        /// Referral received, no contact yet.
        Referred => "referred",
        /// Trying to reach the person.
        Contacting => "contacting",
        /// The person accepted support (active).
        Accepted => "accepted",
        /// The person declined support.
        Declined => "declined",
        /// The person could not be reached after several attempts.
        UnableToContact => "unable-to-contact",
        /// Not appropriate for social prescribing; redirected elsewhere.
        Redirected => "redirected",
        /// Paused.
        OnHold => "on-hold",
        /// Support ended (with a [`DischargeReason`]).
        Discharged => "discharged",
    }
}

code_enum! {
    /// Why an episode was discharged.
    pub enum DischargeReason {
        /// The person's goals were met.
        GoalsMet => "goals-met",
        /// The person stopped engaging.
        Disengaged => "disengaged",
        /// The person moved away.
        MovedAway => "moved-away",
        /// Transferred to another service.
        Transferred => "transferred",
        /// The person died.
        Deceased => "deceased",
        /// Another reason.
        Other => "other",
    }
}

code_enum! {
    /// Why the person declined support (the free-text reason goes beside it).
    pub enum DeclineReason {
        /// The person does not want support now.
        NotWantedNow => "not-wanted-now",
        /// The person's needs are already being met elsewhere.
        NeedsMetElsewhere => "needs-met-elsewhere",
        /// The person prefers to sort things out themselves.
        PrefersSelfManagement => "prefers-self-management",
        /// The person did not agree with the referral.
        DisagreedWithReferral => "disagreed-with-referral",
        /// Another reason.
        Other => "other",
    }
}

code_enum! {
    /// Why a referral was redirected as not appropriate for social prescribing.
    pub enum RedirectReason {
        /// The person needs clinical care first.
        NeedsClinicalCare => "needs-clinical-care",
        /// The person is in crisis and needs urgent or crisis support.
        CrisisSupport => "crisis-support",
        /// A statutory service (social care, safeguarding, housing duty) is the right route.
        StatutoryService => "statutory-service",
        /// The person lives outside the service's area.
        OutsideArea => "outside-area",
        /// Another reason.
        Other => "other",
    }
}

impl EpisodeStatus {
    /// Whether the episode is closed (declined, unable to contact, redirected, discharged).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Self::Declined | Self::UnableToContact | Self::Redirected | Self::Discharged
        )
    }

    /// Whether consultations may be recorded in this state.
    pub fn allows_consultations(self) -> bool {
        !self.is_closed()
    }
}

/// What a transition does besides changing state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionKind {
    /// An ordinary move between open states or into a closed state.
    Normal,
    /// Reopens a closed episode.
    Reopen,
}

/// Checks an episode transition; `ever_accepted` says whether the episode was accepted before.
///
/// Allowed moves:
/// - referred -> contacting, accepted, declined, redirected, on-hold
/// - contacting -> accepted, declined, unable-to-contact, redirected, on-hold
/// - accepted -> on-hold, discharged
/// - on-hold -> accepted, discharged, and (if never accepted) contacting, declined, unable-to-contact
/// - declined, unable-to-contact, redirected -> contacting, accepted (reopen)
/// - discharged -> accepted (reopen)
///
/// # Errors
/// [`Error::IllegalTransition`] for any other move.
pub fn check_transition(
    from: EpisodeStatus,
    to: EpisodeStatus,
    ever_accepted: bool,
) -> Result<TransitionKind> {
    use EpisodeStatus::*;
    let ok = match from {
        Referred => matches!(to, Contacting | Accepted | Declined | Redirected | OnHold),
        Contacting => {
            matches!(
                to,
                Accepted | Declined | UnableToContact | Redirected | OnHold
            )
        }
        Accepted => matches!(to, OnHold | Discharged),
        OnHold => {
            matches!(to, Accepted | Discharged)
                || (!ever_accepted && matches!(to, Contacting | Declined | UnableToContact))
        }
        Declined | UnableToContact | Redirected => matches!(to, Contacting | Accepted),
        Discharged => matches!(to, Accepted),
    };
    if !ok {
        return Err(Error::IllegalTransition {
            machine: "episode",
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    Ok(if from.is_closed() {
        TransitionKind::Reopen
    } else {
        TransitionKind::Normal
    })
}

/// The referral that opens an episode.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewReferral {
    /// Who referred; `None` when not recorded.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub source: Option<ReferralSource>,
    /// The referrer's name or organisation.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub referrer: Option<String>,
    /// Why the person was referred, in the referrer's words or as need codes.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reasons: Vec<String>,
    /// When the referral was received; today when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub received: Option<NaiveDate>,
    /// Urgency; routine when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub urgency: Option<Urgency>,
    /// The person consents to be contacted.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub consent_to_contact: Option<bool>,
}

/// A requested episode transition.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EpisodeTransition {
    /// The target state.
    pub to: EpisodeStatus,
    /// Required when `to` is discharged; refused for any other target.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub discharge_reason: Option<DischargeReason>,
    /// Coded reason for a decline (optional); refused for any other target.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub decline_reason: Option<DeclineReason>,
    /// Coded reason for a redirect (optional); refused for any other target.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub redirect_reason: Option<RedirectReason>,
    /// On a first acceptance, the person's consent to be contacted when the referral did not
    /// record it (written on the episode in the same change). An episode is never accepted
    /// without consent to contact recorded as given.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub consent_to_contact: Option<bool>,
    /// Optional free-text reason, beside the coded one.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reason: Option<String>,
}

/// One recorded change of an episode's state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StatusChange {
    /// Id of this record.
    pub id: Id,
    /// The state before.
    pub from: EpisodeStatus,
    /// The state after.
    pub to: EpisodeStatus,
    /// Free-text reason.
    pub reason: Option<String>,
    /// Who made the change.
    #[cfg_attr(feature = "uniffi", uniffi(name = "changed_by"))]
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Whether this reopened a closed episode.
    pub reopened: bool,
}

/// A referral and the episode of support that follows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Episode {
    /// Episode id.
    pub id: Id,
    /// Referral source (`None` when not recorded).
    pub source: Option<ReferralSource>,
    /// Referrer's name or organisation.
    pub referrer: Option<String>,
    /// Reasons for referral.
    pub reasons: Vec<String>,
    /// Urgency.
    pub urgency: Urgency,
    /// Consent to be contacted, as given at referral.
    pub consent_to_contact: Option<bool>,
    /// Date received.
    pub received: NaiveDate,
    /// Current state.
    pub status: EpisodeStatus,
    /// Discharge reason (when discharged).
    pub discharge_reason: Option<DischargeReason>,
    /// Coded decline reason (while declined, when one was given).
    pub decline_reason: Option<DeclineReason>,
    /// Coded redirect reason (while redirected, when one was given).
    pub redirect_reason: Option<RedirectReason>,
    /// Reason given with the latest transition.
    pub status_reason: Option<String>,
    /// When the episode was first accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Every state change, oldest first.
    pub history: Vec<StatusChange>,
    /// SNOMED CT codes this episode produced for the GP record.
    pub gp_codes: Vec<GpCode>,
    /// When the episode was opened.
    pub opened_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Code;
    use EpisodeStatus::*;

    #[test]
    fn every_pair_is_decided_as_documented() {
        let allowed = [
            (Referred, Contacting),
            (Referred, Accepted),
            (Referred, Declined),
            (Referred, Redirected),
            (Referred, OnHold),
            (Contacting, Accepted),
            (Contacting, Declined),
            (Contacting, UnableToContact),
            (Contacting, Redirected),
            (Contacting, OnHold),
            (Accepted, OnHold),
            (Accepted, Discharged),
            (OnHold, Accepted),
            (OnHold, Discharged),
            (OnHold, Contacting),
            (OnHold, Declined),
            (OnHold, UnableToContact),
            (Declined, Contacting),
            (Declined, Accepted),
            (UnableToContact, Contacting),
            (UnableToContact, Accepted),
            (Redirected, Contacting),
            (Redirected, Accepted),
            (Discharged, Accepted),
        ];
        for &from in EpisodeStatus::ALL {
            for &to in EpisodeStatus::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(
                    check_transition(from, to, false).is_ok(),
                    expected,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn on_hold_after_acceptance_cannot_go_back_to_contacting() {
        assert!(check_transition(OnHold, Contacting, true).is_err());
        assert!(check_transition(OnHold, Declined, true).is_err());
        assert!(check_transition(OnHold, Accepted, true).is_ok());
    }

    #[test]
    fn reopen_is_flagged() {
        assert_eq!(
            check_transition(Discharged, Accepted, true).unwrap(),
            TransitionKind::Reopen
        );
        assert_eq!(
            check_transition(Referred, Accepted, false).unwrap(),
            TransitionKind::Normal
        );
    }

    #[test]
    fn closed_states_refuse_consultations() {
        for s in [Declined, UnableToContact, Redirected, Discharged] {
            assert!(!s.allows_consultations());
        }
        for s in [Referred, Contacting, Accepted, OnHold] {
            assert!(s.allows_consultations());
        }
    }
}
