//! Sync cost for a caseload: a new device receiving it, a reconnect with nothing to do, one
//! offline edit on each side.

use std::time::Instant;

use linkwork_core::model::{NewProgress, Role};
use linkwork_core::SyncStats;

use crate::support::{e, populate, store, sync, Res};

fn row(label: &str, (a, b): (SyncStats, SyncStats), ms: f64) {
    println!(
        "| {label} | {} | {} | {} | {ms:.1} ms |",
        a.round_trips().max(b.round_trips()),
        a.bytes_sent,
        b.bytes_sent
    );
}

/// Runs the sync-cost benchmark for 250 and 1,000 people and prints its table.
pub fn run() -> Res<()> {
    println!();
    println!("sync cost (people each with a goal and a step)");
    println!();
    println!("| case | round trips | bytes a->b | bytes b->a | time |");
    println!("| --- | --- | --- | --- | --- |");
    for n in [250usize, 1000] {
        let dir = tempfile::tempdir().map_err(e)?;
        let a = store(dir.path(), "a", Role::LinkWorker, None)?;
        let b = store(dir.path(), "b", Role::LinkWorker, None)?;
        let people = populate(&a, n)?;
        let t = Instant::now();
        let first = sync(&a, &b)?;
        row(
            &format!("{n} people: new device receives the caseload"),
            first,
            t.elapsed().as_secs_f64() * 1e3,
        );
        let t = Instant::now();
        let idle = sync(&a, &b)?;
        row(
            &format!("{n} people: reconnect, nothing to do"),
            idle,
            t.elapsed().as_secs_f64() * 1e3,
        );
        a.record_progress(
            people[0].1,
            NewProgress {
                rating: Some(4),
                note: None,
            },
        )
        .map_err(e)?;
        b.record_progress(
            people[1].1,
            NewProgress {
                rating: Some(6),
                note: None,
            },
        )
        .map_err(e)?;
        let t = Instant::now();
        let one = sync(&a, &b)?;
        row(
            &format!("{n} people: one offline edit on each side"),
            one,
            t.elapsed().as_secs_f64() * 1e3,
        );
    }
    Ok(())
}
