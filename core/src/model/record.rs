//! Whole-record and caseload views: what one screen needs in one call.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    CaseNote, ConsentRecord, Consultation, ContactAttempt, Demographics, Episode, EpisodeStatus,
    Flag, NewerItem, OnwardReferral, Plan,
};
use crate::ids::Id;

/// Everything in a person's case document (link-worker only).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseRecord {
    /// Demographics.
    pub demographics: Demographics,
    /// Episodes, oldest first; the last is the current one.
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
    /// Items left out above (and status changes left out of episode and referral histories)
    /// because a newer app version wrote them with codes this build does not know; the
    /// document keeps them untouched.
    pub newer_items: Vec<NewerItem>,
}

impl CaseRecord {
    /// The current (most recently opened) episode; `None` when the most recently opened
    /// episode is one this build cannot read (see [`CaseRecord::newer_items`]), so an older
    /// episode is never shown as the current one.
    pub fn current_episode(&self) -> Option<&Episode> {
        current_of(&self.episodes, &self.newer_items)
    }

    /// The consent records in force: for each purpose and recipient, the latest record, when it
    /// is a "given" that has not expired on `today`. Purposes and recipients match as
    /// [`super::sharing`] says: organisation ids ignoring case, else names ignoring case and
    /// spacing. A record that another record supersedes is
    /// never the latest, whatever the devices' clocks said; among the others (concurrent records
    /// from two devices) the latest by time wins.
    pub fn consents_in_force(&self, today: NaiveDate) -> Vec<&ConsentRecord> {
        // A record this build cannot read still supersedes the record it names.
        let superseded: Vec<Id> = self
            .consents
            .iter()
            .filter_map(|c| c.supersedes)
            .chain(self.newer_items.iter().filter_map(|n| n.supersedes))
            .collect();
        let mut latest: Vec<&ConsentRecord> = Vec::new();
        for c in self.consents.iter().filter(|c| !superseded.contains(&c.id)) {
            match latest.iter_mut().find(|l| {
                super::normalise(&l.purpose) == super::normalise(&c.purpose)
                    && super::same_recipient(
                        l.recipient_org.as_deref(),
                        &l.recipient,
                        c.recipient_org.as_deref(),
                        &c.recipient,
                    )
            }) {
                Some(slot) if (slot.recorded_at, slot.id) < (c.recorded_at, c.id) => *slot = c,
                Some(_) => {}
                None => latest.push(c),
            }
        }
        latest
            .into_iter()
            .filter(|c| c.decision == super::ConsentDecision::Given)
            .filter(|c| c.expires.is_none_or(|e| e >= today))
            .collect()
    }
}

/// [`CaseRecord::current_episode`] from the episodes (oldest first) and the items hidden as
/// newer of a case, for a caller that read only those.
pub(crate) fn current_of<'a>(episodes: &'a [Episode], newer: &[NewerItem]) -> Option<&'a Episode> {
    let last = episodes.last()?;
    let newer_episode = newer.iter().any(|n| {
        n.kind == "episode" && n.at.is_none_or(|at| (at, n.id) > (last.opened_at, last.id))
    });
    if newer_episode {
        None
    } else {
        Some(last)
    }
}

/// A person's full record: the case (absent on a patient's own store) and the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonRecord {
    /// The person's id.
    pub person_id: Id,
    /// The case document, when this store holds it.
    pub case: Option<CaseRecord>,
    /// The plan document.
    pub plan: Plan,
    /// Fields that devices set concurrently (empty when none): both values and who set them.
    /// Any new edit of such a field resolves it.
    pub conflicts: Vec<super::FieldConflict>,
}

/// One row of the caseload list, read from the projection tables (no document is loaded).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaseloadEntry {
    /// The person's id.
    pub person_id: Id,
    /// Given name (absent on a patient store).
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// Current episode status.
    pub status: Option<EpisodeStatus>,
    /// The earliest due date of an open step.
    pub next_step_due: Option<NaiveDate>,
    /// Number of active goals.
    pub active_goals: i32,
    /// Number of open onward referrals.
    pub open_onward_referrals: i32,
    /// When either document last changed on this device.
    pub updated_at: DateTime<Utc>,
}

/// Filters for the caseload list; all set fields must match.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaseloadQuery {
    /// Matches the start of the given or family name, or of "given family", case-insensitively,
    /// or the NHS number's digits (spaces ignored).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub text: Option<String>,
    /// Only people whose current episode has this status.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub status: Option<EpisodeStatus>,
    /// At most this many rows (all when `None`); a negative limit is refused (`limit`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub limit: Option<i32>,
}

/// What a "due" list row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DueKind {
    /// An action-plan step.
    Step,
    /// A goal's target date.
    Goal,
    /// An onward referral the service has not answered (still `sent`): the date is its
    /// response deadline.
    OnwardResponse,
}

/// A goal, step or unanswered onward referral due on or before a date, from the projection
/// tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DueItem {
    /// Step or goal.
    pub kind: DueKind,
    /// The step's or goal's id.
    pub item_id: Id,
    /// The person.
    pub person_id: Id,
    /// Step or goal text.
    pub text: String,
    /// Due (or target) date.
    pub due: NaiveDate,
}

/// An onward referral that has not reached a final state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OpenOnwardReferral {
    /// The referral's id.
    pub referral_id: Id,
    /// The person.
    pub person_id: Id,
    /// Service.
    pub service: String,
    /// Current state.
    pub status: super::OnwardStatus,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}
