//! Plan edits: what matters, needs, review date, goals and progress, steps, measures.
//! A patient's own store may record goal progress, tick steps and answer measures; every other
//! plan edit is the link worker's.

use chrono::NaiveDate;

use super::cache::DocCache;
use super::{Projected, Store};
use crate::doc::{case_doc, plan_doc};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::measures::{self, Instrument};
use crate::model::*;
use crate::storage::{projections, WriteTx};

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
        self.edit_plan_item(person, goal, "goal.update", Projected::Refresh, |tx, _| {
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
        let id = Id::new();
        // A progress entry of a goal (which `add_progress` checked is readable) shows only in
        // the item index: no due date, goal count or status changes.
        self.edit_plan_item(
            person,
            goal,
            "goal.progress",
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
        self.edit_plan_item(person, step, "step.update", Projected::Refresh, |tx, _| {
            plan_doc::update_step(tx, step, &u)
        })
    }

    /// Marks a step done. Allowed on the person's own store.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when already done; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn complete_step(&self, step: Id) -> Result<()> {
        let person = self.owner_of(step, "step")?;
        self.require_plan_access(person, "tick a step")?;
        self.edit_plan_item(person, step, "step.done", Projected::Refresh, |tx, a| {
            plan_doc::set_step_done(tx, a, step, true)
        })
    }

    /// Marks a done step as not done. Allowed on the person's own store.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when not done; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn reopen_step(&self, step: Id) -> Result<()> {
        let person = self.owner_of(step, "step")?;
        self.require_plan_access(person, "reopen a step")?;
        self.edit_plan_item(person, step, "step.reopen", Projected::Refresh, |tx, a| {
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
    /// Refuses a change of goal or step `item` when it belongs to a past episode (link-worker
    /// stores; a patient's store has no episodes). Called in the edit's write transaction with
    /// the plan in the cache: reads only the item's times from the plan and the episodes from
    /// the case (loaded into the cache once), not the whole record. Only a link-worker store
    /// knows the episodes; a patient's store edits its plan as before.
    ///
    /// # Errors
    /// [`Error::NotPermitted`] for an item of a past episode.
    pub(super) fn refuse_past_episode(
        &self,
        tx: &WriteTx<'_>,
        cache: &mut DocCache,
        person: Id,
        item: Id,
    ) -> Result<()> {
        if self.info.role != Role::LinkWorker {
            return Ok(());
        }
        // The caseload row says where the current episode begins (kept with the case in every
        // transaction), so the case document is not loaded: it was half of a progress entry's
        // time (`linkwork-bench`). With no earlier episode (most people) the item's time is not
        // needed either: reading it reads the whole goal, 16% of a progress entry's
        // instructions (callgrind, docs/performance.md).
        let from = projections::current_episode_from(tx, person)?;
        if from == Some(None) {
            return Ok(());
        }
        let at = match cache.get(person, DocKind::Plan) {
            Some(plan) => plan_doc::episode_time(plan, item)?,
            None => None,
        };
        let Some(at) = at else {
            return Ok(());
        };
        if let Some(from) = from {
            return match from {
                Some(from) if at.timestamp_millis() < from => Err(Error::NotPermitted {
                    action: "change an item of a past episode (past episodes are read-only)",
                }),
                _ => Ok(()),
            };
        }
        // No caseload row yet (not expected once a person exists): ask the case.
        if !cache.ensure(tx, person, DocKind::Case)? {
            return Ok(());
        }
        let Some(case) = cache.get(person, DocKind::Case) else {
            return Ok(());
        };
        let (episodes, newer) = case_doc::episodes(case)?;
        if crate::model::scope::made_in_past_episode(&episodes, &newer, at) {
            return Err(Error::NotPermitted {
                action: "change an item of a past episode (past episodes are read-only)",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::test_store;

    fn transition(to: EpisodeStatus) -> EpisodeTransition {
        EpisodeTransition {
            to,
            discharge_reason: (to == EpisodeStatus::Discharged)
                .then_some(DischargeReason::GoalsMet),
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: (to == EpisodeStatus::Accepted).then_some(true),
            reason: None,
        }
    }

    fn step(text: &str, goal_id: Option<Id>) -> NewStep {
        NewStep {
            text: text.into(),
            owner: StepOwner::Person,
            owner_name: None,
            goal_id,
            due: None,
        }
    }

    fn refused(result: Result<()>) {
        assert!(
            matches!(result, Err(Error::NotPermitted { .. })),
            "{result:?}"
        );
    }

    /// A goal or step of a past episode cannot change, nor can a step made later for a past
    /// episode's goal (it belongs to the goal's episode); the current episode's can.
    #[test]
    fn goals_and_steps_of_a_past_episode_are_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = test_store(dir.path(), "s.db", "sam", Role::LinkWorker);
        let p = s
            .add_person(NewPerson {
                given_name: "Ada".into(),
                family_name: "Lovelace".into(),
                ..Default::default()
            })
            .unwrap();
        s.transition_episode(p, transition(EpisodeStatus::Accepted))
            .unwrap();
        let old_goal = s
            .add_goal(
                p,
                NewGoal {
                    text: "first episode goal".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        let old_step = s.add_step(p, step("first episode step", None)).unwrap();
        s.complete_step(old_step).unwrap();
        s.transition_episode(p, transition(EpisodeStatus::Discharged))
            .unwrap();
        s.open_episode(p, NewReferral::default()).unwrap();
        let linked = s
            .add_step(p, step("for the old goal", Some(old_goal)))
            .unwrap();
        let current = s.add_step(p, step("second episode step", None)).unwrap();
        let before = s.plan(p).unwrap();

        let update_goal = GoalUpdate {
            text: Some("changed".into()),
            ..Default::default()
        };
        refused(s.update_goal(old_goal, update_goal));
        let progress = NewProgress {
            rating: Some(3),
            note: None,
        };
        refused(s.record_progress(old_goal, progress).map(|_| ()));
        let update_step = || StepUpdate {
            text: Some("changed".into()),
            ..Default::default()
        };
        refused(s.update_step(old_step, update_step()));
        refused(s.reopen_step(old_step));
        refused(s.update_step(linked, update_step()));
        refused(s.complete_step(linked));
        assert_eq!(
            s.plan(p).unwrap(),
            before,
            "a refused edit changed the plan"
        );

        s.complete_step(current).unwrap();
        s.reopen_step(current).unwrap();
        s.update_step(current, update_step()).unwrap();
    }
}
