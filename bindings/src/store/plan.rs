//! Plan edits: what matters, needs, review date, goals and progress, steps, measures.
//! A patient's own store may record progress, tick steps and answer measures; every other
//! plan edit is the link worker's.

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::id;
use crate::types::{
    GoalUpdate, Need, NewGoal, NewMeasureResponse, NewProgress, NewStep, StepUpdate,
};
use crate::LinkWorkError;
use chrono::NaiveDate;

blocking_and_async! {
impl LinkWorkStore {
    /// Sets "what matters to me", in the person's words.
    ///
    /// Errors: `InvalidInput` for oversized text; `NotFound`; `NotPermitted`.
    pub fn set_what_matters / set_what_matters_blocking(&self, person_id: String, text: String) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .set_what_matters(id("person_id", &person_id)?, &text)?)
    }

    /// Records a need (or replaces its note).
    ///
    /// Errors: `InvalidInput`; `NotFound`; `NotPermitted`.
    #[uniffi::method(default(note = None))]
    pub fn add_need / add_need_blocking(
        &self,
        person_id: String,
        need: Need,
        note: Option<String>,
    ) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .add_need(id("person_id", &person_id)?, need, note.as_deref())?)
    }

    /// Removes a recorded need.
    ///
    /// Errors: `NotFound` (also when the need is not recorded); `NotPermitted`.
    pub fn remove_need / remove_need_blocking(&self, person_id: String, need: Need) -> Result<(), LinkWorkError> {
        Ok(self.inner.remove_need(id("person_id", &person_id)?, need)?)
    }

    /// Sets or clears (`null`/`nil`) the plan's review date.
    ///
    /// Errors: `InvalidInput` for a malformed date; `NotFound`; `NotPermitted`.
    pub fn set_review_date / set_review_date_blocking(
        &self,
        person_id: String,
        date: Option<NaiveDate>,
    ) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .set_review_date(id("person_id", &person_id)?, date)?)
    }

    /// Adds a goal in the person's own words (status `Active`) and returns its id.
    ///
    /// Errors: `InvalidInput` for empty text or a malformed date; `NotFound`; `NotPermitted`.
    pub fn add_goal / add_goal_blocking(&self, person_id: String, goal: NewGoal) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .add_goal(id("person_id", &person_id)?, goal)?
            .to_string())
    }

    /// Changes a goal's text, detail, target date, status or needs.
    ///
    /// Errors: `InvalidInput`; `NotFound` for an unknown goal; `NotPermitted`.
    pub fn update_goal / update_goal_blocking(&self, goal_id: String, update: GoalUpdate) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .update_goal(id("goal_id", &goal_id)?, update.try_into()?)?)
    }

    /// Records progress on a goal (a 0-10 rating, a note, or both) and returns the entry's id.
    /// Allowed on the person's own store.
    ///
    /// Errors: `InvalidInput` (field `rating`) above 10, or neither rating nor note;
    /// `NotFound` for an unknown goal; `NotPermitted`.
    pub fn record_progress / record_progress_blocking(
        &self,
        goal_id: String,
        progress: NewProgress,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .record_progress(id("goal_id", &goal_id)?, progress)?
            .to_string())
    }

    /// Adds an action-plan step and returns its id.
    ///
    /// Errors: `InvalidInput` for empty text; `NotFound` for an unknown person or goal;
    /// `NotPermitted`.
    pub fn add_step / add_step_blocking(&self, person_id: String, step: NewStep) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .add_step(id("person_id", &person_id)?, step)?
            .to_string())
    }

    /// Changes a step's text, owner or due date (rescheduling).
    ///
    /// Errors: `InvalidInput`; `NotFound`; `NotPermitted`.
    pub fn update_step / update_step_blocking(&self, step_id: String, update: StepUpdate) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .update_step(id("step_id", &step_id)?, update.try_into()?)?)
    }

    /// Marks a step done. Allowed on the person's own store.
    ///
    /// Errors: `Conflict` when already done; `NotFound`; `NotPermitted`.
    pub fn complete_step / complete_step_blocking(&self, step_id: String) -> Result<(), LinkWorkError> {
        Ok(self.inner.complete_step(id("step_id", &step_id)?)?)
    }

    /// Marks a done step as not done. Allowed on the person's own store.
    ///
    /// Errors: `Conflict` when not done; `NotFound`; `NotPermitted`.
    pub fn reopen_step / reopen_step_blocking(&self, step_id: String) -> Result<(), LinkWorkError> {
        Ok(self.inner.reopen_step(id("step_id", &step_id)?)?)
    }

    /// Records an outcome-measure response (raw answers; incomplete answers are stored as
    /// incomplete, never prorated) and returns its id. Allowed on the person's own store.
    ///
    /// Errors: `InvalidInput` (field `answers`, `pam`, `concern_labels`, ...) for wrong-length
    /// or out-of-range answers, a bad PAM result or misplaced labels; `NotFound`;
    /// `NotPermitted`.
    pub fn record_measure / record_measure_blocking(
        &self,
        person_id: String,
        response: NewMeasureResponse,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .record_measure(id("person_id", &person_id)?, response)?
            .to_string())
    }
}}
