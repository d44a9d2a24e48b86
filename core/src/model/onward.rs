//! Onward referrals to community services and their state machine.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::code_enum;
use crate::error::{Error, Result};
use crate::ids::Id;

code_enum! {
    /// The state of an onward referral to a community service.
    pub enum OnwardStatus {
        /// Sent to the service.
        Sent => "sent",
        /// The service acknowledged it.
        Acknowledged => "acknowledged",
        /// The service accepted the person.
        Accepted => "accepted",
        /// The service has no capacity: the person is waitlisted (unmet need).
        NoCapacity => "no-capacity",
        /// The person is not eligible.
        NotEligible => "not-eligible",
        /// The service could not contact the person.
        CouldNotContact => "could-not-contact",
        /// The person is attending.
        Attending => "attending",
        /// The person got help.
        GotHelp => "got-help",
        /// The person could not get help.
        CouldNotGetHelp => "could-not-get-help",
        /// The person left early.
        LeftEarly => "left-early",
        /// The person is no longer interested.
        NoLongerInterested => "no-longer-interested",
    }
}

impl OnwardStatus {
    /// Whether no further transition is possible.
    pub fn is_final(self) -> bool {
        next_states(self).is_empty()
    }
}

/// The states reachable from `from`.
pub fn next_states(from: OnwardStatus) -> &'static [OnwardStatus] {
    use OnwardStatus::*;
    match from {
        Sent => &[
            Acknowledged,
            Accepted,
            NoCapacity,
            NotEligible,
            CouldNotContact,
            NoLongerInterested,
        ],
        Acknowledged => &[
            Accepted,
            NoCapacity,
            NotEligible,
            CouldNotContact,
            NoLongerInterested,
        ],
        NoCapacity => &[Accepted, NoLongerInterested, CouldNotContact],
        Accepted => &[Attending, CouldNotContact, NoLongerInterested],
        Attending => &[GotHelp, CouldNotGetHelp, LeftEarly],
        NotEligible | CouldNotContact | GotHelp | CouldNotGetHelp | LeftEarly
        | NoLongerInterested => &[],
    }
}

/// Checks an onward-referral transition.
///
/// # Errors
/// [`Error::IllegalTransition`] unless `to` is in [`next_states`]`(from)`.
pub fn check_onward_transition(from: OnwardStatus, to: OnwardStatus) -> Result<()> {
    if next_states(from).contains(&to) {
        Ok(())
    } else {
        Err(Error::IllegalTransition {
            machine: "onward referral",
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// One change of an onward referral's state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OnwardChange {
    /// Id.
    pub id: Id,
    /// State before.
    pub from: OnwardStatus,
    /// State after.
    pub to: OnwardStatus,
    /// Note.
    pub note: Option<String>,
    /// Who.
    #[cfg_attr(feature = "uniffi", uniffi(name = "changed_by"))]
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A referral to one community service.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OnwardReferral {
    /// Id.
    pub id: Id,
    /// The service ("Debt advice drop-in"); for a referral to a directory service, its name as
    /// it was when the referral was made.
    pub service: String,
    /// The directory service's stable Open Referral UK id (schema version 3); `None` for a
    /// free-text referral to a service not in the directory.
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
    #[cfg_attr(feature = "uniffi", uniffi(name = "recorded_by"))]
    pub by: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// The episode it belongs to (see [`crate::model::scope`]).
    pub episode_id: Option<Id>,
}

/// Input for an onward referral.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewOnwardReferral {
    /// Service name (required).
    pub service: String,
    /// Organisation.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub organisation: Option<String>,
    /// Need addressed.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub need: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Code;
    use OnwardStatus::*;

    #[test]
    fn happy_path_is_allowed() {
        for (a, b) in [
            (Sent, Acknowledged),
            (Acknowledged, Accepted),
            (Accepted, Attending),
            (Attending, GotHelp),
        ] {
            assert!(check_onward_transition(a, b).is_ok(), "{a} -> {b}");
        }
    }

    #[test]
    fn waitlist_then_accepted() {
        assert!(check_onward_transition(Sent, NoCapacity).is_ok());
        assert!(check_onward_transition(NoCapacity, Accepted).is_ok());
    }

    #[test]
    fn final_states_refuse_everything() {
        for &s in OnwardStatus::ALL.iter().filter(|s| s.is_final()) {
            for &t in OnwardStatus::ALL {
                assert!(check_onward_transition(s, t).is_err(), "{s} -> {t}");
            }
        }
        assert!(GotHelp.is_final() && NotEligible.is_final() && LeftEarly.is_final());
    }

    #[test]
    fn no_skipping_to_outcomes() {
        assert!(check_onward_transition(Sent, GotHelp).is_err());
        assert!(check_onward_transition(Accepted, LeftEarly).is_err());
        assert!(check_onward_transition(Sent, Sent).is_err());
    }
}
