//! The plan document: goals and progress, steps, needs, what matters, review date, due items.

use linkwork_core::model::{
    text, GoalStatus, GoalUpdate, Need, NewGoal, NewProgress, NewStep, StepOwner, StepUpdate,
};
use serde_json::json;

use super::{
    clearable, clearable_date, code, date, id, number, opt_code, opt_date, require_change, Ctx,
};
use crate::args::{
    DueArgs, GoalAddArgs, GoalCmd, GoalProgressArgs, GoalUpdateArgs, NeedCmd, PlanCmd, StepAddArgs,
    StepCmd, StepUpdateArgs,
};
use crate::error::CliResult;
use crate::output;

/// Parses repeated need codes.
fn needs(codes: &[String]) -> CliResult<Vec<Need>> {
    codes.iter().map(|c| code::<Need>("need", c)).collect()
}

/// `goal ...` commands.
///
/// # Errors
/// Bad input, unknown ids.
pub fn goal(ctx: &Ctx, cmd: GoalCmd) -> CliResult {
    match cmd {
        GoalCmd::Add(a) => goal_add(ctx, a),
        GoalCmd::Update(a) => goal_update(ctx, a),
        GoalCmd::Progress(a) => goal_progress(ctx, a),
    }
}

/// `goal add`.
fn goal_add(ctx: &Ctx, a: GoalAddArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let goal = NewGoal {
        text: a.text,
        smart_detail: a.detail,
        needs: needs(&a.needs)?,
        target_date: opt_date("target_date", a.target.as_deref())?,
    };
    let store = ctx.store()?;
    let goal = store.add_goal(person, goal)?;
    ctx.out.created(goal)
}

/// `goal update`.
fn goal_update(ctx: &Ctx, a: GoalUpdateArgs) -> CliResult {
    let goal = id("goal", &a.goal)?;
    let update = GoalUpdate {
        text: a.text,
        smart_detail: clearable(a.detail),
        target_date: clearable_date("target_date", a.target.as_deref())?,
        status: opt_code::<GoalStatus>("status", a.status.as_deref())?,
        needs: if a.needs.is_empty() {
            None
        } else {
            Some(needs(&a.needs)?)
        },
    };
    require_change(
        "update",
        update.text.is_some()
            || update.smart_detail.is_some()
            || update.target_date.is_some()
            || update.status.is_some()
            || update.needs.is_some(),
    )?;
    let store = ctx.store()?;
    store.update_goal(goal, update)?;
    ctx.out.done(None, json!({}))
}

/// `goal progress`.
fn goal_progress(ctx: &Ctx, a: GoalProgressArgs) -> CliResult {
    let goal = id("goal", &a.goal)?;
    let rating = a
        .rating
        .as_deref()
        .map(|r| number::<i32>("rating", r, "must be between 0 and 10"))
        .transpose()?;
    let store = ctx.store()?;
    let entry = store.record_progress(
        goal,
        NewProgress {
            rating,
            note: a.note,
        },
    )?;
    ctx.out.created(entry)
}

/// `step ...` commands.
///
/// # Errors
/// Bad input, unknown ids, a step already done (or not done, for reopen).
pub fn step(ctx: &Ctx, cmd: StepCmd) -> CliResult {
    match cmd {
        StepCmd::Add(a) => step_add(ctx, a),
        StepCmd::Update(a) => step_update(ctx, a),
        StepCmd::Done(a) => {
            let step = id("step", &a.id)?;
            ctx.store()?.complete_step(step)?;
            ctx.out.done(None, json!({}))
        }
        StepCmd::Reopen(a) => {
            let step = id("step", &a.id)?;
            ctx.store()?.reopen_step(step)?;
            ctx.out.done(None, json!({}))
        }
    }
}

/// `step add`.
fn step_add(ctx: &Ctx, a: StepAddArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let step = NewStep {
        text: a.text,
        owner: code::<StepOwner>("owner", &a.owner)?,
        owner_name: a.owner_name,
        goal_id: a.goal.as_deref().map(|g| id("goal", g)).transpose()?,
        due: opt_date("due", a.due.as_deref())?,
    };
    let store = ctx.store()?;
    let step = store.add_step(person, step)?;
    ctx.out.created(step)
}

/// `step update`.
fn step_update(ctx: &Ctx, a: StepUpdateArgs) -> CliResult {
    let step = id("step", &a.step)?;
    let update = StepUpdate {
        text: a.text,
        owner: opt_code::<StepOwner>("owner", a.owner.as_deref())?,
        owner_name: clearable(a.owner_name),
        due: clearable_date("due", a.due.as_deref())?,
    };
    require_change(
        "update",
        update.text.is_some()
            || update.owner.is_some()
            || update.owner_name.is_some()
            || update.due.is_some(),
    )?;
    let store = ctx.store()?;
    store.update_step(step, update)?;
    ctx.out.done(None, json!({}))
}

/// `need add|remove`.
///
/// # Errors
/// Bad need code, unknown person, removing a need that is not recorded.
pub fn need(ctx: &Ctx, cmd: NeedCmd) -> CliResult {
    match cmd {
        NeedCmd::Add(a) => {
            let person = id("person", &a.person)?;
            let need = code::<Need>("need", &a.need)?;
            ctx.store()?.add_need(person, need, a.note.as_deref())?;
            ctx.out.done(None, json!({}))
        }
        NeedCmd::Remove(a) => {
            let person = id("person", &a.person)?;
            let need = code::<Need>("need", &a.need)?;
            ctx.store()?.remove_need(person, need)?;
            ctx.out.done(None, json!({}))
        }
    }
}

/// `plan what-matters|review|show`.
///
/// # Errors
/// Bad input, unknown person.
pub fn plan(ctx: &Ctx, cmd: PlanCmd) -> CliResult {
    match cmd {
        PlanCmd::WhatMatters(a) => {
            let person = id("person", &a.person)?;
            // "What matters" may be edited down but not set to nothing from the CLI.
            let text = text::required("what_matters", &a.text)?;
            ctx.store()?.set_what_matters(person, &text)?;
            ctx.out.done(None, json!({}))
        }
        PlanCmd::Review(a) => {
            let person = id("person", &a.person)?;
            let review = clearable_date("review_date", Some(&a.date))?.flatten();
            ctx.store()?.set_review_date(person, review)?;
            ctx.out.done(None, json!({}))
        }
        PlanCmd::Show(a) => {
            let person = id("person", &a.person)?;
            let plan = ctx.store()?.plan(person)?;
            ctx.out.show(&plan, output::plan)
        }
    }
}

/// `due [--until DATE]`.
///
/// # Errors
/// A bad date; storage errors.
pub fn due(ctx: &Ctx, a: DueArgs) -> CliResult {
    let until = match a.until.as_deref() {
        Some(d) => date("until", d)?,
        None => text::today(),
    };
    if let Some(page) = super::state::page_request(&a.page) {
        let page = ctx.store()?.due_page(until, &page)?;
        return super::state::show_page(ctx, &page, output::due);
    }
    let items = ctx.store()?.due(until)?;
    ctx.out.show(&items, |i| output::due(i))
}
