//! The personalised care and support plan: what matters, needs, goals with progress, steps,
//! and the "due" list. Everything here lives in the plan document, shareable with the person.

use std::time::SystemTime;

use linkwork_core::model as lw;

use super::{mirror_enum, patch, MeasureResponse};
use crate::convert::{date_text, instant, list, opt_date, opt_date_text, opt_id, opt_instant};
use crate::LinkWorkError;

mirror_enum! {
    /// A need or concern recorded in the "what matters to me" conversation.
    pub enum Need = lw::Need {
        /// Loneliness or isolation.
        Loneliness,
        /// Debt or money worries.
        Debt,
        /// Housing.
        Housing,
        /// Bereavement.
        Bereavement,
        /// Employment.
        Employment,
        /// Welfare benefits.
        Benefits,
        /// Mental wellbeing.
        MentalWellbeing,
        /// Physical activity.
        PhysicalActivity,
        /// Support as a carer.
        CarerSupport,
        /// Food.
        Food,
        /// Digital exclusion.
        DigitalExclusion,
        /// Something else (see the need's note).
        Other,
    }
}

mirror_enum! {
    /// The status of a goal.
    pub enum GoalStatus = lw::GoalStatus {
        /// Being worked on.
        Active,
        /// Achieved.
        Achieved,
        /// Partly achieved.
        PartlyAchieved,
        /// Not achieved.
        NotAchieved,
        /// Dropped.
        Dropped,
    }
}

mirror_enum! {
    /// Who carries out an action-plan step.
    pub enum StepOwner = lw::StepOwner {
        /// The person.
        Person,
        /// The link worker.
        LinkWorker,
        /// A community service.
        Service,
        /// Someone else (family, carer, ...).
        Other,
    }
}

mirror_enum! {
    /// What a row of the "due" list is about.
    pub enum DueKind = lw::DueKind {
        /// An action-plan step.
        Step,
        /// A goal's target date.
        Goal,
        /// An onward referral the service has not answered; the date is its response
        /// deadline (overdue once past).
        OnwardResponse,
    }
}

/// A recorded need.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RecordedNeed {
    /// The need.
    pub need: Need,
    /// The person's own words about it.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: SystemTime,
    /// The episode it belongs to (the episode open when it was written); absent on a
    /// patient's store, which holds no episodes.
    pub episode_id: Option<String>,
}

impl From<lw::RecordedNeed> for RecordedNeed {
    fn from(n: lw::RecordedNeed) -> Self {
        RecordedNeed {
            need: n.need.into(),
            note: n.note,
            recorded_by: n.recorded_by,
            recorded_at: instant(n.recorded_at),
            episode_id: n.episode_id.map(|e| e.to_string()),
        }
    }
}

/// One progress entry on a goal.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ProgressEntry {
    /// Id.
    pub id: String,
    /// Rating 0 to 10.
    pub rating: Option<u8>,
    /// Note.
    pub note: Option<String>,
    /// Who recorded it (the person themselves or a link worker).
    pub recorded_by: String,
    /// When.
    pub recorded_at: SystemTime,
}

impl From<lw::ProgressEntry> for ProgressEntry {
    fn from(p: lw::ProgressEntry) -> Self {
        ProgressEntry {
            id: p.id.to_string(),
            rating: p.rating,
            note: p.note,
            recorded_by: p.recorded_by,
            recorded_at: instant(p.recorded_at),
        }
    }
}

/// A goal in the person's own words.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Goal {
    /// Id.
    pub id: String,
    /// The goal in the person's own words.
    pub text: String,
    /// SMART detail.
    pub smart_detail: Option<String>,
    /// Needs this goal addresses.
    pub needs: Vec<Need>,
    /// Target date, `YYYY-MM-DD`.
    pub target_date: Option<String>,
    /// Status.
    pub status: GoalStatus,
    /// Progress entries, oldest first.
    pub progress: Vec<ProgressEntry>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: SystemTime,
    /// The episode it belongs to (the episode open when it was written); absent on a
    /// patient's store, which holds no episodes.
    pub episode_id: Option<String>,
}

impl From<lw::Goal> for Goal {
    fn from(g: lw::Goal) -> Self {
        Goal {
            id: g.id.to_string(),
            text: g.text,
            smart_detail: g.smart_detail,
            needs: list(g.needs),
            target_date: opt_date_text(g.target_date),
            status: g.status.into(),
            progress: list(g.progress),
            created_by: g.created_by,
            created_at: instant(g.created_at),
            episode_id: g.episode_id.map(|e| e.to_string()),
        }
    }
}

/// Input for a goal (status starts `Active`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewGoal {
    /// The goal in the person's own words (required).
    pub text: String,
    /// SMART detail.
    #[uniffi(default)]
    pub smart_detail: Option<String>,
    /// Needs addressed.
    #[uniffi(default)]
    pub needs: Vec<Need>,
    /// Target date, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub target_date: Option<String>,
}

impl TryFrom<NewGoal> for lw::NewGoal {
    type Error = LinkWorkError;
    fn try_from(g: NewGoal) -> Result<Self, LinkWorkError> {
        Ok(lw::NewGoal {
            text: g.text,
            smart_detail: g.smart_detail,
            needs: list(g.needs),
            target_date: opt_date("target_date", g.target_date)?,
        })
    }
}

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
    /// New target date, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub target_date: Option<String>,
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
        let target = opt_date("target_date", u.target_date)?;
        Ok(lw::GoalUpdate {
            text: u.text,
            smart_detail: patch(
                "smart_detail",
                u.smart_detail,
                &u.clear,
                GoalField::SmartDetail,
            )?,
            target_date: patch("target_date", target, &u.clear, GoalField::TargetDate)?,
            status: u.status.map(Into::into),
            needs: u.needs.map(list),
        })
    }
}

/// Input for a progress entry: a rating, a note, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct NewProgress {
    /// Rating 0 to 10.
    #[uniffi(default)]
    pub rating: Option<u8>,
    /// Note.
    #[uniffi(default)]
    pub note: Option<String>,
}

impl From<NewProgress> for lw::NewProgress {
    fn from(p: NewProgress) -> Self {
        lw::NewProgress {
            rating: p.rating,
            note: p.note,
        }
    }
}

/// One step of the action plan.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Step {
    /// Id.
    pub id: String,
    /// What is to be done.
    pub text: String,
    /// Who does it.
    pub owner: StepOwner,
    /// The named owner (a service name, a carer) when useful.
    pub owner_name: Option<String>,
    /// The goal it serves.
    pub goal_id: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due: Option<String>,
    /// When it was done.
    pub done_at: Option<SystemTime>,
    /// Who marked it done.
    pub done_by: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: SystemTime,
    /// The episode it belongs to (the episode open when it was written); absent on a
    /// patient's store, which holds no episodes.
    pub episode_id: Option<String>,
}

impl From<lw::Step> for Step {
    fn from(s: lw::Step) -> Self {
        Step {
            id: s.id.to_string(),
            text: s.text,
            owner: s.owner.into(),
            owner_name: s.owner_name,
            goal_id: s.goal_id.map(|g| g.to_string()),
            due: opt_date_text(s.due),
            done_at: opt_instant(s.done_at),
            done_by: s.done_by,
            created_by: s.created_by,
            created_at: instant(s.created_at),
            episode_id: s.episode_id.map(|e| e.to_string()),
        }
    }
}

/// Input for a step.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewStep {
    /// What is to be done (required).
    pub text: String,
    /// Who does it.
    pub owner: StepOwner,
    /// Named owner.
    #[uniffi(default)]
    pub owner_name: Option<String>,
    /// The goal it serves (must be in the same plan).
    #[uniffi(default)]
    pub goal_id: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub due: Option<String>,
}

impl TryFrom<NewStep> for lw::NewStep {
    type Error = LinkWorkError;
    fn try_from(s: NewStep) -> Result<Self, LinkWorkError> {
        Ok(lw::NewStep {
            text: s.text,
            owner: s.owner.into(),
            owner_name: s.owner_name,
            goal_id: opt_id("goal_id", s.goal_id)?,
            due: opt_date("due", s.due)?,
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
    /// New due date, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub due: Option<String>,
    /// Optional fields to remove.
    #[uniffi(default)]
    pub clear: Vec<StepField>,
}

impl TryFrom<StepUpdate> for lw::StepUpdate {
    type Error = LinkWorkError;
    fn try_from(u: StepUpdate) -> Result<Self, LinkWorkError> {
        let due = opt_date("due", u.due)?;
        Ok(lw::StepUpdate {
            text: u.text,
            owner: u.owner.map(Into::into),
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
    /// Plan review date, `YYYY-MM-DD`.
    pub review_date: Option<String>,
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
            review_date: opt_date_text(p.review_date),
            measures: list(p.measures),
            newer_items: list(p.newer_items),
        }
    }
}

/// A goal or step due on or before a date.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DueItem {
    /// Step or goal.
    pub kind: DueKind,
    /// The step's or goal's id.
    pub item_id: String,
    /// The person.
    pub person_id: String,
    /// Step or goal text.
    pub text: String,
    /// Due (or target) date, `YYYY-MM-DD`.
    pub due: String,
}

impl From<lw::DueItem> for DueItem {
    fn from(d: lw::DueItem) -> Self {
        DueItem {
            kind: d.kind.into(),
            item_id: d.item_id.to_string(),
            person_id: d.person_id.to_string(),
            text: d.text,
            due: date_text(d.due),
        }
    }
}
