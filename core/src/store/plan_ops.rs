//! Plan edits: what matters, needs, review date, goals and progress, steps, measures.
//! A patient's own store may record goal progress, tick steps and answer measures; every other
//! plan edit is the link worker's.

use chrono::NaiveDate;

use super::{Projected, Store};
use crate::doc::plan_doc;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::measures::{self, Instrument};
use crate::model::*;

impl Store {
    /// Sets "what matters to me", in the person's words (merged character by character).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for oversized text; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn set_what_matters(&self, person: Id, text: &str) -> Result<()> {
        self.require_link_worker("edit what matters")?;
        let text = text::bounded("what_matters", text.trim())?;
        self.edit_projecting(
            person,
            DocKind::Plan,
            "plan.what-matters",
            None,
            Projected::Nothing,
            |tx, _| plan_doc::set_what_matters(tx, &text),
        )
    }

    /// Records a need (or replaces its note).
    ///
    /// # Errors
    /// [`Error::InvalidInput`]; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn add_need(&self, person: Id, need: Need, note: Option<&str>) -> Result<()> {
        self.require_link_worker("record a need")?;
        let note = text::optional("note", note)?;
        self.edit_projecting(
            person,
            DocKind::Plan,
            "need.add",
            None,
            Projected::Nothing,
            |tx, a| plan_doc::add_need(tx, a, need, note.as_deref()),
        )
    }

    /// Removes a recorded need.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the need is not recorded; [`Error::NotPermitted`].
    pub fn remove_need(&self, person: Id, need: Need) -> Result<()> {
        self.require_link_worker("remove a need")?;
        self.edit_projecting(
            person,
            DocKind::Plan,
            "need.remove",
            None,
            Projected::Nothing,
            |tx, _| plan_doc::remove_need(tx, need),
        )
    }

    /// Sets or clears the plan's review date.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn set_review_date(&self, person: Id, date: Option<NaiveDate>) -> Result<()> {
        self.require_link_worker("set the review date")?;
        self.edit_projecting(
            person,
            DocKind::Plan,
            "plan.review-date",
            None,
            Projected::Nothing,
            |tx, _| plan_doc::set_review_date(tx, date),
        )
    }

    /// Adds a goal in the person's own words (status `active`). Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty text; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn add_goal(&self, person: Id, goal: NewGoal) -> Result<Id> {
        self.require_link_worker("add a goal")?;
        let goal = NewGoal {
            text: text::required("text", &goal.text)?,
            smart_detail: text::optional("smart_detail", goal.smart_detail.as_deref())?,
            needs: goal.needs,
            target_date: goal.target_date,
        };
        let id = Id::new();
        self.edit(person, DocKind::Plan, "goal.add", Some(id), |tx, a| {
            plan_doc::add_goal(tx, a, id, &goal)
        })?;
        Ok(id)
    }

    /// Changes a goal's text, detail, target date, status or needs.
    ///
    /// # Errors
    /// [`Error::InvalidInput`]; [`Error::NotFound`] for an unknown goal; [`Error::NotPermitted`].
    pub fn update_goal(&self, goal: Id, update: GoalUpdate) -> Result<()> {
        self.require_link_worker("change a goal")?;
        let mut u = update;
        if let Some(t) = &u.text {
            u.text = Some(text::required("text", t)?);
        }
        if let Some(Some(d)) = &u.smart_detail {
            u.smart_detail = Some(text::optional("smart_detail", Some(d))?);
        }
        let person = self.owner_of(goal, "goal")?;
        self.refuse_past_episode(person, goal)?;
        self.edit(person, DocKind::Plan, "goal.update", Some(goal), |tx, _| {
            plan_doc::update_goal(tx, goal, &u)
        })
    }

    /// Records progress on a goal: a 0-10 rating, a note, or both. Returns the entry's id.
    /// Allowed on the person's own store.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a rating above 10 or neither rating nor note;
    /// [`Error::NotFound`] for an unknown goal; [`Error::NotPermitted`].
    pub fn record_progress(&self, goal: Id, progress: NewProgress) -> Result<Id> {
        let p = NewProgress {
            rating: progress.rating.map(check_rating).transpose()?,
            note: text::optional("note", progress.note.as_deref())?,
        };
        if p.rating.is_none() && p.note.is_none() {
            return Err(Error::invalid("progress", "needs a rating or a note"));
        }
        let person = self.owner_of(goal, "goal")?;
        self.require_plan_access(person, "record progress")?;
        self.refuse_past_episode(person, goal)?;
        let id = Id::new();
        // A progress entry of a goal (which `add_progress` checked is readable) shows only in
        // the item index: no due date, goal count or status changes.
        self.edit_projecting(
            person,
            DocKind::Plan,
            "goal.progress",
            Some(goal),
            Projected::NewItem(id, "progress"),
            |tx, a| plan_doc::add_progress(tx, a, goal, id, &p),
        )?;
        Ok(id)
    }

    /// Adds an action-plan step. Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty text; [`Error::NotFound`] for an unknown person or
    /// goal; [`Error::NotPermitted`].
    pub fn add_step(&self, person: Id, step: NewStep) -> Result<Id> {
        self.require_link_worker("add a step")?;
        let step = NewStep {
            text: text::required("text", &step.text)?,
            owner_name: text::optional("owner_name", step.owner_name.as_deref())?,
            ..step
        };
        let id = Id::new();
        self.edit(person, DocKind::Plan, "step.add", Some(id), |tx, a| {
            plan_doc::add_step(tx, a, id, &step)
        })?;
        Ok(id)
    }

    /// Changes a step's text, owner or due date (rescheduling).
    ///
    /// # Errors
    /// [`Error::InvalidInput`]; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn update_step(&self, step: Id, update: StepUpdate) -> Result<()> {
        self.require_link_worker("change a step")?;
        let mut u = update;
        if let Some(t) = &u.text {
            u.text = Some(text::required("text", t)?);
        }
        if let Some(Some(n)) = &u.owner_name {
            u.owner_name = Some(text::optional("owner_name", Some(n))?);
        }
        let person = self.owner_of(step, "step")?;
        self.refuse_past_episode(person, step)?;
        self.edit(person, DocKind::Plan, "step.update", Some(step), |tx, _| {
            plan_doc::update_step(tx, step, &u)
        })
    }

    /// Marks a step done. Allowed on the person's own store.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when already done; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn complete_step(&self, step: Id) -> Result<()> {
        let person = self.owner_of(step, "step")?;
        self.refuse_past_episode(person, step)?;
        self.require_plan_access(person, "tick a step")?;
        self.edit(person, DocKind::Plan, "step.done", Some(step), |tx, a| {
            plan_doc::set_step_done(tx, a, step, true)
        })
    }

    /// Marks a done step as not done. Allowed on the person's own store.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when not done; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn reopen_step(&self, step: Id) -> Result<()> {
        let person = self.owner_of(step, "step")?;
        self.refuse_past_episode(person, step)?;
        self.require_plan_access(person, "reopen a step")?;
        self.edit(person, DocKind::Plan, "step.reopen", Some(step), |tx, a| {
            plan_doc::set_step_done(tx, a, step, false)
        })
    }

    /// Records an outcome-measure response (raw answers; incomplete is stored as incomplete).
    /// Allowed on the person's own store. Returns its id.
    ///
    /// # Errors
    /// [`Error::Measure`] for wrong-length or out-of-range answers or a bad PAM result;
    /// [`Error::InvalidInput`] for misplaced concern labels or PAM data; [`Error::NotFound`];
    /// [`Error::NotPermitted`].
    pub fn record_measure(&self, person: Id, response: NewMeasureResponse) -> Result<Id> {
        self.require_plan_access(person, "record a measure")?;
        let mut labels = Vec::new();
        for l in &response.concern_labels {
            labels.push(text::required("concern_labels", l)?);
        }
        match response.instrument {
            Instrument::Pam => {
                let pam = response.pam.as_ref().ok_or_else(|| {
                    Error::invalid("pam", "a PAM response needs the licensed scorer's result")
                })?;
                pam.validate()?;
                if !response.answers.is_empty() {
                    return Err(Error::invalid(
                        "answers",
                        "PAM answers are not stored; pass the scored result",
                    ));
                }
            }
            instrument => {
                if response.pam.is_some() {
                    return Err(Error::invalid("pam", "only applies to PAM"));
                }
                measures::validate(instrument, &response.answers)?;
            }
        }
        if response.instrument == Instrument::Mycaw {
            let concerns = response
                .answers
                .iter()
                .take(2)
                .filter(|a| a.is_some())
                .count();
            if labels.len() > 2 || (concerns > 0 && labels.len() != concerns) {
                return Err(Error::invalid(
                    "concern_labels",
                    "give one label for each rated MYCaW concern",
                ));
            }
        } else if !labels.is_empty() {
            return Err(Error::invalid("concern_labels", "only apply to MYCaW"));
        }
        let response = NewMeasureResponse {
            concern_labels: labels,
            ..response
        };
        let id = Id::new();
        self.edit_projecting(
            person,
            DocKind::Plan,
            "measure.record",
            Some(id),
            Projected::NewItem(id, "measure"),
            |tx, a| plan_doc::add_measure(tx, a, id, &response),
        )?;
        Ok(id)
    }
}

impl Store {
    /// Refuses an edit of a goal or step that belongs to a past episode: a person's record
    /// shows past episodes read-only ([`crate::model::scope`]). Only a link-worker store knows
    /// the episodes; a patient's store edits its plan as before.
    ///
    /// # Errors
    /// [`Error::NotPermitted`] for an item of a past episode.
    fn refuse_past_episode(&self, person: Id, item: Id) -> Result<()> {
        if self.info.role != Role::LinkWorker {
            return Ok(());
        }
        let record = self.person(person)?;
        let plan = &record.plan;
        let episode = plan
            .goals
            .iter()
            .find(|g| g.id == item)
            .and_then(|g| g.episode_id)
            .or_else(|| {
                plan.steps
                    .iter()
                    .find(|s| s.id == item)
                    .and_then(|s| s.episode_id)
            });
        match episode {
            Some(e) if record.is_past_episode(e) => Err(Error::NotPermitted {
                action: "change an item of a past episode (past episodes are read-only)",
            }),
            _ => Ok(()),
        }
    }
}
