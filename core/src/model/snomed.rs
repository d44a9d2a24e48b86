//! SNOMED CT codes that a GP system receives from social prescribing.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::Id;

/// SNOMED CT: "Referral to social prescribing service (procedure)", recorded once per episode
/// when the person accepts.
pub const REFERRAL_TO_SOCIAL_PRESCRIBING: &str = "871731000000106";
/// Display term of [`REFERRAL_TO_SOCIAL_PRESCRIBING`].
pub const REFERRAL_TO_SOCIAL_PRESCRIBING_DISPLAY: &str =
    "Referral to social prescribing service (procedure)";
/// SNOMED CT: "Social prescribing declined (situation)", recorded when the person declines.
pub const SOCIAL_PRESCRIBING_DECLINED: &str = "871711000000103";
/// Display term of [`SOCIAL_PRESCRIBING_DECLINED`].
pub const SOCIAL_PRESCRIBING_DECLINED_DISPLAY: &str = "Social prescribing declined (situation)";

/// A coded event for the GP record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GpCode {
    /// The SNOMED CT concept id.
    pub code: String,
    /// The concept's display term.
    pub display: String,
    /// The episode that produced it.
    pub episode_id: Id,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// The code-table key for an episode's event: one key per episode and event, so the code is
/// recorded exactly once per episode even when two offline devices both record it.
pub(crate) fn event_key(episode: Id, event: &str) -> String {
    format!("{episode}:{event}")
}
