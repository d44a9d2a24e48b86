//! The personalised care and support plan: what matters, needs, goals, steps, measures.
//! Everything here lives in the plan document, which is shareable with the person.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::code_enum;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::measures::{AdministrationMode, Instrument, PamResult, ScoreOutcome, Timepoint};

code_enum! {
    /// A need or concern recorded in the "what matters to me" conversation.
    pub enum Need {
        /// Loneliness or isolation.
        Loneliness => "loneliness",
        /// Debt or money worries.
        Debt => "debt",
        /// Housing.
        Housing => "housing",
        /// Bereavement.
        Bereavement => "bereavement",
        /// Employment.
        Employment => "employment",
        /// Welfare benefits.
        Benefits => "benefits",
        /// Mental wellbeing.
        MentalWellbeing => "mental-wellbeing",
        /// Physical activity.
        PhysicalActivity => "physical-activity",
        /// Support as a carer.
        CarerSupport => "carer-support",
        /// Food.
        Food => "food",
        /// Digital exclusion.
        DigitalExclusion => "digital-exclusion",
        /// Something else (see the need's note).
        Other => "other",
    }
}

/// A recorded need.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecordedNeed {
    /// The need.
    pub need: Need,
    /// The person's own words about it.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// The episode it belongs to (see [`crate::model::scope`]); `None` on a patient's
    /// store, which holds no episodes.
    pub episode_id: Option<Id>,
}

code_enum! {
    /// The status of a goal.
    pub enum GoalStatus {
        /// Being worked on.
        Active => "active",
        /// Achieved.
        Achieved => "achieved",
        /// Partly achieved.
        PartlyAchieved => "partly-achieved",
        /// Not achieved.
        NotAchieved => "not-achieved",
        /// Dropped.
        Dropped => "dropped",
    }
}

/// One progress entry on a goal.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProgressEntry {
    /// Id.
    pub id: Id,
    /// Rating 0 to 10.
    pub rating: Option<i32>,
    /// Note.
    pub note: Option<String>,
    /// Who recorded it (the person themselves or a link worker).
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A goal in the person's own words.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Goal {
    /// Id.
    pub id: Id,
    /// The goal in the person's own words (mergeable text).
    pub text: String,
    /// Optional SMART detail.
    pub smart_detail: Option<String>,
    /// Needs this goal addresses.
    pub needs: Vec<Need>,
    /// Target date.
    pub target_date: Option<NaiveDate>,
    /// Status.
    pub status: GoalStatus,
    /// Progress entries, oldest first.
    pub progress: Vec<ProgressEntry>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The episode it belongs to (see [`crate::model::scope`]); `None` on a patient's
    /// store, which holds no episodes.
    pub episode_id: Option<Id>,
}

/// Input for a goal.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewGoal {
    /// The goal in the person's own words (required).
    pub text: String,
    /// SMART detail.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub smart_detail: Option<String>,
    /// Needs addressed.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub needs: Vec<Need>,
    /// Target date.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub target_date: Option<NaiveDate>,
}

/// A change to a goal: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct GoalUpdate {
    /// New text.
    pub text: Option<String>,
    /// New SMART detail (`Some(None)` clears).
    pub smart_detail: Option<Option<String>>,
    /// New target date (`Some(None)` clears).
    pub target_date: Option<Option<NaiveDate>>,
    /// New status.
    pub status: Option<GoalStatus>,
    /// New linked needs.
    pub needs: Option<Vec<Need>>,
}

/// Input for a progress entry: a rating, a note, or both.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewProgress {
    /// Rating 0 to 10.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub rating: Option<i32>,
    /// Note.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
}

/// Refuses a rating below 0 or above 10.
///
/// # Errors
/// [`Error::InvalidInput`] for field `rating`.
pub fn check_rating(rating: i32) -> Result<i32> {
    if !(0..=10).contains(&rating) {
        return Err(Error::invalid("rating", "must be between 0 and 10"));
    }
    Ok(rating)
}

code_enum! {
    /// Who carries out an action-plan step.
    pub enum StepOwner {
        /// The person.
        Person => "person",
        /// The link worker.
        LinkWorker => "link-worker",
        /// A community service.
        Service => "service",
        /// Someone else (family, carer, ...).
        Other => "other",
    }
}

/// One step of the action plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Step {
    /// Id.
    pub id: Id,
    /// What is to be done (mergeable text).
    pub text: String,
    /// Who does it.
    pub owner: StepOwner,
    /// The named owner (a service name, a carer) when useful.
    pub owner_name: Option<String>,
    /// The goal it serves.
    pub goal_id: Option<Id>,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// When it was done.
    pub done_at: Option<DateTime<Utc>>,
    /// Who marked it done.
    pub done_by: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The episode it belongs to (see [`crate::model::scope`]); `None` on a patient's
    /// store, which holds no episodes.
    pub episode_id: Option<Id>,
}

/// Input for a step.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewStep {
    /// What is to be done (required).
    pub text: String,
    /// Who does it.
    pub owner: StepOwner,
    /// Named owner.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub owner_name: Option<String>,
    /// Goal served (must exist in the same plan).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub goal_id: Option<Id>,
    /// Due date.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub due: Option<NaiveDate>,
}

/// A change to a step: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct StepUpdate {
    /// New text.
    pub text: Option<String>,
    /// New owner.
    pub owner: Option<StepOwner>,
    /// New named owner (`Some(None)` clears).
    pub owner_name: Option<Option<String>>,
    /// New due date (`Some(None)` clears) — rescheduling.
    pub due: Option<Option<NaiveDate>>,
}

/// An outcome-measure response: raw answers are stored, scores are derived on reading.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeasureResponse {
    /// Id.
    pub id: Id,
    /// Instrument.
    pub instrument: Instrument,
    /// Instrument definition version the answers follow.
    pub version: String,
    /// Raw answers, one per item in definition order; `None` = not answered.
    pub answers: Vec<Option<i64>>,
    /// MYCaW: the person's own words for each concern.
    pub concern_labels: Vec<String>,
    /// PAM: the licensed scorer's output.
    pub pam: Option<PamResult>,
    /// Baseline, review or follow-up.
    pub timepoint: Timepoint,
    /// Self-completed or read out.
    pub mode: AdministrationMode,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was answered.
    pub recorded_at: DateTime<Utc>,
    /// The episode it belongs to (see [`crate::model::scope`]); `None` on a patient's
    /// store, which holds no episodes.
    pub episode_id: Option<Id>,
    /// The derived score (incomplete answers are never prorated).
    pub outcome: Option<ScoreOutcome>,
}

/// Input for a measure response.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMeasureResponse {
    /// Instrument.
    pub instrument: Instrument,
    /// Timepoint.
    pub timepoint: Timepoint,
    /// Administration mode.
    pub mode: AdministrationMode,
    /// Raw answers (empty for PAM).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub answers: Vec<Option<i64>>,
    /// MYCaW concern wording.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub concern_labels: Vec<String>,
    /// PAM result from a licensed scorer (required for PAM, refused otherwise).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pam: Option<PamResult>,
    /// When answered; now when `None`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub recorded_at: Option<DateTime<Utc>>,
}

/// The whole plan document, as a screen shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The person.
    pub person_id: Id,
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
    /// The person's outcome-measure responses, oldest first.
    pub measures: Vec<MeasureResponse>,
    /// Goals, steps and measure responses left out above because a newer app version wrote
    /// them with codes this build does not know (kept in the document, untouched).
    pub newer_items: Vec<super::NewerItem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_bounds() {
        assert!(check_rating(0).is_ok());
        assert!(check_rating(10).is_ok());
        assert!(check_rating(11).is_err());
        assert!(check_rating(-1).is_err());
    }
}
