//! The personalised care and support plan: what matters, needs, goals with progress, steps,
//! and the "due" list. Everything here lives in the plan document, shareable with the person.
//!
//! Mirrored here: the update records (core's `Option<Option<T>>` becomes a value plus a `clear`
//! list), `NewerItem` (core's holds a `&'static str` kind and a crate-private fingerprint) and
//! `Plan`, which holds newer items. Goals, steps, needs and due items are core's own types.

use chrono::NaiveDate;
use std::time::SystemTime;

use linkwork_core::model as lw;

use super::*;
use crate::convert::{list, opt_instant};
use crate::LinkWorkError;

/// An optional goal field that [`GoalUpdate::clear`] can remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum GoalField {
    /// SMART detail.
    SmartDetail,
    /// Target date.
    TargetDate,
}

/// A change to a goal: fields left `null`/`nil` are unchanged; fields named in `clear` are
/// removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct GoalUpdate {
    /// New text.
    #[uniffi(default)]
    pub text: Option<String>,
    /// New SMART detail.
    #[uniffi(default)]
    pub smart_detail: Option<String>,
    /// New target date.
    #[uniffi(default)]
    pub target_date: Option<NaiveDate>,
    /// New status.
    #[uniffi(default)]
    pub status: Option<GoalStatus>,
    /// New linked needs (replacing the old list).
    #[uniffi(default)]
    pub needs: Option<Vec<Need>>,
    /// Optional fields to remove.
    #[uniffi(default)]
    pub clear: Vec<GoalField>,
}

impl TryFrom<GoalUpdate> for lw::GoalUpdate {
    type Error = LinkWorkError;
    fn try_from(u: GoalUpdate) -> Result<Self, LinkWorkError> {
        let target = u.target_date;
        Ok(lw::GoalUpdate {
            text: u.text,
            smart_detail: patch(
                "smart_detail",
                u.smart_detail,
                &u.clear,
                GoalField::SmartDetail,
            )?,
            target_date: patch("target_date", target, &u.clear, GoalField::TargetDate)?,
            status: u.status,
            needs: u.needs.map(list),
        })
    }
}

/// An optional step field that [`StepUpdate::clear`] can remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum StepField {
    /// Named owner.
    OwnerName,
    /// Due date.
    Due,
}

/// A change to a step (e.g. rescheduling): fields left `null`/`nil` are unchanged; fields
/// named in `clear` are removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct StepUpdate {
    /// New text.
    #[uniffi(default)]
    pub text: Option<String>,
    /// New owner.
    #[uniffi(default)]
    pub owner: Option<StepOwner>,
    /// New named owner.
    #[uniffi(default)]
    pub owner_name: Option<String>,
    /// New due date.
    #[uniffi(default)]
    pub due: Option<NaiveDate>,
    /// Optional fields to remove.
    #[uniffi(default)]
    pub clear: Vec<StepField>,
}

impl TryFrom<StepUpdate> for lw::StepUpdate {
    type Error = LinkWorkError;
    fn try_from(u: StepUpdate) -> Result<Self, LinkWorkError> {
        let due = u.due;
        Ok(lw::StepUpdate {
            text: u.text,
            owner: u.owner,
            owner_name: patch("owner_name", u.owner_name, &u.clear, StepField::OwnerName)?,
            due: patch("due", due, &u.clear, StepField::Due)?,
        })
    }
}

/// The whole plan, as a screen shows it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Plan {
    /// The person.
    pub person_id: String,
    /// "What matters to me", in the person's words.
    pub what_matters: String,
    /// Needs.
    pub needs: Vec<RecordedNeed>,
    /// Goals, oldest first.
    pub goals: Vec<Goal>,
    /// Steps, by due date then creation.
    pub steps: Vec<Step>,
    /// Plan review date.
    pub review_date: Option<NaiveDate>,
    /// Outcome-measure responses, oldest first.
    pub measures: Vec<MeasureResponse>,
    /// Goals, steps and measure responses left out above because a newer app version wrote
    /// them with codes this build does not know; kept untouched in the document. Show them as
    /// "needs a newer version of the app"; editing one fails with `Conflict`.
    pub newer_items: Vec<NewerItem>,
}

/// An item written by a newer app version with a code this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewerItem {
    /// `goal`, `step`, `measure`, `episode`, `contact-attempt`, `consent`, `consultation`,
    /// `onward-referral`, `flag`, `status-change` or `onward-change`.
    pub kind: String,
    /// The item's id.
    pub id: String,
    /// When it was created, opened or recorded, when this build can read that.
    pub at: Option<SystemTime>,
    /// For a consent record: the record it supersedes (no longer in force).
    pub supersedes: Option<String>,
}

impl From<lw::NewerItem> for NewerItem {
    fn from(n: lw::NewerItem) -> Self {
        NewerItem {
            kind: n.kind.to_string(),
            id: n.id.to_string(),
            at: opt_instant(n.at),
            supersedes: n.supersedes.map(|s| s.to_string()),
        }
    }
}

impl From<lw::Plan> for Plan {
    fn from(p: lw::Plan) -> Self {
        Plan {
            person_id: p.person_id.to_string(),
            what_matters: p.what_matters,
            needs: list(p.needs),
            goals: list(p.goals),
            steps: list(p.steps),
            review_date: p.review_date,
            measures: list(p.measures),
            newer_items: list(p.newer_items),
        }
    }
}
