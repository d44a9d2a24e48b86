//! The personalised care and support plan: CarePlan with its Goals.

use serde_json::{json, Value};

use super::common::{code_system, date, display, instant, label, our_concept, reference};
use crate::ids::Id;
use crate::model::{Code, EpisodeStatus, Goal, GoalStatus, Plan, Step, StepOwner};

/// CarePlan.status from the current episode's state (`unknown` when the store holds no case).
pub fn care_plan_status(status: Option<EpisodeStatus>) -> &'static str {
    match status {
        None => "unknown",
        Some(EpisodeStatus::Referred | EpisodeStatus::Contacting) => "draft",
        Some(EpisodeStatus::Accepted) => "active",
        Some(EpisodeStatus::OnHold) => "on-hold",
        Some(EpisodeStatus::Discharged) => "completed",
        Some(
            EpisodeStatus::Declined | EpisodeStatus::UnableToContact | EpisodeStatus::Redirected,
        ) => "revoked",
    }
}

/// Goal.lifecycleStatus and the HL7 goal-achievement code (when one fits) for a goal status.
pub fn goal_statuses(status: GoalStatus) -> (&'static str, Option<&'static str>) {
    match status {
        GoalStatus::Active => ("active", Some("in-progress")),
        GoalStatus::Achieved => ("completed", Some("achieved")),
        // HL7 has no "partly achieved": our own coding carries it.
        GoalStatus::PartlyAchieved => ("completed", None),
        GoalStatus::NotAchieved => ("completed", Some("not-achieved")),
        GoalStatus::Dropped => ("cancelled", None),
    }
}

/// A Goal: the person's own words, status, target date, linked needs and progress.
pub(super) fn goal(g: &Goal, patient: Id) -> Value {
    let (lifecycle, achievement) = goal_statuses(g.status);
    let status_label = label(g.status.code());
    let mut codings = Vec::new();
    if let Some(code) = achievement {
        codings.push(json!({
            "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
            "code": code
        }));
    }
    codings.push(json!({
        "system": code_system("goal-status"),
        "code": g.status.code(),
        "display": status_label
    }));
    let mut notes = Vec::new();
    if let Some(smart) = &g.smart_detail {
        notes.push(json!({ "text": format!("SMART detail: {smart}") }));
    }
    for p in &g.progress {
        let text = match (p.rating, &p.note) {
            (Some(r), Some(n)) => format!("Progress {r}/10: {n}"),
            (Some(r), None) => format!("Progress {r}/10"),
            (None, Some(n)) => format!("Progress: {n}"),
            (None, None) => continue,
        };
        notes.push(json!({
            "authorString": p.recorded_by,
            "time": instant(p.recorded_at),
            "text": text
        }));
    }
    json!({
        "resourceType": "Goal",
        "id": g.id.to_string(),
        "lifecycleStatus": lifecycle,
        "achievementStatus": { "coding": codings, "text": status_label },
        "category": g.needs.iter().map(|n| our_concept("need", n.code(), &label(n.code())))
            .collect::<Vec<_>>(),
        "description": { "text": g.text },
        "subject": reference(patient),
        "startDate": date(g.created_at.date_naive()),
        "target": [g.target_date.map(|d| json!({ "dueDate": date(d) }))],
        "note": notes
    })
}

fn activity(s: &Step, goals: &[Goal]) -> Value {
    let performer = match (&s.owner_name, s.owner) {
        (Some(name), _) => name.clone(),
        (None, StepOwner::Person) => "The person".into(),
        (None, StepOwner::LinkWorker) => "Link worker".into(),
        (None, StepOwner::Service) => "Community service".into(),
        (None, StepOwner::Other) => "Other".into(),
    };
    let goal_ref = s
        .goal_id
        .filter(|g| goals.iter().any(|goal| goal.id == *g))
        .map(reference);
    let progress = s.done_at.map(|at| {
        json!({
            "authorString": s.done_by,
            "time": instant(at),
            "text": "Done"
        })
    });
    json!({
        "progress": [progress],
        "detail": {
            "status": if s.done_at.is_some() { "completed" } else { "not-started" },
            "description": s.text,
            "goal": [goal_ref],
            "scheduledPeriod": s.due.map(|d| json!({ "end": date(d) })),
            "performer": [display(&performer)]
        }
    })
}

/// The CarePlan: what matters as description, goals by reference, steps as activities,
/// needs and the review date as notes.
pub(super) fn care_plan(
    id: Id,
    plan: &Plan,
    patient: Id,
    episode_status: Option<EpisodeStatus>,
    onward: &[Id],
) -> Value {
    let needs: Vec<String> = plan
        .needs
        .iter()
        .map(|n| match &n.note {
            Some(note) => format!("{} ({note})", label(n.need.code())),
            None => label(n.need.code()),
        })
        .collect();
    let needs_note =
        (!needs.is_empty()).then(|| json!({ "text": format!("Needs: {}", needs.join("; ")) }));
    let review_note = plan
        .review_date
        .map(|d| json!({ "text": format!("Review date: {}", date(d)) }));
    json!({
        "resourceType": "CarePlan",
        "id": id.to_string(),
        "status": care_plan_status(episode_status),
        "intent": "plan",
        "category": [{ "text": "Personalised care and support plan" }],
        "title": "Personalised care and support plan",
        "description": plan.what_matters,
        "subject": reference(patient),
        "goal": plan.goals.iter().map(|g| reference(g.id)).collect::<Vec<_>>(),
        "activity": plan
            .steps
            .iter()
            .map(|s| activity(s, &plan.goals))
            .chain(onward.iter().map(|o| json!({ "reference": reference(*o) })))
            .collect::<Vec<_>>(),
        "note": [needs_note, review_note]
    })
}
