//! The plan document: what matters, needs, goals with progress, steps, review date, measures.

use automerge::transaction::Transactable;
use automerge::{ObjId, ReadDoc, ROOT};
use chrono::{DateTime, Utc};

use super::keys::*;
use super::read::{read_items, unknown_code, Reader};
use super::write::*;
use super::Actor;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::measures::{self, AdministrationMode, Instrument, PamResult, Timepoint};
use crate::model::{
    Code, Goal, GoalStatus, GoalUpdate, MeasureResponse, Need, NewGoal, NewMeasureResponse,
    NewProgress, NewStep, NewerItem, Plan, ProgressEntry, RecordedNeed, Step, StepOwner,
    StepUpdate,
};

/// Writes the skeleton of a new plan document.
pub(crate) fn init<T: Transactable>(tx: &mut T, person: Id) -> Result<()> {
    put_str(tx, &ROOT, SCHEMA, PLAN_SCHEMA)?;
    tx.put(&ROOT, VERSION, SCHEMA_VERSION)?;
    put_str(tx, &ROOT, PERSON, &person.to_string())?;
    put_text(tx, &ROOT, WHAT_MATTERS, "")?;
    for c in PLAN_COLLECTIONS {
        new_map(tx, &ROOT, c)?;
    }
    Ok(())
}

/// Sets "what matters to me" (merged character by character).
pub(crate) fn set_what_matters<T: Transactable>(tx: &mut T, text: &str) -> Result<()> {
    put_text(tx, &ROOT, WHAT_MATTERS, text)
}

/// Sets or clears the review date.
pub(crate) fn set_review_date<T: Transactable>(
    tx: &mut T,
    date: Option<chrono::NaiveDate>,
) -> Result<()> {
    put_opt_date(tx, &ROOT, REVIEW_DATE, date)
}

/// Records a need (replacing the note of an already recorded need).
pub(crate) fn add_need<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    need: Need,
    note: Option<&str>,
) -> Result<()> {
    let needs = collection(tx, NEEDS)?;
    let conflicted = tx.get_all(&needs, need.code())?.len() > 1;
    let item = match Reader::new(tx).map(&needs, need.code()) {
        // Two devices recorded this need at once: the new record replaces both, keeping what
        // the shown one held (unknown keys included), so recording it again resolves the
        // conflict.
        Some(existing) if conflicted => replace_map_with_copy(tx, &needs, need.code(), &existing)?,
        Some(existing) => existing,
        None => {
            let m = new_map(tx, &needs, need.code())?;
            put_str(tx, &m, "recorded_by", &a.user)?;
            put_time(tx, &m, "recorded_at", a.now)?;
            m
        }
    };
    put_opt_str(tx, &item, "note", note)
}

/// Removes a need.
pub(crate) fn remove_need<T: Transactable>(tx: &mut T, need: Need) -> Result<()> {
    let needs = collection(tx, NEEDS)?;
    if Reader::new(tx).map(&needs, need.code()).is_none() {
        return Err(Error::not_found("need", need.code()));
    }
    delete(tx, &needs, need.code())
}

fn known_needs() -> Vec<&'static str> {
    Need::ALL.iter().map(|n| n.code()).collect()
}

/// The goal `id`, refused with [`Error::NewerVersion`] when it carries a code this build does
/// not know (an edit would act on a goal the app cannot show).
fn readable_goal<T: Transactable>(tx: &T, id: Id) -> Result<ObjId> {
    readable_item(tx, GOALS, "goal", "goal", id, read_goal)
}

/// The step `id`, refused with [`Error::NewerVersion`] like [`readable_goal`].
fn readable_step<T: Transactable>(tx: &T, id: Id) -> Result<ObjId> {
    readable_item(tx, STEPS, "step", "step", id, read_step)
}

/// Adds a goal (already validated).
pub(crate) fn add_goal<T: Transactable>(tx: &mut T, a: &Actor, id: Id, g: &NewGoal) -> Result<()> {
    let goal = new_item(tx, GOALS, &id.to_string())?;
    put_text(tx, &goal, "text", &g.text)?;
    put_opt_str(tx, &goal, "smart_detail", g.smart_detail.as_deref())?;
    let needs: Vec<&str> = g.needs.iter().map(|n| n.code()).collect();
    put_key_set(tx, &goal, NEEDS, &needs, &known_needs())?;
    put_opt_date(tx, &goal, "target_date", g.target_date)?;
    put_str(tx, &goal, "status", GoalStatus::Active.code())?;
    put_str(tx, &goal, "created_by", &a.user)?;
    put_time(tx, &goal, "created_at", a.now)?;
    new_map(tx, &goal, PROGRESS)?;
    Ok(())
}

/// Applies a goal update (already validated).
pub(crate) fn update_goal<T: Transactable>(tx: &mut T, id: Id, u: &GoalUpdate) -> Result<()> {
    let goal = readable_goal(tx, id)?;
    if let Some(text) = &u.text {
        put_text(tx, &goal, "text", text)?;
    }
    if let Some(detail) = &u.smart_detail {
        put_opt_str(tx, &goal, "smart_detail", detail.as_deref())?;
    }
    if let Some(target) = u.target_date {
        put_opt_date(tx, &goal, "target_date", target)?;
    }
    if let Some(status) = u.status {
        put_str(tx, &goal, "status", status.code())?;
    }
    if let Some(needs) = &u.needs {
        let codes: Vec<&str> = needs.iter().map(|n| n.code()).collect();
        put_key_set(tx, &goal, NEEDS, &codes, &known_needs())?;
    }
    Ok(())
}

/// Adds a progress entry to a goal.
pub(crate) fn add_progress<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    goal: Id,
    entry: Id,
    p: &NewProgress,
) -> Result<()> {
    let goal = readable_goal(tx, goal)?;
    let progress = Reader::new(tx)
        .map(&goal, PROGRESS)
        .ok_or_else(|| Error::schema("goal without progress map"))?;
    let e = new_map(tx, &progress, &entry.to_string())?;
    if let Some(r) = p.rating {
        put_int(tx, &e, "rating", i64::from(r))?;
    }
    put_opt_str(tx, &e, "note", p.note.as_deref())?;
    put_str(tx, &e, "recorded_by", &a.user)?;
    put_time(tx, &e, "recorded_at", a.now)?;
    Ok(())
}

/// Adds a step (already validated; the goal, if any, exists).
pub(crate) fn add_step<T: Transactable>(tx: &mut T, a: &Actor, id: Id, s: &NewStep) -> Result<()> {
    if let Some(goal) = s.goal_id {
        readable_goal(tx, goal)?;
    }
    let step = new_item(tx, STEPS, &id.to_string())?;
    put_text(tx, &step, "text", &s.text)?;
    put_str(tx, &step, "owner", s.owner.code())?;
    put_opt_str(tx, &step, "owner_name", s.owner_name.as_deref())?;
    put_opt_str(
        tx,
        &step,
        "goal_id",
        s.goal_id.map(|g| g.to_string()).as_deref(),
    )?;
    put_opt_date(tx, &step, "due", s.due)?;
    put_str(tx, &step, "created_by", &a.user)?;
    put_time(tx, &step, "created_at", a.now)?;
    Ok(())
}

/// Applies a step update.
pub(crate) fn update_step<T: Transactable>(tx: &mut T, id: Id, u: &StepUpdate) -> Result<()> {
    let step = readable_step(tx, id)?;
    if let Some(text) = &u.text {
        put_text(tx, &step, "text", text)?;
    }
    if let Some(owner) = u.owner {
        put_str(tx, &step, "owner", owner.code())?;
    }
    if let Some(name) = &u.owner_name {
        put_opt_str(tx, &step, "owner_name", name.as_deref())?;
    }
    if let Some(due) = u.due {
        put_opt_date(tx, &step, "due", due)?;
    }
    Ok(())
}

/// Marks a step done, or not done.
pub(crate) fn set_step_done<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    done: bool,
) -> Result<()> {
    let step = readable_step(tx, id)?;
    let is_done = Reader::new(tx).time(&step, "done_at").is_some();
    if is_done == done {
        return Err(Error::IllegalTransition {
            machine: "step",
            from: if is_done { "done" } else { "open" }.into(),
            to: if done { "done" } else { "open" }.into(),
        });
    }
    if done {
        put_time(tx, &step, "done_at", a.now)?;
        put_str(tx, &step, "done_by", &a.user)?;
    } else {
        delete(tx, &step, "done_at")?;
        delete(tx, &step, "done_by")?;
    }
    Ok(())
}

/// Records a measure response (already validated).
pub(crate) fn add_measure<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    m: &NewMeasureResponse,
) -> Result<()> {
    let item = new_item(tx, MEASURES, &id.to_string())?;
    put_str(tx, &item, "instrument", m.instrument.code())?;
    put_str(tx, &item, "version", m.instrument.version())?;
    put_opt_int_list(tx, &item, "answers", &m.answers)?;
    put_str_list(tx, &item, "concern_labels", &m.concern_labels)?;
    if let Some(pam) = &m.pam {
        let p = new_map(tx, &item, "pam")?;
        tx.put(&p, "score", pam.score)?;
        put_int(tx, &p, "level", i64::from(pam.level))?;
        put_str(tx, &p, "version", &pam.version)?;
    }
    put_str(tx, &item, "timepoint", m.timepoint.code())?;
    put_str(tx, &item, "mode", m.mode.code())?;
    put_str(tx, &item, "recorded_by", &a.user)?;
    put_time(tx, &item, "recorded_at", m.recorded_at.unwrap_or(a.now))?;
    Ok(())
}

/// Reads the whole plan.
pub(crate) fn read<D: ReadDoc>(doc: &D) -> Result<Plan> {
    let r = Reader::new(doc);
    let person_id = r.id(&ROOT, PERSON)?;
    let mut needs = Vec::new();
    for (code, obj) in r.items(&ROOT, NEEDS) {
        let Some(need) = Need::from_code(&code) else {
            continue;
        };
        needs.push(RecordedNeed {
            need,
            note: r.str(&obj, "note"),
            recorded_by: r.req_str(&obj, "recorded_by")?,
            recorded_at: r.req_time(&obj, "recorded_at")?,
            episode_id: None,
        });
    }
    needs.sort_by_key(|n| n.need);
    // Items with a code this build does not know are left out and listed in `newer`.
    let mut newer: Vec<NewerItem> = Vec::new();
    let mut goals = read_items(
        &r,
        &ROOT,
        GOALS,
        "goal",
        "created_at",
        &mut newer,
        |k, o| read_goal(&r, k, o),
    )?;
    goals.sort_by_key(|g| (g.created_at, g.id));
    let mut steps = read_items(
        &r,
        &ROOT,
        STEPS,
        "step",
        "created_at",
        &mut newer,
        |k, o| read_step(&r, k, o),
    )?;
    steps.sort_by(|a, b| {
        (a.due.is_none(), a.due, a.created_at, a.id).cmp(&(
            b.due.is_none(),
            b.due,
            b.created_at,
            b.id,
        ))
    });
    let mut measures = read_items(
        &r,
        &ROOT,
        MEASURES,
        "measure",
        "recorded_at",
        &mut newer,
        |k, o| read_measure(&r, k, o),
    )?;
    measures.sort_by_key(|m| (m.recorded_at, m.id));
    newer.sort_by_key(|n| (n.at, n.id));
    Ok(Plan {
        person_id,
        what_matters: r.str(&ROOT, WHAT_MATTERS).unwrap_or_default(),
        needs,
        goals,
        steps,
        review_date: r.date(&ROOT, REVIEW_DATE)?,
        measures,
        newer_items: newer,
    })
}

/// The time that decides which episode goal or step `item` belongs to
/// ([`crate::model::scope`]): a goal's `created_at`; a step's goal's, when the step names a
/// goal this build can read, else the step's own. Reads only that item (and a step's goal).
/// `None` when there is no such goal or step, or it is one this build cannot read (a newer
/// version's code), as a full [`read`] leaves it out.
pub(crate) fn episode_time<D: ReadDoc>(doc: &D, item: Id) -> Result<Option<DateTime<Utc>>> {
    let r = Reader::new(doc);
    // An item a newer version wrote is left out, as `read` leaves it out.
    let readable = |read: Result<DateTime<Utc>>| match read {
        Ok(at) => Ok(Some(at)),
        Err(Error::NewerVersion { .. }) => Ok(None),
        Err(e) => Err(e),
    };
    let goal_time = |key: &str| match r.item(GOALS, key) {
        Some(o) => readable(read_goal(&r, key, &o).map(|g| g.created_at)),
        None => Ok(None),
    };
    let key = item.to_string();
    if let Some(at) = goal_time(&key)? {
        return Ok(Some(at));
    }
    let Some(o) = r.item(STEPS, &key) else {
        return Ok(None);
    };
    let step = match read_step(&r, &key, &o) {
        Ok(step) => step,
        Err(Error::NewerVersion { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match step.goal_id {
        Some(goal) => Ok(Some(
            goal_time(&goal.to_string())?.unwrap_or(step.created_at),
        )),
        None => Ok(Some(step.created_at)),
    }
}

fn item_id(key: &str) -> Result<Id> {
    Id::parse("id", key).map_err(|_| Error::schema("item key is not an id"))
}

fn read_goal<D: ReadDoc>(r: &Reader<'_, D>, key: &str, o: &ObjId) -> Result<Goal> {
    let mut progress = Vec::new();
    for (k, e) in r.items(o, PROGRESS) {
        progress.push(ProgressEntry {
            id: item_id(&k)?,
            rating: r
                .int(&e, "rating")
                .and_then(|v| u8::try_from(v).ok())
                .map(i32::from),
            note: r.str(&e, "note"),
            recorded_by: r.req_str(&e, "recorded_by")?,
            recorded_at: r.req_time(&e, "recorded_at")?,
        });
    }
    progress.sort_by_key(|p| (p.recorded_at, p.id));
    let mut needs: Vec<Need> = r
        .key_set(o, NEEDS)
        .iter()
        .filter_map(|c| Need::from_code(c))
        .collect();
    needs.sort();
    Ok(Goal {
        id: item_id(key)?,
        text: r.req_str(o, "text")?,
        smart_detail: r.str(o, "smart_detail"),
        needs,
        target_date: r.date(o, "target_date")?,
        status: r.code::<GoalStatus>(o, "status")?,
        progress,
        created_by: r.req_str(o, "created_by")?,
        created_at: r.req_time(o, "created_at")?,
        episode_id: None,
    })
}

fn read_step<D: ReadDoc>(r: &Reader<'_, D>, key: &str, o: &ObjId) -> Result<Step> {
    Ok(Step {
        id: item_id(key)?,
        text: r.req_str(o, "text")?,
        owner: r.code::<StepOwner>(o, "owner")?,
        owner_name: r.str(o, "owner_name"),
        goal_id: r.opt_id(o, "goal_id")?,
        due: r.date(o, "due")?,
        done_at: r.time(o, "done_at"),
        done_by: r.str(o, "done_by"),
        created_by: r.req_str(o, "created_by")?,
        created_at: r.req_time(o, "created_at")?,
        episode_id: None,
    })
}

fn read_measure<D: ReadDoc>(r: &Reader<'_, D>, key: &str, o: &ObjId) -> Result<MeasureResponse> {
    let code = r.req_str(o, "instrument")?;
    let instrument = Instrument::from_code(&code).ok_or_else(|| unknown_code("instrument"))?;
    let answers = r.opt_int_list(o, "answers");
    let pam = r.map(o, "pam").and_then(|p| {
        Some(PamResult {
            score: r.f64(&p, "score")?,
            level: i32::try_from(r.int(&p, "level")?).ok()?,
            version: r.str(&p, "version")?,
        })
    });
    let outcome = if instrument == Instrument::Pam {
        None
    } else {
        measures::score(instrument, &answers).ok()
    };
    Ok(MeasureResponse {
        id: item_id(key)?,
        instrument,
        version: r.req_str(o, "version")?,
        answers,
        concern_labels: r.str_list(o, "concern_labels"),
        pam,
        timepoint: Timepoint::from_code(&r.req_str(o, "timepoint")?)
            .ok_or_else(|| unknown_code("timepoint"))?,
        mode: AdministrationMode::from_code(&r.req_str(o, "mode")?)
            .ok_or_else(|| unknown_code("mode"))?,
        recorded_by: r.req_str(o, "recorded_by")?,
        recorded_at: r.req_time(o, "recorded_at")?,
        episode_id: None,
        outcome,
    })
}
