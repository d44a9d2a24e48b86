//! Shared set-up: stores in a temporary directory, generated people, an in-memory session.

use linkwork_core::model::{NewGoal, NewPerson, NewStep, NewStore, Role, StepOwner};
use linkwork_core::{Id, Store, SyncStats};

/// Errors as text: a benchmark only reports them.
pub type Res<T> = Result<T, String>;

/// Maps any displayable error to text.
pub fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// A new store in `dir`.
pub fn store(dir: &std::path::Path, name: &str, role: Role, person: Option<Id>) -> Res<Store> {
    Store::create(
        dir.join(format!("{name}.db")),
        NewStore {
            user: name.into(),
            role,
            person,
        },
    )
    .map_err(e)
}

/// Adds `n` people with a goal and a step each; returns (person, goal) ids.
pub fn populate(s: &Store, n: usize) -> Res<Vec<(Id, Id)>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let p = s
            .add_person(NewPerson {
                given_name: format!("Given{i}"),
                family_name: format!("Family{i}"),
                ..Default::default()
            })
            .map_err(e)?;
        let g = s
            .add_goal(
                p,
                NewGoal {
                    text: format!("Goal of person {i}"),
                    ..Default::default()
                },
            )
            .map_err(e)?;
        s.add_step(
            p,
            NewStep {
                text: "Phone the group".into(),
                owner: StepOwner::Person,
                owner_name: None,
                goal_id: Some(g),
                due: None,
            },
        )
        .map_err(e)?;
        out.push((p, g));
    }
    Ok(out)
}

/// Runs one session between `a` (connecting) and `b` in memory; returns both sides' stats.
pub fn sync(a: &Store, b: &Store) -> Res<(SyncStats, SyncStats)> {
    let (mut sa, first) = a.sync_start().map_err(e)?;
    let mut sb = b.sync_accept();
    let mut msg = Some(first);
    let mut to_b = true;
    while let Some(m) = msg {
        let step = if to_b {
            b.sync_receive(&mut sb, &m)
        } else {
            a.sync_receive(&mut sa, &m)
        }
        .map_err(e)?;
        msg = step.reply;
        to_b = !to_b;
    }
    Ok((sa.stats(), sb.stats()))
}
