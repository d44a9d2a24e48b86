//! Episode scoping: every goal, need, step, measure response, onward referral, consultation
//! and contact attempt belongs to one episode.
//!
//! Consultations and contact attempts carry `episode_id` in the document. The other items
//! belong to **the episode that was open when they were written**: the episode with the
//! greatest (`opened_at`, id) not after the item's time (a goal's or step's `created_at`, a
//! need's `recorded_at`, a measure response's `recorded_at`, an onward referral's
//! `sent_at`); an item older than every episode belongs to the first. A step linked to a goal
//! belongs to the goal's episode. This is decided when reading, so documents written before
//! episodes scoped the record need no rewrite ("migration" by rule, as `docs/schema.md`
//! Evolution requires), and two devices always agree.
//!
//! [`PersonRecord::for_episode`] gives the record as one episode sees it; reports, paired
//! change, the GP message and the FHIR export work on it, so a second episode never shows
//! the first one's goals, referrals or measure change.

use chrono::{DateTime, Utc};

use super::{Episode, NewerItem, PersonRecord, Plan};
use crate::ids::Id;

/// The episode open at `at`: the latest opened at or before `at`, or the first episode when
/// `at` is before all of them. `None` only when there are no episodes. `episodes` must be
/// oldest first (as [`super::CaseRecord::episodes`] is).
pub fn episode_at(episodes: &[Episode], at: DateTime<Utc>) -> Option<Id> {
    episodes
        .iter()
        .rev()
        .find(|e| e.opened_at <= at)
        .or_else(|| episodes.first())
        .map(|e| e.id)
}

/// Whether a goal or step whose episode is decided by `at` (a goal's `created_at`; a step's, or
/// its readable goal's) belongs to a past episode, from only the case's readable episodes
/// (oldest first) and its items hidden as newer: what [`PersonRecord::is_past_episode`] says of
/// the item's episode once [`assign_episodes`] has run, without reading the rest of the record.
pub(crate) fn made_in_past_episode(
    episodes: &[Episode],
    newer: &[NewerItem],
    at: DateTime<Utc>,
) -> bool {
    let Some(episode) = episode_at(episodes, at) else {
        return false;
    };
    super::record::current_of(episodes, newer).is_none_or(|current| current.id != episode)
}

/// Fills `episode_id` of every plan item and onward referral from the case's episodes (see
/// the module rules). Leaves them `None` when there is no case (a patient's own store).
pub(crate) fn assign_episodes(record: &mut PersonRecord) {
    let Some(case) = record.case.as_mut() else {
        return;
    };
    let episodes = &case.episodes;
    let plan = &mut record.plan;
    for n in &mut plan.needs {
        n.episode_id = episode_at(episodes, n.recorded_at);
    }
    for g in &mut plan.goals {
        g.episode_id = episode_at(episodes, g.created_at);
    }
    for s in &mut plan.steps {
        let of_goal = s
            .goal_id
            .and_then(|g| plan.goals.iter().find(|goal| goal.id == g))
            .and_then(|g| g.episode_id);
        s.episode_id = of_goal.or_else(|| episode_at(episodes, s.created_at));
    }
    for m in &mut plan.measures {
        m.episode_id = episode_at(episodes, m.recorded_at);
    }
    for o in &mut case.onward_referrals {
        o.episode_id = episode_at(episodes, o.sent_at);
    }
}

impl PersonRecord {
    /// The record as episode `episode` sees it: only that episode, and only the needs,
    /// goals, steps, measure responses, onward referrals, consultations and contact attempts
    /// that belong to it. Person-level data (demographics, consent, flags, case notes) stays.
    /// Without a case (a patient's store) the record is returned whole.
    pub fn for_episode(&self, episode: Id) -> PersonRecord {
        let mut out = self.clone();
        let Some(case) = out.case.as_mut() else {
            return out;
        };
        let mine = |e: Option<Id>| e == Some(episode);
        case.episodes.retain(|e| e.id == episode);
        case.onward_referrals.retain(|o| mine(o.episode_id));
        case.consultations.retain(|c| c.episode_id == episode);
        case.contact_attempts.retain(|c| c.episode_id == episode);
        let plan: &mut Plan = &mut out.plan;
        plan.needs.retain(|n| mine(n.episode_id));
        plan.goals.retain(|g| mine(g.episode_id));
        plan.steps.retain(|s| mine(s.episode_id));
        plan.measures.retain(|m| mine(m.episode_id));
        out
    }

    /// The record as its current episode sees it ([`PersonRecord::for_episode`]); the whole
    /// record when there is no case or no readable current episode.
    pub fn current_scope(&self) -> PersonRecord {
        match self.case.as_ref().and_then(|c| c.current_episode()) {
            Some(e) => self.for_episode(e.id),
            None => self.clone(),
        }
    }

    /// Whether `episode` is a past (not the current) episode of this person: its items are
    /// shown read-only.
    pub fn is_past_episode(&self, episode: Id) -> bool {
        self.case.as_ref().is_some_and(|c| {
            c.episodes.iter().any(|e| e.id == episode)
                && c.current_episode().is_none_or(|cur| cur.id != episode)
        })
    }
}
